package io.keyward.app.vault.keys;

import io.keyward.hsm.KeyVersionRef;
import io.keyward.hsm.RsaPublicKey;
import java.util.List;
import java.util.Map;

/**
 * One version of a vault key: its metadata and, for RSA, its public half. The private half exists only in the
 * HSM, under {@link #hsmRef()}.
 *
 * @param publicKey null for oct-HSM keys
 */
public record KeyVersion(String vaultId, KeyName name, String version, KeyKind kind, int size,
                         List<KeyOperation> operations, KeyAttributes attributes, Map<String, String> tags,
                         RsaPublicKey publicKey, String hsmLabel) {

    public KeyVersion {
        operations = List.copyOf(operations);
        tags = Map.copyOf(tags);
    }

    public KeyVersionRef hsmRef() {
        return new KeyVersionRef(hsmLabel, version);
    }

    KeyVersion with(List<KeyOperation> newOperations, KeyAttributes newAttributes, Map<String, String> newTags) {
        return new KeyVersion(vaultId, name, version, kind, size, newOperations, newAttributes, newTags, publicKey,
                hsmLabel);
    }
}
