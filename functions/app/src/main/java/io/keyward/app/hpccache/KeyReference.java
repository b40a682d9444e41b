package io.keyward.app.hpccache;

import io.keyward.app.arm.ArmErrorCode;
import io.keyward.app.arm.ArmException;
import io.keyward.app.cmk.CustomerKey;
import io.micronaut.core.annotation.Nullable;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code encryptionSettings.keyEncryptionKey} as validated: the key URL ({@code https://<vault>.<suffix>/keys/<name>/<version>},
 * the version optional only when the cache follows the latest version) and the vault's ARM id.
 */
record KeyReference(String keyUrl, String vaultUri, String vaultName, String keyName, String keyVersion,
                    String vaultSubscription, String vaultGroup, String sourceVaultId, boolean rotationToLatest) {

    static final String KEY_URL_TARGET = "properties.encryptionSettings.keyEncryptionKey.keyUrl";
    static final String SOURCE_VAULT_TARGET = "properties.encryptionSettings.keyEncryptionKey.sourceVault.id";
    private static final Pattern VAULT_ID = Pattern.compile(
            "^/subscriptions/([^/]+)/resourceGroups/([^/]+)/providers/Microsoft\\.KeyVault/vaults/([^/]+)/?$", Pattern.CASE_INSENSITIVE);

    /** The key the core binds: the version given, or {@code ""} (the latest enabled one) when the cache follows the latest. */
    CustomerKey customerKey() {
        return new CustomerKey(vaultUri, keyName, rotationToLatest ? "" : keyVersion);
    }

    static KeyReference parse(@Nullable String keyUrl, @Nullable String sourceVaultId, boolean rotationToLatest, String vaultDnsSuffix) {
        Pattern url = Pattern.compile("^https://([a-z0-9-]{3,24})\\." + Pattern.quote(vaultDnsSuffix) + "(:[0-9]{1,5})?/keys/"
                + "([a-z0-9-]{1,127})(?:/([a-z0-9]{1,64}))?/?$", Pattern.CASE_INSENSITIVE);
        Matcher k = keyUrl == null ? null : url.matcher(keyUrl);
        if (k == null || !k.matches()) {
            throw new ArmException(ArmErrorCode.InvalidParameter, "The keyUrl '" + keyUrl + "' is invalid: it must be"
                    + " https://<vault-name>." + vaultDnsSuffix + "/keys/<key-name>/<key-version>.", KEY_URL_TARGET);
        }
        String version = k.group(4) == null ? "" : k.group(4);
        if (version.isEmpty() && !rotationToLatest) {
            throw new ArmException(ArmErrorCode.InvalidParameter, "The keyUrl '" + keyUrl + "' names no key version: give one, or set"
                    + " rotationToLatestKeyVersionEnabled to true to use the latest version of the key.", KEY_URL_TARGET);
        }
        Matcher v = sourceVaultId == null ? null : VAULT_ID.matcher(sourceVaultId);
        if (v == null || !v.matches()) {
            throw new ArmException(ArmErrorCode.InvalidParameter, "The sourceVault.id '" + sourceVaultId + "' is invalid: it must be the"
                    + " resource id of a key vault (/subscriptions/{id}/resourceGroups/{group}/providers/Microsoft.KeyVault/vaults/{name}).",
                    SOURCE_VAULT_TARGET);
        }
        String vaultName = k.group(1).toLowerCase(Locale.ROOT);
        if (!v.group(3).equalsIgnoreCase(vaultName)) {
            throw new ArmException(ArmErrorCode.BadRequest, "The keyUrl names vault '" + k.group(1) + "' but sourceVault.id names vault '"
                    + v.group(3) + "': the key must be in the source vault.", SOURCE_VAULT_TARGET);
        }
        String vaultUri = "https://" + k.group(1).toLowerCase(Locale.ROOT) + "." + vaultDnsSuffix + (k.group(2) == null ? "" : k.group(2)) + "/";
        return new KeyReference(keyUrl, vaultUri, vaultName, k.group(3), version, v.group(1).toLowerCase(Locale.ROOT), v.group(2),
                sourceVaultId, rotationToLatest);
    }
}
