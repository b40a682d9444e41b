package io.keyward.hsm;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.RSAPublicKeySpec;

/** The public half of an RSA key version, as read from the token's public key object. */
public record RsaPublicKey(BigInteger modulus, BigInteger publicExponent) {
    public int bits() {
        return modulus.bitLength();
    }

    public RSAPublicKey toJca() {
        try {
            return (RSAPublicKey) KeyFactory.getInstance("RSA")
                    .generatePublic(new RSAPublicKeySpec(modulus, publicExponent));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("JCE cannot represent the token's RSA public key", e);
        }
    }
}
