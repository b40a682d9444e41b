package io.keyward.app.identity;

import io.keyward.hsm.Hsm;
import io.micronaut.context.BeanProvider;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Keyward's directory of principals and client registrations, and its {@link IdentityService}. Client secrets
 * are 32 bytes from the HSM's RNG; only a salted SHA-256 of each is stored.
 */
@Singleton
class Directory implements IdentityService {

    /** Tenant ids as Keyward accepts them in paths and tokens: Entra's GUIDs, or short names in tests. */
    static final Pattern TENANT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9.-]{0,63}");
    /** Principals never change type or name, so lookups for incoming tokens are remembered (bounded). */
    private static final int MAX_CACHED = 10_000;

    /** A client that proved its secret. */
    record SignedIn(Principal principal, String clientId) {
    }

    private final IdentityRepository repository;
    private final TokenIssuer issuer;
    private final BeanProvider<Hsm> hsm;
    private final Map<String, Optional<Principal>> cache = new ConcurrentHashMap<>();

    Directory(IdentityRepository repository, TokenIssuer issuer, BeanProvider<Hsm> hsm) {
        this.repository = repository;
        this.issuer = issuer;
        this.hsm = hsm;
    }

    @Override
    public Principal createPrincipal(String tenantId, PrincipalType type, String displayName) {
        Principal p = new Principal(requireTenant(tenantId), UUID.randomUUID().toString(), type, displayName);
        repository.insertPrincipal(p, false);
        return p;
    }

    @Override
    public Optional<Principal> findPrincipal(String tenantId, String objectId) {
        UUID oid;
        try {
            oid = UUID.fromString(objectId);
        } catch (IllegalArgumentException | NullPointerException e) {
            return Optional.empty();
        }
        String key = tenantId + "/" + oid;
        Optional<Principal> cached = cache.get(key);
        if (cached != null) {
            return cached;
        }
        // Absent ones are remembered too: Entra principals are never stored here, and object ids of new
        // principals are fresh UUIDs that nobody can have looked up before they were stored.
        Optional<Principal> found = repository.findPrincipal(tenantId, oid);
        if (cache.size() >= MAX_CACHED) {
            cache.clear();
        }
        cache.put(key, found);
        return found;
    }

    @Override
    public ClientCredentials registerClient(String tenantId, String displayName) {
        return register(tenantId, displayName, false);
    }

    ClientCredentials registerOperator(String tenantId, String displayName) {
        return register(tenantId, displayName, true);
    }

    boolean isOperator(Principal p) {
        return repository.isOperator(p.tenantId(), UUID.fromString(p.objectId()));
    }

    @Override
    public String issueToken(Principal principal, String audience, Duration lifetime) {
        return issuer.issue(principal, null, audience, lifetime);
    }

    String issueToken(SignedIn client, String audience, Duration lifetime) {
        return issuer.issue(client.principal(), client.clientId(), audience, lifetime);
    }

    /** The client's principal when {@code secret} is its secret; empty for unknown clients and wrong secrets alike. */
    Optional<SignedIn> signIn(String tenantId, String clientId, String secret) {
        UUID id;
        try {
            id = UUID.fromString(clientId);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        return repository.findClient(tenantId, id)
                .filter(c -> MessageDigest.isEqual(c.hash(), hash(c.salt(), secret)))
                .map(c -> new SignedIn(c.principal(), c.clientId().toString()));
    }

    private ClientCredentials register(String tenantId, String displayName, boolean operator) {
        requireTenant(tenantId);
        if (displayName == null || displayName.isBlank() || displayName.length() > 256) {
            throw new IllegalArgumentException("a client's display name is 1 to 256 characters");
        }
        Principal p = new Principal(tenantId, UUID.randomUUID().toString(), PrincipalType.SERVICE_PRINCIPAL, displayName);
        UUID clientId = UUID.randomUUID();
        byte[] random = hsm.get().random(48);
        String secret = Base64.getUrlEncoder().withoutPadding().encodeToString(java.util.Arrays.copyOf(random, 32));
        byte[] salt = java.util.Arrays.copyOfRange(random, 32, 48);
        repository.insertClient(p, operator, clientId, salt, hash(salt, secret));
        return new ClientCredentials(tenantId, clientId.toString(), secret, p);
    }

    static String requireTenant(String tenantId) {
        if (tenantId == null || !TENANT.matcher(tenantId).matches()) {
            throw new IllegalArgumentException("a tenant id is a GUID or up to 64 letters, digits, dots and dashes");
        }
        return tenantId;
    }

    private static byte[] hash(byte[] salt, String secret) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(salt);
            return sha.digest(secret.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }
}
