package io.keyward.app.vault;

import io.keyward.app.arm.ArmErrorCode;
import io.keyward.app.arm.ArmException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The {@code operationKind} of Vaults_UpdateAccessPolicy and how Azure merges it into a vault's policies, per
 * principal ({@code tenantId}, {@code objectId}).
 */
enum AccessPolicyOperation {
    /** Union of permissions with the principal's existing policy, or a new policy. */
    ADD,
    /** The given list becomes the vault's list. */
    REPLACE,
    /** The listed permissions leave the principal's policy; a policy left without permissions is dropped. */
    REMOVE;

    static AccessPolicyOperation parse(String kind) {
        try {
            return valueOf(kind.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new ArmException(ArmErrorCode.InvalidParameter, "The operation kind '" + kind
                    + "' is invalid. It must be one of 'add', 'replace' or 'remove'.", "operationKind");
        }
    }

    String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    List<AccessPolicy> apply(List<AccessPolicy> current, List<AccessPolicy> given) {
        if (this == REPLACE) {
            return merge(List.of(), given);
        }
        if (this == ADD) {
            return merge(current, given);
        }
        List<AccessPolicy> result = new ArrayList<>();
        for (AccessPolicy existing : current) {
            Set<KeyPermission> keys = EnumSet.noneOf(KeyPermission.class);
            keys.addAll(existing.keys());
            given.stream().filter(existing::samePrincipal).forEach(g -> keys.removeAll(g.keys()));
            if (!keys.isEmpty()) {
                result.add(new AccessPolicy(existing.tenantId(), existing.objectId(), keys));
            }
        }
        return result;
    }

    /** {@code base} with each of {@code added} unioned into the same principal's policy, or appended. */
    static List<AccessPolicy> merge(List<AccessPolicy> base, List<AccessPolicy> added) {
        List<AccessPolicy> result = new ArrayList<>(base);
        for (AccessPolicy a : added) {
            int i = indexOf(result, a);
            if (i < 0) {
                result.add(a);
            } else {
                Set<KeyPermission> keys = EnumSet.noneOf(KeyPermission.class);
                keys.addAll(result.get(i).keys());
                keys.addAll(a.keys());
                result.set(i, new AccessPolicy(result.get(i).tenantId(), result.get(i).objectId(), keys));
            }
        }
        return result;
    }

    private static int indexOf(List<AccessPolicy> policies, AccessPolicy p) {
        for (int i = 0; i < policies.size(); i++) {
            if (policies.get(i).samePrincipal(p)) {
                return i;
            }
        }
        return -1;
    }
}
