package io.keyward.hsm;

import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * Names one version of a key in the token: {@code name} is the token object's CKA_LABEL and {@code version}
 * (32 lowercase hex digits, like Key Vault's version ids) is its CKA_ID. Keys are always found by these, never by
 * an object handle, since handles do not survive a module re-initialisation or another process.
 */
public record KeyVersionRef(String name, String version) {
    /** Callers namespace names themselves (e.g. {@code vault-id/key-name}). */
    public static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:/-]{0,199}");
    public static final Pattern VERSION = Pattern.compile("[0-9a-f]{32}");

    public KeyVersionRef {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("key name must match " + NAME.pattern() + ": " + name);
        }
        if (version == null || !VERSION.matcher(version).matches()) {
            throw new IllegalArgumentException("key version must be 32 lowercase hex digits: " + version);
        }
    }

    public byte[] idBytes() {
        return HexFormat.of().parseHex(version);
    }

    static KeyVersionRef of(String name, byte[] id) {
        return new KeyVersionRef(name, HexFormat.of().formatHex(id));
    }

    @Override
    public String toString() {
        return name + "/" + version;
    }
}
