package io.keyward.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.keyward.app.cmk.Binding;
import io.keyward.app.cmk.CmkKeys;
import io.keyward.app.cmk.CmkResource;
import io.keyward.app.cmk.CustomerKey;
import io.keyward.app.cmk.CustomerKeyPort;
import io.keyward.app.cmk.KeyPolicy;
import io.keyward.app.cmk.Refusal;
import io.keyward.app.cmk.VaultReply;
import io.keyward.app.identity.Principal;
import io.keyward.app.identity.PrincipalType;
import io.keyward.app.identity.IdentityService;
import io.keyward.app.vault.KeyPermission;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.security.SecureRandom;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The remote adapter (docs/remote-vaults.md) against the local host's vault over HTTPS: the test host's remote vault
 * entry reaches the host's own vaults through {@link VaultRelay}, with the unmodified Azure SDK and a client-secret
 * credential from azure-identity signing in at the host's token endpoint. Also the routing: the same vault at the
 * host's own port is served in process, and a URI nobody configured is refused before any network call.
 */
class RemoteVaultTest {

    private static final String TENANT = TestHost.REMOTE_VAULT_TENANT;
    private static final String SUBSCRIPTION = "e0000000-0000-4000-8000-0000000005e2";
    private static final String VAULT = "kwremote1";
    private static final KeyPolicy POLICY = KeyPolicy.rsa2048(true, Set.of());

    private static ClusterArm arm;
    private static CustomerKeyPort port;
    private static CmkKeys cmk;
    private static VaultRelay relay;

    @BeforeAll
    static void setUp() throws Exception {
        arm = new ClusterArm(TENANT, "remote-vault-test").owning(SUBSCRIPTION);
        arm.putVault(SUBSCRIPTION, VAULT, TestHost.REMOTE_VAULT_LOCATION, true);
        arm.grant(SUBSCRIPTION, VAULT, arm.host.remoteVaultPrincipal(), "get", "wrapKey", "unwrapKey");
        port = arm.host.bean(CustomerKeyPort.class);
        cmk = arm.host.bean(CmkKeys.class);
        relay = arm.host.relay();
    }

    @AfterEach
    void vaultBack() throws Exception {
        relay.restore();
    }

    /** A resource whose own identity has no access policy in the vault at all. */
    private static CmkResource resource(String tenant) {
        // a stored managed identity, as a resource's is: Keyward's own vaults refuse identities that do not exist
        UUID principal = UUID.fromString(arm.host.bean(IdentityService.class).createPrincipal(tenant, PrincipalType.MANAGED_IDENTITY, "r")
                .objectId());
        return new CmkResource(UUID.randomUUID(), "Test/remoteVaultResources", ClusterArm.name("r"), tenant, principal,
                TestHost.REMOTE_VAULT_LOCATION);
    }

    private static String remote() {
        return arm.host.remoteVaultUri(VAULT).toString();
    }

    @Test
    void bindsAndUnwrapsThroughTheSdkAsTheConfiguredCredential() throws Exception {
        String keyName = ClusterArm.name("k");
        String version = arm.createKey(VAULT, keyName, 2048);
        CmkResource r = resource(TENANT);
        int relayed = relay.relayed();

        Binding b = cmk.bind(r, new CustomerKey(remote(), keyName, ""), POLICY);

        assertThat(b).as(b.toString()).isInstanceOf(Binding.Bound.class);
        Binding.Bound bound = (Binding.Bound) b;
        assertThat(bound.aek().keyId()).isEqualTo(remote() + "keys/" + keyName + "/" + version);
        assertThat(bound.aek().keyVersion()).isEqualTo(version);
        assertThat(relay.relayed()).as("the vault was called over the network").isGreaterThan(relayed);
        // what the remote vault wrapped, it unwraps again; the resource's own identity was never asked
        VaultReply<byte[]> unwrapped = port.unwrapKey(bound.aek().keyId(), r.identity(), bound.aek().wrapped());
        assertThat(unwrapped).isInstanceOf(VaultReply.Done.class);
        assertThat(((VaultReply.Done<byte[]>) unwrapped).value()).hasSize(32);
    }

    @Test
    void theSameVaultAtTheHostsOwnPortIsServedInProcessAndDecidesByTheResourcesIdentity() throws Exception {
        String keyName = ClusterArm.name("k");
        arm.createKey(VAULT, keyName, 2048);
        Principal identity = resource(TENANT).identity();
        int relayed = relay.relayed();

        VaultReply<CustomerKeyPort.KeyFacts> inProcess = port.key(arm.host.vaultUri(VAULT).toString(), keyName, "", identity);

        assertThat(inProcess).as("the resource's identity holds no access policy").isInstanceOf(VaultReply.Refused.class);
        assertThat(((VaultReply.Refused<?>) inProcess).status()).isEqualTo(403);
        assertThat(relay.relayed()).as("no network call").isEqualTo(relayed);
        assertThat(port.key(remote(), keyName, "", identity)).as("the remote vault sees the granted credential instead")
                .isInstanceOf(VaultReply.Done.class);
    }

    @Test
    void refusalsMapByKeyVaultsStatus() throws Exception {
        String keyName = ClusterArm.name("k");
        String version = arm.createKey(VAULT, keyName, 2048);
        CmkResource r = resource(TENANT);
        Binding.Bound bound = (Binding.Bound) cmk.bind(r, new CustomerKey(remote(), keyName, version), POLICY);

        // 404: no such key
        assertThat(port.key(remote(), "nosuchkey", "", r.identity())).isEqualTo(new VaultReply.Refused<>(404, "Key Vault answered 404 to get"));
        Binding missing = cmk.bind(r, new CustomerKey(remote(), "nosuchkey", ""), POLICY);
        assertThat(missing).isInstanceOf(Binding.Refused.class);
        assertThat(((Binding.Refused) missing).reason()).isEqualTo(Refusal.KEY_NOT_FOUND);

        // 403: the credential's unwrapKey permission removed
        arm.revoke(SUBSCRIPTION, VAULT, arm.host.remoteVaultPrincipal(), "unwrapKey");
        try {
            assertThat(port.unwrapKey(bound.aek().keyId(), r.identity(), bound.aek().wrapped()))
                    .isEqualTo(new VaultReply.Refused<>(403, "Key Vault answered 403 to unwrapKey"));
            Binding denied = cmk.bind(resource(TENANT), new CustomerKey(remote(), keyName, version), POLICY);
            assertThat(((Binding.Refused) denied).reason()).isEqualTo(Refusal.ACCESS_DENIED);
        } finally {
            arm.grant(SUBSCRIPTION, VAULT, arm.host.remoteVaultPrincipal(), "unwrapKey");
        }
        assertThat(port.unwrapKey(bound.aek().keyId(), r.identity(), bound.aek().wrapped())).isInstanceOf(VaultReply.Done.class);

        // 403 from the key itself: disabled
        arm.setKeyEnabled(VAULT, keyName, version, false);
        assertThat(port.unwrapKey(bound.aek().keyId(), r.identity(), bound.aek().wrapped()))
                .isEqualTo(new VaultReply.Refused<>(403, "Key Vault answered 403 to unwrapKey"));
    }

    @Test
    void anUnreachableRemoteVaultIsUnavailableNotRefused() throws Exception {
        String keyName = ClusterArm.name("k");
        arm.createKey(VAULT, keyName, 2048);
        CmkResource r = resource(TENANT);
        Binding.Bound bound = (Binding.Bound) cmk.bind(r, new CustomerKey(remote(), keyName, ""), POLICY);

        relay.stop();
        assertThat(port.unwrapKey(bound.aek().keyId(), r.identity(), bound.aek().wrapped()))
                .isEqualTo(new VaultReply.Unavailable<>("the vault could not be reached"));
        assertThat(cmk.bind(resource(TENANT), new CustomerKey(remote(), keyName, ""), POLICY))
                .isEqualTo(new Binding.Unreachable("the vault could not be reached"));

        relay.blackHole();
        int swallowed = relay.swallowed();
        assertThat(port.unwrapKey(bound.aek().keyId(), r.identity(), bound.aek().wrapped()))
                .isEqualTo(new VaultReply.Unavailable<>("the vault could not be reached"));
        assertThat(relay.swallowed()).as("the call and its retry hung, then timed out").isGreaterThanOrEqualTo(swallowed + 2);

        relay.restore();
        assertThat(port.unwrapKey(bound.aek().keyId(), r.identity(), bound.aek().wrapped())).isInstanceOf(VaultReply.Done.class);
    }

    @Test
    void whatARemoteVaultCannotShowIsRefusedNotAssumed() throws Exception {
        String keyName = ClusterArm.name("k");
        arm.createKey(VAULT, keyName, 2048);
        int relayed = relay.relayed();

        // the entry serves one tenant: another tenant's resource may not use Keyward's credential there
        Binding otherTenant = cmk.bind(resource("e0000000-0000-4000-8000-00000000e0ff"), new CustomerKey(remote(), keyName, ""), POLICY);
        assertThat(((Binding.Refused) otherTenant).reason()).isEqualTo(Refusal.OTHER_TENANT);
        assertThat(relay.relayed()).as("refused before any vault call").isEqualTo(relayed);

        // a permission beyond get/wrapKey/unwrapKey (Data Explorer's recover) cannot be read from a foreign vault
        Binding recover = cmk.bind(resource(TENANT), new CustomerKey(remote(), keyName, ""), KeyPolicy.rsa2048(true,
                Set.of(KeyPermission.RECOVER)));
        assertThat(((Binding.Refused) recover).reason()).isEqualTo(Refusal.ACCESS_DENIED);
        assertThat(((Binding.Refused) recover).detail()).contains("'recover'", "cannot be checked");
    }

    @Test
    void aUriNoEntryServesIsRefusedWithoutANetworkCall() throws Exception {
        try (ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            int p = listener.getLocalPort();
            Principal identity = resource(TENANT).identity();
            byte[] wrapped = new byte[256];
            new SecureRandom().nextBytes(wrapped);
            for (String uri : List.of("https://localhost:" + p + "/", "https://127.0.0.1:" + p + "/",
                    "https://" + VAULT + ".vault.localhost.localhost:" + p + "/", "http://" + VAULT + ".vault.localhost:" + p + "/")) {
                assertThat(port.vault(uri, identity)).as(uri).isInstanceOf(VaultReply.Refused.class);
                assertThat(port.key(uri, "k", "", identity)).as(uri).isEqualTo(new VaultReply.Refused<>(404, "The vault '" + uri
                        + "' was not found."));
                assertThat(port.unwrapKey(uri + "keys/k/0123456789abcdef0123456789abcdef", identity, wrapped)).as(uri)
                        .isInstanceOf(VaultReply.Refused.class);
                Binding b = cmk.bind(resource(TENANT), new CustomerKey(uri, "k", ""), POLICY);
                assertThat(((Binding.Refused) b).reason()).isEqualTo(Refusal.VAULT_NOT_FOUND);
            }
            assertThat(nobodyConnected(listener)).isTrue();
        }
    }

    /** True unless a connection is waiting (a call that reached the port would have connected before it returned). */
    private static boolean nobodyConnected(ServerSocket listener) throws IOException {
        listener.setSoTimeout(200);
        try {
            listener.accept().close();
            return false;
        } catch (SocketTimeoutException e) {
            return true;
        }
    }
}
