package io.keyward.app.arm;

import io.keyward.app.identity.Principal;
import io.micronaut.core.annotation.Nullable;
import java.time.Instant;

/**
 * Who created a resource and who last changed it through ARM, for {@link SystemData}: callers' object ids and ARM's
 * principal kinds ({@code User}, {@code Application}, {@code ManagedIdentity}). One writer for every resource that records
 * them (keyed resources since V45, vaults since V47); rows written before have none and show only the times.
 */
public record Actors(@Nullable String createdBy, @Nullable String createdByType, @Nullable String lastModifiedBy,
                     @Nullable String lastModifiedByType) {

    /** Created (and so last changed) by {@code caller}. */
    public static Actors created(Principal caller) {
        return new Actors(caller.objectId(), kind(caller), caller.objectId(), kind(caller));
    }

    /** The stored columns, null when neither writer was recorded. */
    @Nullable
    public static Actors stored(@Nullable String createdBy, @Nullable String createdByType, @Nullable String lastModifiedBy,
                                @Nullable String lastModifiedByType) {
        return createdBy == null && lastModifiedBy == null ? null : new Actors(createdBy, createdByType, lastModifiedBy, lastModifiedByType);
    }

    /** Changed now by {@code caller}: the creator stays; {@code actors} null (a row from before) gets its first writer. */
    public static Actors modified(@Nullable Actors actors, Principal caller) {
        return actors == null ? created(caller) : new Actors(actors.createdBy, actors.createdByType, caller.objectId(), kind(caller));
    }

    /** The systemData of a resource created at {@code created} and changed last at {@code modified}, with its writers where recorded. */
    public static SystemData systemData(@Nullable Actors actors, Instant created, Instant modified) {
        return actors == null ? SystemData.times(created, modified) : new SystemData(actors.createdBy, actors.createdByType,
                created.toString(), actors.lastModifiedBy, actors.lastModifiedByType, modified.toString());
    }

    private static String kind(Principal p) {
        return switch (p.type()) {
            case USER -> "User";
            case SERVICE_PRINCIPAL -> "Application";
            case MANAGED_IDENTITY -> "ManagedIdentity";
        };
    }
}
