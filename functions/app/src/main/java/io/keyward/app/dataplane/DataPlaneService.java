package io.keyward.app.dataplane;

import io.keyward.app.arm.ArmErrorCode;
import io.keyward.app.arm.ArmException;
import io.keyward.app.clusters.Cluster;
import io.keyward.app.cmk.AekResult;
import io.keyward.app.cmk.CmkKeys;
import io.keyward.app.clusters.ClusterService;
import io.keyward.app.identity.Principal;
import io.keyward.app.keyhealth.KeyHealth;
import io.keyward.app.workspaces.WorkspaceService;
import io.keyward.app.workspaces.WorkspaceTarget;
import io.keyward.hsm.envelope.BlockRef;
import io.keyward.hsm.envelope.Envelope;
import io.keyward.hsm.envelope.IntegrityException;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.type.Argument;
import io.micronaut.json.JsonMapper;
import jakarta.inject.Singleton;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
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

    DataPlaneService(WorkspaceService workspaces, ClusterService clusters, CmkKeys cmk, BlockCipher cipher, PlatformKeys platform,
                     AekCache cache,
                     DataBlockRepository repository, DataPlaneProperties properties, JsonMapper json, KeyHealth keyHealth) {
        this.keyHealth = keyHealth;
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

    record Ingested(int records, int blocks, String keyKind) {
    }

    /** The key new blocks of a workspace go under: its platform AEK, or its linked cluster's. */
    private record Target(DataBlockRepository.KeyKind kind, @Nullable UUID clusterId) {
    }

    Ingested ingest(UUID workspaceId, Principal caller, @Nullable String table, @Nullable String timeField, @Nullable String body) {
        WorkspaceTarget ws = authorize(workspaceId, caller);
        String t = table(table);
        List<Map<String, Object>> records = parse(body);
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        List<Instant> times = new ArrayList<>(records.size());
        List<byte[]> encoded = new ArrayList<>(records.size());
        for (Map<String, Object> r : records) {
            Instant at = timeOf(r, timeField, now);
            r.put(TIME_GENERATED, at.toString());
            times.add(at);
            encoded.add(write(r));
        }
        if (records.isEmpty()) {
            return new Ingested(0, 0, "none");
        }
        Target target = targetOf(ws);
        try (AekCache.Lease lease = lease(ws, target, true, t, records.size(), new HashMap<>())) {
            Envelope envelope = lease.envelope();
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
                byte[] sealed = cipher.seal(envelope, ref(ws.resourceId(), t, blockId), out.toByteArray());
                blocks.add(new DataBlockRepository.Block(blockId, ws.customerId(), ws.resourceId(), t, min, max, n, target.kind(),
                        target.clusterId(), target.clusterId() == null ? null : envelope.primaryVersion(), sealed));
            }
            repository.inTransaction(c -> {
                for (DataBlockRepository.Block b : blocks) {
                    repository.insert(c, b, now);
                }
                return null;
            });
            return new Ingested(records.size(), blocks.size(), target.kind().stored);
        }
    }

    List<Map<String, Object>> query(UUID workspaceId, Principal caller, @Nullable String table, Instant from, Instant to,
                                    @Nullable Integer limit) {
        WorkspaceTarget ws = authorize(workspaceId, caller);
        String t = table(table);
        int max = limit == null ? 1000 : limit;
        if (max < 1 || max > properties.maxQueryLimit()) {
            throw new ArmException(ArmErrorCode.InvalidParameter, "limit must be between 1 and " + properties.maxQueryLimit() + ".", "limit");
        }
        if (from.isAfter(to)) {
            throw new ArmException(ArmErrorCode.InvalidParameter, "The time range ends before it starts.", "to");
        }
        List<DataBlockRepository.Block> blocks = repository.read(c -> repository.overlapping(c, ws.customerId(), t, from, to));
        List<Map<String, Object>> found = new ArrayList<>();
        Map<UUID, Boolean> revoked = new HashMap<>();
        Comparator<Map<String, Object>> newestFirst = Comparator.comparing((Map<String, Object> r) -> Instant.parse((String) r.get(TIME_GENERATED)))
                .reversed();
        for (DataBlockRepository.Block b : blocks) {
            // Blocks come by their newest record, descending: once `max` records are newer than this block's newest,
            // no older block can contribute.
            if (found.size() >= max && Instant.parse((String) found.get(max - 1).get(TIME_GENERATED)).isAfter(b.maxTime())) {
                break;
            }
            Target key = new Target(b.keyKind(), b.clusterId());
            byte[] plain;
            try (AekCache.Lease lease = lease(ws, key, false, t, 0, revoked)) {
                plain = cipher.open(lease.envelope(), ref(b.workspaceResourceId(), b.table(), b.blockId()), b.sealed());
            } catch (IntegrityException e) {
                LOG.error("workspace {}: block {} of table {} failed its integrity check", ws.resourceId(), b.blockId(), t);
                throw new ArmException(ArmErrorCode.DataIntegrityFailure, "The stored block '" + b.blockId() + "' of table '" + t
                        + "' failed its integrity check: it was modified or is not under the key it names, and cannot be read.");
            }
            for (Map<String, Object> r : read(plain)) {
                Instant at = Instant.parse((String) r.get(TIME_GENERATED));
                if (!at.isBefore(from) && !at.isAfter(to)) {
                    found.add(r);
                }
            }
            found.sort(newestFirst);
            if (found.size() > max) {
                found.subList(max, found.size()).clear();
            }
        }
        return found;
    }

    private WorkspaceTarget authorize(UUID workspaceId, Principal caller) {
        WorkspaceTarget ws = workspaces.target(workspaceId).orElseThrow(() -> new ArmException(ArmErrorCode.ResourceNotFound,
                "The workspace '" + workspaceId + "' was not found."));
        if (!ws.tenantId().equalsIgnoreCase(caller.tenantId())) {
            throw new ArmException(ArmErrorCode.AuthorizationFailed, "The client '" + caller.objectId() + "' of tenant '"
                    + caller.tenantId() + "' does not have access to the data of workspace '" + workspaceId + "'.");
        }
        return ws;
    }

    private Target targetOf(WorkspaceTarget ws) {
        if (ws.clusterResourceId() == null) {
            return new Target(DataBlockRepository.KeyKind.PLATFORM, null);
        }
        Optional<Cluster> cluster = clusters.find(ws.clusterResourceId());
        // A cluster without a customer key encrypts with Microsoft's (here: the platform) key.
        return cluster.filter(Cluster::keyConfigured)
                .map(c -> new Target(DataBlockRepository.KeyKind.CLUSTER, UUID.fromString(c.clusterId())))
                .orElse(new Target(DataBlockRepository.KeyKind.PLATFORM, null));
    }

    /**
     * The Envelope of {@code key}; when the vault refuses, an ingest counts its records as dropped. {@code revoked}
     * remembers the recorded key state per cluster for one request: one database read per cluster, not per block.
     */
    private AekCache.Lease lease(WorkspaceTarget ws, Target key, boolean ingest, String table, int records, Map<UUID, Boolean> revoked) {
        if (key.kind() == DataBlockRepository.KeyKind.PLATFORM) {
            return cache.acquire("platform:" + ws.customerId(), () -> Envelope.of(PLATFORM_AEK_VERSION, platform.aek(ws.customerId())));
        }
        String cacheKey = AekCache.clusterKey(key.clusterId());
        try {
            if (revoked.computeIfAbsent(key.clusterId(), keyHealth::revoked)) {
                // the poller saw the vault refuse this key: no vault call until it sees the key usable again
                throw new ArmException(ArmErrorCode.CustomerManagedKeyInaccessible, "The customer-managed key of cluster '"
                        + key.clusterId() + "' was revoked (the vault refused it at the last key-health check)."
                        + (ingest ? " The records were dropped." : " Data under this key cannot be read until access is restored."));
            }
            return cache.acquire(cacheKey, () -> {
                AekResult aek = cmk.unwrap(key.clusterId());
                if (aek instanceof AekResult.Unwrapped u) {
                    return Envelope.of(CLUSTER_AEK_VERSION, u.aek());
                }
                if (aek instanceof AekResult.Refused r) {
                    throw new ArmException(ArmErrorCode.CustomerManagedKeyInaccessible, r.message()
                            + (ingest ? " The records were dropped." : " Data under this key cannot be read until access is restored."));
                }
                if (aek instanceof AekResult.Unavailable u) {
                    throw new ArmException(ArmErrorCode.KeyVaultUnavailable, "The customer-managed key's vault cannot be reached ("
                            + u.reason() + ")." + (ingest ? " The records were dropped." : " Try again later."));
                }
                throw new ArmException(ArmErrorCode.CustomerManagedKeyInaccessible,
                        "The cluster '" + key.clusterId() + "' and its key no longer exist; its data cannot be read.");
            });
        } catch (ArmException e) {
            if (ingest) {
                Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
                repository.inTransaction(c -> {
                    repository.countDropped(c, ws.customerId(), table, records, e.code().name(), now);
                    return null;
                });
                LOG.info("workspace {}: {} records of {} dropped: {}", ws.resourceId(), records, table, e.code());
            }
            throw e;
        }
    }

    private static BlockRef ref(String workspaceResourceId, String table, UUID blockId) {
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
