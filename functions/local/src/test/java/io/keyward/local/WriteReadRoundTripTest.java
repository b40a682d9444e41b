package io.keyward.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.keyward.app.identity.Audiences;
import io.micronaut.core.type.Argument;
import io.micronaut.json.JsonMapper;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 17 item 1, as a property: for every ARM resource type (vaults and their access policies, Log Analytics clusters,
 * workspaces and linked services, Kusto clusters and attached database configurations, HPC caches), random valid and
 * invalid bodies (fixed seed, bounded count) are written to one existing resource, and after every write, accepted or
 * not, the resource is read back and used: GET and list answer 200 and still show it, and a vault still creates keys
 * and wraps with them for a caller its policies allow (403 for one they do not). A refused write is a 4xx with ARM's
 * envelope; nothing answers 5xx.
 */
class WriteReadRoundTripTest {

    private static final long SEED = 20261203L;
    private static final int WRITES = 24;
    private static final String TENANT = UUID.randomUUID().toString();

    private static ClusterArm arm;
    private static JsonMapper json;
    private static String sub;
    private static String vault;
    private static String keyVersion;
    private static String me;
    private final List<String> failures = new ArrayList<>();
    private final Random random = new Random(SEED);

    @BeforeAll
    static void resources() throws Exception {
        arm = new ClusterArm(TENANT, "round-trip");
        json = arm.host.bean(JsonMapper.class);
        sub = ClusterArm.sub();
        vault = ClusterArm.name("kwrt");
        me = arm.client.principal().objectId();
        arm.putVault(sub, vault, "eastus", false);
        keyVersion = arm.createKeyWithoutDns(vault, "rtkey");
    }

    /** One writable endpoint: method, path, api-version, a generator of valid bodies, and how to read the resource back. */
    private record Endpoint(String name, String method, String path, String api, Supplier<String> valid, Reader reader) {
    }

    @FunctionalInterface
    private interface Reader {
        void readBack(String endpoint) throws Exception;
    }

    @Test
    void aReadAfterAnyWriteSucceedsOnEveryResourceType() throws Exception {
        String rg = "/subscriptions/" + sub + "/resourceGroups/rg1/providers/";
        String vaultPath = "/subscriptions/" + sub + "/resourceGroups/rg-vaults/providers/Microsoft.KeyVault/vaults/" + vault;
        String cluster = rg + "Microsoft.OperationalInsights/clusters/rtcl1";
        String workspace = rg + "Microsoft.OperationalInsights/workspaces/rtws1";
        String kusto = rg + "Microsoft.Kusto/clusters/rtkusto1";
        String cache = rg + "Microsoft.StorageCache/caches/rtcache1";
        String la = "?api-version=2022-10-01";
        String kustoApi = "?api-version=2024-04-13";
        String cacheApi = "?api-version=2023-05-01";
        create(cluster + la, ClusterArm.body("eastus", 1000, "\"billingType\":\"Cluster\""));
        create(workspace + la, workspaceBody());
        create(kusto + kustoApi, kustoBody(false));
        create(rg + "Microsoft.Kusto/clusters/rtkusto2" + kustoApi, kustoBody(false));
        create(cache + cacheApi, cacheBody());

        Reader vaultRead = e -> readVault(e, vaultPath);
        Reader clusterRead = e -> readTracked(e, cluster, la, rg + "Microsoft.OperationalInsights/clusters" + la);
        Reader workspaceRead = e -> readTracked(e, workspace, la, rg + "Microsoft.OperationalInsights/workspaces" + la);
        Reader kustoRead = e -> readTracked(e, kusto, kustoApi, rg + "Microsoft.Kusto/clusters" + kustoApi);
        Reader cacheRead = e -> readTracked(e, cache, cacheApi, rg + "Microsoft.StorageCache/caches" + cacheApi);
        List<Endpoint> endpoints = List.of(
                new Endpoint("Vaults_CreateOrUpdate", "PUT", vaultPath, ClusterArm.VAULT_API, this::vaultBody, vaultRead),
                new Endpoint("Vaults_Update", "PATCH", vaultPath, ClusterArm.VAULT_API, this::vaultPatch, vaultRead),
                new Endpoint("Vaults_UpdateAccessPolicy", "PUT", vaultPath + "/accessPolicies/{kind}", ClusterArm.VAULT_API,
                        () -> "{\"properties\":{\"accessPolicies\":" + policies() + "}}", vaultRead),
                new Endpoint("Clusters_CreateOrUpdate", "PUT", cluster, la, () -> ClusterArm.body("eastus", 100L * (10 + random.nextInt(3)),
                        "\"billingType\":\"" + (random.nextBoolean() ? "Cluster" : "Workspaces") + "\"").replaceFirst("\\{", "{" + tags() + ","),
                        clusterRead),
                new Endpoint("Clusters_Update", "PATCH", cluster, la, () -> "{" + tags() + ",\"properties\":{\"billingType\":\""
                        + (random.nextBoolean() ? "Cluster" : "Workspaces") + "\"}}", clusterRead),
                new Endpoint("Workspaces_CreateOrUpdate", "PUT", workspace, la, WriteReadRoundTripTest::workspaceBody, workspaceRead),
                new Endpoint("Workspaces_Update", "PATCH", workspace, la, () -> "{" + tags() + ",\"properties\":{\"retentionInDays\":"
                        + (30 + random.nextInt(60)) + "}}", workspaceRead),
                new Endpoint("LinkedServices_CreateOrUpdate", "PUT", workspace + "/linkedServices/cluster", "?api-version=2020-08-01",
                        () -> "{\"properties\":{\"writeAccessResourceId\":\"" + cluster + "\"}}",
                        e -> readLinkedService(e, workspace + "/linkedServices/cluster?api-version=2020-08-01", workspaceRead)),
                new Endpoint("Kusto_Clusters_CreateOrUpdate", "PUT", kusto, kustoApi, () -> kustoBody(random.nextBoolean()), kustoRead),
                new Endpoint("Kusto_Clusters_Update", "PATCH", kusto, kustoApi, () -> "{" + tags() + "}", kustoRead),
                new Endpoint("Kusto_AttachedDatabaseConfigurations_CreateOrUpdate", "PUT", kusto + "/attachedDatabaseConfigurations/a1",
                        kustoApi, () -> "{\"location\":\"eastus\",\"properties\":{\"databaseName\":\"db" + random.nextInt(3)
                                + "\",\"clusterResourceId\":\"" + rg + "Microsoft.Kusto/clusters/rtkusto2\",\"defaultPrincipalsModificationKind\":\""
                                + new String[] {"Union", "Replace", "None"}[random.nextInt(3)] + "\"}}",
                        e -> readAttached(e, kusto + "/attachedDatabaseConfigurations", kustoApi, kustoRead)),
                new Endpoint("Caches_CreateOrUpdate", "PUT", cache, cacheApi, WriteReadRoundTripTest::cacheBody, cacheRead),
                new Endpoint("Caches_Update", "PATCH", cache, cacheApi, () -> "{" + tags() + "}", cacheRead));

        int accepted = 0;
        int refused = 0;
        for (Endpoint e : endpoints) {
            for (int i = 0; i < WRITES; i++) {
                String body = random.nextBoolean() ? e.valid().get() : invalid(e.valid().get());
                String path = e.path().replace("{kind}", new String[] {"add", "replace", "remove"}[random.nextInt(3)]);
                ClusterArm.Reply w = arm.call(e.method(), path + e.api(), body);
                if (w.status() >= 200 && w.status() < 300) {
                    accepted++;
                } else if (w.status() >= 400 && w.status() < 500 && w.error() != null && w.error().get("code") instanceof String
                        && w.error().get("message") instanceof String) {
                    refused++;
                } else {
                    fail(e.name() + " write " + i + ": " + w.status() + " " + shorten(w.text()) + " for " + shorten(body));
                }
                e.reader().readBack(e.name() + " after write " + i + " (" + w.status() + ", " + shorten(body) + ")");
            }
        }
        assertThat(failures).as(failures.size() + " reads or writes broke the property (first shown)").isEmpty();
        // the generator is worth something only if it produced both outcomes
        assertThat(accepted).as("accepted writes").isGreaterThan(WRITES * endpoints.size() / 5);
        assertThat(refused).as("refused writes").isGreaterThan(WRITES * endpoints.size() / 5);
    }

    // --- reads

    private void readVault(String after, String vaultPath) throws Exception {
        ClusterArm.Reply get = arm.call("GET", vaultPath + ClusterArm.VAULT_API, null);
        if (get.status() != 200) {
            fail(after + ": vault GET " + get.status() + " " + shorten(get.text()));
            return;
        }
        ClusterArm.Reply list = arm.call("GET", vaultPath.substring(0, vaultPath.lastIndexOf('/')) + ClusterArm.VAULT_API, null);
        if (list.status() != 200 || !list.text().contains(vault)) {
            fail(after + ": vault list " + list.status() + " " + shorten(list.text()));
        }
        boolean mayWrap = allows(get, "wrapKey");
        boolean mayCreate = allows(get, "create");
        String token = arm.host.token(arm.client, Audiences.KEY_VAULT);
        ClusterArm.Reply wrap = arm.vaultCall(vault, "POST", "/keys/rtkey/" + keyVersion + "/wrapkey?api-version=7.4", token,
                "{\"alg\":\"RSA-OAEP\",\"value\":\"" + Base64.getUrlEncoder().withoutPadding().encodeToString(new byte[32]) + "\"}");
        if (wrap.status() != (mayWrap ? 200 : 403)) {
            fail(after + ": wrap " + wrap.status() + " (allowed: " + mayWrap + ") " + shorten(wrap.text()));
        }
        if (random.nextInt(4) == 0) {
            ClusterArm.Reply created = arm.vaultCall(vault, "POST", "/keys/rt" + random.nextInt(1000) + "/create?api-version=7.4", token,
                    "{\"kty\":\"RSA\",\"key_size\":2048}");
            if (created.status() != (mayCreate ? 200 : 403)) {
                fail(after + ": create key " + created.status() + " (allowed: " + mayCreate + ") " + shorten(created.text()));
            }
        }
        if (!mayWrap || !mayCreate) { // give this client its access back, so that later rounds use the vault again
            arm.grant(sub, vault, me, "all");
        }
    }

    private void readTracked(String after, String path, String api, String listPath) throws Exception {
        ClusterArm.Reply get = arm.call("GET", path + api, null);
        if (get.status() != 200 || get.properties() == null) {
            fail(after + ": GET " + get.status() + " " + shorten(get.text()));
        }
        ClusterArm.Reply list = arm.call("GET", listPath, null);
        String name = path.substring(path.lastIndexOf('/') + 1);
        if (list.status() != 200 || !(list.json().get("value") instanceof List<?> items)
                || items.stream().noneMatch(v -> v instanceof Map<?, ?> m && name.equalsIgnoreCase(String.valueOf(m.get("name"))))) {
            fail(after + ": list " + list.status() + " " + shorten(list.text()));
        }
    }

    private void readLinkedService(String after, String path, Reader workspace) throws Exception {
        ClusterArm.Reply get = arm.call("GET", path, null);
        if (get.status() != 200 && get.status() != 404) {
            fail(after + ": linked service GET " + get.status() + " " + shorten(get.text()));
        }
        workspace.readBack(after);
    }

    private void readAttached(String after, String listPath, String api, Reader kusto) throws Exception {
        ClusterArm.Reply list = arm.call("GET", listPath + api, null);
        if (list.status() != 200 || !(list.json().get("value") instanceof List<?>)) {
            fail(after + ": attached list " + list.status() + " " + shorten(list.text()));
        }
        ClusterArm.Reply get = arm.call("GET", listPath + "/a1" + api, null);
        if (get.status() != 200 && get.status() != 404) {
            fail(after + ": attached GET " + get.status() + " " + shorten(get.text()));
        }
        kusto.readBack(after);
    }

    @SuppressWarnings("unchecked")
    private boolean allows(ClusterArm.Reply vaultGet, String permission) {
        for (Object p : (List<Object>) vaultGet.properties().get("accessPolicies")) {
            Map<String, Object> policy = (Map<String, Object>) p;
            if (me.equalsIgnoreCase((String) policy.get("objectId")) && TENANT.equalsIgnoreCase((String) policy.get("tenantId"))
                    && ((List<Object>) ((Map<String, Object>) policy.get("permissions")).get("keys")).contains(permission)) {
                return true;
            }
        }
        return false;
    }

    // --- valid bodies

    private String vaultBody() {
        return "{\"location\":\"eastus\"," + tags() + ",\"properties\":{\"tenantId\":\"" + TENANT + "\",\"sku\":{\"family\":\"A\",\"name\":\""
                + (random.nextBoolean() ? "standard" : "premium") + "\"},\"accessPolicies\":" + policies()
                + ",\"enableSoftDelete\":true,\"softDeleteRetentionInDays\":7}}";
    }

    private String vaultPatch() {
        return "{" + tags() + (random.nextBoolean() ? "" : ",\"properties\":{\"accessPolicies\":" + policies() + "}") + "}";
    }

    /** 0-3 policies, for this client or someone else, each with any mix of the four permission kinds, null or absent lists. */
    private String policies() {
        List<String> out = new ArrayList<>();
        int n = random.nextInt(4);
        for (int i = 0; i < n; i++) {
            String who = random.nextInt(3) == 0 ? me : UUID.randomUUID().toString();
            List<String> members = new ArrayList<>();
            members.add(list("keys", List.of("all", "get", "wrapKey", "UNWRAPKEY", "create", "getrotationpolicy")));
            members.add(list("secrets", List.of("all", "get", "List", "set", "purge")));
            members.add(list("certificates", List.of("all", "get", "managecontacts", "ListIssuers")));
            members.add(list("storage", List.of("all", "getsas", "RegenerateKey", "update")));
            members.removeIf(m -> m.isEmpty());
            out.add("{\"tenantId\":\"" + TENANT + "\",\"objectId\":\"" + who + "\",\"permissions\":{" + String.join(",", members) + "}}");
        }
        return "[" + String.join(",", out) + "]";
    }

    /** A permission list member: absent, null, empty, or a few names. */
    private String list(String member, List<String> names) {
        return switch (random.nextInt(5)) {
            case 0 -> "";
            case 1 -> "\"" + member + "\":null";
            case 2 -> "\"" + member + "\":[]";
            default -> "\"" + member + "\":[" + String.join(",", random.ints(1 + random.nextInt(3), 0, names.size())
                    .mapToObj(i -> "\"" + names.get(i) + "\"").distinct().toList()) + "]";
        };
    }

    private String tags() {
        Map<String, String> tags = new LinkedHashMap<>();
        for (int i = random.nextInt(4); i > 0; i--) {
            tags.put("t" + random.nextInt(20), random.nextBoolean() ? "" : "v\u00e9" + random.nextInt(100));
        }
        try {
            return "\"tags\":" + json.writeValueAsString(tags);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String workspaceBody() {
        return "{\"location\":\"eastus\",\"tags\":{\"t\":\"1\"},\"properties\":{\"retentionInDays\":30,\"sku\":{\"name\":\"PerGB2018\"}}}";
    }

    private static String kustoBody(boolean withKey) {
        return "{\"location\":\"eastus\",\"identity\":{\"type\":\"SystemAssigned\"},\"sku\":{\"name\":\"Standard_E8ads_v5\","
                + "\"tier\":\"Standard\",\"capacity\":2},\"tags\":{\"a\":\"b\"}" + (withKey ? ",\"properties\":{\"keyVaultProperties\":"
                + "{\"keyVaultUri\":\"" + arm.host.vaultUri(vault) + "\",\"keyName\":\"rtkey\",\"keyVersion\":\"\"}}" : "") + "}";
    }

    private static String cacheBody() {
        return "{\"location\":\"eastus\",\"identity\":{\"type\":\"SystemAssigned\"},\"sku\":{\"name\":\"Standard_2G\"},"
                + "\"properties\":{\"cacheSizeGB\":3072,\"subnet\":\"/subscriptions/" + sub + "/resourceGroups/net/providers/Microsoft.Network"
                + "/virtualNetworks/v/subnets/s\",\"encryptionSettings\":{\"keyEncryptionKey\":{\"keyUrl\":\"" + arm.host.vaultUri(vault)
                + "keys/rtkey/" + keyVersion + "\",\"sourceVault\":{\"id\":\"/subscriptions/" + sub + "/resourceGroups/rg-vaults/providers"
                + "/Microsoft.KeyVault/vaults/" + vault + "\"}},\"rotationToLatestKeyVersionEnabled\":false}}}";
    }

    // --- invalid bodies: one to three edits of a valid one

    private String invalid(String valid) throws Exception {
        if (random.nextInt(8) == 0) {
            return new String[] {"{}", "null", "[]", "{\"properties\":null}", "{\"tags\":null}", "{\"location\":\"\"}"}[random.nextInt(6)];
        }
        Object tree = json.readValue(valid, Argument.OBJECT_ARGUMENT);
        for (int i = 1 + random.nextInt(3); i > 0; i--) {
            tree = edit(tree, 0);
        }
        return json.writeValueAsString(tree);
    }

    @SuppressWarnings("unchecked")
    private Object edit(Object node, int depth) {
        if (node instanceof Map<?, ?> m && !m.isEmpty() && (depth == 0 || random.nextInt(3) > 0)) {
            Map<String, Object> map = new LinkedHashMap<>((Map<String, Object>) m);
            List<String> keys = new ArrayList<>(map.keySet());
            String key = keys.get(random.nextInt(keys.size()));
            switch (random.nextInt(5)) {
                case 0 -> map.remove(key);
                case 1 -> map.put(key, odd());
                case 2 -> map.put(random.nextBoolean() ? "unknownMember" : key.toUpperCase(Locale.ROOT), odd());
                default -> map.put(key, edit(map.get(key), depth + 1));
            }
            return map;
        }
        if (node instanceof List<?> l && !l.isEmpty()) {
            List<Object> list = new ArrayList<>(l);
            int i = random.nextInt(list.size());
            list.set(i, random.nextBoolean() ? odd() : edit(list.get(i), depth + 1));
            return list;
        }
        return odd();
    }

    private Object odd() {
        return switch (random.nextInt(12)) {
            case 0 -> null;
            case 1 -> "";
            case 2 -> Map.of();
            case 3 -> List.of();
            case 4 -> -1;
            case 5 -> true;
            case 6 -> "not-a-permission";
            case 7 -> List.of("get", "fly");
            case 8 -> "with\u0000nul";
            case 9 -> Map.of("keys", List.of());
            case 10 -> 1e12;
            default -> "x".repeat(300);
        };
    }

    // --- helpers

    private static void create(String path, String body) throws Exception {
        ClusterArm.Reply r = arm.call("PUT", path, body);
        assertThat(r.status()).as(path + ": " + r.text()).isIn(200, 201);
    }

    private void fail(String problem) {
        if (failures.size() < 20) {
            failures.add(problem);
        }
    }

    private static String shorten(String s) {
        return s == null ? "" : s.length() > 300 ? s.substring(0, 300) + "..." : s;
    }
}
