package io.keyward.app.kusto;

import io.keyward.app.arm.ArmErrorCode;
import io.keyward.app.arm.AsyncOperation;
import io.keyward.app.arm.OperationHandler;
import io.keyward.app.arm.StepContext;
import io.keyward.app.arm.StepResult;
import io.keyward.app.cmk.Binding;
import io.keyward.app.cmk.CmkKeys;
import io.keyward.app.cmk.CustomerKey;
import io.keyward.app.cmk.KeyPolicy;
import io.keyward.app.vault.KeyPermission;
import io.micronaut.json.JsonMapper;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code kusto.updateKey}: binds a Data Explorer cluster to the customer's key in one step through the CMK core
 * ({@link CmkKeys#bind}). Data Explorer's rules: RSA 2048 only, the vault in the cluster's region, and the access policy
 * its docs grant ({@code wrapkey, unwrapkey, get, recover}): get, wrapKey and unwrapKey are proven by calling the vault as
 * the cluster's identity, {@code recover} is read from the vault's access policies. A refusal ends the operation Failed
 * with the documented code ({@link KustoKeys#failure}); the cluster keeps its previous key, or none.
 */
@Singleton
class KustoKeyUpdateHandler implements OperationHandler {

    static final String KIND = "kusto.updateKey";
    static final KeyPolicy POLICY = KeyPolicy.rsa2048(true, Set.of(KeyPermission.RECOVER));
    private static final Duration RETRY = Duration.ofSeconds(5);
    private static final Logger LOG = LoggerFactory.getLogger(KustoKeyUpdateHandler.class);

    private final KustoRepository repository;
    private final CmkKeys cmk;
    private final KustoProperties properties;
    private final JsonMapper json;

    KustoKeyUpdateHandler(KustoRepository repository, CmkKeys cmk, KustoProperties properties, JsonMapper json) {
        this.repository = repository;
        this.cmk = cmk;
        this.properties = properties;
        this.json = json;
    }

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public StepResult run(AsyncOperation op, StepContext ctx) throws Exception {
        Connection c = ctx.connection();
        KeyUpdate update = json.readValue(op.payloadJson(), KeyUpdate.class);
        Optional<KustoCluster> found = repository.findByUuid(c, update.cluster(), true);
        if (found.isEmpty() || found.get().principalId() == null) {
            return new StepResult.Failed(ArmErrorCode.ResourceNotFound, "The cluster was deleted while its key was being updated.");
        }
        KustoCluster cluster = found.get();
        CustomerKey key = update.key();
        Binding outcome = cmk.bind(cluster.cmkResource(), key, POLICY);
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        if (outcome instanceof Binding.Bound bound) {
            cmk.save(c, cluster.cmkResource(), bound.aek(), key.followsLatest(), now);
            KustoCluster next = cluster.withKey(key, now).withStates(KustoCluster.ProvisioningState.Succeeded, update.resumeState(), now);
            repository.update(c, next);
            if (update.resumeState() == KustoCluster.State.Stopped) {
                cmk.setActive(c, cluster.uuid(), false); // save made the row active; a stopped cluster is not polled
            }
            LOG.info("kusto cluster {}: AEK wrapped by {}", cluster.id(), bound.aek().keyId());
            return new StepResult.Succeeded(null);
        }
        if (outcome instanceof Binding.Unreachable u && now.isBefore(op.startTime().plus(properties.keyUpdateTimeout()))) {
            LOG.info("kusto cluster {}: key update {} waits for the vault: {}", cluster.id(), op.id(), u.reason());
            return new StepResult.RetryLater(RETRY, u.reason());
        }
        StepResult.Failed failed = outcome instanceof Binding.Refused r ? KustoKeys.failure(r, key)
                : new StepResult.Failed(ArmErrorCode.KeyVaultUnavailable, "KeyVault '" + key.vaultUri() + "' could not be reached to"
                        + " validate the key within " + properties.keyUpdateTimeout().toMinutes() + " minutes.");
        repository.update(c, cluster.withStates(KustoCluster.ProvisioningState.Succeeded, update.resumeState(), now));
        LOG.info("kusto cluster {}: key update {} refused: {} {}", cluster.id(), op.id(), failed.code(),
                outcome instanceof Binding.Refused r ? r.detail() : failed.message());
        return failed;
    }

    /** The runner gave up on a step that kept throwing: the cluster is usable again with the key it had. */
    @Override
    public void abandoned(AsyncOperation op, StepContext ctx) throws Exception {
        KeyUpdate update = json.readValue(op.payloadJson(), KeyUpdate.class);
        Optional<KustoCluster> found = repository.findByUuid(ctx.connection(), update.cluster(), true);
        if (found.isPresent()) {
            repository.update(ctx.connection(), found.get().withStates(KustoCluster.ProvisioningState.Failed, update.resumeState(),
                    Instant.now().truncatedTo(ChronoUnit.MICROS)));
        }
    }
}
