package io.keyward.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.keyward.app.identity.Audiences;
import io.micronaut.core.type.Argument;
import io.micronaut.json.JsonMapper;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Bounded, deterministic fuzzing of every ARM PUT and PATCH and of the Key Vault POSTs: from a valid body per endpoint,
 * a few hundred mutations each (members dropped, set to null or to a value of another type, strings with control
 * characters, huge and deeply nested values, malformed JSON, odd resource names). Bad input must be a 4xx with an error
 * envelope: no answer is 5xx, and no body carries an exception message, a class name, a stack frame or SQL.
 */
class HostileInputFuzzTest {

    private static final long SEED = 20261202L;
    private static final int MUTATIONS = 150;
    /** What an error body may never contain: stack frames, Java and library names, SQL and JDBC words, framework bodies. */
    private static final Pattern INNER_TEXT = Pattern.compile("(?i)exception|\\bat (io|java|com|org)\\.|java\\.|javax\\.|io\\.micronaut"
            + "|io\\.keyward|com\\.fasterxml|org\\.postgresql|sqlstate|psql|\\bselect\\b.*\\bfrom\\b|\\binsert into\\b|\\.java:\\d"
            + "|caused by|nullpointer|_embedded|_links|<html|<h1>|hikari|pkcs11|softhsm");
    private static final String TENANT = UUID.randomUUID().toString();

    private static ClusterArm arm;
    private static JsonMapper json;
    private static String sub;
    private static String vault;
    private static String keyVersion;
    private final List<String> failures = new ArrayList<>();

    @BeforeAll
    static void resources() throws Exception {
        arm = new ClusterArm(TENANT, "fuzz");
        json = arm.host.bean(JsonMapper.class);
        sub = ClusterArm.sub();
        vault = ClusterArm.name("kwfz");
        arm.putVault(sub, vault, "eastus", true);
        keyVersion = arm.createKeyWithoutDns(vault, "fuzzkey");
    }

    /** One ARM endpoint: its path for an existing resource, a path for a new one, and a valid body. */
    private record Endpoint(String name, String method, String existing, String fresh, String body) {
    }

    @Test
    void armWritesAnswerBadInputWithA4xxEnvelopeAndNeverInnerText() throws Exception {
        String rg = "/subscriptions/" + sub + "/resourceGroups/rg1/providers/";
        String vaultBody = "{\"location\":\"eastus\",\"properties\":{\"tenantId\":\"" + TENANT + "\",\"sku\":{\"family\":\"A\",\"name\":"
                + "\"premium\"},\"accessPolicies\":[{\"tenantId\":\"" + TENANT + "\",\"objectId\":\"" + arm.client.principal().objectId()
                + "\",\"permissions\":{\"keys\":[\"get\"],\"secrets\":[\"get\"]}}],\"enableSoftDelete\":true,\"softDeleteRetentionInDays\":7}}";
        String clusterBody = ClusterArm.body("eastus", 1000, "\"billingType\":\"Cluster\"");
        String kustoBody = "{\"location\":\"eastus\",\"identity\":{\"type\":\"SystemAssigned\"},\"sku\":{\"name\":\"Standard_E8ads_v5\","
                + "\"tier\":\"Standard\",\"capacity\":2},\"tags\":{\"a\":\"b\"},\"properties\":{\"keyVaultProperties\":{\"keyVaultUri\":\""
                + arm.host.vaultUri(vault) + "\",\"keyName\":\"fuzzkey\",\"keyVersion\":\"\"}}}";
        String cacheBody = "{\"location\":\"eastus\",\"identity\":{\"type\":\"SystemAssigned\"},\"sku\":{\"name\":\"Standard_2G\"},"
                + "\"properties\":{\"cacheSizeGB\":3072,\"subnet\":\"/subscriptions/" + sub + "/resourceGroups/net/providers/Microsoft.Network"
                + "/virtualNetworks/v/subnets/s\",\"encryptionSettings\":{\"keyEncryptionKey\":{\"keyUrl\":\"" + arm.host.vaultUri(vault)
                + "keys/fuzzkey/" + keyVersion + "\",\"sourceVault\":{\"id\":\"/subscriptions/" + sub + "/resourceGroups/rg-vaults/providers"
                + "/Microsoft.KeyVault/vaults/" + vault + "\"}},\"rotationToLatestKeyVersionEnabled\":false}}}";
        String workspaceBody = "{\"location\":\"eastus\",\"tags\":{\"t\":\"1\"},\"properties\":{\"retentionInDays\":30,\"sku\":{\"name\":\"PerGB2018\"}}}";
        String cluster = rg + "Microsoft.OperationalInsights/clusters/fzcl1";
        String workspace = rg + "Microsoft.OperationalInsights/workspaces/fzws1";
        String kusto = rg + "Microsoft.Kusto/clusters/fzkusto1";
        String cache = rg + "Microsoft.StorageCache/caches/fzcache1";
        String account = rg + "Microsoft.Storage/storageAccounts/fzstore1";
        String accountBody = "{\"location\":\"eastus\",\"kind\":\"StorageV2\",\"sku\":{\"name\":\"Standard_LRS\"},\"identity\":"
                + "{\"type\":\"SystemAssigned\"},\"tags\":{\"a\":\"b\"}}";
        String accountKeyBody = "{\"properties\":{\"encryption\":{\"keySource\":\"Microsoft.Keyvault\",\"keyvaultproperties\":{\"keyname\":"
                + "\"fuzzkey\",\"keyvaulturi\":\"" + arm.host.vaultUri(vault) + "\",\"keyversion\":\"\"},\"services\":{\"blob\":"
                + "{\"enabled\":true,\"keyType\":\"Account\"}}}}}";
        String vaultPath = "/subscriptions/" + sub + "/resourceGroups/rg-vaults/providers/Microsoft.KeyVault/vaults/" + vault;
        // the resources that PATCHes and updates act on
        for (String[] create : new String[][] {{cluster, clusterBody, "?api-version=2022-10-01"}, {workspace, workspaceBody, "?api-version=2022-10-01"},
                {kusto, kustoBody.replaceAll(",\"properties\":.*", "}"), "?api-version=2024-04-13"}, {cache, cacheBody, "?api-version=2023-05-01"},
                {account, accountBody, "?api-version=2023-05-01"}}) {
            ClusterArm.Reply r = arm.call("PUT", create[0] + create[2], create[1]);
            assertThat(r.status()).as(create[0] + ": " + r.text()).isIn(200, 201);
        }
        List<Endpoint> endpoints = List.of(
                new Endpoint("Vaults_CreateOrUpdate", "PUT", vaultPath, null, vaultBody),
                new Endpoint("Vaults_Update", "PATCH", vaultPath, null, "{\"tags\":{\"a\":\"b\"},\"properties\":{\"enablePurgeProtection\":true}}"),
                new Endpoint("Vaults_UpdateAccessPolicy", "PUT", vaultPath + "/accessPolicies/add", null,
                        "{\"properties\":{\"accessPolicies\":[{\"tenantId\":\"" + TENANT + "\",\"objectId\":\"" + UUID.randomUUID()
                                + "\",\"permissions\":{\"keys\":[\"get\",\"wrapKey\"]}}]}}"),
                new Endpoint("Clusters_CreateOrUpdate", "PUT", cluster, rg + "Microsoft.OperationalInsights/clusters/fzcl2", clusterBody),
                new Endpoint("Clusters_Update", "PATCH", cluster, null, "{\"sku\":{\"name\":\"CapacityReservation\",\"capacity\":1000},"
                        + "\"properties\":{\"keyVaultProperties\":{\"keyVaultUri\":\"" + arm.host.vaultUri(vault) + "\",\"keyName\":\"fuzzkey\","
                        + "\"keyVersion\":\"\",\"keyRsaSize\":2048}}}"),
                new Endpoint("Workspaces_CreateOrUpdate", "PUT", workspace, rg + "Microsoft.OperationalInsights/workspaces/fzws2", workspaceBody),
                new Endpoint("Workspaces_Update", "PATCH", workspace, null, workspaceBody),
                new Endpoint("LinkedServices_CreateOrUpdate", "PUT", workspace + "/linkedServices/cluster", null,
                        "{\"properties\":{\"writeAccessResourceId\":\"" + cluster + "\"}}"),
                new Endpoint("Kusto_Clusters_CreateOrUpdate", "PUT", kusto, rg + "Microsoft.Kusto/clusters/fzkusto2", kustoBody),
                new Endpoint("Kusto_Clusters_Update", "PATCH", kusto, null, kustoBody),
                new Endpoint("Kusto_AttachedDatabaseConfigurations_CreateOrUpdate", "PUT", kusto + "/attachedDatabaseConfigurations/a1", null,
                        "{\"properties\":{\"databaseName\":\"db\",\"clusterResourceId\":\"" + rg + "Microsoft.Kusto/clusters/fzkusto2\","
                                + "\"defaultPrincipalsModificationKind\":\"Union\"}}"),
                new Endpoint("Caches_CreateOrUpdate", "PUT", cache, rg + "Microsoft.StorageCache/caches/fzcache2", cacheBody),
                new Endpoint("Caches_Update", "PATCH", cache, null, cacheBody),
                new Endpoint("StorageAccounts_Create", "PUT", account, rg + "Microsoft.Storage/storageAccounts/fzstore2", accountBody),
                new Endpoint("StorageAccounts_Update", "PATCH", account, null, accountKeyBody),
                new Endpoint("LinkedStorageAccounts_CreateOrUpdate", "PUT", workspace + "/linkedStorageAccounts/Query", null,
                        "{\"properties\":{\"dataSourceType\":\"Query\",\"storageAccountIds\":[\"" + account + "\"]}}"),
                new Endpoint("SavedSearches_CreateOrUpdate", "PUT", workspace + "/savedSearches/fzsearch1", workspace + "/savedSearches/fzsearch2",
                        "{\"etag\":\"*\",\"properties\":{\"category\":\"c\",\"displayName\":\"d\",\"query\":\"Heartbeat\",\"version\":2,"
                                + "\"tags\":[{\"name\":\"Group\",\"value\":\"x\"}]}}"));
        Random random = new Random(SEED);
        for (Endpoint e : endpoints) {
            String api = e.existing().contains("Microsoft.KeyVault") ? ClusterArm.VAULT_API : e.existing().contains("linkedServices")
                    || e.existing().contains("linkedStorageAccounts") || e.existing().contains("savedSearches")
                    ? "?api-version=2020-08-01" : e.existing().contains("Kusto") ? "?api-version=2024-04-13"
                    : e.existing().contains("StorageCache") || e.existing().contains("Microsoft.Storage/") ? "?api-version=2023-05-01"
                    : "?api-version=2022-10-01";
            for (int i = 0; i < MUTATIONS; i++) {
                String path = e.fresh() != null && i % 3 == 0 ? oddName(e.fresh(), random, i) : e.existing();
                String body = mutate(e.body(), random);
                check(e.name(), arm.call(e.method(), path + api, body), body);
            }
        }
        assertThat(failures).as(failures.size() + " answers broke the rules (first ones shown)").isEmpty();
    }

    @Test
    void keyVaultPostsAnswerBadInputWithA4xxEnvelopeAndNeverInnerText() throws Exception {
        String token = arm.host.token(arm.client, Audiences.KEY_VAULT);
        String base = "/";
        String value = "\"" + java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(new byte[32]) + "\"";
        Map<String, String> endpoints = new LinkedHashMap<>();
        endpoints.put("Keys_Create", base + "keys/fuzz-created/create?api-version=7.4|{\"kty\":\"RSA\",\"key_size\":2048,\"key_ops\":[\"wrapKey\"],"
                + "\"attributes\":{\"enabled\":true,\"exp\":4102444800},\"tags\":{\"a\":\"b\"}}");
        endpoints.put("Keys_WrapKey", base + "keys/fuzzkey/" + keyVersion + "/wrapkey?api-version=7.4|{\"alg\":\"RSA-OAEP\",\"value\":" + value + "}");
        endpoints.put("Keys_UnwrapKey", base + "keys/fuzzkey/" + keyVersion + "/unwrapkey?api-version=7.4|{\"alg\":\"RSA-OAEP\",\"value\":" + value + "}");
        endpoints.put("Keys_Encrypt", base + "keys/fuzzkey/" + keyVersion + "/encrypt?api-version=7.4|{\"alg\":\"RSA-OAEP\",\"value\":" + value + "}");
        endpoints.put("Keys_Decrypt", base + "keys/fuzzkey/" + keyVersion + "/decrypt?api-version=7.4|{\"alg\":\"RSA-OAEP\",\"value\":" + value + "}");
        endpoints.put("Keys_UpdateKey", base + "keys/fuzzkey/" + keyVersion + "?api-version=7.4|{\"attributes\":{\"enabled\":true},\"tags\":{\"x\":\"y\"}}");
        Random random = new Random(SEED + 1);
        for (Map.Entry<String, String> e : endpoints.entrySet()) {
            String[] target = e.getValue().split("\\|", 2);
            String method = e.getKey().equals("Keys_UpdateKey") ? "PATCH" : "POST";
            for (int i = 0; i < MUTATIONS; i++) {
                String body = mutate(target[1], random);
                String uri = i % 5 == 0 ? target[0].replace("fuzzkey", oddSegment(random)) : target[0];
                check(e.getKey(), arm.vaultCall(vault, method, uri, token, body), body);
            }
        }
        assertThat(failures).as(failures.size() + " answers broke the rules (first ones shown)").isEmpty();
    }

    private void check(String endpoint, ClusterArm.Reply r, String body) {
        String problem = null;
        if (r.status() >= 500) {
            problem = "status " + r.status();
        } else if (r.status() >= 400 && (r.error() == null || !(r.error().get("code") instanceof String))) {
            problem = "no error envelope";
        } else if (INNER_TEXT.matcher(r.text()).find()) {
            problem = "inner text";
        }
        if (problem != null && failures.size() < 20) {
            String shown = body.length() > 300 ? body.substring(0, 300) + "..." : body;
            failures.add(endpoint + ": " + problem + " for " + shown + " -> " + (r.text().length() > 400 ? r.text().substring(0, 400) : r.text()));
        } else if (problem != null) {
            failures.add(endpoint + ": " + problem);
        }
    }

    // --- mutations

    private static String mutate(String valid, Random random) throws Exception {
        int kind = random.nextInt(10);
        if (kind == 0) {
            return malformed(valid, random);
        }
        if (kind == 1) {
            return new String[] {"[]", "null", "42", "\"text\"", "true", "{}", ""}[random.nextInt(7)];
        }
        Object tree = json.readValue(valid, Argument.OBJECT_ARGUMENT);
        int edits = 1 + random.nextInt(3);
        for (int i = 0; i < edits; i++) {
            tree = mutateTree(tree, random, 0);
        }
        return tree == null ? "null" : json.writeValueAsString(tree);
    }

    @SuppressWarnings("unchecked")
    private static Object mutateTree(Object node, Random random, int depth) {
        if (node instanceof Map<?, ?> m && !m.isEmpty() && (depth == 0 || random.nextInt(3) > 0)) {
            Map<String, Object> map = new LinkedHashMap<>((Map<String, Object>) m);
            List<String> keys = new ArrayList<>(map.keySet());
            String key = keys.get(random.nextInt(keys.size()));
            int action = random.nextInt(6);
            if (action == 0) {
                map.remove(key);
            } else if (action == 1) {
                map.put(key, oddValue(random));
            } else if (action == 2) {
                map.put(oddKey(random), oddValue(random));
            } else {
                map.put(key, mutateTree(map.get(key), random, depth + 1));
            }
            return map;
        }
        if (node instanceof List<?> l && !l.isEmpty() && random.nextBoolean()) {
            List<Object> list = new ArrayList<>(l);
            int i = random.nextInt(list.size());
            list.set(i, random.nextBoolean() ? oddValue(random) : mutateTree(list.get(i), random, depth + 1));
            if (random.nextInt(4) == 0) {
                list.add(null);
            }
            return list;
        }
        return oddValue(random);
    }

    private static Object oddValue(Random random) {
        return switch (random.nextInt(16)) {
            case 0 -> null;
            case 1 -> "";
            case 2 -> "with\u0000nul";
            case 3 -> "ctl\u0001\u001f\u007f";
            case 4 -> "x".repeat(70_000);
            case 5 -> -1;
            case 6 -> Long.MAX_VALUE;
            case 7 -> 1.5e300;
            case 8 -> true;
            case 9 -> List.of();
            case 10 -> List.of(1, "two", Map.of());
            case 11 -> Map.of();
            case 12 -> deep(random.nextInt(60) + 40);
            case 13 -> "'; DROP TABLE cmk_aeks; --";
            case 14 -> "\ud83d\udd11 \u202e unicode";
            default -> Map.of("nested", "value", "n", 0);
        };
    }

    private static Object deep(int depth) {
        Object v = "bottom";
        for (int i = 0; i < depth; i++) {
            v = Map.of("d", v);
        }
        return v;
    }

    private static String oddKey(Random random) {
        return new String[] {"", "\u0000", "properties", "id", "type", "__proto__", "x".repeat(300)}[random.nextInt(7)];
    }

    private static String malformed(String valid, Random random) {
        return switch (random.nextInt(5)) {
            case 0 -> valid.substring(0, random.nextInt(valid.length()));
            case 1 -> valid.replace("\"", "'");
            case 2 -> valid + "}}}";
            case 3 -> "[".repeat(5_000) + "]".repeat(5_000);
            default -> "{\"a\":" + "\u0000" + "}";
        };
    }

    private static String oddName(String path, Random random, int i) {
        return path.substring(0, path.lastIndexOf('/') + 1) + oddSegment(random) + (i % 2 == 0 ? "" : Integer.toString(i));
    }

    private static String oddSegment(Random random) {
        return new String[] {"a", "x".repeat(200), "%00", "%20lead", "dot.", "under_score", "UPPER", "%C3%A9t%C3%A9", "-dash", "1"}[random.nextInt(10)];
    }
}
