package io.keyward.app.kusto;

import io.keyward.app.arm.ArmErrorCode;
import io.keyward.app.arm.ArmException;
import io.keyward.app.arm.ArmResourceId;
import io.keyward.app.arm.StepResult;
import io.keyward.app.cmk.Binding;
import io.keyward.app.cmk.KeyPolicy;
import io.keyward.app.engine.KeyUpdate;
import io.keyward.app.engine.Resource;
import io.keyward.app.engine.Surface;
import io.keyward.app.vault.KeyPermission;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.Set;

/**
 * Data Explorer clusters on the engine: RSA 2048 only, the vault in the cluster's region, and the access policy its docs
 * grant ({@code wrapkey, unwrapkey, get, recover}: get, wrapKey and unwrapKey are proven by calling the vault as the
 * cluster's identity, {@code recover} is read from the vault's access policies); refusals with the documented codes
 * ({@link KustoKeys#failure}); no soft delete: a delete shreds the AEK; a stopped cluster's key is not polled.
 */
@Singleton
class KustoSurface implements Surface<KustoCluster> {

    static final KeyPolicy POLICY = KeyPolicy.rsa2048(true, Set.of(KeyPermission.RECOVER));

    private final KustoProperties properties;

    KustoSurface(KustoProperties properties) {
        this.properties = properties;
    }

    @Override
    public String type() {
        return KustoCluster.TYPE;
    }

    @Override
    public Class<KustoCluster> propertiesType() {
        return KustoCluster.class;
    }

    @Override
    public KeyPolicy keyPolicy(Resource<KustoCluster> cluster, KeyUpdate update) {
        return POLICY;
    }

    @Override
    public StepResult.Failed refused(Resource<KustoCluster> cluster, KeyUpdate update, Binding.Refused refusal) {
        return KustoKeys.failure(refusal, update.key());
    }

    @Override
    public StepResult.Failed unreachable(Resource<KustoCluster> cluster, KeyUpdate update) {
        return new StepResult.Failed(ArmErrorCode.KeyVaultUnavailable, "KeyVault '" + update.vaultUri() + "' could not be reached to"
                + " validate the key within " + properties.keyUpdateTimeout().toMinutes() + " minutes.");
    }

    @Override
    public Duration keyUpdateTimeout() {
        return properties.keyUpdateTimeout();
    }

    @Override
    public ArmException notFound(ArmResourceId id) {
        return new ArmException(ArmErrorCode.ResourceNotFound, "The Resource '" + KustoCluster.TYPE + "/" + id.name()
                + "' under resource group '" + id.resourceGroup() + "' was not found.");
    }

    @Override
    public ArmException busy(Resource<KustoCluster> cluster, Request request) {
        return new ArmException(ArmErrorCode.ConflictError, "Cluster '" + cluster.name() + "' is in state " + KustoCluster.state(cluster)
                + ": an operation on it is in progress. Wait for it to complete and try again.");
    }

    @Override
    public boolean polled(Resource<KustoCluster> cluster) {
        return !cluster.properties().stopped();
    }
}
