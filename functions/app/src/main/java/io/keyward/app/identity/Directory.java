package io.keyward.app.identity;

import io.keyward.hsm.Hsm;
import io.micronaut.context.BeanProvider;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Keyward's directory of principals and client registrations, and its {@link IdentityService}. Client secrets
 * are 32 bytes from the HSM's RNG; only a salted SHA-256 of each is stored.
 *
 * <p>Bearer authentication looks principals up on every request, through a cache whose entries live
 * {@code keyward.identity.principal-cache-ttl} (10 s): a principal deleted or disabled here is refused by this
 * instance at once and by every other instance within that time.
 */
@Singleton
class Directory implements IdentityService {

    /** Tenant ids as Keyward accepts them in paths and tokens: Entra's GUIDs, or short names in tests. */
    static final Pattern TENANT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9.-]{0,63}");
    private static final int MAX_CACHED = 10_000;

    /** A client that proved its secret; {@code enabled} false when its principal is disabled. */
    record SignedIn(Principal principal, String clientId, boolean enabled) {
    }

    private record Cached(Optional<IdentityRepository.StoredPrincipal> row, long expiresAt) {
    }

    private final IdentityRepository repository;
    private final TokenIssuer issuer;
    private final BeanProvider<Hsm> hsm;
    private final Clock clock;
    private final Duration cacheTtl;
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();

    Directory(IdentityRepository repository, TokenIssuer issuer, BeanProvider<Hsm> hsm, Clock clock,
              IdentityProperties properties) {
        this.repository = repository;
        this.issuer = issuer;
        this.hsm = hsm;
        this.clock = clock;
        this.cacheTtl = properties.principalCacheTtl();
    }

    @Override
    public Principal createPrincipal(String tenantId, PrincipalType type, String displayName) {
        Principal p = new Principal(requireTenant(tenantId), UUID.randomUUID().toString(), type, displayName);
        repository.insertPrincipal(p.tenantId(), UUID.fromString(p.objectId()), type.name(), displayName, false);
        return p;
    }

    @Override
    public Optional<Principal> findPrincipal(String tenantId, String objectId) {
        return stored(tenantId, objectId).map(IdentityRepository.StoredPrincipal::principal);
    }

    /** The principal a token names, when it still exists and is enabled: what bearer authentication accepts. */
    @Override
    public Optional<Principal> activePrincipal(String tenantId, String objectId) {
        return stored(tenantId, objectId).filter(IdentityRepository.StoredPrincipal::enabled)
                .map(IdentityRepository.StoredPrincipal::principal);
    }

    @Override
    public boolean deletePrincipal(String tenantId, String objectId) {
        Optional<UUID> oid = uuid(objectId);
        boolean deleted = oid.isPresent() && repository.deletePrincipal(tenantId, oid.get()) > 0;
        forget(tenantId, objectId);
        return deleted;
    }

    @Override
    public boolean setPrincipalEnabled(String tenantId, String objectId, boolean enabled) {
        Optional<UUID> oid = uuid(objectId);
        boolean changed = oid.isPresent() && repository.setEnabled(tenantId, oid.get(), enabled) > 0;
        forget(tenantId, objectId);
        return changed;
    }

    @Override
    public ClientCredentials registerClient(String tenantId, String displayName) {
        return register(tenantId, displayName, false);
    }

    /** The registered client {@code clientId} of {@code tenantId} (its principal), if any. */
    Optional<Principal> client(String tenantId, String clientId) {
        return uuid(clientId).flatMap(id -> repository.findClient(tenantId, id))
                .map(IdentityRepository.StoredClient::principal);
    }

    /** The tenant of client {@code clientId} (client ids are unique across tenants), for the ADFS-style token endpoint. */
    Optional<String> tenantOfClient(String clientId) {
        return uuid(clientId).flatMap(repository::tenantOfClient);
    }

    ClientCredentials registerOperator(String tenantId, String displayName) {
        return register(tenantId, displayName, true);
    }

    @Override
    public boolean isOperator(Principal p) {
        return uuid(p.objectId()).flatMap(oid -> repository.findPrincipal(p.tenantId(), oid))
                .filter(IdentityRepository.StoredPrincipal::enabled)
                .map(IdentityRepository.StoredPrincipal::operator).orElse(false);
    }

    @Override
    public String issueToken(Principal principal, String audience, Duration lifetime) {
        return issuer.issue(principal, null, audience, lifetime);
    }

    String issueToken(SignedIn client, String audience, Duration lifetime) {
        return issuer.issue(client.principal(), client.clientId(), audience, lifetime);
    }

    /**
     * The client's principal when {@code secret} is its secret (disabled or not); empty for unknown clients and
     * wrong secrets alike.
     */
    Optional<SignedIn> signIn(String tenantId, String clientId, String secret) {
        return uuid(clientId).flatMap(id -> repository.findClient(tenantId, id))
                .filter(c -> MessageDigest.isEqual(c.secretHash(), hash(c.secretSalt(), secret)))
                .map(c -> new SignedIn(c.principal(), c.clientId().toString(), c.enabled()));
    }

    private Optional<IdentityRepository.StoredPrincipal> stored(String tenantId, String objectId) {
        Optional<UUID> oid = uuid(objectId);
        if (oid.isEmpty()) {
            return Optional.empty();
        }
        String key = tenantId + "/" + oid.get();
        long now = clock.millis();
        Cached cached = cache.get(key);
        if (cached != null && cached.expiresAt() > now) {
            return cached.row();
        }
        Optional<IdentityRepository.StoredPrincipal> found = repository.findPrincipal(tenantId, oid.get());
        if (cache.size() >= MAX_CACHED) {
            cache.clear();
        }
        cache.put(key, new Cached(found, now + cacheTtl.toMillis()));
        return found;
    }

    private void forget(String tenantId, String objectId) {
        uuid(objectId).ifPresent(oid -> cache.remove(tenantId + "/" + oid));
    }

    private ClientCredentials register(String tenantId, String displayName, boolean operator) {
        requireTenant(tenantId);
        if (displayName == null || displayName.isBlank() || displayName.length() > 256) {
            throw new IllegalArgumentException("a client's display name is 1 to 256 characters");
        }
        Principal p = new Principal(tenantId, UUID.randomUUID().toString(), PrincipalType.SERVICE_PRINCIPAL, displayName);
        UUID clientId = UUID.randomUUID();
        byte[] random = hsm.get().random(48);
        String secret = Base64.getUrlEncoder().withoutPadding().encodeToString(Arrays.copyOf(random, 32));
        byte[] salt = Arrays.copyOfRange(random, 32, 48);
        repository.insertClient(tenantId, UUID.fromString(p.objectId()), displayName, operator, clientId, salt,
                hash(salt, secret));
        return new ClientCredentials(tenantId, clientId.toString(), secret, p);
    }

    static String requireTenant(String tenantId) {
        if (tenantId == null || !TENANT.matcher(tenantId).matches()) {
            throw new IllegalArgumentException("a tenant id is a GUID or up to 64 letters, digits, dots and dashes");
        }
        return tenantId;
    }

    private static Optional<UUID> uuid(String s) {
        try {
            return Optional.of(UUID.fromString(s));
        } catch (IllegalArgumentException | NullPointerException e) {
            return Optional.empty();
        }
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
