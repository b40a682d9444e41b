package io.keyward.app.vault.keys;

/** Key Vault's {@code key_ops}: what a key version may be used for, whoever the caller is. */
public enum KeyOperation {
    ENCRYPT("encrypt"), DECRYPT("decrypt"), SIGN("sign"), VERIFY("verify"), WRAP_KEY("wrapKey"),
    UNWRAP_KEY("unwrapKey"), IMPORT("import"), EXPORT("export");

    private final String wireName;

    KeyOperation(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    public static KeyOperation fromWire(String name) {
        for (KeyOperation op : values()) {
            if (op.wireName.equalsIgnoreCase(name)) {
                return op;
            }
        }
        throw KeyVaultException.badParameter("Unknown key operation '" + name + "'.");
    }
}
