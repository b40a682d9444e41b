package io.keyward.app.cmk;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.core.credential.TokenRequestContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Map;
import java.util.function.Function;
import reactor.core.publisher.Mono;

/**
 * A client-secret credential kept in a file ({@code clientId}, {@code clientSecret}, optionally {@code authority}:
 * the JSON {@code ./keyward client add} prints), read when a token is needed rather than at start: a secret mounted
 * from a secret store can be rotated, or written after Keyward started, without a restart. The SDK asks for a token
 * only when the one it holds is about to expire, and the built credential keeps its own token cache.
 */
final class CredentialsFile implements TokenCredential {

    /** What the file holds; {@code authority} may be null. */
    record Client(String clientId, String clientSecret, String authority) {
        @Override
        public String toString() {
            return "Client[" + clientId + "]";
        }
    }

    private final Path file;
    private final Function<byte[], Client> parse;
    private final Function<Client, TokenCredential> signIn;
    private byte[] digest;
    private TokenCredential current;

    CredentialsFile(Path file, Function<byte[], Client> parse, Function<Client, TokenCredential> signIn) {
        this.file = file;
        this.parse = parse;
        this.signIn = signIn;
    }

    @Override
    public Mono<AccessToken> getToken(TokenRequestContext request) {
        return Mono.defer(() -> current().getToken(request));
    }

    private synchronized TokenCredential current() {
        byte[] content;
        try {
            content = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UnusableCredential("the credentials file " + file + " cannot be read");
        }
        try {
            byte[] seen = sha256(content);
            if (current == null || !Arrays.equals(seen, digest)) {
                current = signIn.apply(client(content));
                digest = seen;
            }
            return current;
        } finally {
            Arrays.fill(content, (byte) 0);
        }
    }

    private Client client(byte[] content) {
        Client client;
        try {
            client = parse.apply(content);
        } catch (RuntimeException e) {
            throw new UnusableCredential("the credentials file " + file + " is not JSON with clientId and clientSecret");
        }
        if (client == null || blank(client.clientId()) || blank(client.clientSecret())) {
            throw new UnusableCredential("the credentials file " + file + " lacks clientId or clientSecret");
        }
        return client;
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }

    private static byte[] sha256(byte[] content) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(content);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The credential cannot be used at all (no file, no secret): the operator's to fix, never the customer's refusal. */
    static final class UnusableCredential extends RuntimeException {
        UnusableCredential(String message) {
            super(message, null, false, false);
        }
    }

    static Client fromJson(Map<String, Object> json) {
        return new Client(string(json.get("clientId")), string(json.get("clientSecret")), string(json.get("authority")));
    }

    private static String string(Object o) {
        return o instanceof String s ? s : null;
    }
}
