package io.keyward.app.vault;

import io.keyward.app.arm.ArmErrorCode;
import io.keyward.app.arm.ArmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

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
            AccessPolicy left = existing;
            for (AccessPolicy g : given) {
                if (existing.samePrincipal(g)) {
                    left = left.minus(g);
                }
            }
            if (!left.grantsNothing()) {
                result.add(left);
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
                result.set(i, result.get(i).union(a));
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
