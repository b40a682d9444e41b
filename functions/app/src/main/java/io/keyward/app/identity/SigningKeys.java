package io.keyward.app.identity;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.SecurityContext;
import io.keyward.app.hsm.KeyUsagePolicy;
import io.keyward.hsm.Hsm;
import io.keyward.hsm.KeyType;
import io.keyward.hsm.KeyUsage;
import io.keyward.hsm.KeyVersion;
import io.keyward.hsm.KeyVersionRef;
import io.keyward.hsm.RsaPublicKey;
import io.micronaut.context.BeanProvider;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The token signing keys: RSA-2048 pairs generated inside the HSM (kid = HSM key version), with their public halves
 * copied to PostgreSQL so that the JWKS and every token validation work from memory, without an HSM call.
 *
 * <p>Also the local {@link JWKSource} for validation: a kid it does not know makes it re-read the table (at most
 * every {@link #RELOAD_INTERVAL}), so a key made by another instance is accepted without a restart.
 */
@Singleton
class SigningKeys implements JWKSource<SecurityContext>, KeyUsagePolicy {

    private static final Logger LOG = LoggerFactory.getLogger(SigningKeys.class);
    private static final Duration RELOAD_INTERVAL = Duration.ofSeconds(10);

    /** The key that signs now: its HSM reference and kid. */
    record ActiveKey(KeyVersionRef ref) {
        String kid() {
            return ref.version();
        }
    }

    private final BeanProvider<Hsm> hsm;
    private final SigningKeyRepository repository;
    private final IdentityProperties properties;
    private volatile JWKSet published = new JWKSet();
    private volatile ActiveKey active;
    private volatile Instant loadedAt = Instant.EPOCH;

    SigningKeys(BeanProvider<Hsm> hsm, SigningKeyRepository repository, IdentityProperties properties) {
        this.hsm = hsm;
        this.repository = repository;
        this.properties = properties;
    }

    /**
     * The signing key, made on first use. A stored key whose private half is gone from the token (a token re-made
     * under the same database) is retired and replaced instead of failing every token request.
     */
    ActiveKey active() {
        ActiveKey a = active;
        if (a != null) {
            return a;
        }
        synchronized (this) {
            if (active == null) {
                active = repository.locked(c -> {
                    List<SigningKeyRepository.StoredKey> stored = SigningKeyRepository.active(c);
                    Set<String> inToken = hsm.get().keys().versions(properties.signingKeyName()).stream()
                            .map(v -> v.ref().version()).collect(Collectors.toSet());
                    for (SigningKeyRepository.StoredKey k : stored) {
                        if (k.hsmKeyName().equals(properties.signingKeyName()) && inToken.contains(k.kid())) {
                            return new ActiveKey(new KeyVersionRef(k.hsmKeyName(), k.kid()));
                        }
                        LOG.warn("token signing key {} is not in the HSM token; retiring it", k.kid());
                        SigningKeyRepository.retire(c, k.kid());
                    }
                    KeyVersion created = hsm.get().keys().create(properties.signingKeyName(), KeyType.RSA_2048,
                            KeyUsage.SIGNING);
                    RsaPublicKey pub = hsm.get().keys().publicKey(created.ref());
                    SigningKeyRepository.insert(c, new SigningKeyRepository.StoredKey(created.ref().version(),
                            created.ref().name(), pub.modulus(), pub.publicExponent()));
                    LOG.info("created token signing key {} in the HSM", created.ref().version());
                    return new ActiveKey(created.ref());
                });
                reload();
            }
            return active;
        }
    }

    /** Drops {@code key} as the signing key if it still is, so that the next {@link #active()} checks the token again. */
    synchronized void forget(ActiveKey key) {
        if (key.equals(active)) {
            active = null;
        }
    }

    /** Every version under the signing key's name signs tokens, and does nothing else. */
    @Override
    public Map<KeyVersionRef, Set<KeyUsage>> usages(Set<KeyVersionRef> present) {
        return KeyUsagePolicy.everyVersionOf(properties.signingKeyName(), KeyUsage.SIGNING, present);
    }

    /** The published keys (public halves only). */
    JWKSet jwks() {
        if (published.isEmpty()) {
            reloadIfStale();
        }
        return published;
    }

    @Override
    public List<JWK> get(JWKSelector selector, SecurityContext context) {
        List<JWK> found = selector.select(jwks());
        if (found.isEmpty() && reloadIfStale()) {
            found = selector.select(published);
        }
        return found;
    }

    private boolean reloadIfStale() {
        if (Duration.between(loadedAt, Instant.now()).compareTo(RELOAD_INTERVAL) < 0) {
            return false;
        }
        reload();
        return true;
    }

    private synchronized void reload() {
        List<JWK> keys = repository.active().stream().map(k -> (JWK) new RSAKey.Builder(
                        new RsaPublicKey(k.modulus(), k.exponent()).toJca())
                .keyID(k.kid()).keyUse(KeyUse.SIGNATURE).algorithm(JWSAlgorithm.RS256).build()).toList();
        published = new JWKSet(keys);
        loadedAt = Instant.now();
    }
}
