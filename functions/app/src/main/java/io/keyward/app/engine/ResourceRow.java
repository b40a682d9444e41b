package io.keyward.app.engine;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.data.annotation.Id;
import io.micronaut.data.annotation.MappedEntity;
import io.micronaut.data.annotation.MappedProperty;
import io.micronaut.data.annotation.TypeDef;
import io.micronaut.data.model.DataType;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/** A row of {@code cmk_resources} (schema/ V15, user identities V42, actors V45); {@code properties} is the surface's own JSON object. */
@MappedEntity("cmk_resources")
record ResourceRow(
        @Id @MappedProperty("resource_uuid") UUID uuid,
        String resourceType,
        String subscriptionId,
        String resourceGroup,
        String name,
        String location,
        String tenantId,
        @Nullable UUID principalId,
        Phase phase,
        @Nullable String keyVaultUri,
        @Nullable String keyName,
        @Nullable String keyVersion,
        @TypeDef(type = DataType.JSON) String properties,
        @TypeDef(type = DataType.JSON) Map<String, String> tags,
        Instant createdAt,
        Instant updatedAt,
        @Nullable Instant deletedAt,
        @Nullable Instant purgeAt,
        @Nullable @TypeDef(type = DataType.JSON) String userIdentities,
        @Nullable String keyIdentity,
        @Nullable String createdBy,
        @Nullable String createdByType,
        @Nullable String lastModifiedBy,
        @Nullable String lastModifiedByType) {
}
