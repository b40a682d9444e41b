package io.keyward.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.keyward.app.identity.Audiences;
import io.micronaut.core.type.Argument;
import io.micronaut.json.JsonMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Replays Azure's published x-ms-examples (vendored under {@code src/test/resources/conformance}, sources in its
 * SOURCES.md) against the local host: one dynamic test per example. Each example's subscription, resource group,
 * resource names, vault URIs, keys and operation ids are replaced by ones made for this run (the setup named in
 * {@code operations.tsv} makes what the example assumes exists); the request is sent, a long-running operation is
 * followed to its end, and the answer is compared: its status among the example's documented ones, and every property
 * path of the documented body present in Keyward's with the same JSON type ({@link ShapeCheck}). Examples listed in
 * {@code conformance-pending.txt} are still replayed: while they fail they are reported as skipped with their reason,
 * and once they pass the test fails until the entry is removed. docs/conformance.md says more.
 */
class ConformanceTest {

    private static final String ROOT = "conformance/";
    private static final String TENANT = UUID.randomUUID().toString();
    private static final String VAULT_API = "?api-version=2024-11-01";
    private static final String KEYS_API = "?api-version=7.5";
    private static final String LA_LOCATION = "eastus";
    private static final String KUSTO_LOCATION = "westus";
    /** One of the regions with customer-managed keys for HPC caches (keyward.hpccache.cmk-regions). */
    private static final String CACHE_LOCATION = "eastus";
    private static final Pattern OPERATION_URL = Pattern.compile("/locations/([^/]+)/[A-Za-z]+/([^/?]+)");
    /** The path parameters that name the example's own resource: replaced by a name made for this run. */
    private static final Set<String> RESOURCE_NAMES = Set.of("clusterName", "workspaceName", "vaultName", "cacheName");
    /** Query parameters of the examples: sent as they are, except a continuation token from another service. */
    private static final Set<String> QUERY = Set.of("$top", "$filter", "maxresults");
    private static final Set<String> HEADERS = Set.of("If-Match", "If-None-Match");

    private static final AtomicInteger REPLAYED = new AtomicInteger();
    private static final AtomicInteger AS_PUBLISHED = new AtomicInteger();
    private static final AtomicInteger ADAPTED = new AtomicInteger();
    private static final AtomicInteger REFUSAL_ASSERTED = new AtomicInteger();
    private static final Map<String, String> SKIPPED = new java.util.concurrent.ConcurrentSkipListMap<>();
    private static final AtomicInteger FAILED = new AtomicInteger();

    private static ClusterArm arm;
    private static JsonMapper json;
    private static String runSubscription;
    private static final AtomicInteger GROUPS = new AtomicInteger();

    /** One row of operations.tsv. */
    record Row(String example, String method, String path, Setup setup, String extraQuery) {

        boolean dataPlane() {
            return !path.startsWith("/");
        }

        boolean subscriptionScoped() {
            return !path.contains("{resourceGroupName}");
        }
    }

    /** A pending example: what it waits for and whose item that is. */
    record Pending(String owner, String reason) {
    }

    /**
     * A defect of the published example itself, and the one named correction the replay makes for it
     * (conformance-errata.txt): {@code element} (the documented body is an array holding the resource the operation
     * answers: compared with its element), {@code absent <path>} (the documented body shows a member the example's own
     * request cannot produce), {@code request <member>=<json>} (the example's request lacks a member the service requires, or gives one a value the
     * service documents as unsupported; member is a name or a dotted path).
     */
    record Erratum(String example, String kind, String argument, String reason) {
    }

    /** What a replay makes before it sends the example's request. */
    enum Setup {
        NONE, LA_CLUSTER, LA_CLUSTER_USER_ASSIGNED, WORKSPACE, LA_CLUSTER_AND_WORKSPACE, LINKED_SERVICE, LA_OPERATION, VAULT, DELETED_VAULT, KEY_VAULT, KEY,
        DELETED_KEY, CIPHERTEXT, KUSTO_CLUSTER, KUSTO_FOLLOWER, KUSTO_CLUSTER_STOPPED, KUSTO_ATTACHED, KUSTO_OPERATION, CACHE_KEY, CACHE, CACHE_OPERATION,
        STORAGE_ACCOUNT, LINKED_STORAGE, SAVED_SEARCH
    }

    @BeforeAll
    static void client() throws Exception {
        arm = new ClusterArm(TENANT, "conformance");
        json = arm.host.bean(JsonMapper.class);
        // the run's subscription is claimed by this client before anything else touches it (it is its first user)
        runSubscription = ClusterArm.sub();
        vault(runSubscription, "conf-claim", "westus", false);
    }

    @AfterAll
    static void report() {
        System.out.println("conformance: " + REPLAYED.get() + " examples replayed: " + AS_PUBLISHED.get() + " conform as published, "
                + ADAPTED.get() + " conform after a documented adaptation (" + REFUSAL_ASSERTED.get() + " of them with the published request's"
                + " refusal asserted), " + SKIPPED.size() + " pending, " + FAILED.get() + " failed");
        SKIPPED.forEach((example, why) -> System.out.println("conformance: pending " + example + " -- " + why));
    }

    @TestFactory
    Stream<DynamicTest> everyVendoredExampleOfEveryServedOperation() throws Exception {
        List<Row> rows = rows();
        Map<String, Pending> pending = pending();
        Map<String, List<Erratum>> errata = errata();
        Map<String, List<Adaptation>> adaptations = adaptations();
        Set<String> onDisk;
        try (Stream<Path> files = Files.walk(resource(ROOT + "examples"))) {
            Path base = resource(ROOT + "examples");
            onDisk = files.filter(p -> p.toString().endsWith(".json")).map(p -> base.relativize(p).toString().replace('\\', '/'))
                    .collect(Collectors.toCollection(TreeSet::new));
        }
        // no example is vendored without being replayed, and no pending entry names an example that is not replayed
        assertThat(rows.stream().map(Row::example).toList()).containsExactlyInAnyOrderElementsOf(onDisk);
        assertThat(rows.stream().map(Row::example).toList()).containsAll(pending.keySet()).containsAll(errata.keySet())
                .containsAll(adaptations.keySet());
        System.out.println("conformance: " + rows.size() + " examples to replay, " + pending.size() + " listed as pending, "
                + errata.values().stream().mapToInt(List::size).sum() + " errata of the examples themselves, "
                + adaptations.values().stream().mapToInt(List::size).sum() + " adaptations of " + adaptations.size()
                + " examples to what Keyward refuses or does not answer by design");
        errata.values().forEach(l -> l.forEach(e -> System.out.println("conformance: erratum " + e.example() + " -- " + e.kind() + " "
                + e.argument() + ": " + e.reason())));
        adaptations.values().forEach(l -> l.forEach(a -> System.out.println("conformance: adaptation " + a)));
        return rows.stream().map(row -> DynamicTest.dynamicTest(row.example(), () -> replay(row, pending.get(row.example()),
                errata.getOrDefault(row.example(), List.of()), adaptations.getOrDefault(row.example(), List.of()))));
    }

    private static void replay(Row row, Pending pending, List<Erratum> errata, List<Adaptation> adaptations) {
        REPLAYED.incrementAndGet();
        List<String> failures;
        try {
            failures = new Replay(row, load(row.example()), errata, adaptations).run();
        } catch (Exception | AssertionError e) {
            failures = List.of("replay stopped: " + e);
        }
        if (pending != null) {
            if (failures.isEmpty()) {
                FAILED.incrementAndGet();
                throw new AssertionError(row.example() + " now conforms but is listed in conformance-pending.txt (" + pending.owner()
                        + "): remove its entry");
            }
            String why = pending.owner() + ": " + pending.reason() + " [now: " + String.join("; ", failures.subList(0, Math.min(12,
                    failures.size()))) + (failures.size() > 12 ? "; ..." : "") + "]";
            SKIPPED.put(row.example(), why);
            Assumptions.abort("pending, " + why);
        }
        if (!failures.isEmpty()) {
            FAILED.incrementAndGet();
        }
        assertThat(failures).as(row.example() + " against " + row.method() + " " + row.path()).isEmpty();
        if (adaptations.isEmpty()) {
            AS_PUBLISHED.incrementAndGet();
        } else {
            ADAPTED.incrementAndGet();
            if (Adaptation.anyChangesRequest(adaptations)) {
                REFUSAL_ASSERTED.incrementAndGet();
            }
        }
    }

    // --- one replay

    /** The replay of one example: its own resource group (and for subscription-wide examples with a setup, its own subscription). */
    private static final class Replay {
        private final Row row;
        private final Map<String, Object> example;
        private final Map<String, Object> parameters;
        private final String sub;
        private final String group = "conf-" + GROUPS.incrementAndGet();
        /** Example parameter values to the values of this run (path parameters, and what the setup made). */
        private final Map<String, String> values = new LinkedHashMap<>();
        /** Old strings to new ones inside the request body (ids, names). */
        private final Map<String, String> renames = new LinkedHashMap<>();
        private final Map<String, String> fields = new LinkedHashMap<>();
        private String vault;
        private String keyName;
        private String keyVersion;
        private String laCluster;
        private String kustoLeader;
        private String storageAccount;
        private ClusterArm.Reply lastOperation;
        private final List<Erratum> errata;
        private final List<Adaptation> adaptations;
        /** The path parameters an adaptation changes, with their published values. */
        private final Map<String, String> published = new LinkedHashMap<>();

        @SuppressWarnings("unchecked")
        Replay(Row row, Map<String, Object> example, List<Erratum> errata, List<Adaptation> adaptations) {
            this.row = row;
            this.example = example;
            this.errata = errata;
            this.adaptations = adaptations;
            this.parameters = (Map<String, Object>) example.get("parameters");
            // a subscription of its own (this client its first user), so that lists and per-subscription limits see only this
            // replay's resources; an example that makes nothing before it and lists nothing uses the run's
            this.sub = row.setup() == Setup.NONE && row.subscriptionScoped() ? runSubscription : ClusterArm.sub();
        }

        List<String> run() throws Exception {
            map("subscriptionId", sub);
            map("resourceGroupName", group);
            for (String p : RESOURCE_NAMES) {
                if (parameters.get(p) instanceof String) {
                    map(p, ClusterArm.name("kwc"));
                }
            }
            // a path parameter an adaptation changes: the setup makes what the adapted request names (a Query link, say)
            for (Adaptation a : adaptations) {
                if (a.kind().equals("parameter")) {
                    published.put(a.where(), value(a.where()));
                    values.put(a.where(), a.value());
                }
            }
            setup();
            List<String> failures = new ArrayList<>();
            if (Adaptation.anyChangesRequest(adaptations)) {
                // step 1: the request as published must be refused, naming every setting the adaptation changes
                ClusterArm.Reply refused = send(true);
                Object body = refused.text() == null || refused.text().isBlank() ? null : json.readValue(refused.text(), Argument.OBJECT_ARGUMENT);
                Adaptation.refusalDifferences(refused.status(), body, adaptations).forEach(d -> failures.add("as published: " + d
                        + (refused.status() == 400 ? "" : ": " + brief(refused.text()))));
                if (!failures.isEmpty()) {
                    return failures;
                }
            }
            // step 2 (or the only step): the request as adapted, compared as every example's is
            failures.addAll(check(send(false)));
            return failures;
        }

        private void map(String parameter, String value) {
            Object old = parameters.get(parameter);
            values.put(parameter, value);
            if (old instanceof String s && !s.isEmpty()) {
                renames.put(s, value);
            }
        }

        /** The name of the example's resource, or (for a list, which names none) a new one. */
        private String ownName(String parameter) {
            return values.computeIfAbsent(parameter, p -> ClusterArm.name("kwc"));
        }

        /**
         * The tags the example's documented resource has (its answer, or its list's first element), as a JSON member:
         * the prerequisite is made with them, since the example's resource had them before the request.
         */
        private String tags() throws Exception {
            Map<?, ?> responses = (Map<?, ?>) example.get("responses");
            for (String status : List.of("200", "201")) {
                Object body = responses.get(status) instanceof Map<?, ?> r ? r.get("body") : null;
                if (body instanceof Map<?, ?> m && m.get("value") instanceof List<?> l && !l.isEmpty()) {
                    body = l.get(0);
                }
                if (body instanceof List<?> l && !l.isEmpty()) {
                    body = l.get(0);
                }
                if (body instanceof Map<?, ?> m && m.get("tags") instanceof Map<?, ?> t && !t.isEmpty()) {
                    return "\"tags\":" + json.writeValueAsString(t) + ",";
                }
            }
            return "";
        }

        private String value(String parameter) {
            return values.containsKey(parameter) ? values.get(parameter) : String.valueOf(parameters.get(parameter));
        }

        // --- prerequisites, made through Keyward's own APIs as a customer would

        private void setup() throws Exception {
            switch (row.setup()) {
                case NONE -> { }
                case LA_CLUSTER -> laCluster(ownName("clusterName"), true, tags());
                // the example's user-assigned identity, a key it may use, and a cluster that has that identity already (a
                // Log Analytics cluster takes an identity and a key in two updates, not one: the example's request is the second)
                case LA_CLUSTER_USER_ASSIGNED -> {
                    String identity = userAssignedIdentity(LA_LOCATION);
                    keyFor(identity.substring(identity.indexOf(' ') + 1), LA_LOCATION);
                    String path = resourcePath("Microsoft.OperationalInsights/clusters", ownName("clusterName"));
                    await(ok(arm.call("PUT", path + "?api-version=2022-10-01", "{" + tags() + "\"location\":\"" + LA_LOCATION
                            + "\",\"identity\":{\"type\":\"UserAssigned\",\"userAssignedIdentities\":{\""
                            + identity.substring(0, identity.indexOf(' ')) + "\":{}}},\"sku\":{\"name\":\"CapacityReservation\","
                            + "\"capacity\":1000},\"properties\":{}}")));
                    // and its key, reached as that identity (the example's request names the same key again)
                    await(ok(arm.call("PATCH", path + "?api-version=2022-10-01", ClusterArm.keyPatch(arm.host.vaultUri(vault), keyName, ""))));
                }
                case WORKSPACE -> workspace(ownName("workspaceName"), tags());
                case LA_CLUSTER_AND_WORKSPACE -> {
                    laCluster = laCluster(ClusterArm.name("kwc"), false, "");
                    workspace(value("workspaceName"), "");
                }
                case LINKED_SERVICE -> {
                    laCluster = laCluster(ClusterArm.name("kwc"), false, "");
                    workspace(value("workspaceName"), "");
                    await(ok(arm.call("PUT", resourcePath("Microsoft.OperationalInsights/workspaces", value("workspaceName"))
                            + "/linkedServices/" + (parameters.get("linkedServiceName") instanceof String n ? n : "cluster")
                            + "?api-version=2023-09-01",
                            "{\"properties\":{\"writeAccessResourceId\":\"" + laCluster + "\"}}")));
                }
                // an operation of the provider: a cluster's key update, which runs in the background
                case LA_OPERATION -> {
                    laCluster(ClusterArm.name("kwc"), true, "");
                    takeOperation(lastOperation);
                }
                case VAULT -> vault = vault(sub, group, ownName("vaultName"), "westus", false, tags());
                case DELETED_VAULT -> {
                    vault = vault(sub, group, ownName("vaultName"), "westus", false, "");
                    ok(arm.call("DELETE", vaultPath(sub, group, vault) + VAULT_API, null));
                    values.put("location", "westus");
                }
                case KEY_VAULT -> keyVault(false);
                case KEY -> key();
                case DELETED_KEY -> {
                    key();
                    ok(vaultCall("DELETE", "keys/" + keyName + KEYS_API, null));
                }
                case CIPHERTEXT -> {
                    key();
                    String op = row.path().endsWith("unwrapkey") ? "wrapkey" : "encrypt";
                    ClusterArm.Reply sealed = ok(vaultCall("POST", "keys/" + keyName + "/" + keyVersion + "/" + op + KEYS_API,
                            "{\"alg\":\"" + requestBody().get("alg") + "\",\"value\":\"" + "c2FtcGxlIHBsYWludGV4dA" + "\"}"));
                    fields.put("value", (String) sealed.json().get("value"));
                }
                case KUSTO_CLUSTER -> kustoCluster(value("clusterName"), true, tags());
                // leader and follower clusters have Microsoft-managed keys (customer-managed keys are refused on them, as in Azure)
                case KUSTO_FOLLOWER -> {
                    kustoCluster(value("clusterName"), false, "");
                    kustoLeader = kustoCluster(ClusterArm.name("kwc"), false, "");
                }
                case KUSTO_CLUSTER_STOPPED -> {
                    String cluster = kustoCluster(value("clusterName"), true, "");
                    await(arm.call("POST", cluster + "/stop?api-version=2024-04-13", null));
                }
                case KUSTO_ATTACHED -> {
                    String cluster = kustoCluster(value("clusterName"), false, "");
                    kustoLeader = kustoCluster(ClusterArm.name("kwc"), false, "");
                    ok(arm.call("PUT", cluster + "/attachedDatabaseConfigurations/" + value("attachedDatabaseConfigurationName")
                            + "?api-version=2024-04-13", "{\"location\":\"" + KUSTO_LOCATION + "\",\"properties\":{\"databaseName\":\"db1\","
                            + "\"clusterResourceId\":\"" + kustoLeader + "\",\"defaultPrincipalsModificationKind\":\"Union\"}}"));
                }
                // an operation of the provider: a cluster's key update, which runs in the background
                case KUSTO_OPERATION -> {
                    kustoCluster(ClusterArm.name("kwc"), true, "");
                    takeOperation(lastOperation);
                }
                // the example's user-assigned identity and a key it may use, in a vault in the cache's region (HPC Cache
                // requires that), so that the cache is created with its key and no authorize step
                case CACHE_KEY -> {
                    String identity = userAssignedIdentity(CACHE_LOCATION);
                    keyFor(identity.substring(identity.indexOf(' ') + 1), CACHE_LOCATION);
                    values.put("vaultBaseUrl", arm.host.vaultUri(vault).toString());
                    values.put("location", CACHE_LOCATION);
                }
                case CACHE -> {
                    cache(value("cacheName"), true, tags());
                    values.put("location", CACHE_LOCATION);
                }
                case STORAGE_ACCOUNT -> {
                    workspace(value("workspaceName"), "");
                    storageAccount = storageAccount();
                }
                case LINKED_STORAGE -> {
                    workspace(value("workspaceName"), "");
                    storageAccount = storageAccount();
                    ok(arm.call("PUT", resourcePath("Microsoft.OperationalInsights/workspaces", value("workspaceName"))
                            + "/linkedStorageAccounts/" + (parameters.get("dataSourceType") instanceof String ? value("dataSourceType") : "Query")
                            + "?api-version=2023-09-01", "{\"properties\":{\"storageAccountIds\":[\"" + storageAccount + "\"]}}"));
                }
                case SAVED_SEARCH -> {
                    workspace(value("workspaceName"), "");
                    ok(arm.call("PUT", resourcePath("Microsoft.OperationalInsights/workspaces", value("workspaceName")) + "/savedSearches/"
                            + parameters.get("savedSearchId") + "?api-version=2023-09-01", "{\"properties\":{\"category\":\"c\","
                            + "\"displayName\":\"d\",\"query\":\"Heartbeat | take 1\",\"version\":2}}"));
                }
                case CACHE_OPERATION -> {
                    String cache = resourcePath("Microsoft.StorageCache/caches", ClusterArm.name("kwc"));
                    ClusterArm.Reply created = arm.call("PUT", cache + "?api-version=2023-05-01", cacheBody(false, ""));
                    takeOperation(ok(created));
                    await(created);
                }
            }
        }

        /**
         * Makes the (one) user-assigned identity the example's request names, with this run's subscription and group, through
         * Microsoft.ManagedIdentity; returns its resource id and principal id, space-separated.
         */
        private String userAssignedIdentity(String location) throws Exception {
            Map<?, ?> identity = (Map<?, ?>) requestBody().get("identity");
            Map<?, ?> assigned = (Map<?, ?>) identity.get("userAssignedIdentities");
            assertThat(assigned).as("the example's user-assigned identities").hasSize(1);
            String id = rename(String.valueOf(assigned.keySet().iterator().next()));
            ClusterArm.Reply made = ok(arm.call("PUT", id + "?api-version=2023-01-31", "{\"location\":\"" + location + "\"}"));
            return id + " " + made.properties().get("principalId");
        }

        private String resourcePath(String type, String name) {
            return "/subscriptions/" + sub + "/resourceGroups/" + group + "/providers/" + type + "/" + name;
        }

        /** A vault for the example's keys; purge protection only where purging is not what the example does. */
        private void keyVault(boolean purgeProtection) throws Exception {
            vault = vault(sub, group, ClusterArm.name("kwc"), "westus", purgeProtection, "");
            values.put("vaultBaseUrl", arm.host.vaultUri(vault).toString());
        }

        private void key() throws Exception {
            keyVault(false);
            createKey(String.valueOf(parameters.get("key-name")), tags());
            map("key-version", keyVersion);
        }

        /** An RSA-2048 key of {@link #vault}, through the Key Vault API. */
        private void createKey(String name, String tags) throws Exception {
            keyName = name;
            ClusterArm.Reply created = ok(vaultCall("POST", "keys/" + keyName + "/create" + KEYS_API, "{" + tags + "\"kty\":\"RSA\","
                    + "\"key_size\":2048}"));
            String kid = (String) ((Map<?, ?>) created.json().get("key")).get("kid");
            keyVersion = kid.substring(kid.lastIndexOf('/') + 1);
        }

        /** A vault of this replay's group with a key, in {@code location}, whose key {@code principal} may use. */
        private void keyFor(String principal, String location) throws Exception {
            vault = vault(sub, group, ClusterArm.name("kwc"), location, true, "");
            createKey(ClusterArm.name("k"), "");
            if (principal != null) {
                String policy = "{\"properties\":{\"accessPolicies\":[{\"tenantId\":\"" + TENANT + "\",\"objectId\":\"" + principal
                        + "\",\"permissions\":{\"keys\":[\"get\",\"wrapKey\",\"unwrapKey\",\"recover\"]}}]}}";
                ok(arm.call("PUT", vaultPath(sub, group, vault) + "/accessPolicies/add" + VAULT_API, policy));
            }
        }

        private String laCluster(String name, boolean keyed, String tags) throws Exception {
            String path = resourcePath("Microsoft.OperationalInsights/clusters", name);
            String api = "?api-version=2022-10-01";
            ClusterArm.Reply created = ok(arm.call("PUT", path + api, "{" + tags + ClusterArm.body(LA_LOCATION, 1000, "").substring(1)));
            await(created);
            if (keyed) {
                keyFor(principal(path + api), LA_LOCATION);
                lastOperation = ok(arm.call("PATCH", path + api, ClusterArm.keyPatch(arm.host.vaultUri(vault), keyName, keyVersion)));
                await(lastOperation);
            }
            return path;
        }

        private void workspace(String name, String tags) throws Exception {
            await(ok(arm.call("PUT", resourcePath("Microsoft.OperationalInsights/workspaces", name) + "?api-version=2023-09-01",
                    "{" + tags + "\"location\":\"" + LA_LOCATION + "\",\"properties\":{\"sku\":{\"name\":\"PerGB2018\"},"
                            + "\"retentionInDays\":30}}")));
        }

        private String kustoCluster(String name, boolean keyed, String tags) throws Exception {
            String path = resourcePath("Microsoft.Kusto/clusters", name);
            String api = "?api-version=2024-04-13";
            await(ok(arm.call("PUT", path + api, "{" + tags + "\"location\":\"" + KUSTO_LOCATION + "\",\"sku\":{\"name\":\"Standard_E8ads_v5\","
                    + "\"tier\":\"Standard\",\"capacity\":2},\"identity\":{\"type\":\"SystemAssigned\"}}")));
            if (keyed) {
                keyFor(principal(path + api), KUSTO_LOCATION);
                // the docs' ARM template: a PUT of the existing cluster naming sku, location and keyVaultProperties
                lastOperation = ok(arm.call("PUT", path + api, "{" + tags + "\"location\":\"" + KUSTO_LOCATION + "\",\"sku\":{\"name\":"
                        + "\"Standard_E8ads_v5\",\"tier\":\"Standard\",\"capacity\":2},\"properties\":{\"keyVaultProperties\":{"
                        + "\"keyVaultUri\":\"" + arm.host.vaultUri(vault) + "\",\"keyName\":\"" + keyName + "\",\"keyVersion\":\""
                        + keyVersion + "\"}}}"));
                await(lastOperation);
            }
            return path;
        }

        private void cache(String name, boolean keyed, String tags) throws Exception {
            String path = resourcePath("Microsoft.StorageCache/caches", name);
            String api = "?api-version=2023-05-01";
            if (keyed) {
                keyFor(null, CACHE_LOCATION);
            }
            ClusterArm.Reply created = ok(arm.call("PUT", path + api, cacheBody(keyed, tags)));
            if (keyed) {
                ok(arm.call("POST", path + "/authorizeKeyVault" + api, null));
            }
            await(created);
        }

        /** A storage account in the workspaces' region, with a system-assigned identity; returns its id. */
        private String storageAccount() throws Exception {
            String path = resourcePath("Microsoft.Storage/storageAccounts", ClusterArm.name("st"));
            ok(arm.call("PUT", path + "?api-version=2023-05-01", "{\"location\":\"" + LA_LOCATION + "\",\"kind\":\"StorageV2\","
                    + "\"sku\":{\"name\":\"Standard_LRS\"},\"identity\":{\"type\":\"SystemAssigned\"}}"));
            return path;
        }

        private String cacheBody(boolean keyed, String tags) {
            String encryption = keyed ? ",\"encryptionSettings\":{\"keyEncryptionKey\":{\"keyUrl\":\"" + arm.host.vaultUri(vault) + "keys/"
                    + keyName + "/" + keyVersion + "\",\"sourceVault\":{\"id\":\"" + vaultPath(sub, group, vault) + "\"}}}" : "";
            return "{" + tags + "\"location\":\"" + CACHE_LOCATION + "\",\"identity\":{\"type\":\"SystemAssigned\"},\"sku\":{\"name\":\"Standard_2G\"},"
                    + "\"properties\":{\"cacheSizeGB\":3072,\"subnet\":\"" + subnet() + "\"" + encryption + "}}";
        }

        /** The subnet the example's request names (the cache it assumes was made in it), or one of this replay's group. */
        private String subnet() {
            Map<String, Object> body = requestBody();
            if (body != null && body.get("properties") instanceof Map<?, ?> p && p.get("subnet") instanceof String named) {
                return rename(named);
            }
            return "/subscriptions/" + sub + "/resourceGroups/" + group + "/providers/Microsoft.Network/virtualNetworks/vnet/subnets/cache";
        }

        private void takeOperation(ClusterArm.Reply started) {
            String url = started.headers().firstValue("Azure-AsyncOperation").orElseThrow(() -> new AssertionError(
                    "the setup's operation has no Azure-AsyncOperation"));
            Matcher m = OPERATION_URL.matcher(URI.create(url).getPath());
            assertThat(m.find()).as(url).isTrue();
            values.put("location", m.group(1));
            values.put("operationId", m.group(2));
            values.put("asyncOperationId", m.group(2));
        }

        private String principal(String pathAndQuery) throws Exception {
            ClusterArm.Reply got = ok(arm.call("GET", pathAndQuery, null));
            return (String) ((Map<?, ?>) got.json().get("identity")).get("principalId");
        }

        // --- the example's own request

        @SuppressWarnings("unchecked")
        private Map<String, Object> requestBody() {
            for (Map.Entry<String, Object> e : parameters.entrySet()) {
                if (e.getValue() instanceof Map<?, ?> m) {
                    return (Map<String, Object>) m;
                }
            }
            return null;
        }

        /** Sends the example's request: as published ({@code asPublished}), or with the adaptations applied. */
        @SuppressWarnings("unchecked")
        private ClusterArm.Reply send(boolean asPublished) throws Exception {
            Map<String, String> saved = new LinkedHashMap<>(values);
            if (asPublished) {
                values.putAll(published);
            }
            String path = fill(row.path());
            values.clear();
            values.putAll(saved);
            StringBuilder query = new StringBuilder();
            if (parameters.containsKey("api-version")) {
                query.append("api-version=").append(enc(String.valueOf(parameters.get("api-version"))));
            }
            for (Map.Entry<String, Object> e : parameters.entrySet()) {
                if (QUERY.contains(e.getKey())) {
                    query.append('&').append(enc(e.getKey())).append('=').append(enc(String.valueOf(e.getValue())));
                }
            }
            if (!row.extraQuery().equals("-")) {
                query.append('&').append(row.extraQuery());
            }
            Map<String, Object> body = requestBody();
            Object rewritten = body == null ? null : rewrite(body, null);
            for (Erratum e : errata) {
                if (e.kind().equals("request")) {
                    // member is a name, or a dotted path into the body whose every member but the last exists
                    int eq = e.argument().indexOf('=');
                    String[] member = e.argument().substring(0, eq).split("\\.");
                    Map<String, Object> at = (Map<String, Object>) rewritten;
                    for (int i = 0; i < member.length - 1; i++) {
                        at = (Map<String, Object>) at.get(member[i]);
                        assertThat(at).as("the example's request has " + e.argument().substring(0, eq)).isNotNull();
                    }
                    at.put(member[member.length - 1], json.readValue(e.argument().substring(eq + 1), Argument.OBJECT_ARGUMENT));
                }
            }
            if (rewritten != null && !asPublished) {
                rewritten = Adaptation.applyToBody(rewritten, adaptations, t -> {
                    try {
                        return json.readValue(t, Argument.OBJECT_ARGUMENT);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
            }
            String text = rewritten == null ? null : json.writeValueAsString(rewritten);
            Map<String, String> headers = new LinkedHashMap<>();
            for (String h : HEADERS) {
                if (parameters.get(h) instanceof String v) {
                    headers.put(h, v);
                }
            }
            return row.dataPlane() ? vaultCall(row.method(), path + "?" + query, text)
                    : call(row.method(), URI.create(arm.host.baseUri() + path + "?" + query), text, headers);
        }

        private String fill(String template) {
            Matcher m = Pattern.compile("\\{([^}]+)}").matcher(template);
            StringBuilder out = new StringBuilder();
            while (m.find()) {
                String name = m.group(1);
                Object v = values.containsKey(name) ? values.get(name) : parameters.get(name);
                assertThat(v).as("a value for path parameter " + name).isNotNull();
                m.appendReplacement(out, Matcher.quoteReplacement(String.valueOf(v)));
            }
            m.appendTail(out);
            return out.toString();
        }

        /** The example's body with this run's ids, names, vault and key in place of the example's. */
        private Object rewrite(Object node, String field) {
            if (node instanceof Map<?, ?> m) {
                Map<String, Object> out = new LinkedHashMap<>();
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    out.put(rename(String.valueOf(e.getKey())), rewrite(e.getValue(), String.valueOf(e.getKey())));
                }
                return out;
            }
            if (node instanceof List<?> l) {
                return l.stream().map(v -> rewrite(v, field)).toList();
            }
            if (!(node instanceof String s)) {
                return node;
            }
            if (fields.containsKey(field)) {
                return fields.get(field);
            }
            switch (Objects.toString(field, "")) {
                case "writeAccessResourceId" -> {
                    return laCluster == null ? rename(s) : laCluster;
                }
                case "clusterResourceId" -> {
                    return kustoLeader == null ? rename(s) : kustoLeader;
                }
                case "storageAccountIds" -> {
                    return storageAccount == null ? rename(s) : storageAccount;
                }
                case "tenantId" -> {
                    return TENANT;
                }
                case "objectId" -> {
                    return arm.client.principal().objectId();
                }
                default -> { }
            }
            if (vault != null) {
                switch (Objects.toString(field, "")) {
                    case "keyVaultUri" -> {
                        return arm.host.vaultUri(vault).toString();
                    }
                    case "keyName" -> {
                        return keyName;
                    }
                    case "keyVersion" -> {
                        return s.isEmpty() ? s : keyVersion;
                    }
                    case "keyUrl" -> {
                        return arm.host.vaultUri(vault) + "keys/" + keyName + "/" + keyVersion;
                    }
                    case "id" -> {
                        if (s.contains("/Microsoft.KeyVault/vaults/")) {
                            return vaultPath(sub, group, vault);
                        }
                    }
                    default -> { }
                }
            }
            if ("location".equals(field) && values.containsKey("location")) {
                return values.get("location");
            }
            return rename(s);
        }

        /** {@code s} with every path segment (or the whole string) that is one of the example's names replaced by this run's. */
        private String rename(String s) {
            List<String> segments = new ArrayList<>(List.of(s.split("/", -1)));
            for (int i = 0; i < segments.size(); i++) {
                // the segment after resourceGroups is the group, even where the example gives its resource the group's name
                if (i > 0 && segments.get(i - 1).equalsIgnoreCase("resourceGroups")
                        && segments.get(i).equalsIgnoreCase(String.valueOf(parameters.get("resourceGroupName")))) {
                    segments.set(i, group);
                    continue;
                }
                for (Map.Entry<String, String> r : renames.entrySet()) {
                    if (segments.get(i).equalsIgnoreCase(r.getKey())) {
                        segments.set(i, r.getValue());
                    }
                }
            }
            return String.join("/", segments);
        }

        // --- the answer

        private List<String> check(ClusterArm.Reply reply) throws Exception {
            List<String> failures = new ArrayList<>();
            Map<?, ?> responses = (Map<?, ?>) example.get("responses");
            String status = Integer.toString(reply.status());
            if (!responses.containsKey(status)) {
                failures.add("status " + status + " where the example documents " + responses.keySet() + ": " + brief(reply.text()));
                return failures;
            }
            Object documented = ((Map<?, ?>) responses.get(status)).get("body");
            compareBody(status, documented, reply, failures);
            Optional<String> async = reply.headers().firstValue("Azure-AsyncOperation");
            if (reply.status() == 201 || reply.status() == 202) {
                if (async.isPresent()) {
                    ClusterArm.Reply end = await(reply);
                    if (end != null && !"Succeeded".equals(end.json().get("status"))) {
                        failures.add("the operation ended " + end.json().get("status") + ": " + brief(end.text()));
                    }
                }
                // a PUT or PATCH that went on in the background: its Location answers the final resource (ARM RPC)
                Object finalBody = responses.get("200") instanceof Map<?, ?> ok ? ok.get("body") : null;
                Optional<String> location = reply.headers().firstValue("Location");
                if (finalBody != null && location.isPresent() && !row.method().equals("DELETE") && !row.method().equals("POST")) {
                    ClusterArm.Reply fin = arm.call("GET", URI.create(location.get()), arm.armToken(), null);
                    if (fin.status() != 200) {
                        failures.add("Location answered " + fin.status() + " after the operation: " + brief(fin.text()));
                    } else {
                        compareBody("200 (Location, at the end)", finalBody, fin, failures);
                    }
                }
            }
            return failures;
        }

        private void compareBody(String status, Object documented, ClusterArm.Reply reply, List<String> failures) throws Exception {
            if (documented == null) {
                return;
            }
            if (reply.text() == null || reply.text().isBlank()) {
                failures.add(status + ": no body where the example documents one");
                return;
            }
            Object actual = json.readValue(reply.text(), Argument.OBJECT_ARGUMENT);
            documented = renameKeys(documented);
            // what an adaptation says Keyward does not answer is not required, and must indeed be absent
            Set<String> mayBeAbsent = new java.util.HashSet<>(Adaptation.unanswered(adaptations));
            for (String d : Adaptation.unansweredButPresent(actual, adaptations)) {
                failures.add(status + " " + d);
            }
            for (Erratum e : errata) {
                if (e.kind().equals("element") && documented instanceof List<?> l && l.size() == 1) {
                    documented = l.get(0);
                } else if (e.kind().equals("absent")) {
                    mayBeAbsent.add(e.argument());
                }
            }
            for (String d : ShapeCheck.differences(documented, actual, mayBeAbsent)) {
                failures.add(status + " " + d);
            }
        }

        /**
         * The documented body with member names that are resource ids (a map keyed by id: userAssignedIdentities) in this
         * run's names, as the request's are: such a name is data, not part of the shape.
         */
        private Object renameKeys(Object node) {
            if (node instanceof Map<?, ?> m) {
                Map<String, Object> out = new LinkedHashMap<>();
                m.forEach((k, v) -> out.put(String.valueOf(k).startsWith("/subscriptions/") ? rename(String.valueOf(k)) : String.valueOf(k),
                        renameKeys(v)));
                return out;
            }
            return node instanceof List<?> l ? l.stream().map(this::renameKeys).toList() : node;
        }

        private ClusterArm.Reply vaultCall(String method, String pathAndQuery, String body) throws Exception {
            return arm.vaultCall(vault, method, "/" + pathAndQuery, arm.host.token(arm.client, Audiences.KEY_VAULT), body);
        }
    }

    // --- shared helpers

    private static ClusterArm.Reply call(String method, URI uri, String body, Map<String, String> headers) throws Exception {
        if (headers.isEmpty()) {
            return arm.call(method, uri, arm.armToken(), body);
        }
        java.net.http.HttpRequest.Builder b = java.net.http.HttpRequest.newBuilder(uri)
                .method(method, body == null ? java.net.http.HttpRequest.BodyPublishers.noBody() : java.net.http.HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json").header("Authorization", "Bearer " + arm.armToken())
                .timeout(java.time.Duration.ofSeconds(60));
        headers.forEach(b::header);
        java.net.http.HttpResponse<String> r = arm.host.http().send(b.build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        Map<String, Object> parsed = r.body() == null || !r.body().trim().startsWith("{") ? Map.of()
                : json.readValue(r.body(), Argument.mapOf(String.class, Object.class));
        return new ClusterArm.Reply(r.statusCode(), r.body(), parsed, r.headers());
    }

    /** A prerequisite call that must succeed. */
    private static ClusterArm.Reply ok(ClusterArm.Reply r) {
        assertThat(r.status()).as("setup call answered " + brief(r.text())).isBetween(200, 299);
        return r;
    }

    /** Follows Azure-AsyncOperation, where there is one, to the operation's end; null when there is nothing to follow. */
    private static ClusterArm.Reply await(ClusterArm.Reply started) throws Exception {
        if (started.headers().firstValue("Azure-AsyncOperation").isEmpty()) {
            return null;
        }
        String url = started.headers().firstValue("Azure-AsyncOperation").get();
        return Conditions.until(Duration.ofSeconds(90), Duration.ofMillis(200), () -> arm.call("GET", URI.create(url), arm.armToken(), null),
                status -> status.status() != 200 || ClusterArm.ended(status), "the operation at " + url + " ends");
    }

    private static String vault(String sub, String group, String name, String location, boolean purgeProtection, String tags)
            throws Exception {
        String body = "{" + tags + "\"location\":\"" + location + "\",\"properties\":{\"tenantId\":\"" + TENANT + "\",\"sku\":{\"family\":\"A\","
                + "\"name\":\"premium\"},\"accessPolicies\":[{\"tenantId\":\"" + TENANT + "\",\"objectId\":\"" + arm.client.principal().objectId()
                + "\",\"permissions\":{\"keys\":[\"all\"]}}],\"enableSoftDelete\":true,\"softDeleteRetentionInDays\":7"
                + (purgeProtection ? ",\"enablePurgeProtection\":true" : "") + "}}";
        ok(arm.call("PUT", vaultPath(sub, group, name) + VAULT_API, body));
        return name;
    }

    private static void vault(String sub, String group, String location, boolean purgeProtection) throws Exception {
        vault(sub, group, ClusterArm.name("kwc"), location, purgeProtection, "");
    }

    private static String vaultPath(String sub, String group, String vault) {
        return "/subscriptions/" + sub + "/resourceGroups/" + group + "/providers/Microsoft.KeyVault/vaults/" + vault;
    }

    private static String brief(String text) {
        String t = text == null ? "" : text.replaceAll("\\s+", " ");
        return t.length() > 300 ? t.substring(0, 300) + "..." : t;
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    // --- the resources

    static List<Row> rows() throws IOException {
        List<Row> rows = new ArrayList<>();
        for (String line : Files.readAllLines(resource(ROOT + "operations.tsv"))) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] c = line.split("\t");
            assertThat(c).as(line).hasSize(5);
            rows.add(new Row(c[0], c[1], c[2], Setup.valueOf(c[3]), c[4]));
        }
        return rows;
    }

    static Map<String, Pending> pending() throws IOException {
        Map<String, Pending> out = new LinkedHashMap<>();
        for (String line : Files.readAllLines(resource(ROOT + "conformance-pending.txt"))) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] c = line.split("\t");
            assertThat(c).as("example, owner and reason, tab-separated: " + line).hasSize(3);
            assertThat(out.put(c[0], new Pending(c[1], c[2]))).as("listed twice: " + c[0]).isNull();
        }
        return out;
    }

    static Map<String, List<Erratum>> errata() throws IOException {
        Map<String, List<Erratum>> out = new LinkedHashMap<>();
        for (String line : Files.readAllLines(resource(ROOT + "conformance-errata.txt"))) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] c = line.split("\t");
            assertThat(c).as("example, kind, argument and reason, tab-separated: " + line).hasSize(4);
            assertThat(c[1]).as(line).isIn("element", "absent", "request");
            out.computeIfAbsent(c[0], k -> new ArrayList<>()).add(new Erratum(c[0], c[1], c[2], c[3]));
        }
        return out;
    }

    static Map<String, List<Adaptation>> adaptations() throws IOException {
        Map<String, List<Adaptation>> out = new LinkedHashMap<>();
        for (String line : Files.readAllLines(resource(ROOT + "conformance-adaptations.txt"))) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] c = line.split("\t");
            assertThat(c).as("example, kind, where, value, named and reason, tab-separated: " + line).hasSize(6);
            out.computeIfAbsent(c[0], k -> new ArrayList<>()).add(new Adaptation(c[0], c[1], c[2], c[3], c[4], c[5]));
        }
        return out;
    }

    private static Map<String, Object> load(String example) throws IOException {
        return json.readValue(Files.readString(resource(ROOT + "examples/" + example)), Argument.mapOf(String.class, Object.class));
    }

    private static Path resource(String name) {
        try {
            return Path.of(Objects.requireNonNull(ConformanceTest.class.getClassLoader().getResource(name), name).toURI());
        } catch (URISyntaxException e) {
            throw new UncheckedIOException(new IOException(e));
        }
    }

}
