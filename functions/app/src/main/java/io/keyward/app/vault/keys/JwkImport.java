package io.keyward.app.vault.keys;

import io.keyward.app.vault.keys.wire.ImportedJwk;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.spec.RSAPrivateCrtKeySpec;
import java.util.Base64;

/**
 * An imported JWK checked before it reaches the token: an RSA key with every private part (RFC 7518 section 6.3.2,
 * the CRT form PKCS#11 takes), of a size the HSM keeps, whose parts agree with each other. Every refusal names the
 * problem and never a value: Key Vault's 400 BadParameter without key material.
 */
final class JwkImport {
    /** The sizes {@link KeyKind#hsmType} allows; a smaller modulus is refused as too small. */
    private static final int MIN_BITS = 2048;
    private static final int PRIME_CERTAINTY = 40;

    private JwkImport() {
    }

    /** The JWK as a JCA key, or Key Vault's BadParameter naming what is wrong with it. */
    static RSAPrivateCrtKey rsaPrivateKey(ImportedJwk jwk) {
        if (jwk == null) {
            throw KeyVaultException.badParameter("The key (a JSON Web Key) is required.");
        }
        String kty = jwk.kty();
        if (kty == null || kty.isEmpty()) {
            throw KeyVaultException.badParameter("The kty of the JSON Web Key is required.");
        }
        if (!kty.equals("RSA") && !kty.equals("RSA-HSM")) {
            throw KeyVaultException.badParameter("Key type '" + printable(kty) + "' cannot be imported here; import an "
                    + "RSA key (kty RSA or RSA-HSM) with its private parts.");
        }
        if (jwk.keyHsm() != null) {
            throw KeyVaultException.badParameter("key_hsm (a BYOK transfer blob) is not supported; import the RSA key's"
                    + " parts (n, e, d, p, q, dp, dq, qi) instead.");
        }
        if (jwk.k() != null || jwk.crv() != null || jwk.x() != null || jwk.y() != null) {
            throw KeyVaultException.badParameter("An RSA JSON Web Key has no k, crv, x or y.");
        }
        BigInteger n = part("n", jwk.n());
        BigInteger e = part("e", jwk.e());
        BigInteger d = part("d", jwk.d());
        BigInteger p = part("p", jwk.p());
        BigInteger q = part("q", jwk.q());
        BigInteger dp = part("dp", jwk.dp());
        BigInteger dq = part("dq", jwk.dq());
        BigInteger qi = part("qi", jwk.qi());
        int bits = n.bitLength();
        if (bits < MIN_BITS) {
            throw KeyVaultException.badParameter("The RSA modulus has " + bits + " bits, which is too small; import a "
                    + "2048, 3072 or 4096-bit key.");
        }
        if (bits != 2048 && bits != 3072 && bits != 4096) {
            throw KeyVaultException.badParameter("An RSA key of " + bits + " bits is not supported; import a 2048, 3072"
                    + " or 4096-bit key.");
        }
        if (!e.testBit(0) || e.compareTo(BigInteger.valueOf(3)) < 0 || e.bitLength() > 32) {
            throw KeyVaultException.badParameter("The public exponent e is not a valid RSA exponent.");
        }
        if (!p.multiply(q).equals(n)) {
            throw KeyVaultException.badParameter("The primes p and q do not make the modulus n.");
        }
        if (!p.isProbablePrime(PRIME_CERTAINTY) || !q.isProbablePrime(PRIME_CERTAINTY)) {
            throw KeyVaultException.badParameter("p and q are not both prime.");
        }
        BigInteger p1 = p.subtract(BigInteger.ONE);
        BigInteger q1 = q.subtract(BigInteger.ONE);
        BigInteger lambda = p1.divide(p1.gcd(q1)).multiply(q1);
        if (d.signum() <= 0 || d.compareTo(n) >= 0 || !e.multiply(d).mod(lambda).equals(BigInteger.ONE)) {
            throw KeyVaultException.badParameter("The private exponent d does not match the modulus n and exponent e.");
        }
        if (!d.mod(p1).equals(dp) || !d.mod(q1).equals(dq)) {
            throw KeyVaultException.badParameter("The CRT exponents dp and dq do not match d, p and q.");
        }
        if (!q.multiply(qi).mod(p).equals(BigInteger.ONE)) {
            throw KeyVaultException.badParameter("The CRT coefficient qi does not match p and q.");
        }
        try {
            return (RSAPrivateCrtKey) KeyFactory.getInstance("RSA")
                    .generatePrivate(new RSAPrivateCrtKeySpec(n, e, d, p, q, dp, dq, qi));
        } catch (GeneralSecurityException ex) {
            throw KeyVaultException.badParameter("The RSA key is not valid.");
        }
    }

    /** A JWK integer: base64url of its big-endian bytes (padding and the standard alphabet tolerated). */
    private static BigInteger part(String name, String value) {
        if (value == null || value.isEmpty()) {
            throw KeyVaultException.badParameter("The JSON Web Key has no '" + name + "': an imported RSA key needs n, e"
                    + " and the private parts d, p, q, dp, dq and qi.");
        }
        byte[] bytes;
        try {
            bytes = Base64.getUrlDecoder().decode(value.replace('+', '-').replace('/', '_').replace("=", ""));
        } catch (IllegalArgumentException ex) {
            throw KeyVaultException.badParameter("The '" + name + "' of the JSON Web Key is not valid base64url.");
        }
        BigInteger i = new BigInteger(1, bytes);
        java.util.Arrays.fill(bytes, (byte) 0);
        if (i.signum() == 0) {
            throw KeyVaultException.badParameter("The '" + name + "' of the JSON Web Key is zero.");
        }
        return i;
    }

    /** A kty is a short name; anything else is not repeated back. */
    private static String printable(String kty) {
        return kty.length() <= 16 && kty.matches("[A-Za-z0-9-]+") ? kty : "(unrecognised)";
    }
}
