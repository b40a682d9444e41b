package io.keyward.app.cmk;

import java.net.URI;

/**
 * The customer's key as a surface names it: vault URI ({@code https://name.<suffix>/}), key name and version
 * ({@code ""} = follow the latest enabled version). Surfaces validate the wire format before they build one.
 */
public record CustomerKey(String vaultUri, String keyName, String keyVersion) {

    public CustomerKey {
        keyVersion = keyVersion == null ? "" : keyVersion;
    }

    /** The vault's name: the first DNS label of its host ({@code myvault.vault.azure.net}). */
    public String vaultName() {
        String host = URI.create(vaultUri).getHost();
        return host == null || host.indexOf('.') < 0 ? "" : host.substring(0, host.indexOf('.'));
    }

    public boolean followsLatest() {
        return keyVersion.isEmpty();
    }
}
