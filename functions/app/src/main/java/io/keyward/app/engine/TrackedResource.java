package io.keyward.app.engine;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.keyward.app.arm.Actors;
import io.keyward.app.arm.ArmErrorCode;
import io.keyward.app.arm.ArmException;
import io.keyward.app.arm.SystemData;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * ARM's tracked-resource envelope (common-types TrackedResource) that every keyed resource answers with, around the
 * surface's own {@code properties}: one shape, so a member ARM adds to every resource is added once.
 */
@Serdeable
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TrackedResource<T>(String id, String name, String type, String location, Map<String, String> tags,
                                 ManagedIdentity identity, @Nullable ArmSku sku, T properties, @Nullable String etag,
                                 @Nullable SystemData systemData) {

    /** The envelope of {@code r}, shown with the wire spelling {@code type} ({@code Microsoft.Kusto/Clusters}). */
    public static <T> TrackedResource<T> of(Resource<?> r, String type, @Nullable ArmSku sku, T properties) {
        return new TrackedResource<>(r.id().toString(), r.name(), type, r.location(), r.tags(), ManagedIdentity.of(r), sku, properties,
                null, systemData(r));
    }

    /** The resource's systemData: its times, and its writers where recorded (V45 on). */
    public static SystemData systemData(Resource<?> r) {
        return Actors.systemData(r.actors(), r.createdAt(), r.updatedAt());
    }

    /** The same envelope with the {@code etag} of a type whose spec has one (Data Explorer clusters). */
    public TrackedResource<T> withEtag(String newEtag) {
        return new TrackedResource<>(id, name, type, location, tags, identity, sku, properties, newEtag, systemData);
    }

    /** The same envelope with {@code newIdentity} (a surface whose spec shows the identity in its own way). */
    public TrackedResource<T> withIdentity(ManagedIdentity newIdentity) {
        return new TrackedResource<>(id, name, type, location, tags, newIdentity, sku, properties, etag, systemData);
    }

    /** A name from a path that must match the surface's {@code pattern}, else {@code code} with {@code message}. */
    public static String requireName(@Nullable String name, Pattern pattern, ArmErrorCode code, String message, String target) {
        if (name == null || !pattern.matcher(name).matches()) {
            throw new ArmException(code, message, target);
        }
        return name;
    }
}
