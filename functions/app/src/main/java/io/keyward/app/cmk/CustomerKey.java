package io.keyward.app.cmk;

import io.micronaut.core.annotation.Nullable;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The customer's key as a surface names it: vault URI ({@code https://name.<suffix>/}), key name and version
 * ({@code ""} = follow the latest enabled version). Surfaces check the wire format with {@link #parse} before they build one.
 */
public record CustomerKey(String vaultUri, String keyName, String keyVersion) {

    private static final Pattern KEY_NAME = Pattern.compile("^[0-9a-zA-Z-]{1,127}$");
    private static final Pattern KEY_VERSION = Pattern.compile("^[0-9a-fA-F]{32}$");

    public CustomerKey {
        keyVersion = keyVersion == null ? "" : keyVersion;
    }

    /**
     * The wire values as a key a vault could answer for, or empty: an https vault URI without path, query, fragment or user
     * info, a Key Vault key name, and an empty (follow the latest) or 32-hex version. The URI is kept as
     * {@code https://host[:port]/} and the version in lower case.
     */
    public static Optional<CustomerKey> parse(@Nullable String vaultUri, @Nullable String keyName, @Nullable String keyVersion) {
        String version = keyVersion == null ? "" : keyVersion.trim();
        if (vaultUri == null || keyName == null || !KEY_NAME.matcher(keyName).matches()
                || !(version.isEmpty() || KEY_VERSION.matcher(version).matches())) {
            return Optional.empty();
        }
        URI parsed;
        try {
            parsed = new URI(vaultUri.trim());
        } catch (URISyntaxException e) {
            return Optional.empty();
        }
        String path = parsed.getRawPath() == null ? "" : parsed.getRawPath();
        if (!"https".equalsIgnoreCase(parsed.getScheme()) || parsed.getHost() == null || parsed.getHost().indexOf('.') <= 0
                || !(path.isEmpty() || path.equals("/")) || parsed.getRawQuery() != null || parsed.getRawFragment() != null
                || parsed.getRawUserInfo() != null) {
            return Optional.empty();
        }
        String normal = "https://" + parsed.getHost().toLowerCase(Locale.ROOT) + (parsed.getPort() < 0 ? "" : ":" + parsed.getPort()) + "/";
        return Optional.of(new CustomerKey(normal, keyName, version.toLowerCase(Locale.ROOT)));
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
