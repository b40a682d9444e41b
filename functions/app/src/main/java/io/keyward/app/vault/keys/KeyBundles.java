package io.keyward.app.vault.keys;

import io.keyward.app.vault.Vault;
import io.keyward.app.vault.keys.wire.JsonWebKey;
import io.keyward.app.vault.keys.wire.KeyAttributesWire;
import io.keyward.app.vault.keys.wire.KeyBundle;
import io.keyward.app.vault.keys.wire.KeyItem;
import java.math.BigInteger;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;

/**
 * Domain to wire. Ids are built on the URL the caller used ({@code https://host:port}), because the Azure SDK
 * sends its next calls (CryptographyClient, pollers) to the host and port it finds in {@code kid}.
 */
final class KeyBundles {
    private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();

    private KeyBundles() {
    }

    static KeyBundle of(KeyVersion v, Vault vault, String baseUrl) {
        return new KeyBundle(jwk(v, baseUrl), attributes(v, vault), v.tags(), null, null, null);
    }

    static KeyBundle deleted(DeletedKey d, Vault vault, String baseUrl) {
        KeyVersion v = d.latest();
        return new KeyBundle(jwk(v, baseUrl), attributes(v, vault), v.tags(),
                d.deletedAt() == null ? null : recoveryId(v, baseUrl), seconds(d.scheduledPurgeAt()),
                seconds(d.deletedAt()));
    }

    /** A listed key: the kid names the key, not a version, as Key Vault's GetKeys does. */
    static KeyItem item(KeyVersion v, Vault vault, String baseUrl) {
        return new KeyItem(baseUrl + "/keys/" + v.name(), attributes(v, vault), v.tags(), null, null, null);
    }

    static KeyItem versionItem(KeyVersion v, Vault vault, String baseUrl) {
        return new KeyItem(kid(v, baseUrl), attributes(v, vault), v.tags(), null, null, null);
    }

    static KeyItem deletedItem(DeletedKey d, Vault vault, String baseUrl) {
        KeyVersion v = d.latest();
        return new KeyItem(baseUrl + "/keys/" + v.name(), attributes(v, vault), v.tags(), recoveryId(v, baseUrl),
                seconds(d.scheduledPurgeAt()), seconds(d.deletedAt()));
    }

    static String kid(KeyVersion v, String baseUrl) {
        return baseUrl + "/keys/" + v.name() + "/" + v.version();
    }

    private static String recoveryId(KeyVersion v, String baseUrl) {
        return baseUrl + "/deletedkeys/" + v.name();
    }

    private static JsonWebKey jwk(KeyVersion v, String baseUrl) {
        String n = null;
        String e = null;
        if (v.publicKey() != null) {
            n = B64URL.encodeToString(unsigned(v.publicKey().modulus()));
            e = B64URL.encodeToString(unsigned(v.publicKey().publicExponent()));
        }
        return new JsonWebKey(kid(v, baseUrl), v.kind().wireName(),
                v.operations().stream().map(KeyOperation::wireName).toList(), n, e);
    }

    private static KeyAttributesWire attributes(KeyVersion v, Vault vault) {
        KeyAttributes a = v.attributes();
        KeyRecovery r = KeyRecovery.of(vault);
        return new KeyAttributesWire(a.enabled(), seconds(a.notBefore()), seconds(a.expires()), seconds(a.created()),
                seconds(a.updated()), r.level(), r.days(), Boolean.FALSE);
    }

    /** JWK integers are big-endian without the sign byte BigInteger adds (RFC 7518 section 6.3.1). */
    private static byte[] unsigned(BigInteger i) {
        byte[] b = i.toByteArray();
        return b.length > 1 && b[0] == 0 ? Arrays.copyOfRange(b, 1, b.length) : b;
    }

    private static Long seconds(Instant i) {
        return i == null ? null : i.getEpochSecond();
    }
}
