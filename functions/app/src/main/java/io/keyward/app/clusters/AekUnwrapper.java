package io.keyward.app.clusters;

import com.azure.core.exception.HttpResponseException;
import com.azure.security.keyvault.keys.cryptography.models.KeyWrapAlgorithm;
import io.keyward.app.identity.Principal;
import io.keyward.app.identity.PrincipalType;
import io.keyward.hsm.envelope.AekMaterial;
import jakarta.inject.Singleton;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Unwraps a cluster's stored AEK ({@code cluster_aeks}) through the customer's vault, as the cluster's identity, with
 * the same {@link CustomerKeyClients} the key update uses: the vault's access policies decide, as for Azure Monitor.
 */
@Singleton
class AekUnwrapper {

    private static final Logger LOG = LoggerFactory.getLogger(AekUnwrapper.class);

    private final ClusterRepository repository;
    private final CustomerKeyClients clients;

    AekUnwrapper(ClusterRepository repository, CustomerKeyClients clients) {
        this.repository = repository;
        this.clients = clients;
    }

    ClusterAek unwrap(UUID clusterId) {
        record Found(StoredCluster cluster, ClusterRepository.WrappedAek aek) {
        }
        Optional<Found> found = repository.read(c -> {
            Optional<StoredCluster> cluster = repository.findById(c, clusterId);
            if (cluster.isEmpty()) {
                return Optional.<Found>empty();
            }
            return repository.findAek(c, clusterId).map(a -> new Found(cluster.get(), a));
        });
        if (found.isEmpty()) {
            return new ClusterAek.NoKey();
        }
        StoredCluster cluster = found.get().cluster();
        ClusterRepository.WrappedAek wrapped = found.get().aek();
        Principal identity = new Principal(cluster.tenantId(), cluster.principalId().toString(), PrincipalType.MANAGED_IDENTITY,
                cluster.name());
        try {
            byte[] plain = clients.crypto(wrapped.keyId(), identity).unwrapKey(KeyWrapAlgorithm.RSA_OAEP, wrapped.wrapped()).getKey();
            return new ClusterAek.Unwrapped(AekMaterial.adopt(plain));
        } catch (HttpResponseException e) {
            int status = e.getResponse() == null ? 0 : e.getResponse().getStatusCode();
            if (status >= 400 && status < 500) {
                LOG.info("cluster {}: the vault refused unwrapKey of {} ({})", cluster.id(), wrapped.keyId(), status);
                return new ClusterAek.Refused(status, "The customer-managed key '" + wrapped.keyId() + "' of cluster '" + cluster.name()
                        + "' cannot be used: Key Vault answered " + status + " to unwrapKey as the cluster's identity.");
            }
            return new ClusterAek.Unavailable("Key Vault answered " + status + " to unwrapKey");
        } catch (RuntimeException e) {
            LOG.warn("cluster {}: unwrapKey of {} failed: {}", cluster.id(), wrapped.keyId(), e.toString());
            return new ClusterAek.Unavailable("the vault could not be reached");
        }
    }
}
