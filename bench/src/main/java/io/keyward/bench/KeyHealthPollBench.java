package io.keyward.bench;

import io.keyward.app.base.SqlTransactions;
import io.keyward.app.cmk.KeyBindings;
import io.keyward.app.cmk.WrappedAek;
import io.keyward.app.keyhealth.KeyHealthJob;
import io.keyward.app.vault.Vault;
import io.keyward.app.vault.VaultService;
import io.keyward.app.vault.keys.KeyName;
import io.keyward.app.vault.keys.VaultKeys;
import io.keyward.hsm.Hsm;
import io.keyward.hsm.KeyVersionRef;
import io.keyward.hsm.WrapAlgorithm;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;

/**
 * One key-health round (the KeyHealth_Poll timer's work: claim due resources in batches, unwrap each one's AEK through
 * its customer's vault as its identity, in process for Keyward's own vaults, record the result) over 1,000 and 10,000
 * resources, beside the token's own RSA-2048 unwrap rate in the same process (the limit: each poll is one unwrap in the
 * HSM). The resources
 * are one real cluster (created, granted and keyed through ARM) and copies of its cmk_aeks row under new ids: the
 * same identity and wrapped AEK, each polled as its own resource.
 *
 * <p>Run by {@code bench/host.sh keyhealth}.
 */
public final class KeyHealthPollBench {
    private static final String TENANT = "b0000000-0000-4000-8000-0000000be0e1";
    private static final String SUBSCRIPTION = "b0000000-0000-4000-8000-0000000005b3";
    private static final String VAULT = "kwbenchkh";

    private BenchHost bench;
    private DataSource db;
    private UUID template;
    private Hsm hsm;
    private KeyVersionRef ref;
    private byte[] wrapped;

    public static void main(String[] args) throws Exception {
        int[] sizes = args.length > 0 ? java.util.Arrays.stream(args[0].split(",")).mapToInt(Integer::parseInt).toArray()
                : new int[] {1000, 10000};
        KeyHealthPollBench run = new KeyHealthPollBench();
        try {
            run.setUp(Path.of(args.length > 1 ? args[1] : "bench/target/host-home-kh"));
            run.run(sizes);
        } finally {
            if (run.bench != null) {
                run.bench.close();
            }
        }
        System.exit(0);
    }

    private void setUp(Path home) throws Exception {
        // The host's own KeyHealth_Poll timer stays out of the way (once a year): the bench runs the job itself.
        bench = BenchHost.start(home, TENANT, "keyhealth-bench", Map.of("KEYWARD_KEYHEALTH_SCHEDULE", "0 0 0 1 1 *"));
        bench.putVault(SUBSCRIPTION, VAULT);
        String keyName = "bench-" + Long.toHexString(System.nanoTime());
        bench.createKey(VAULT, keyName);
        String cluster = "/subscriptions/" + SUBSCRIPTION + "/resourceGroups/bench/providers/Microsoft.OperationalInsights/clusters/kh"
                + Long.toHexString(System.nanoTime());
        HttpResponse<String> created = bench.arm("PUT", cluster + "?api-version=2022-10-01",
                "{\"location\":\"westeurope\",\"identity\":{\"type\":\"SystemAssigned\"},\"sku\":{\"name\":\"CapacityReservation\",\"capacity\":1000}}");
        BenchHost.require(created, 200, 201);
        bench.grant(SUBSCRIPTION, VAULT, BenchHost.field(created.body(), "principalId"));
        bench.awaitOperation(bench.arm("PATCH", cluster + "?api-version=2022-10-01", "{\"properties\":{\"keyVaultProperties\":{"
                + "\"keyVaultUri\":\"" + bench.vaultUri(VAULT) + "\",\"keyName\":\"" + keyName + "\",\"keyVersion\":\"\"}}}"));
        template = UUID.fromString(BenchHost.field(created.body(), "clusterId"));

        // the pool itself: the DataSource bean hands out connections only inside Micronaut-managed transactions
        db = SqlTransactions.plain(bench.context.getBean(DataSource.class));
        try (Connection c = db.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT wrapped_aek FROM cmk_aeks WHERE resource_uuid = ?")) {
            ps.setObject(1, template);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                wrapped = rs.getBytes(1);
            }
        }
        hsm = bench.context.getBean(Hsm.class);
        Vault v = bench.context.getBean(VaultService.class).findActiveByName(VAULT).orElseThrow();
        ref = bench.context.getBean(VaultKeys.class).get(v, bench.client.principal(), new KeyName(keyName), null).hsmRef();
        if (hsm.unwrap(ref, WrapAlgorithm.RSA_OAEP, wrapped).length != 32) {
            throw new IllegalStateException("direct unwrap gave a wrong length");
        }
    }

    private void run(int[] sizes) throws Exception {
        System.out.printf("Key-health poll rounds, RSA-2048 RSA-OAEP unwrap through the vault (in process), %d cores%n",
                Runtime.getRuntime().availableProcessors());
        double direct1 = direct(1, Duration.ofSeconds(5));
        double direct2 = direct(2, Duration.ofSeconds(5));
        System.out.printf("  direct Hsm.unwrap: %.0f/s (1 thread), %.0f/s (2 threads)%n", direct1, direct2);
        KeyHealthJob job = bench.context.getBean(KeyHealthJob.class);
        resize(200, false);
        round(job); // warm-up: JIT, connection pools
        System.out.println("  each round's limit: direct Hsm.unwrap with 2 threads for 3 s just before and just after it (their mean),");
        System.out.println("  so that load from outside the run moves the round and its limit together");
        System.out.println();
        System.out.printf("%-34s %10s %10s %12s %14s %12s%n", "round", "resources", "wall s", "unwraps/s", "direct(2t)/s", "vs direct");
        for (int size : sizes) {
            for (boolean followsLatest : new boolean[] {false, true}) {
                resize(size, followsLatest);
                double before = direct(2, Duration.ofSeconds(3));
                long start = System.nanoTime();
                KeyHealthJob.Round r = round(job);
                double seconds = (System.nanoTime() - start) / 1e9;
                double after = direct(2, Duration.ofSeconds(3));
                if (r.checked() != size || r.accessible() != size) {
                    throw new IllegalStateException("round over " + size + " resources: " + r);
                }
                double limit = (before + after) / 2;
                System.out.printf("%-34s %10d %10.1f %12.0f %7.0f/%-6.0f %11.0f%%%n", followsLatest ? "poll + follow latest version"
                        : "poll (fixed key version)", size, seconds, size / seconds, before, after, 100 * size / seconds / limit);
                if (size == 10000 && !followsLatest) {
                    System.out.printf("one round over 10,000 resources: %.1f s  (goal < 60 s)%n", seconds);
                }
            }
        }
    }

    /** Exactly {@code size} active resources, every one due now (rows of the core's and of key health's tables). */
    private void resize(int size, boolean followsLatest) throws Exception {
        try (Connection c = db.getConnection()) {
            try (PreparedStatement del = c.prepareStatement("DELETE FROM cmk_aeks WHERE resource_uuid <> ?");
                 PreparedStatement health = c.prepareStatement("DELETE FROM cmk_key_health");
                 PreparedStatement copy = c.prepareStatement("INSERT INTO cmk_aeks (resource_uuid, resource_kind, resource_name, tenant_id,"
                         + " principal_id, follows_latest, active, key_id, key_version, algorithm, wrapped_aek, created_at, updated_at)"
                         + " SELECT gen_random_uuid(), resource_kind, resource_name || '-' || i, tenant_id, principal_id, follows_latest, true,"
                         + " key_id, key_version, algorithm, wrapped_aek, created_at, updated_at FROM cmk_aeks, generate_series(2, ?) i"
                         + " WHERE resource_uuid = ?");
                 PreparedStatement follow = c.prepareStatement("UPDATE cmk_aeks SET follows_latest = ?");
                 // what the core's AekBound event does for a bound key: a health row, due now
                 PreparedStatement due = c.prepareStatement("INSERT INTO cmk_key_health (resource_uuid, key_state, next_check_at)"
                         + " SELECT resource_uuid, 'Unknown', clock_timestamp() FROM cmk_aeks")) {
                del.setObject(1, template);
                del.executeUpdate();
                health.executeUpdate();
                follow.setBoolean(1, followsLatest);
                follow.executeUpdate();
                copy.setInt(1, size);
                copy.setObject(2, template);
                copy.executeUpdate();
                due.executeUpdate();
            }
            bindCopies(c);
        }
    }

    /**
     * Each copied row gets its binding, made in the HSM as the core makes it (cmk_key_bindings, V33): without one, the
     * round would refuse the copies as tampered rows, which is what it is there for. The MACs are made before the
     * inserts, outside any transaction.
     */
    private void bindCopies(Connection c) throws Exception {
        try (PreparedStatement stale = c.prepareStatement("DELETE FROM cmk_key_bindings WHERE resource_uuid <> ?")) {
            stale.setObject(1, template);
            stale.executeUpdate();
        }
        List<KeyBindings.Seal> seals = new ArrayList<>();
        KeyBindings bindings = bench.context.getBean(KeyBindings.class);
        try (PreparedStatement rows = c.prepareStatement("SELECT resource_uuid, resource_kind, tenant_id, principal_id, key_id, key_version,"
                + " algorithm, wrapped_aek FROM cmk_aeks WHERE resource_uuid <> ?")) {
            rows.setObject(1, template);
            try (ResultSet rs = rows.executeQuery()) {
                while (rs.next()) {
                    seals.add(bindings.seal(rs.getObject(1, UUID.class), rs.getString(2), rs.getString(3), rs.getObject(4, UUID.class),
                            new WrappedAek(rs.getString(5), rs.getString(6), rs.getString(7), rs.getBytes(8))));
                }
            }
        }
        try (PreparedStatement insert = c.prepareStatement("INSERT INTO cmk_key_bindings (resource_uuid, mac_key_version, mac, bound_at)"
                + " VALUES (?, ?, ?, clock_timestamp())")) {
            for (KeyBindings.Seal seal : seals) {
                insert.setObject(1, seal.uuid());
                insert.setString(2, seal.keyVersion());
                insert.setBytes(3, seal.mac());
                insert.addBatch();
            }
            insert.executeBatch();
        }
    }

    private static KeyHealthJob.Round round(KeyHealthJob job) {
        return job.runDue();
    }

    private double direct(int threads, Duration duration) throws Exception {
        AtomicLong ops = new AtomicLong();
        CountDownLatch done = new CountDownLatch(threads);
        long end = System.nanoTime() + duration.toNanos();
        for (int t = 0; t < threads; t++) {
            new Thread(() -> {
                while (System.nanoTime() < end) {
                    hsm.unwrap(ref, WrapAlgorithm.RSA_OAEP, wrapped);
                    ops.incrementAndGet();
                }
                done.countDown();
            }).start();
        }
        done.await();
        return ops.get() / (duration.toNanos() / 1e9);
    }
}
