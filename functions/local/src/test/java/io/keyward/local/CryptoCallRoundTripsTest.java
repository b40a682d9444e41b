package io.keyward.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.keyward.app.dataplane.SecondInstance;
import io.keyward.app.identity.Audiences;
import io.keyward.app.identity.Principal;
import io.keyward.app.identity.PrincipalType;
import io.keyward.app.vault.KeyPermission;
import io.keyward.app.vault.Vault;
import io.keyward.app.vault.VaultService;
import io.keyward.hsm.Hsm;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 14: a Key Vault crypto call costs at most one database round trip, counted where the driver talks to
 * PostgreSQL (every message pgjdbc waits on a reply for: Sync, a simple query, a function call), on the threads that
 * authenticate and run the request; and the vault and key metadata it keeps to get there never outlive a change: a
 * change through this instance is honoured by the next call, one through another instance within
 * {@code keyward.vault.metadata-cache-ttl} (5 s), and the revocation checks read afresh on every instance.
 */
class CryptoCallRoundTripsTest {

    private static final String TENANT = "e0000000-0000-4000-8000-00000000e014";
    private static final Duration METADATA_TTL = Duration.ofSeconds(5);

    private static ClusterArm arm;
    private static String sub;
    private static String vault;
    private static String version;
    private static String keyVaultToken;
    private static String wrapped;

    @BeforeAll
    static void start() throws Exception {
        arm = new ClusterArm(TENANT, "round-trips");
        sub = ClusterArm.sub();
        vault = ClusterArm.name("kwrt");
        arm.putVault(sub, vault, "eastus", false);
        version = arm.createKeyWithoutDns(vault, "rk");
        keyVaultToken = arm.host.token(arm.client, Audiences.KEY_VAULT);
        ClusterArm.Reply w = crypto("wrapkey", Base64.getUrlEncoder().withoutPadding().encodeToString(new byte[32]));
        assertThat(w.status()).as(w.text()).isEqualTo(200);
        wrapped = (String) w.json().get("value");
    }

    @Test
    void anUnwrapkeyCostsAtMostOneDatabaseRoundTrip() throws Exception {
        assertThat(unwrap().status()).isEqualTo(200); // token, principal, vault and key read once
        int calls = 20;
        int roundTrips;
        try (RoundTrips counted = RoundTrips.count()) {
            for (int i = 0; i < calls; i++) {
                ClusterArm.Reply r = unwrap();
                assertThat(r.status()).as(r.text()).isEqualTo(200);
            }
            roundTrips = counted.total();
        }
        System.out.printf("CryptoCallRoundTripsTest: %d unwrapkey calls, %d database round trips%n", calls, roundTrips);
        assertThat(roundTrips).as("database round trips of %d unwrapkey calls", calls).isLessThanOrEqualTo(calls);

        // after a change of the key through this instance, its next call reads the key again, and only that
        assertThat(arm.vaultCall(vault, "PATCH", "/keys/rk/" + version + "?api-version=7.4", keyVaultToken,
                "{\"tags\":{\"n\":\"" + System.nanoTime() + "\"}}").status()).isEqualTo(200);
        try (RoundTrips counted = RoundTrips.count()) {
            assertThat(unwrap().status()).isEqualTo(200);
            assertThat(counted.total()).as("the first unwrapkey after a key change").isBetween(1, 3);
        }
    }

    @Test
    void aChangeThroughThisInstanceIsHonouredByTheNextCryptoCall() throws Exception {
        ClusterArm reader = new ClusterArm(TENANT, "round-trips-reader");
        arm.grant(sub, vault, reader.client.principal().objectId(), "unwrapKey");
        String readerToken = arm.host.token(reader.client, Audiences.KEY_VAULT);
        assertThat(unwrap(readerToken).status()).isEqualTo(200);
        assertThat(unwrap(readerToken).status()).as("served from kept metadata").isEqualTo(200);

        arm.revoke(sub, vault, reader.client.principal().objectId(), "unwrapKey");
        ClusterArm.assertError(unwrap(readerToken), 403, "Forbidden", "does not have keys unwrapKey permission");
        arm.grant(sub, vault, reader.client.principal().objectId(), "unwrapKey");
        assertThat(unwrap(readerToken).status()).isEqualTo(200);

        assertThat(arm.vaultCall(vault, "PATCH", "/keys/rk/" + version + "?api-version=7.4", keyVaultToken,
                "{\"attributes\":{\"enabled\":false}}").status()).isEqualTo(200);
        assertThat(unwrap(readerToken).status()).as("a disabled key, at once").isEqualTo(403);
        assertThat(arm.vaultCall(vault, "PATCH", "/keys/rk/" + version + "?api-version=7.4", keyVaultToken,
                "{\"attributes\":{\"enabled\":true}}").status()).isEqualTo(200);
        assertThat(unwrap(readerToken).status()).isEqualTo(200);

        assertThat(arm.vaultCall(vault, "DELETE", "/keys/rk?api-version=7.4", keyVaultToken, null).status()).isEqualTo(200);
        assertThat(unwrap(readerToken).status()).as("a deleted key, at once").isEqualTo(404);
        assertThat(arm.vaultCall(vault, "POST", "/deletedkeys/rk/recover?api-version=7.4", keyVaultToken, null).status())
                .isEqualTo(200);
        assertThat(unwrap(readerToken).status()).isEqualTo(200);
    }

    @Test
    void anotherInstanceSeesAChangeWithinTheBoundAndItsRevocationChecksAtOnce() throws Exception {
        Principal identity = new Principal(TENANT, java.util.UUID.randomUUID().toString(), PrincipalType.MANAGED_IDENTITY, null);
        arm.grant(sub, vault, identity.objectId(), "unwrapKey");
        try (SecondInstance second = SecondInstance.start(arm.host.host().database(), arm.host.bean(Hsm.class))) {
            VaultService vaults = second.bean(VaultService.class);
            assertThat(vaults.findRecentActiveByName(vault).orElseThrow().allows(identity, KeyPermission.UNWRAP_KEY)).isTrue();

            long revoked = System.nanoTime();
            arm.revoke(sub, vault, identity.objectId(), "unwrapKey");
            // what key health and the customer-key port read: the change, at once
            assertThat(vaults.findActiveByName(vault).orElseThrow().allows(identity, KeyPermission.UNWRAP_KEY)).isFalse();
            // what the Key Vault crypto calls of that instance read: the change within the documented bound
            Conditions.await(METADATA_TTL.plusSeconds(2),
                    () -> !vaults.findRecentActiveByName(vault).map(v -> v.allows(identity, KeyPermission.UNWRAP_KEY)).orElse(true),
                    "the second instance's kept vault follows the revocation");
            assertThat(Duration.ofNanos(System.nanoTime() - revoked)).isLessThan(METADATA_TTL.plusSeconds(2));
        }
    }

    private static ClusterArm.Reply unwrap() throws Exception {
        return unwrap(keyVaultToken);
    }

    private static ClusterArm.Reply unwrap(String token) throws Exception {
        return arm.vaultCall(vault, "POST", "/keys/rk/" + version + "/unwrapkey?api-version=7.4", token,
                "{\"alg\":\"RSA-OAEP\",\"value\":\"" + wrapped + "\"}");
    }

    private static ClusterArm.Reply crypto(String op, String value) throws Exception {
        return arm.vaultCall(vault, "POST", "/keys/rk/" + version + "/" + op + "?api-version=7.4", keyVaultToken,
                "{\"alg\":\"RSA-OAEP\",\"value\":\"" + value + "\"}");
    }

    /**
     * Counts pgjdbc's protocol messages that wait for PostgreSQL's answer, as the driver logs them at FINEST, on the
     * host's authentication and function threads only (timers and the pool's housekeeping run elsewhere).
     */
    private static final class RoundTrips extends Handler implements AutoCloseable {
        private static final Logger DRIVER = Logger.getLogger("org.postgresql.core.v3.QueryExecutorImpl");
        private final AtomicInteger total = new AtomicInteger();
        private final Level level = DRIVER.getLevel();
        private final boolean parents = DRIVER.getUseParentHandlers();

        static RoundTrips count() {
            RoundTrips r = new RoundTrips();
            r.setLevel(Level.ALL);
            DRIVER.setUseParentHandlers(false);
            DRIVER.addHandler(r);
            DRIVER.setLevel(Level.FINEST);
            return r;
        }

        @Override
        public void publish(LogRecord record) {
            String thread = Thread.currentThread().getName();
            String message = record.getMessage();
            if ((thread.startsWith("keyward-function") || thread.startsWith("keyward-auth")) && message != null
                    && (message.equals(" FE=> Sync") || message.startsWith(" FE=> SimpleQuery")
                    || message.startsWith(" FE=> FunctionCall"))) {
                total.incrementAndGet();
            }
        }

        int total() {
            return total.get();
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
            DRIVER.setLevel(level);
            DRIVER.removeHandler(this);
            DRIVER.setUseParentHandlers(parents);
        }
    }
}
