package io.keyward.app.vault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.keyward.app.arm.ArmErrorCode;
import io.keyward.app.arm.ArmException;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AccessPolicyOperationTest {

    private static AccessPolicy policy(String objectId, KeyPermission... keys) {
        return new AccessPolicy("t1", objectId, keys.length == 0 ? Set.of() : EnumSet.of(keys[0], keys));
    }

    private final List<AccessPolicy> current = List.of(policy("o1", KeyPermission.GET, KeyPermission.LIST), policy("o2", KeyPermission.SIGN));

    @Test
    void addUnionsPerPrincipalIgnoringCase() {
        List<AccessPolicy> result = AccessPolicyOperation.ADD.apply(current,
                List.of(new AccessPolicy("T1", "O1", Set.of(KeyPermission.WRAP_KEY)), policy("o3", KeyPermission.GET)));

        assertThat(result).containsExactly(policy("o1", KeyPermission.GET, KeyPermission.LIST, KeyPermission.WRAP_KEY),
                policy("o2", KeyPermission.SIGN), policy("o3", KeyPermission.GET));
    }

    @Test
    void removeTakesAwayPermissionsAndDropsEmptyPolicies() {
        List<AccessPolicy> result = AccessPolicyOperation.REMOVE.apply(current,
                List.of(policy("o1", KeyPermission.LIST, KeyPermission.PURGE), policy("o2", KeyPermission.SIGN)));

        assertThat(result).containsExactly(policy("o1", KeyPermission.GET));
    }

    @Test
    void replaceSetsTheList() {
        assertThat(AccessPolicyOperation.REPLACE.apply(current, List.of(policy("o9", KeyPermission.DECRYPT))))
                .containsExactly(policy("o9", KeyPermission.DECRYPT));
    }

    @Test
    void parsesKindsAndPermissionsCaseInsensitively() {
        assertThat(AccessPolicyOperation.parse("Replace")).isEqualTo(AccessPolicyOperation.REPLACE);
        assertThatThrownBy(() -> AccessPolicyOperation.parse("merge")).isInstanceOfSatisfying(ArmException.class,
                e -> assertThat(e.code()).isEqualTo(ArmErrorCode.InvalidParameter));
        assertThat(KeyPermission.parse("UNWRAPKEY")).contains(Set.of(KeyPermission.UNWRAP_KEY));
        assertThat(KeyPermission.parse("All")).contains(EnumSet.allOf(KeyPermission.class));
        assertThat(KeyPermission.parse("fly")).isEmpty();
    }

    @Test
    void vaultNamesFollowAzureRules() {
        assertThat(VaultName.valid("kw1")).isTrue();
        assertThat(VaultName.valid("a-b-c-123456789012345678")).isTrue();
        for (String bad : new String[] {"ab", "1ab", "a--b", "ab-", "a_b", "a23456789012345678901234z"}) {
            assertThat(VaultName.valid(bad)).as(bad).isFalse();
        }
    }
}
