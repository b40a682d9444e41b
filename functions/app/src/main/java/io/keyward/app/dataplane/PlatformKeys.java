package io.keyward.app.dataplane;

import io.keyward.app.hsm.KeyUsagePolicy;
import io.keyward.hsm.Hsm;
import io.keyward.hsm.KeyType;
import io.keyward.hsm.KeyUsage;
import io.keyward.hsm.KeyVersion;
import io.keyward.hsm.KeyVersionRef;
import io.keyward.hsm.WrapAlgorithm;
import io.keyward.hsm.envelope.AekMaterial;
import io.keyward.hsm.envelope.KeyAccess;
import io.micronaut.context.BeanProvider;
import io.micronaut.transaction.TransactionOperations;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;

/**
 * The platform key of workspaces without a customer key, and of double-encrypted clusters' outer layer: one KEK in the HSM ({@value #KEK_NAME}, RSA-2048, created on
 * first use) wraps a per-workspace AEK from the token's RNG, which is stored only wrapped. Two instances creating the
 * KEK at once each make a version; that is harmless, since every wrapped AEK names the KEK version that wrapped it.
 */
@Singleton
class PlatformKeys implements KeyUsagePolicy {

    static final String KEK_NAME = "keyward/platform-kek";

    private final BeanProvider<Hsm> hsm;
    private final PlatformAekRepository repository;
    private final InfrastructureAekRepository infrastructure;
    private final TransactionOperations<?> transactions;
    private final Clock clock;
    private volatile KeyVersionRef kek;

    PlatformKeys(BeanProvider<Hsm> hsm, PlatformAekRepository repository, InfrastructureAekRepository infrastructure,
                 TransactionOperations<?> transactions, Clock clock) {
        this.hsm = hsm;
        this.infrastructure = infrastructure;
        this.repository = repository;
        this.transactions = transactions;
        this.clock = clock;
    }

    /**
     * The workspace's platform AEK, created and stored wrapped on first use; the caller destroys it. Calls the HSM: never
     * inside a database transaction.
     */
    AekMaterial aek(UUID customerId) {
        return wrappedOnce(customerId,
                id -> repository.findById(id).map(a -> new Wrapped(a.kekName(), a.kekVersion(), a.wrappedAek())),
                repository::insertIfAbsent);
    }

    /**
     * The AEK of a double-encrypted cluster's outer (infrastructure) layer, created and stored wrapped by the same platform
     * KEK on first use; the caller destroys it. Calls the HSM: never inside a database transaction.
     */
    AekMaterial infrastructureAek(UUID clusterId) {
        return wrappedOnce(clusterId,
                id -> infrastructure.findById(id).map(a -> new Wrapped(a.kekName(), a.kekVersion(), a.wrappedAek())),
                infrastructure::insertIfAbsent);
    }

    /** An AEK as a table of this package stores it: wrapped by a platform KEK version. */
    private record Wrapped(String kekName, String kekVersion, byte[] wrappedAek) {
    }

    /** How a table stores its first AEK of {@code id}; a concurrent first one wins. */
    @FunctionalInterface
    private interface FirstAek {
        void insertIfAbsent(UUID id, String kekName, String kekVersion, byte[] wrappedAek, Instant createdAt);
    }

    /** The AEK stored for {@code id}, generated in the HSM and stored wrapped on first use (the first stored one wins). */
    private AekMaterial wrappedOnce(UUID id, Function<UUID, Optional<Wrapped>> find, FirstAek insert) {
        Wrapped stored = find.apply(id).orElseGet(() -> {
            KeyVersionRef k = kek();
            try (AekMaterial fresh = AekMaterial.generate(hsm.get())) {
                byte[] wrapped = hsm.get().wrap(k, WrapAlgorithm.RSA_OAEP, fresh.bytes(KeyAccess.plaintext()));
                Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
                return transactions.executeWrite(status -> {
                    insert.insertIfAbsent(id, k.name(), k.version(), wrapped, now);
                    return find.apply(id).orElseThrow();
                });
            }
        });
        return AekMaterial.adopt(hsm.get().unwrap(new KeyVersionRef(stored.kekName(), stored.kekVersion()), WrapAlgorithm.RSA_OAEP,
                stored.wrappedAek()));
    }

    /** Every platform KEK version wraps and unwraps AEKs, and does nothing else. */
    @Override
    public Map<KeyVersionRef, Set<KeyUsage>> usages(Set<KeyVersionRef> present) {
        return KeyUsagePolicy.everyVersionOf(KEK_NAME, KeyUsage.KEY_WRAPPING, present);
    }

    private KeyVersionRef kek() {
        KeyVersionRef k = kek;
        if (k == null) {
            synchronized (this) {
                k = kek;
                if (k == null) {
                    List<KeyVersion> versions = hsm.get().keys().versions(KEK_NAME);
                    k = versions.isEmpty() ? hsm.get().keys().create(KEK_NAME, KeyType.RSA_2048, KeyUsage.KEY_WRAPPING).ref()
                            : versions.stream().map(KeyVersion::ref).min(Comparator.comparing(KeyVersionRef::version)).orElseThrow();
                    kek = k;
                }
            }
        }
        return k;
    }
}
