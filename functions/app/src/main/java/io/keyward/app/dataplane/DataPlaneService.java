package io.keyward.app.dataplane;

import io.keyward.app.arm.ArmErrorCode;
import io.keyward.app.arm.ArmException;
import io.keyward.app.authorization.Authorization;
import io.keyward.app.authorization.Scope;
import io.keyward.app.base.ControlCharacters;
import io.keyward.app.clusters.Cluster;
import io.keyward.app.cmk.AekResult;
import io.keyward.app.cmk.CmkKeys;
import io.keyward.app.clusters.ClusterService;
import io.keyward.app.identity.Principal;
import io.keyward.app.keyhealth.KeyHealth;
import io.keyward.app.keyhealth.KeyState;
import io.keyward.app.lockbox.LockboxService;
import io.keyward.app.workspaces.WorkspaceService;
import io.keyward.app.workspaces.WorkspaceTarget;
import io.keyward.hsm.envelope.BlockClaims;
import io.keyward.hsm.envelope.BlockRef;
import io.keyward.hsm.envelope.Envelope;
import io.keyward.hsm.envelope.IntegrityException;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.type.Argument;
import io.micronaut.json.JsonMapper;
import io.micronaut.transaction.TransactionOperations;
import jakarta.inject.Singleton;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ingest and query of a workspace's tables as sealed blocks. A workspace linked to a cluster with a customer key
 * writes under the cluster's AEK (unwrapped by the customer's vault as the cluster's identity); any other workspace
 * under its platform AEK. Each block names its key, so data written before a link (or after an unlink) stays readable
 * beside the rest. Plaintext AEKs come from {@link AekCache}: no vault or HSM call per request.
 */
@Singleton
class DataPlaneService {

    static final String TIME_GENERATED = "TimeGenerated";
    /** Log Analytics custom log names: letters, digits and underscores, at most 100 characters. */
    static final Pattern TABLE = Pattern.compile("[A-Za-z][A-Za-z0-9_]{0,99}");
    /** The cluster AEK's Envelope version; a key rotation re-wraps the same AEK, so there is one so far. */
    static final int CLUSTER_AEK_VERSION = 1;
    static final int PLATFORM_AEK_VERSION = 1;
    /** The Envelope version of a double-encrypted cluster's infrastructure AEK (the outer layer). */
    static final int INFRASTRUCTURE_AEK_VERSION = 1;
    static final String INFRASTRUCTURE = "infrastructure";
    /** Blocks read per database round trip by a query (at most 16 x 64 KiB of sealed data in memory per page). */
    private static final int QUERY_PAGE = 16;
    static final String QUERY_ACTION = "Microsoft.OperationalInsights/workspaces/query/read";
    static final String INGEST_ACTION = "Microsoft.OperationalInsights/workspaces/sharedKeys/action";
    static final String INGEST_DATA_ACTION = "Microsoft.Insights/Telemetry/Write";
    private static final boolean INGEST = true;
    private static final Argument<List<Map<String, Object>>> RECORDS = Argument.listOf(Argument.mapOf(String.class, Object.class));
    private static final Logger LOG = LoggerFactory.getLogger(DataPlaneService.class);

    private final WorkspaceService workspaces;
    private final ClusterService clusters;
    private final CmkKeys cmk;
    private final BlockCipher cipher;
    private final PlatformKeys platform;
    private final AekCache cache;
    private final DataBlockRepository repository;
    private final DataPlaneProperties properties;
    private final JsonMapper json;
    private final KeyHealth keyHealth;
    private final TransactionOperations<?> transactions;
    private final Clock clock;
    private final Authorization authorization;
    private final LockboxService lockbox;

    DataPlaneService(WorkspaceService workspaces, ClusterService clusters, CmkKeys cmk, BlockCipher cipher, PlatformKeys platform,
                     AekCache cache, DataBlockRepository repository, DataPlaneProperties properties, JsonMapper json, KeyHealth keyHealth,
                     TransactionOperations<?> transactions, Clock clock, Authorization authorization, LockboxService lockbox) {
        this.lockbox = lockbox;
        this.keyHealth = keyHealth;
        this.transactions = transactions;
        this.clock = clock;
        this.authorization = authorization;
        this.workspaces = workspaces;
        this.clusters = clusters;
        this.cmk = cmk;
        this.cipher = cipher;
        this.platform = platform;
        this.cache = cache;
        this.repository = repository;
        this.properties = properties;
        this.json = json;
    }

    /** {@code buffered}: sealed under the platform key for the cluster whose vault is out, pending re-sealing. */
    record Ingested(int records, int blocks, String keyKind, boolean buffered) {
    }

    /**
     * The key new blocks of a workspace go under: its platform AEK, or its linked cluster's, and then, for a double-encrypted
     * cluster, its infrastructure AEK as well.
     */
    private record Target(DataBlockRepository.KeyKind kind, @Nullable UUID clusterId, boolean doubleEncrypted) {
    }

    /** The vault of a cluster's key is out and no cached AEK may serve: {@code age} by the database clock. */
    private static final class VaultOutage extends RuntimeException {
        final String reason;
        final Duration age;

        VaultOutage(String reason, Duration age) {
            super(reason, null, false, false);
            this.reason = reason;
            this.age = age;
        }
    }

    Ingested ingest(UUID workspaceId, Principal caller, @Nullable String table, @Nullable String timeField, @Nullable String body) {
        WorkspaceTarget ws = authorize(workspaceId, caller, INGEST);
        String t = table(table);
        List<Map<String, Object>> records = parse(body);
        Instant now = now();
        List<Instant> times = new ArrayList<>(records.size());
        List<byte[]> encoded = new ArrayList<>(records.size());
        for (Map<String, Object> r : records) {
            Instant at = timeOf(r, timeField, now);
            r.put(TIME_GENERATED, at.toString());
            times.add(at);
            encoded.add(write(r));
        }
        if (records.isEmpty()) {
            return new Ingested(0, 0, "none", false);
        }
        Target target = targetOf(ws);
        UUID pendingFor = null;
        AekCache.Lease lease;
        try {
            lease = lease(ws, target, true, t, records.size(), new HashMap<>());
        } catch (VaultOutage outage) {
            if (outage.age.compareTo(keyHealth.outageGrace().plus(properties.outageBuffer())) >= 0) {
                // refused, not dropped: nothing was stored and the sender keeps the records to send again
                throw new ArmException(ArmErrorCode.KeyVaultUnavailable, "The customer-managed key's vault of cluster '"
                        + target.clusterId() + "' has been unreachable for longer than the outage buffer allows ("
                        + outage.reason + "). The records were not stored; send them again once the vault is back.");
            }
            // beyond the grace period (or no cached AEK on this instance): sealed under the workspace's platform key
            // and owed to the cluster; the key-health poller re-seals them once the vault answers again
            pendingFor = target.clusterId();
            target = new Target(DataBlockRepository.KeyKind.PLATFORM, null, false);
            lease = platformLease(ws.customerId());
            LOG.info("workspace {}: {} records of {} buffered under the platform key: the vault of cluster {} is out ({})",
                    ws.resourceId(), records.size(), t, pendingFor, outage.reason);
        }
        try (AekCache.Lease used = lease; AekCache.Lease outer = target.doubleEncrypted() ? infrastructureLease(target.clusterId()) : null) {
            Envelope envelope = used.envelope();
            List<DataBlockRepository.Block> blocks = new ArrayList<>();
            int i = 0;
            while (i < encoded.size()) {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                out.write('[');
                Instant min = times.get(i);
                Instant max = times.get(i);
                int n = 0;
                // at most maxBlockBytes of JSON per block; a single larger record makes a block of its own
                while (i < encoded.size() && (n == 0 || out.size() + encoded.get(i).length + 2 <= properties.maxBlockBytes())) {
                    if (n > 0) {
                        out.write(',');
                    }
                    out.writeBytes(encoded.get(i));
                    min = times.get(i).isBefore(min) ? times.get(i) : min;
                    max = times.get(i).isAfter(max) ? times.get(i) : max;
                    n++;
                    i++;
                }
                out.write(']');
                UUID blockId = UUID.randomUUID();
                int aekVersion = target.clusterId() == null ? PLATFORM_AEK_VERSION : envelope.primaryVersion();
                byte[] sealed = cipher.seal(envelope, claims(ws.tenantId(), ws.customerId(), t, blockId, target.kind(), target.clusterId(),
                        aekVersion, target.doubleEncrypted()), out.toByteArray());
                if (outer != null) {
                    // the infrastructure layer, around the customer-key layer: reading needs both keys
                    sealed = cipher.seal(outer.envelope(), outerClaims(ws.tenantId(), ws.customerId(), t, blockId, target.clusterId()),
                            sealed);
                }
                blocks.add(DataBlockRepository.Block.of(blockId, ws.customerId(), ws.resourceId(), t, min, max, n, target.kind(),
                        target.clusterId(), target.clusterId() == null ? null : envelope.primaryVersion(), sealed, now, pendingFor,
                        target.doubleEncrypted()));
            }
            transactions.executeWrite(status -> repository.saveAll(blocks));
            return new Ingested(records.size(), blocks.size(), target.kind().stored, pendingFor != null);
        }
    }

    List<Map<String, Object>> query(UUID workspaceId, Principal caller, @Nullable String table, Instant from, Instant to,
                                    @Nullable Integer limit) {
        WorkspaceTarget ws = authorize(workspaceId, caller, !INGEST);
        String t = table(table);
        int max = limit == null ? 1000 : limit;
        if (max < 1 || max > properties.maxQueryLimit()) {
            throw new ArmException(ArmErrorCode.InvalidParameter, "limit must be between 1 and " + properties.maxQueryLimit() + ".", "limit");
        }
        if (from.isAfter(to)) {
            throw new ArmException(ArmErrorCode.InvalidParameter, "The time range ends before it starts.", "to");
        }
        // each record's time parsed once: a comparator that parsed it per comparison, sorting after every block, took 83 % of
        // the CPU samples in query() for 1,000 records from 16 blocks (JFR, docs/benchmarks.md "Data plane")
        List<Timed> found = new ArrayList<>();
        Map<UUID, KeyHealth.Status> health = new HashMap<>();
        for (DataBlockRepository.Block b : (Iterable<DataBlockRepository.Block>) () -> pages(ws.customerId(), t, from, to)) {
            // Blocks come by their newest record, descending: once `max` records are newer than this block's newest,
            // no older block can contribute.
            if (found.size() >= max && found.get(max - 1).at().isAfter(b.maxTime())) {
                break;
            }
            byte[] plain;
            try (AekCache.Lease lease = readLease(ws, b, health);
                 AekCache.Lease outer = b.doubleEncrypted() && b.clusterId() != null ? infrastructureLease(b.clusterId()) : null) {
                BlockRef legacy = ref(ws.resourceId(), t, b.blockId());
                byte[] inner = outer == null ? b.sealed()
                        : cipher.open(outer.envelope(), outerClaims(ws.tenantId(), ws.customerId(), t, b.blockId(), b.clusterId()), legacy,
                        b.sealed());
                // what the request asked for (workspace, table) and what the row claims (block, key, AEK version): a row
                // moved, swapped or relabelled in the database claims something its block was not sealed for
                plain = cipher.open(lease.envelope(), claimsOf(ws.tenantId(), ws.customerId(), t, b), legacy, inner);
            } catch (IntegrityException e) {
                LOG.error("workspace {}: block {} of table {} failed its integrity check", ws.resourceId(), b.blockId(), t);
                throw new ArmException(ArmErrorCode.DataIntegrityFailure, "The stored block '" + b.blockId() + "' of table '" + t
                        + "' failed its integrity check: it was modified or is not under the key it names, and cannot be read.");
            }
            for (Map<String, Object> r : read(plain)) {
                Instant at = Instant.parse((String) r.get(TIME_GENERATED));
                if (!at.isBefore(from) && !at.isAfter(to)) {
                    found.add(new Timed(at, r));
                }
            }
            found.sort(NEWEST_FIRST);
            if (found.size() > max) {
                found.subList(max, found.size()).clear();
            }
        }
        List<Map<String, Object>> records = new ArrayList<>(found.size());
        found.forEach(r -> records.add(r.record()));
        return records;
    }

    /** A record found by a query, with its {@link #TIME_GENERATED} parsed. */
    private record Timed(Instant at, Map<String, Object> record) {
    }

    private static final Comparator<Timed> NEWEST_FIRST = Comparator.comparing(Timed::at).reversed();

    /** The blocks of a query's range, newest first, read from the database a page at a time as the query goes on. */
    private Iterator<DataBlockRepository.Block> pages(UUID customerId, String table, Instant from, Instant to) {
        return new Iterator<>() {
            private List<DataBlockRepository.Block> page = List.of();
            private int next;
            private boolean done;

            @Override
            public boolean hasNext() {
                if (next < page.size()) {
                    return true;
                }
                if (done) {
                    return false;
                }
                DataBlockRepository.Block after = page.isEmpty() ? null : page.get(page.size() - 1);
                page = repository.overlapping(customerId, table, from, to, after, QUERY_PAGE);
                next = 0;
                done = page.size() < QUERY_PAGE;
                return !page.isEmpty();
            }

            @Override
            public DataBlockRepository.Block next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return page.get(next++);
            }
        };
    }

    /**
     * The Envelope that opens {@code b}. A block buffered for a cluster whose vault was out is under the platform key
     * but is the cluster's data: it is readable exactly when the cluster's own blocks are (not revoked, not beyond the
     * outage's grace period).
     */
    private AekCache.Lease readLease(WorkspaceTarget ws, DataBlockRepository.Block b, Map<UUID, KeyHealth.Status> health) {
        try {
            if (b.pendingClusterId() != null) {
                UUID cluster = b.pendingClusterId();
                KeyHealth.Status s = health.computeIfAbsent(cluster, id -> keyHealth.of(id).orElse(NOT_POLLED));
                KeyHealth.Access access = keyHealth.access(s);
                if (access == KeyHealth.Access.Revoked) {
                    throw revoked(cluster, false);
                }
                if (access == KeyHealth.Access.OutageBeyondGrace) {
                    throw new VaultOutage(String.valueOf(s.lastError()), age(s));
                }
                return platformLease(ws.customerId());
            }
            return lease(ws, new Target(b.kind(), b.clusterId(), b.doubleEncrypted()), false, b.table(), 0, health);
        } catch (VaultOutage outage) {
            UUID cluster = b.pendingClusterId() != null ? b.pendingClusterId() : b.clusterId();
            String why = outage.age.compareTo(keyHealth.outageGrace()) >= 0
                    ? "has been unreachable for longer than the grace period (" + outage.reason + ")"
                    : "cannot be reached (" + outage.reason + ") and this instance holds no cached copy of the cluster's key";
            throw new ArmException(ArmErrorCode.KeyVaultUnavailable, "The customer-managed key's vault of cluster '" + cluster + "' "
                    + why + ": data under this key cannot be read until the vault is back. Try again later.");
        }
    }

    /**
     * The workspace, for a caller Azure would let read (query) or send (ingest) its data: a query needs
     * {@code workspaces/query/read} (Reader, Log Analytics Reader and up); an ingest either the action that hands out the
     * workspace's shared keys, which the HTTP Data Collector API signs with (Log Analytics Contributor, Contributor,
     * Owner), or the Logs Ingestion API's data action (Monitoring Metrics Publisher). Nothing about a workspace the
     * caller may not use is told apart from one that does not exist beyond ARM's 403. A support principal of another
     * tenant gets only a query that an approved, unexpired Customer Lockbox request covers (the attempt is recorded
     * either way): for it Lockbox decides, not role assignments.
     */
    private WorkspaceTarget authorize(UUID workspaceId, Principal caller, boolean ingest) {
        WorkspaceTarget ws = workspaces.target(workspaceId).orElseThrow(() -> new ArmException(ArmErrorCode.ResourceNotFound,
                "The workspace '" + workspaceId + "' was not found."));
        Scope scope = Scope.parse(ws.resourceId()).orElseThrow();
        String action = ingest ? INGEST_ACTION : QUERY_ACTION;
        boolean allowed = ws.tenantId().equalsIgnoreCase(caller.tenantId())
                ? authorization.permits(scope, caller.objectId(), action)
                || ingest && authorization.permitsData(scope, caller.objectId(), INGEST_DATA_ACTION)
                : lockbox.supportAccess(ws.customerId(), ws.resourceId(), ws.tenantId(), caller, !ingest);
        if (!allowed) {
            throw Authorization.denied(caller, ingest ? INGEST_DATA_ACTION : QUERY_ACTION, scope);
        }
        return ws;
    }

    private Target targetOf(WorkspaceTarget ws) {
        if (ws.clusterResourceId() == null) {
            return new Target(DataBlockRepository.KeyKind.PLATFORM, null, false);
        }
        Optional<Cluster> cluster = clusters.find(ws.clusterResourceId());
        // A cluster without a customer key encrypts with Microsoft's (here: the platform) key.
        if (cluster.isPresent() && !cluster.get().tenantId().equalsIgnoreCase(ws.tenantId())) {
            // only a link edited in the database gets here (linking checks the tenant): never write under another tenant's key
            LOG.error("workspace {}: its cluster link names a cluster of another tenant; nothing stored", ws.resourceId());
            throw new ArmException(ArmErrorCode.DataIntegrityFailure, "The workspace's link names a cluster of another tenant: the link"
                    + " was changed outside Keyward, and no record is written under another tenant's key. Nothing was stored.");
        }
        return cluster.filter(Cluster::keyConfigured)
                .map(c -> new Target(DataBlockRepository.KeyKind.CLUSTER, UUID.fromString(c.clusterId()), c.doubleEncrypted()))
                .orElse(new Target(DataBlockRepository.KeyKind.PLATFORM, null, false));
    }

    /** A cluster the poller has not seen yet: used as is. */
    private static final KeyHealth.Status NOT_POLLED = new KeyHealth.Status(KeyState.Unknown, null, null, null, null);

    private static Duration age(KeyHealth.Status s) {
        return s.unavailableFor() == null ? Duration.ZERO : s.unavailableFor();
    }

    private AekCache.Lease platformLease(UUID customerId) {
        return cache.acquire(platformKey(customerId), () -> Envelope.of(PLATFORM_AEK_VERSION, platform.aek(customerId)));
    }

    static String platformKey(UUID customerId) {
        return "platform:" + customerId;
    }

    /** The Envelope of a double-encrypted cluster's outer layer (its infrastructure AEK, under the platform KEK). */
    AekCache.Lease infrastructureLease(UUID clusterId) {
        return cache.acquire(INFRASTRUCTURE + ":" + clusterId,
                () -> Envelope.of(INFRASTRUCTURE_AEK_VERSION, platform.infrastructureAek(clusterId)));
    }

    /** The outer layer's claims: the same block, under the cluster's infrastructure key. */
    static BlockClaims outerClaims(String tenantId, UUID customerId, String table, UUID blockId, UUID clusterId) {
        return new BlockClaims(owner(tenantId, customerId), table, blockId.toString(), INFRASTRUCTURE, clusterId.toString(),
                INFRASTRUCTURE_AEK_VERSION);
    }

    /**
     * A block's owner as its claims name it: the workspace's tenant and customer id, so that neither a block moved to another
     * workspace nor a workspace handed to another tenant in the database opens.
     */
    static String owner(String tenantId, UUID customerId) {
        return tenantId.toLowerCase(Locale.ROOT) + "/" + customerId;
    }

    private ArmException revoked(UUID clusterId, boolean ingest) {
        return new ArmException(ArmErrorCode.CustomerManagedKeyInaccessible, "The customer-managed key of cluster '"
                + clusterId + "' was revoked (the vault refused it at the last key-health check)."
                + (ingest ? " The records were dropped." : " Data under this key cannot be read until access is restored."));
    }

    /**
     * The Envelope of {@code key}. {@code health} remembers the recorded key state per cluster for one request: one
     * database read per cluster, not per block. By that state (docs/data-plane-outages.md):
     * <ul>
     * <li>Revoked: refused without a vault call; an ingest counts its records as dropped.</li>
     * <li>Unavailable within the grace period: the cached AEK, even past its TTL, without a vault call; none cached
     * here: {@link VaultOutage}.</li>
     * <li>Unavailable beyond it: {@link VaultOutage} (the caller buffers an ingest, fails a query).</li>
     * <li>otherwise: the cached AEK, else an unwrap through the vault. A refusal there records the key Revoked (so no
     * instance serves it from its cache from the next request on) and drops an ingest as before; an unreachable vault
     * starts the outage now (first failure any instance saw) and falls back as within the grace.</li>
     * </ul>
     */
    private AekCache.Lease lease(WorkspaceTarget ws, Target key, boolean ingest, String table, int records,
                                 Map<UUID, KeyHealth.Status> health) {
        if (key.kind() == DataBlockRepository.KeyKind.PLATFORM) {
            return platformLease(ws.customerId());
        }
        UUID clusterId = key.clusterId();
        String cacheKey = AekCache.clusterKey(clusterId);
        try {
            KeyHealth.Status status = health.computeIfAbsent(clusterId, id -> keyHealth.of(id).orElse(NOT_POLLED));
            switch (keyHealth.access(status)) {
                case Revoked -> {
                    // recorded by any instance's check: this instance's plaintext goes too, not only at its TTL
                    cache.evictCluster(clusterId);
                    throw revoked(clusterId, ingest);
                }
                case OutageBeyondGrace -> throw new VaultOutage(String.valueOf(status.lastError()), age(status));
                case OutageWithinGrace -> {
                    // no vault call while it is known to be out: the poller notices when it is back
                    cache.holdCluster(clusterId, keyHealth.outageGrace().minus(age(status)));
                    return cache.acquireStale(cacheKey)
                            .orElseThrow(() -> new VaultOutage(String.valueOf(status.lastError()), age(status)));
                }
                case Usable -> {
                    // below
                }
            }
            try {
                return cache.acquire(cacheKey, () -> {
                    AekResult aek = cmk.unwrap(clusterId);
                    if (aek instanceof AekResult.Unwrapped u) {
                        return Envelope.of(CLUSTER_AEK_VERSION, u.aek());
                    }
                    if (aek instanceof AekResult.Refused r) {
                        // revoked for every instance at once: the others may still hold the AEK in their caches
                        keyHealth.refusalSeen(clusterId, r.message());
                        throw new ArmException(ArmErrorCode.CustomerManagedKeyInaccessible, r.message()
                                + (ingest ? " The records were dropped." : " Data under this key cannot be read until access is restored."));
                    }
                    if (aek instanceof AekResult.Unavailable u) {
                        throw new VaultOutage("The vault could not be reached: " + u.reason() + ".", Duration.ZERO);
                    }
                    throw new ArmException(ArmErrorCode.CustomerManagedKeyInaccessible,
                            "The cluster '" + clusterId + "' and its key no longer exist; its data cannot be read.");
                });
            } catch (VaultOutage outage) {
                // the first failure this instance saw (the poller may not have run yet): the grace period starts now
                keyHealth.outageSeen(clusterId, outage.reason);
                KeyHealth.Status now = keyHealth.of(clusterId).orElse(NOT_POLLED);
                health.put(clusterId, now);
                Duration age = age(now);
                if (now.state() == KeyState.Revoked) {
                    throw revoked(clusterId, ingest);
                }
                if (age.compareTo(keyHealth.outageGrace()) >= 0) {
                    throw new VaultOutage(outage.reason, age);
                }
                cache.holdCluster(clusterId, keyHealth.outageGrace().minus(age));
                return cache.acquireStale(cacheKey).orElseThrow(() -> new VaultOutage(outage.reason, age));
            }
        } catch (ArmException e) {
            if (ingest && e.code() == ArmErrorCode.CustomerManagedKeyInaccessible) {
                repository.countDropped(ws.customerId(), table, records, e.code().name(), now());
                LOG.info("workspace {}: {} records of {} dropped: {}", ws.resourceId(), records, table, e.code());
            }
            throw e;
        }
    }

    /** Microseconds: what timestamptz keeps. */
    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }

    /**
     * The claims a block is sealed for (BlockFormat V2): owner workspace, table, block, key kind, the resource whose AEK
     * it is (the cluster, or the workspace itself for its platform AEK) and the AEK version.
     */
    static BlockClaims claims(String tenantId, UUID customerId, String table, UUID blockId, DataBlockRepository.KeyKind kind,
                              @Nullable UUID clusterId, int aekVersion, boolean doubleEncrypted) {
        UUID keyResource = kind == DataBlockRepository.KeyKind.CLUSTER ? clusterId : customerId;
        // the inner layer names the outer one too: stripping the outer layer (and the row's flag) does not leave a block that opens
        String keyKind = doubleEncrypted ? kind.stored + "+" + INFRASTRUCTURE : kind.stored;
        return new BlockClaims(owner(tenantId, customerId), table, blockId.toString(), keyKind, String.valueOf(keyResource), aekVersion);
    }

    /** What row {@code b} claims, read as a block of tenant {@code tenantId}'s workspace {@code customerId}'s table {@code table}. */
    static BlockClaims claimsOf(String tenantId, UUID customerId, String table, DataBlockRepository.Block b) {
        return claims(tenantId, customerId, table, b.blockId(), b.kind(), b.clusterId(), b.aekVersion() == null ? PLATFORM_AEK_VERSION : b.aekVersion(),
                b.doubleEncrypted());
    }

    /** A V1 block's reference: "workspace resource id/table" and the block id. */
    static BlockRef ref(String workspaceResourceId, String table, UUID blockId) {
        return new BlockRef(workspaceResourceId + "/" + table, blockId.toString());
    }

    private static String table(@Nullable String table) {
        if (table == null || !TABLE.matcher(table).matches()) {
            throw new ArmException(ArmErrorCode.InvalidParameter, "The table name (Log-Type) '" + table + "' is not valid: it must"
                    + " start with a letter and hold only letters, digits and underscores, at most 100 characters.", "Log-Type");
        }
        return table;
    }

    private List<Map<String, Object>> parse(@Nullable String body) {
        String text = body == null ? "" : body.trim();
        if (!text.startsWith("[")) {
            throw new ArmException(ArmErrorCode.InvalidRequestContent, "The request content must be a JSON array of records.");
        }
        try {
            List<Map<String, Object>> records = json.readValue(text, RECORDS);
            if (records.stream().anyMatch(r -> r == null)) {
                throw new ArmException(ArmErrorCode.InvalidRequestContent, "Every record must be a JSON object.");
            }
            for (int i = 0; i < records.size(); i++) {
                // column names reach the query's answer and log lines; values are the customer's data, sealed as sent
                if (records.get(i).keySet().stream().anyMatch(ControlCharacters::in)) {
                    throw new ArmException(ArmErrorCode.InvalidRequestContent, "A column name of record [" + i + "] contains a control"
                            + " character.", "[" + i + "]");
                }
            }
            return records;
        } catch (IOException e) {
            throw new ArmException(ArmErrorCode.InvalidRequestContent, "The request content must be a JSON array of JSON objects.");
        }
    }

    private static Instant timeOf(Map<String, Object> record, @Nullable String timeField, Instant now) {
        if (timeField == null || timeField.isBlank() || record.get(timeField) == null) {
            return now;
        }
        String value = String.valueOf(record.get(timeField));
        try {
            return OffsetDateTime.parse(value).toInstant().truncatedTo(ChronoUnit.MICROS);
        } catch (DateTimeParseException e) {
            throw new ArmException(ArmErrorCode.InvalidParameter, "The field '" + timeField + "' (time-generated-field) holds '"
                    + value + "', which is not an ISO 8601 date and time.", "time-generated-field");
        }
    }

    private byte[] write(Map<String, Object> record) {
        try {
            return json.writeValueAsBytes(record);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private List<Map<String, Object>> read(byte[] plain) {
        try {
            return json.readValue(plain, RECORDS);
        } catch (IOException e) {
            throw new UncheckedIOException("an opened block is not a JSON array of records", e);
        }
    }
}
