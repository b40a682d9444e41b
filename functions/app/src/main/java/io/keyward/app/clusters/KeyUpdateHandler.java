package io.keyward.app.clusters;

import com.azure.core.exception.HttpResponseException;
import com.azure.security.keyvault.keys.cryptography.CryptographyClient;
import com.azure.security.keyvault.keys.cryptography.models.KeyWrapAlgorithm;
import com.azure.security.keyvault.keys.models.KeyType;
import com.azure.security.keyvault.keys.models.KeyVaultKey;
import io.keyward.app.arm.ArmErrorCode;
import io.keyward.app.arm.AsyncOperation;
import io.keyward.app.arm.OperationHandler;
import io.keyward.app.arm.StepContext;
import io.keyward.app.arm.StepResult;
import io.keyward.app.identity.Principal;
import io.keyward.app.identity.PrincipalType;
import io.keyward.app.vault.Vault;
import io.keyward.app.vault.VaultService;
import io.keyward.hsm.Hsm;
import io.keyward.hsm.envelope.AekMaterial;
import io.keyward.hsm.envelope.KeyAccess;
import io.micronaut.context.BeanProvider;
import io.micronaut.context.annotation.Value;
import io.micronaut.json.JsonMapper;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code clusters.updateKey}: binds a cluster to the customer's key, in one step. Everything is checked through the
 * vault's own Key Vault API, called as the cluster's identity, so the customer's access policies are what decide:
 * the key exists and the identity may get it, it is an enabled RSA key of an allowed size, the vault has soft delete
 * and purge protection (the key's {@code recoveryLevel}), the vault is in the cluster's tenant and region, and the
 * identity may wrapKey and unwrapKey (a wrap is unwrapped again before anything is stored). Then the cluster's AEK,
 * from the token's RNG on first use and otherwise the AEK it already has, is stored wrapped by exactly that key
 * version. The step is safe to repeat: nothing but the final database writes persists, and those commit with it.
 */
@Singleton
class KeyUpdateHandler implements OperationHandler {

    static final String KIND = "clusters.updateKey";
    static final String FAILED_TO_VALIDATE = "Failed to validate key in Key Vault. Could be due to lack of permissions or when key"
            + " doesn't exist. Verify that you set key and Access Policy in Key Vault.";
    static final String NOT_RECOVERABLE = "Key is not recoverable. Key Vault must be set to Soft-delete and Purge-protection. See"
            + " Key Vault documentation.";
    /** recoveryLevel values with soft delete and purge protection; the "+Purgeable" forms lack purge protection. */
    private static final Set<String> RECOVERABLE = Set.of("Recoverable", "CustomizedRecoverable");
    private static final Set<Integer> RSA_SIZES = Set.of(2048, 3072, 4096);
    private static final Duration RETRY = Duration.ofSeconds(5);
    private static final Logger LOG = LoggerFactory.getLogger(KeyUpdateHandler.class);

    private final ClusterRepository repository;
    private final CustomerKeyClients clients;
    private final VaultService vaults;
    private final BeanProvider<Hsm> hsm;
    private final ClustersProperties properties;
    private final JsonMapper json;
    private final String vaultSuffix;

    KeyUpdateHandler(ClusterRepository repository, CustomerKeyClients clients, VaultService vaults, BeanProvider<Hsm> hsm,
                     ClustersProperties properties, JsonMapper json,
                     @Value("${keyward.vault.dns-suffix:vault.localhost}") String vaultDnsSuffix) {
        this.repository = repository;
        this.clients = clients;
        this.vaults = vaults;
        this.hsm = hsm;
        this.properties = properties;
        this.json = json;
        this.vaultSuffix = "." + vaultDnsSuffix.toLowerCase(Locale.ROOT).replaceAll("^\\.+", "");
    }

    @Override
    public String kind() {
        return KIND;
    }

    /** What the vault said: the AEK wrapped by a key version, a refusal for the customer, or no answer (retried). */
    private sealed interface Outcome {
        record Wrapped(ClusterRepository.WrappedAek aek) implements Outcome {
        }

        record Refused(String message) implements Outcome {
        }

        record Unreachable(String reason) implements Outcome {
        }
    }

    @Override
    public StepResult run(AsyncOperation op, StepContext ctx) throws Exception {
        Connection c = ctx.connection();
        Optional<StoredCluster> found = ClusterCatalog.parseId(op.resourceId())
                .flatMap(id -> find(c, id)).filter(s -> !s.deleted());
        if (found.isEmpty()) {
            return new StepResult.Failed(ArmErrorCode.ResourceNotFound, "Cluster not found, the cluster might have been deleted.");
        }
        StoredCluster cluster = found.get();
        KeyVaultProperties key = json.readValue(op.payloadJson(), KeyVaultProperties.class);
        Outcome outcome;
        try {
            outcome = bind(cluster, key, repository.findAek(c, cluster.clusterId()));
        } catch (RuntimeException e) {
            // Not the customer's doing: the vault cannot be reached (the SDK wraps I/O errors) or an HSM or SDK fault.
            // Retried until keyUpdateTimeout; the caller only ever sees the generic message.
            if (causedByIo(e)) {
                LOG.warn("cluster {}: key update {} cannot reach the vault: {}", cluster.id(), op.id(), e.toString());
                outcome = new Outcome.Unreachable("vault unreachable");
            } else {
                LOG.error("cluster {}: key update {} failed unexpectedly", cluster.id(), op.id(), e);
                outcome = new Outcome.Unreachable("unexpected " + e.getClass().getSimpleName());
            }
        }
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        if (outcome instanceof Outcome.Wrapped wrapped) {
            repository.saveAek(c, cluster.clusterId(), wrapped.aek(), now);
            repository.update(c, cluster.with(cluster.capacity(), cluster.billingType(), cluster.tags(), ClusterProvisioningState.Succeeded,
                    key, now, cluster.lastSkuUpdate()));
            LOG.info("cluster {}: AEK wrapped by {}", cluster.id(), wrapped.aek().keyId());
            return new StepResult.Succeeded(null);
        }
        if (outcome instanceof Outcome.Unreachable u && now.isBefore(op.startTime().plus(properties.keyUpdateTimeout()))) {
            LOG.info("cluster {}: key update {} waits for the vault: {}", cluster.id(), op.id(), u.reason());
            return new StepResult.RetryLater(RETRY, u.reason());
        }
        String message = outcome instanceof Outcome.Refused r ? r.message()
                : FAILED_TO_VALIDATE + " The vault could not be reached to validate the key.";
        // The cluster keeps its previous key (or none) and is usable again; only the update failed.
        repository.update(c, cluster.withState(ClusterProvisioningState.Succeeded, now));
        LOG.info("cluster {}: key update {} refused: {}", cluster.id(), op.id(), message);
        return new StepResult.Failed(ArmErrorCode.BadRequest, message);
    }

    private static boolean causedByIo(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof IOException) {
                return true;
            }
        }
        return false;
    }

    private Optional<StoredCluster> find(Connection c, ClusterCatalog.ParsedId id) {
        try {
            return repository.find(c, id.sub(), id.group(), id.name(), true);
        } catch (SQLException e) {
            throw new ClusterRepository.ClusterStoreException(e);
        }
    }

    private Outcome bind(StoredCluster cluster, KeyVaultProperties key, Optional<ClusterRepository.WrappedAek> current) {
        String host = URI.create(key.keyVaultUri()).getHost();
        // Only Keyward's own vaults: a customer-given URI must never make Keyward call an arbitrary host.
        Optional<Vault> vault = host.endsWith(vaultSuffix) ? vaults.findActiveByName(key.vaultName()) : Optional.empty();
        if (vault.isEmpty()) {
            return refused("The vault '" + key.keyVaultUri() + "' was not found.");
        }
        Vault v = vault.get();
        if (!v.tenantId().equalsIgnoreCase(cluster.tenantId())) {
            return refused("The vault is in tenant '" + v.tenantId() + "' and the cluster in tenant '" + cluster.tenantId()
                    + "': Key Vault, cluster and workspaces must be in the same Microsoft Entra tenant.");
        }
        if (v.location() != null && !ClusterCatalog.normalLocation(v.location()).equals(ClusterCatalog.normalLocation(cluster.location()))) {
            return refused("The vault is in region '" + v.location() + "' and the cluster in '" + cluster.location()
                    + "': Key Vault, cluster and workspaces must be in the same region.");
        }
        Principal identity = new Principal(cluster.tenantId(), cluster.principalId().toString(), PrincipalType.MANAGED_IDENTITY,
                cluster.name());
        KeyVaultKey k;
        try {
            k = clients.keys(key.keyVaultUri(), identity).getKey(key.keyName(), key.followsLatest() ? null : key.keyVersion());
        } catch (HttpResponseException e) {
            return fromVault(e, "get", key);
        }
        if (!KeyType.RSA.equals(k.getKeyType()) && !KeyType.RSA_HSM.equals(k.getKeyType())) {
            return refused("The key '" + key.keyName() + "' is of type " + k.getKeyType() + "; an RSA key is required.");
        }
        int size = new BigInteger(1, k.getKey().getN()).bitLength();
        if (!RSA_SIZES.contains(size) || (key.keyRsaSize() != null && size < key.keyRsaSize())) {
            return refused("The key '" + key.keyName() + "' is RSA " + size + "; RSA 2048, 3072 or 4096"
                    + (key.keyRsaSize() == null ? "" : " of at least " + key.keyRsaSize() + " bits") + " is required.");
        }
        if (!Boolean.TRUE.equals(k.getProperties().isEnabled())) {
            return refused("The key '" + key.keyName() + "' is disabled.");
        }
        if (!RECOVERABLE.contains(k.getProperties().getRecoveryLevel())) {
            return new Outcome.Refused(NOT_RECOVERABLE + " The key's recoveryLevel is '" + k.getProperties().getRecoveryLevel() + "'.");
        }
        AekMaterial aek;
        if (current.isPresent()) {
            // A key update re-wraps the AEK the cluster already has: data under it must stay readable.
            try {
                aek = AekMaterial.adopt(clients.crypto(current.get().keyId(), identity)
                        .unwrapKey(KeyWrapAlgorithm.RSA_OAEP, current.get().wrapped()).getKey());
            } catch (HttpResponseException e) {
                return refused("The cluster's current key '" + current.get().keyId() + "' could not unwrap its AEK (Key Vault answered "
                        + (e.getResponse() == null ? 0 : e.getResponse().getStatusCode()) + "); it must stay usable until the new key is set.");
            }
        } else {
            aek = AekMaterial.generate(hsm.get());
        }
        try (aek) {
            byte[] plain = aek.bytes(KeyAccess.plaintext());
            CryptographyClient crypto = clients.crypto(k.getId(), identity);
            byte[] wrapped;
            try {
                wrapped = crypto.wrapKey(KeyWrapAlgorithm.RSA_OAEP, plain).getEncryptedKey();
            } catch (HttpResponseException e) {
                return fromVault(e, "wrapKey", key);
            }
            byte[] back;
            try {
                back = crypto.unwrapKey(KeyWrapAlgorithm.RSA_OAEP, wrapped).getKey();
            } catch (HttpResponseException e) {
                return fromVault(e, "unwrapKey", key);
            }
            boolean same = Arrays.equals(plain, back);
            Arrays.fill(back, (byte) 0);
            if (!same) {
                return new Outcome.Unreachable("the vault's unwrapKey did not return the wrapped AEK");
            }
            return new Outcome.Wrapped(new ClusterRepository.WrappedAek(k.getId(), k.getProperties().getVersion(), "RSA-OAEP", wrapped));
        }
    }

    /** A Key Vault error for {@code operation}: the customer's to fix (4xx) or a vault that may come back (5xx). */
    private Outcome fromVault(HttpResponseException e, String operation, KeyVaultProperties key) {
        int status = e.getResponse() == null ? 0 : e.getResponse().getStatusCode();
        if (status == 401 || status == 403) {
            return refused("Access denied: the cluster's identity may not " + operation + " the key '" + key.keyName()
                    + "' (Key Vault answered " + status + "). Grant it the 'get', 'wrapKey' and 'unwrapKey' key permissions.");
        }
        if (status == 404) {
            return refused("The key '" + key.keyName() + "'" + (key.followsLatest() ? "" : " version '" + key.keyVersion() + "'")
                    + " was not found in the vault.");
        }
        if (status >= 400 && status < 500) {
            return refused("Key Vault refused " + operation + " with status " + status + ".");
        }
        return new Outcome.Unreachable("Key Vault answered " + status + " to " + operation);
    }

    private static Outcome refused(String detail) {
        return new Outcome.Refused(FAILED_TO_VALIDATE + " " + detail);
    }
}
