package io.keyward.app.vault;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The secret, certificate and storage permissions of a Key Vault access policy (keyvault.json's {@code SecretPermissions},
 * {@code CertificatePermissions}, {@code StoragePermissions}). Keyward serves keys only, but Azure accepts these every day
 * ({@code az keyvault set-policy --secret-permissions get}), so they are validated, stored and echoed, and grant nothing
 * here. Names compare without case and are kept in the spec's lower-case spelling; {@code all} stands for every one.
 */
enum OtherPermission {
    SECRETS("secrets", List.of("get", "list", "set", "delete", "backup", "restore", "recover", "purge")),
    CERTIFICATES("certificates", List.of("get", "list", "delete", "create", "import", "update", "managecontacts", "getissuers",
            "listissuers", "setissuers", "deleteissuers", "manageissuers", "recover", "purge", "backup", "restore")),
    STORAGE("storage", List.of("get", "list", "delete", "set", "update", "regeneratekey", "recover", "purge", "backup", "restore",
            "setsas", "listsas", "getsas", "deletesas"));

    private final String member;
    private final List<String> names;

    OtherPermission(String member, List<String> names) {
        this.member = member;
        this.names = names;
    }

    /** The member of {@code permissions} that lists them: {@code secrets}, {@code certificates}, {@code storage}. */
    String member() {
        return member;
    }

    List<String> names() {
        return names;
    }

    /** The permissions {@code name} stands for: one, every one for {@code all}, none when it is unknown or null. */
    Optional<Set<String>> parse(String name) {
        if (name == null) {
            return Optional.empty();
        }
        String key = name.trim().toLowerCase(Locale.ROOT);
        if (key.equals("all")) {
            return Optional.of(new TreeSet<>(names));
        }
        return names.contains(key) ? Optional.of(Set.of(key)) : Optional.empty();
    }
}
