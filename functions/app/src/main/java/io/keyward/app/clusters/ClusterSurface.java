package io.keyward.app.clusters;

import io.keyward.app.arm.ArmErrorCode;
import io.keyward.app.arm.ArmException;
import io.keyward.app.arm.ArmResourceId;
import io.keyward.app.arm.StepResult;
import io.keyward.app.cmk.Binding;
import io.keyward.app.cmk.KeyPolicy;
import io.keyward.app.cmk.Refusal;
import io.keyward.app.engine.KeyUpdate;
import io.keyward.app.engine.Phase;
import io.keyward.app.engine.Resource;
import io.keyward.app.engine.Surface;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.Set;

/**
 * Log Analytics dedicated clusters on the engine: RSA 2048, 3072 or 4096 of at least the customer's {@code keyRsaSize},
 * the vault in the cluster's region, the documented messages of Azure Monitor's CMK docs, deleted names kept 14 days.
 */
@Singleton
class ClusterSurface implements Surface<ClusterProperties> {

    static final String NOT_NOW_CREATE = "Operation cannot be executed now. Async operation is in a state other than succeeded."
            + " Cluster must complete its operation before any update operation is performed.";
    static final String NOT_NOW_UPDATE = "Operation cannot be executed now. Wait for the Async operation to complete and try again.";
    static final String DELETE_WHILE_PROVISIONING = "Can't delete a cluster while in provisioning state. Wait for the Async"
            + " operation to complete and try again.";
    static final String FAILED_TO_VALIDATE = "Failed to validate key in Key Vault. Could be due to lack of permissions or when key"
            + " doesn't exist. Verify that you set key and Access Policy in Key Vault.";
    static final String NOT_RECOVERABLE = "Key is not recoverable. Key Vault must be set to Soft-delete and Purge-protection. See"
            + " Key Vault documentation.";
    private static final Set<Integer> RSA_SIZES = Set.of(2048, 3072, 4096);

    private final ClustersProperties properties;

    ClusterSurface(ClustersProperties properties) {
        this.properties = properties;
    }

    @Override
    public String type() {
        return Cluster.TYPE;
    }

    @Override
    public Class<ClusterProperties> propertiesType() {
        return ClusterProperties.class;
    }

    @Override
    public KeyPolicy keyPolicy(Resource<ClusterProperties> cluster, KeyUpdate update) {
        return new KeyPolicy(RSA_SIZES, update.minRsaSize() == null ? 0 : update.minRsaSize(), true, Set.of());
    }

    /** Azure Monitor's documented messages: one for recoverability, one for everything else, each with the detail. */
    @Override
    public StepResult.Failed refused(Resource<ClusterProperties> cluster, KeyUpdate update, Binding.Refused r) {
        boolean recoverability = r.reason() == Refusal.NO_SOFT_DELETE || r.reason() == Refusal.NO_PURGE_PROTECTION;
        return new StepResult.Failed(ArmErrorCode.BadRequest, (recoverability ? NOT_RECOVERABLE : FAILED_TO_VALIDATE) + " " + r.detail());
    }

    @Override
    public StepResult.Failed unreachable(Resource<ClusterProperties> cluster, KeyUpdate update) {
        return new StepResult.Failed(ArmErrorCode.BadRequest, FAILED_TO_VALIDATE + " The vault could not be reached to validate the key.");
    }

    @Override
    public Duration keyUpdateTimeout() {
        return properties.keyUpdateTimeout();
    }

    @Override
    public ArmException notFound(ArmResourceId id) {
        return new ArmException(ArmErrorCode.ResourceNotFound, "Cluster not found, the cluster might have been deleted. The Resource '"
                + Cluster.TYPE + "/" + id.name() + "' under resource group '" + id.resourceGroup() + "' was not found.");
    }

    /** Azure refuses changes while the cluster provisions too (ClusterEntityStatus Creating, ProvisioningAccount). */
    @Override
    public boolean refusesChangesIn(Phase phase) {
        return phase.busy() || phase == Phase.Creating;
    }

    @Override
    public ArmException busy(Resource<ClusterProperties> cluster, Request request) {
        return switch (request) {
            case PUT -> new ArmException(ArmErrorCode.BadRequest, NOT_NOW_CREATE);
            case PATCH -> new ArmException(ArmErrorCode.BadRequest, NOT_NOW_UPDATE);
            case DELETE -> new ArmException(ArmErrorCode.ConflictError, DELETE_WHILE_PROVISIONING);
        };
    }

    @Override
    public Duration softDeleteRetention() {
        return properties.softDeleteRetention();
    }

    @Override
    public ArmException nameReserved(Resource<ClusterProperties> deleted) {
        return new ArmException(ArmErrorCode.ConflictError, "A cluster named '" + deleted.name() + "' was deleted on " + deleted.deletedAt()
                + " and its name stays reserved until " + deleted.purgeAt() + ": deleted cluster names are kept 14 days for recovery."
                + " Recover it (POST " + deleted.id() + "/recover) or create the cluster under another name.", "clusterName");
    }

    @Override
    public Resource<ClusterProperties> keyBound(Resource<ClusterProperties> cluster, KeyUpdate update) {
        ClusterProperties p = cluster.properties();
        return cluster.withProperties(new ClusterProperties(p.capacity(), p.billingType(), p.lastSkuUpdate(), update.minRsaSize()));
    }
}
