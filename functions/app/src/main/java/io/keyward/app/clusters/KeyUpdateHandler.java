package io.keyward.app.clusters;

import io.keyward.app.arm.ArmErrorCode;
import io.keyward.app.arm.AsyncOperation;
import io.keyward.app.arm.OperationHandler;
import io.keyward.app.arm.StepContext;
import io.keyward.app.arm.StepResult;
import io.keyward.app.arm.StoreException;
import io.keyward.app.cmk.Binding;
import io.keyward.app.cmk.CmkKeys;
import io.keyward.app.cmk.CmkResource;
import io.keyward.app.cmk.CustomerKey;
import io.keyward.app.cmk.KeyPolicy;
import io.keyward.app.cmk.Refusal;
import io.micronaut.json.JsonMapper;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code clusters.updateKey}: binds a cluster to the customer's key, in one step, through the CMK core
 * ({@link CmkKeys#bind}): every check goes through the vault's own Key Vault API as the cluster's identity, and the
 * cluster's AEK (the one it has, or a new one) is stored wrapped by exactly the key version found. Log Analytics
 * accepts RSA 2048, 3072 and 4096 (at least the customer's {@code keyRsaSize}) and a vault in the cluster's region.
 * The step is safe to repeat: nothing but the final database writes persists, and those commit with it.
 */
@Singleton
class KeyUpdateHandler implements OperationHandler {

    static final String KIND = "clusters.updateKey";
    static final String RESOURCE_KIND = Cluster.PROVIDER + "/clusters";
    static final String FAILED_TO_VALIDATE = "Failed to validate key in Key Vault. Could be due to lack of permissions or when key"
            + " doesn't exist. Verify that you set key and Access Policy in Key Vault.";
    static final String NOT_RECOVERABLE = "Key is not recoverable. Key Vault must be set to Soft-delete and Purge-protection. See"
            + " Key Vault documentation.";
    private static final Set<Integer> RSA_SIZES = Set.of(2048, 3072, 4096);
    private static final Duration RETRY = Duration.ofSeconds(5);
    private static final Logger LOG = LoggerFactory.getLogger(KeyUpdateHandler.class);

    private final ClusterRepository repository;
    private final CmkKeys cmk;
    private final ClustersProperties properties;
    private final JsonMapper json;

    KeyUpdateHandler(ClusterRepository repository, CmkKeys cmk, ClustersProperties properties, JsonMapper json) {
        this.repository = repository;
        this.cmk = cmk;
        this.properties = properties;
        this.json = json;
    }

    @Override
    public String kind() {
        return KIND;
    }

    static CmkResource resource(StoredCluster cluster) {
        return new CmkResource(cluster.clusterId(), RESOURCE_KIND, cluster.name(), cluster.tenantId(), cluster.principalId(),
                cluster.location());
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
        KeyPolicy policy = new KeyPolicy(RSA_SIZES, key.keyRsaSize() == null ? 0 : key.keyRsaSize(), true, Set.of());
        Binding outcome = cmk.bind(resource(cluster), new CustomerKey(key.keyVaultUri(), key.keyName(), key.keyVersion()), policy);
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        if (outcome instanceof Binding.Bound bound) {
            cmk.save(c, resource(cluster), bound.aek(), key.followsLatest(), now);
            repository.update(c, cluster.with(cluster.capacity(), cluster.billingType(), cluster.tags(), ClusterProvisioningState.Succeeded,
                    key, now, cluster.lastSkuUpdate()));
            LOG.info("cluster {}: AEK wrapped by {}", cluster.id(), bound.aek().keyId());
            return new StepResult.Succeeded(null);
        }
        if (outcome instanceof Binding.Unreachable u && now.isBefore(op.startTime().plus(properties.keyUpdateTimeout()))) {
            LOG.info("cluster {}: key update {} waits for the vault: {}", cluster.id(), op.id(), u.reason());
            return new StepResult.RetryLater(RETRY, u.reason());
        }
        String message = outcome instanceof Binding.Refused r ? message(r)
                : FAILED_TO_VALIDATE + " The vault could not be reached to validate the key.";
        // The cluster keeps its previous key (or none) and is usable again; only the update failed.
        repository.update(c, cluster.withState(ClusterProvisioningState.Succeeded, now));
        LOG.info("cluster {}: key update {} refused: {}", cluster.id(), op.id(), message);
        return new StepResult.Failed(ArmErrorCode.BadRequest, message);
    }

    /** Azure Monitor's documented messages: one for recoverability, one for everything else, each with the detail. */
    private static String message(Binding.Refused r) {
        if (r.reason() == Refusal.NO_SOFT_DELETE || r.reason() == Refusal.NO_PURGE_PROTECTION) {
            return NOT_RECOVERABLE + " " + r.detail();
        }
        return FAILED_TO_VALIDATE + " " + r.detail();
    }

    private Optional<StoredCluster> find(Connection c, ClusterCatalog.ParsedId id) {
        try {
            return repository.find(c, id.sub(), id.group(), id.name(), true);
        } catch (SQLException e) {
            throw new StoreException("cluster", e);
        }
    }
}
