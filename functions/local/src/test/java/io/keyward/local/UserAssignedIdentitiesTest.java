package io.keyward.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.keyward.app.identity.Audiences;
import io.keyward.app.identity.ClientCredentials;
import io.keyward.app.identity.IdentityService;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code Microsoft.ManagedIdentity/userAssignedIdentities} over HTTPS as the SDKs call it (api-versions 2023-01-31 and
 * 2018-11-30): create, read, list by group and subscription, delete; each checked against role assignments; a deleted
 * identity's principal is gone from the directory.
 */
class UserAssignedIdentitiesTest {

    static final String API = "?api-version=2023-01-31";
    private static final String READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7";

    private static ClusterArm arm;
    private static String sub;

    @BeforeAll
    static void setUp() {
        arm = new ClusterArm(UUID.randomUUID().toString(), "uami-owner");
        sub = ClusterArm.sub();
    }

    static String identityId(String sub, String group, String name) {
        return "/subscriptions/" + sub + "/resourceGroups/" + group + "/providers/Microsoft.ManagedIdentity/userAssignedIdentities/" + name;
    }

    @Test
    void anIdentityIsCreatedReadListedAndDeletedWithItsPrincipal() throws Exception {
        String name = ClusterArm.name("id");
        String id = identityId(sub, "rg-id", name);
        ClusterArm.Reply created = arm.call("PUT", id + API, "{\"location\":\"eastus\",\"tags\":{\"team\":\"a\"}}");
        assertThat(created.status()).as(created.text()).isEqualTo(201);
        assertThat(created.json()).containsEntry("id", id).containsEntry("name", name)
                .containsEntry("type", "Microsoft.ManagedIdentity/userAssignedIdentities").containsEntry("location", "eastus");
        Map<String, Object> p = created.properties();
        String principalId = (String) p.get("principalId");
        String clientId = (String) p.get("clientId");
        assertThat(p).containsEntry("tenantId", arm.client.tenantId());
        assertThat(UUID.fromString(principalId)).isNotEqualTo(UUID.fromString(clientId));
        IdentityService directory = arm.host.bean(IdentityService.class);
        assertThat(directory.findPrincipal(arm.client.tenantId(), principalId)).isPresent();

        // a PUT again replaces the tags and keeps the principal and client id; the older api-version reads the same shape
        ClusterArm.Reply again = arm.call("PUT", id + API, "{\"location\":\"eastus\",\"tags\":{\"team\":\"b\"}}");
        assertThat(again.status()).isEqualTo(200);
        assertThat(again.properties()).containsEntry("principalId", principalId).containsEntry("clientId", clientId);
        ClusterArm.Reply read = arm.call("GET", id + "?api-version=2018-11-30", null);
        assertThat(read.status()).isEqualTo(200);
        assertThat(read.json()).containsEntry("tags", Map.of("team", "b"));
        ClusterArm.Reply patched = arm.call("PATCH", id + API, "{\"tags\":{\"team\":\"c\"}}");
        assertThat(patched.json()).containsEntry("tags", Map.of("team", "c"));
        ClusterArm.assertError(arm.call("PUT", id + API, "{\"location\":\"westus\"}"), 400, "InvalidParameter", "cannot be changed");
        ClusterArm.assertError(arm.call("PUT", identityId(sub, "rg-id", "x") + API, "{\"location\":\"eastus\"}"), 400, "InvalidParameter",
                "is invalid");
        ClusterArm.assertError(arm.call("PUT", id + API, "{\"location\":\"eastus\",\"properties\":{\"isolationScope\":\"Regional\"}}"),
                400, "InvalidParameter", "isolationScope");

        assertThat(names(arm.call("GET", "/subscriptions/" + sub + "/resourceGroups/rg-id/providers/Microsoft.ManagedIdentity"
                + "/userAssignedIdentities" + API, null))).contains(name);
        assertThat(names(arm.call("GET", "/subscriptions/" + sub + "/providers/Microsoft.ManagedIdentity/userAssignedIdentities" + API,
                null))).contains(name);

        assertThat(arm.call("DELETE", id + API, null).status()).isEqualTo(200);
        assertThat(arm.call("DELETE", id + API, null).status()).isEqualTo(204);
        ClusterArm.assertError(arm.call("GET", id + API, null), 404, "ResourceNotFound", null);
        assertThat(directory.findPrincipal(arm.client.tenantId(), principalId)).isEmpty();
    }

    @Test
    void identitiesAreAuthorizedLikeEveryArmResource() throws Exception {
        String id = identityId(sub, "rg-rbac", ClusterArm.name("id"));
        assertThat(arm.call("PUT", id + API, "{\"location\":\"eastus\"}").status()).isEqualTo(201);
        ClientCredentials colleague = arm.host.newClient(arm.client.tenantId(), "uami-colleague");
        String token = arm.host.token(colleague, Audiences.ARM);
        URI uri = URI.create(arm.host.baseUri() + id + API);
        ClusterArm.assertError(arm.call("GET", uri, token, null), 403, "AuthorizationFailed",
                "'Microsoft.ManagedIdentity/userAssignedIdentities/read'");
        arm.assign(sub, "/subscriptions/" + sub + "/resourceGroups/rg-rbac", READER, colleague.principal().objectId());
        assertThat(arm.call("GET", uri, token, null).status()).isEqualTo(200);
        ClusterArm.assertError(arm.call("PUT", uri, token, "{\"location\":\"eastus\"}"), 403, "AuthorizationFailed",
                "'Microsoft.ManagedIdentity/userAssignedIdentities/write'");
        ClusterArm.assertError(arm.call("DELETE", uri, token, null), 403, "AuthorizationFailed",
                "'Microsoft.ManagedIdentity/userAssignedIdentities/delete'");
        // another tenant sees nothing of it
        ClusterArm stranger = new ClusterArm(UUID.randomUUID().toString(), "uami-stranger");
        ClusterArm.assertError(stranger.call("GET", id + API, null), 403, "AuthorizationFailed", null);
    }

    @SuppressWarnings("unchecked")
    private static List<String> names(ClusterArm.Reply list) {
        assertThat(list.status()).as(list.text()).isEqualTo(200);
        return ((List<Map<String, Object>>) list.json().get("value")).stream().map(m -> (String) m.get("name")).toList();
    }
}
