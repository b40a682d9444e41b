package io.keyward.app.cmk;

import io.micronaut.context.annotation.Value;
import jakarta.inject.Singleton;
import java.util.Locale;
import java.util.Optional;

/**
 * The host names of Keyward's own vaults, {@code {vault}.<keyward.vault.dns-suffix>}, as the keys data plane reads its
 * Host header: one label before the suffix, any port.
 */
@Singleton
class HostedVaultNames {

    private final String suffix;

    HostedVaultNames(@Value("${keyward.vault.dns-suffix:vault.localhost}") String dnsSuffix) {
        this.suffix = "." + dnsSuffix.toLowerCase(Locale.ROOT).replaceAll("^\\.+", "");
    }

    /** The vault named by {@code host}, or empty when the host is not one of Keyward's vaults. */
    Optional<String> vaultName(String host) {
        if (host == null) {
            return Optional.empty();
        }
        String h = host.toLowerCase(Locale.ROOT);
        if (!h.endsWith(suffix) || h.length() == suffix.length()) {
            return Optional.empty();
        }
        String name = h.substring(0, h.length() - suffix.length());
        return name.contains(".") ? Optional.empty() : Optional.of(name);
    }
}
