package io.keyward.app.cmk;

/** An AEK as stored: wrapped ({@code algorithm}) by the customer's key version {@code keyId}. */
public record WrappedAek(String keyId, String keyVersion, String algorithm, byte[] wrapped) {
}
