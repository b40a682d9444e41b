package io.keyward.app.clusters;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.keyward.app.arm.ArmException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The request rules that need no database: names, SKUs and the shape of keyVaultProperties. */
class ClusterRulesTest {

    @Test
    void namesFollowTheDocsAndTheSpecPattern() {
        for (String good : List.of("abc", "Cluster01", "my-cluster-1", "a".repeat(63))) {
            assertThat(Clusters.validName(good)).as(good).isTrue();
        }
        for (String bad : List.of("ab", "-abc", "abc-", "a_b_c", "a.bc", "a".repeat(64), "")) {
            assertThat(Clusters.validName(bad)).as(bad).isFalse();
        }
    }

    @Test
    void capacityIsTheSmallTiersOrAThousandAndUpInStepsOfAHundred() {
        for (long c : List.of(100L, 200L, 500L, 1000L, 1100L, 2000L, 25000L, 50000L)) {
            assertThat(ClusterCapacity.of(new io.keyward.app.engine.ArmSku("capacityReservation", null, (int) c), true)).isEqualTo(c);
        }
        for (long c : List.of(0L, 99L, 150L, 600L, 900L, 1050L, 50100L)) {
            assertThatThrownBy(() -> ClusterCapacity.of(new io.keyward.app.engine.ArmSku("CapacityReservation", null, (int) c), true))
                    .isInstanceOf(ArmException.class).hasMessageStartingWith("Capacity in SKU is not in range.");
        }
        assertThat(ClusterCapacity.of(null, false)).isNull();
        assertThat(ClusterCapacity.of(new io.keyward.app.engine.ArmSku("CapacityReservation", null, null), false)).isNull();
        assertThatThrownBy(() -> ClusterCapacity.of(null, true)).hasMessageStartingWith("No SKU was set.");
    }

    @Test
    void keyVaultPropertiesAreNormalisedOrRefusedAsBadFormat() {
        io.keyward.app.cmk.CustomerKey k = KeyVaultProperties.parse("https://MyVault.vault.localhost:7443", "key-1", null, null);
        assertThat(k.vaultUri()).isEqualTo("https://myvault.vault.localhost:7443/");
        assertThat(k.vaultName()).isEqualTo("myvault");
        assertThat(k.followsLatest()).isTrue();
        assertThat(KeyVaultProperties.parse("https://v1.vault.azure.net/", "k", "0123456789ABCDEF0123456789abcdef", 3072).keyVersion())
                .isEqualTo("0123456789abcdef0123456789abcdef");
        for (String uri : List.of("http://v1.vault.azure.net/", "https://localhost/", "https://v1.vault.azure.net/keys/k", "v1",
                "https://v1.vault.azure.net/?x=1")) {
            assertThatThrownBy(() -> KeyVaultProperties.parse(uri, "k", "", null)).as(uri)
                    .hasMessage(KeyVaultProperties.BAD_FORMAT);
        }
        assertThatThrownBy(() -> KeyVaultProperties.parse("https://v1.vault.azure.net/", "k", "v2", null))
                .hasMessage(KeyVaultProperties.BAD_FORMAT);
        assertThatThrownBy(() -> KeyVaultProperties.parse("https://v1.vault.azure.net/", "k", "", 1024))
                .hasMessage(KeyVaultProperties.BAD_FORMAT);
    }
}
