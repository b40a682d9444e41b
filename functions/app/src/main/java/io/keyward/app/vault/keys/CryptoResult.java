package io.keyward.app.vault.keys;

/** The output of a key operation and the version that produced it (its kid goes back to the caller). */
public record CryptoResult(KeyVersion key, byte[] value) {
}
