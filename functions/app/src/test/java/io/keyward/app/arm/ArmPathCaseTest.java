package io.keyward.app.arm;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ArmPathCaseTest {

    @Test
    void rewritesLiteralSegmentsOnly() {
        assertThat(ArmPathCase.canonical("/SUBSCRIPTIONS/S1/resourcegroups/Rg/PROVIDERS/microsoft.keyvault/VAULTS/MyVault"))
                .isEqualTo("/subscriptions/S1/resourceGroups/Rg/providers/Microsoft.KeyVault/vaults/MyVault");
        assertThat(ArmPathCase.canonical("/subscriptions/s/providers/MICROSOFT.KEYVAULT/Locations/WestEurope/DELETEDVAULTS/v1/PURGE"))
                .isEqualTo("/subscriptions/s/providers/Microsoft.KeyVault/locations/WestEurope/deletedVaults/v1/purge");
    }

    @Test
    void leavesNamesThatLookLikeLiteralsAlone() {
        // a resource group called "Vaults" and a vault called "Purge" keep their spelling
        assertThat(ArmPathCase.canonical("/subscriptions/s/resourcegroups/Vaults/providers/Microsoft.KeyVault/vaults/Purge"))
                .isEqualTo("/subscriptions/s/resourceGroups/Vaults/providers/Microsoft.KeyVault/vaults/Purge");
    }
}
