package io.keyward.app.cmk;

import io.keyward.app.vault.KeyPermission;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * What a surface requires of a customer key beyond what every surface requires (an enabled RSA key, soft delete and
 * purge protection, get/wrapKey/unwrapKey for the resource's identity, the vault in the resource's tenant).
 *
 * @param rsaSizes         allowed modulus sizes
 * @param minRsaSize       the smallest size the customer accepts (0: any allowed size)
 * @param sameRegion       the vault must be in the resource's region
 * @param extraPermissions key permissions the identity must hold besides get/wrapKey/unwrapKey (checked in the
 *                         vault's access policies, e.g. {@code recover} for Data Explorer)
 */
public record KeyPolicy(Set<Integer> rsaSizes, int minRsaSize, boolean sameRegion, Set<KeyPermission> extraPermissions) {

    /** RSA 2048 only (Data Explorer, HPC Cache). */
    public static KeyPolicy rsa2048(boolean sameRegion, Set<KeyPermission> extraPermissions) {
        return new KeyPolicy(Set.of(2048), 0, sameRegion, extraPermissions);
    }

    String describeSizes() {
        String sizes = new TreeSet<>(rsaSizes).stream().map(s -> "RSA " + s).collect(Collectors.joining(" or "));
        return minRsaSize > 0 ? sizes + " of at least " + minRsaSize + " bits" : sizes;
    }
}
