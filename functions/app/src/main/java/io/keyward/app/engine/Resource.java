package io.keyward.app.engine;

import io.keyward.app.arm.Actors;
import io.keyward.app.arm.ArmResourceId;
import io.keyward.app.cmk.CmkResource;
import io.keyward.app.cmk.CustomerKey;
import io.keyward.app.identity.Principal;
import io.micronaut.core.annotation.Nullable;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/**
 * A keyed resource as a surface sees it: what every surface has ({@code id} as first created, identity, phase, key,
 * tags, dates) and the surface's own {@code properties}.
 *
 * @param principalId the system-assigned identity (null: none), a MANAGED_IDENTITY principal in {@code tenantId}
 * @param key         the customer's key as configured; null: Microsoft-managed keys
 * @param actors      who created it and who last changed it through ARM (systemData); null on rows written before V45
 * @param userIdentities its user-assigned identities, and which of them (if one) reaches the key
 */
public record Resource<P>(UUID uuid, ArmResourceId id, String location, String tenantId, @Nullable UUID principalId, Phase phase,
                          @Nullable CustomerKey key, P properties, Map<String, String> tags, Instant createdAt, Instant updatedAt,
                          @Nullable Instant deletedAt, @Nullable Instant purgeAt, @Nullable Actors actors,
                          UserIdentities userIdentities) {

    public Resource {
        tags = Map.copyOf(tags);
        userIdentities = userIdentities == null ? UserIdentities.NONE : userIdentities;
    }

    /** A resource just created: {@code Succeeded} unless the surface says otherwise, no key yet. */
    public static <P> Resource<P> create(UUID uuid, ArmResourceId id, String location, String tenantId, @Nullable UUID principalId,
                                         P properties, Map<String, String> tags, Instant now) {
        return new Resource<>(uuid, id, location, tenantId, principalId, Phase.Succeeded, null, properties, tags, now, now, null, null, null,
                UserIdentities.NONE);
    }

    public String name() {
        return id.name();
    }

    public boolean deleted() {
        return deletedAt != null;
    }

    /**
     * What the CMK core needs to bind and unwrap this resource's AEK: the identity that reaches the key is the
     * user-assigned one chosen for it, else the system-assigned one.
     */
    public CmkResource cmk() {
        UUID keyPrincipal = userIdentities.keyPrincipal();
        return new CmkResource(uuid, id.type(), name(), tenantId, keyPrincipal != null ? keyPrincipal : principalId, location);
    }

    /** The principal that reaches the key (a user-assigned identity's, or the system-assigned one); null: none. */
    @Nullable
    public UUID keyPrincipal() {
        UUID keyPrincipal = userIdentities.keyPrincipal();
        return keyPrincipal != null ? keyPrincipal : principalId;
    }

    public Resource<P> withIdentities(@Nullable UUID newPrincipal, UserIdentities newIdentities) {
        return new Resource<>(uuid, id, location, tenantId, newPrincipal, phase, key, properties, tags, createdAt, updatedAt, deletedAt,
                purgeAt, actors, newIdentities);
    }

    public Resource<P> withProperties(P newProperties) {
        return new Resource<>(uuid, id, location, tenantId, principalId, phase, key, newProperties, tags, createdAt, updatedAt, deletedAt,
                purgeAt, actors, userIdentities);
    }

    public Resource<P> withTags(@Nullable Map<String, String> newTags) {
        return newTags == null ? this : new Resource<>(uuid, id, location, tenantId, principalId, phase, key, properties, newTags, createdAt,
                updatedAt, deletedAt, purgeAt, actors, userIdentities);
    }

    public Resource<P> withPhase(Phase newPhase) {
        return new Resource<>(uuid, id, location, tenantId, principalId, newPhase, key, properties, tags, createdAt, updatedAt, deletedAt,
                purgeAt, actors, userIdentities);
    }

    public Resource<P> withKey(@Nullable CustomerKey newKey) {
        return new Resource<>(uuid, id, location, tenantId, principalId, phase, newKey, properties, tags, createdAt, updatedAt, deletedAt,
                purgeAt, actors, userIdentities);
    }

    public Resource<P> withPrincipal(@Nullable UUID newPrincipal) {
        return new Resource<>(uuid, id, location, tenantId, newPrincipal, phase, key, properties, tags, createdAt, updatedAt, deletedAt,
                purgeAt, actors, userIdentities);
    }

    Resource<P> touched(Instant now) {
        return new Resource<>(uuid, id, location, tenantId, principalId, phase, key, properties, tags, createdAt, now, deletedAt, purgeAt, actors, userIdentities);
    }

    /** Written now by {@code caller}: the time and the last modifier move; a row without actors gets its first. */
    Resource<P> touchedBy(Instant now, Principal caller) {
        return new Resource<>(uuid, id, location, tenantId, principalId, phase, key, properties, tags, createdAt, now, deletedAt, purgeAt,
                Actors.modified(actors, caller), userIdentities);
    }

    /** Created by {@code caller}. */
    Resource<P> createdBy(Principal caller) {
        return new Resource<>(uuid, id, location, tenantId, principalId, phase, key, properties, tags, createdAt, updatedAt, deletedAt, purgeAt,
                Actors.created(caller), userIdentities);
    }

    Resource<P> deletedAt(@Nullable Instant when, @Nullable Instant purge) {
        return new Resource<>(uuid, id, location, tenantId, principalId, phase, key, properties, tags, createdAt, updatedAt, when, purge, actors, userIdentities);
    }
}
