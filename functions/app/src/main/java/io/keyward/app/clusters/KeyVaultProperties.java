package io.keyward.app.clusters;

import io.keyward.app.arm.ArmErrorCode;
import io.keyward.app.arm.ArmException;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The customer's key: vault URI, key name, version ({@code ""} = always the latest version) and the minimum RSA size
 * the customer asks for. Also the payload of the {@code clusters.updateKey} operation.
 */
@Serdeable
record KeyVaultProperties(String keyVaultUri, String keyName, String keyVersion, @Nullable Integer keyRsaSize) {

    KeyVaultProperties {
        keyVersion = keyVersion == null ? "" : keyVersion; // "" (follow the latest) may be left out of stored JSON
    }

    static final String BAD_FORMAT = "KeyVaultProperties is not empty but has a bad format. See key identifier update.";
    private static final Pattern KEY_NAME = Pattern.compile("^[0-9a-zA-Z-]{1,127}$");
    private static final Pattern KEY_VERSION = Pattern.compile("^[0-9a-fA-F]{32}$");

    /** Validates the wire values: the documented "bad format" error for anything a vault could never answer. */
    static KeyVaultProperties parse(@Nullable String uri, @Nullable String name, @Nullable String version, @Nullable Integer rsaSize) {
        String v = version == null ? "" : version.trim();
        if (uri == null || name == null || !KEY_NAME.matcher(name).matches() || !(v.isEmpty() || KEY_VERSION.matcher(v).matches())
                || (rsaSize != null && rsaSize != 2048 && rsaSize != 3072 && rsaSize != 4096)) {
            throw new ArmException(ArmErrorCode.BadRequest, BAD_FORMAT, "properties.keyVaultProperties");
        }
        URI parsed;
        try {
            parsed = new URI(uri.trim());
        } catch (URISyntaxException e) {
            throw new ArmException(ArmErrorCode.BadRequest, BAD_FORMAT, "properties.keyVaultProperties.keyVaultUri");
        }
        String path = parsed.getRawPath() == null ? "" : parsed.getRawPath();
        if (!"https".equalsIgnoreCase(parsed.getScheme()) || parsed.getHost() == null || parsed.getHost().indexOf('.') <= 0
                || !(path.isEmpty() || path.equals("/")) || parsed.getRawQuery() != null || parsed.getRawUserInfo() != null) {
            throw new ArmException(ArmErrorCode.BadRequest, BAD_FORMAT, "properties.keyVaultProperties.keyVaultUri");
        }
        String normal = "https://" + parsed.getHost().toLowerCase(Locale.ROOT) + (parsed.getPort() < 0 ? "" : ":" + parsed.getPort()) + "/";
        return new KeyVaultProperties(normal, name, v.toLowerCase(Locale.ROOT), rsaSize);
    }

    /** The vault's name: the first DNS label of its host ({@code myvault.vault.azure.net}). */
    String vaultName() {
        String host = URI.create(keyVaultUri).getHost();
        return host.substring(0, host.indexOf('.'));
    }

    boolean followsLatest() {
        return keyVersion.isEmpty();
    }
}
