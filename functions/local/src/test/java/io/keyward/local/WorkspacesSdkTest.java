package io.keyward.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.core.http.HttpClient;
import com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder;
import com.azure.core.management.AzureEnvironment;
import com.azure.core.management.exception.ManagementException;
import com.azure.core.management.profile.AzureProfile;
import com.azure.resourcemanager.loganalytics.LogAnalyticsManager;
import com.azure.resourcemanager.loganalytics.models.BillingType;
import com.azure.resourcemanager.loganalytics.models.Capacity;
import com.azure.resourcemanager.loganalytics.models.Cluster;
import com.azure.resourcemanager.loganalytics.models.ClusterSku;
import com.azure.resourcemanager.loganalytics.models.ClusterSkuNameEnum;
import com.azure.resourcemanager.loganalytics.models.LinkedService;
import com.azure.resourcemanager.loganalytics.models.LinkedServiceEntityStatus;
import com.azure.resourcemanager.loganalytics.models.ManagedServiceIdentity;
import com.azure.resourcemanager.loganalytics.models.ManagedServiceIdentityType;
import com.azure.resourcemanager.loganalytics.models.Workspace;
import com.azure.resourcemanager.loganalytics.models.WorkspaceEntityStatus;
import com.azure.resourcemanager.loganalytics.models.WorkspaceSkuNameEnum;
import io.keyward.app.identity.Audiences;
import io.keyward.app.identity.ClientCredentials;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Map;
import java.util.UUID;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

/**
 * Workspaces and the cluster link through the official, unmodified {@code LogAnalyticsManager}
 * (azure-resourcemanager-loganalytics 1.1.0) against the local host: the SDK's own pollers follow the link and the
 * unlink on their {@code Azure-AsyncOperation} URLs.
 */
class WorkspacesSdkTest {

    @Test
    void definesLinksUnlinksListsAndDeletesAWorkspace() {
        TestHost host = TestHost.get();
        String tenant = UUID.randomUUID().toString();
        ClientCredentials client = host.newClient(tenant, "workspaces-sdk-test");
        String base = host.baseUri() + "/";
        AzureEnvironment environment = new AzureEnvironment(Map.of(
                "resourceManagerEndpointUrl", base,
                "activeDirectoryEndpointUrl", base,
                "managementEndpointUrl", base));
        HttpClient http = new JdkHttpClientBuilder(java.net.http.HttpClient.newBuilder().sslContext(host.ssl())).build();
        TokenCredential credential = request -> Mono.fromCallable(() -> new AccessToken(host.token(client, Audiences.ARM),
                OffsetDateTime.now().plusMinutes(30)));
        LogAnalyticsManager manager = LogAnalyticsManager.configure().withHttpClient(http)
                .withDefaultPollInterval(Duration.ofMillis(200))
                .authenticate(credential, new AzureProfile(tenant, UUID.randomUUID().toString(), environment));

        Cluster cluster = manager.clusters().define("kwsdk" + suffix()).withRegion("eastus").withExistingResourceGroup("rg-sdk")
                .withIdentity(new ManagedServiceIdentity().withType(ManagedServiceIdentityType.SYSTEM_ASSIGNED))
                .withSku(new ClusterSku().withName(ClusterSkuNameEnum.CAPACITY_RESERVATION).withCapacity(Capacity.ONE_ZERO_ZERO_ZERO))
                .withBillingType(BillingType.CLUSTER)
                .create();

        String name = "kwsdk-" + suffix();
        Workspace workspace = manager.workspaces().define(name).withRegion("eastus").withExistingResourceGroup("rg-sdk")
                .withRetentionInDays(60).create();
        assertThat(workspace.provisioningState()).isEqualTo(WorkspaceEntityStatus.SUCCEEDED);
        assertThat(UUID.fromString(workspace.customerId()).toString()).isEqualTo(workspace.customerId());
        assertThat(workspace.retentionInDays()).isEqualTo(60);
        assertThat(workspace.update().withRetentionInDays(90).apply().retentionInDays()).isEqualTo(90);

        LinkedService link = manager.linkedServices().define("cluster").withExistingWorkspace("rg-sdk", name)
                .withWriteAccessResourceId(cluster.id()).create();
        assertThat(link.provisioningState()).isEqualTo(LinkedServiceEntityStatus.SUCCEEDED);
        assertThat(link.writeAccessResourceId()).isEqualTo(cluster.id());
        Workspace linked = manager.workspaces().getByResourceGroup("rg-sdk", name);
        assertThat(linked.features().clusterResourceId()).isEqualTo(cluster.id());
        assertThat(linked.sku().name()).isEqualTo(WorkspaceSkuNameEnum.LACLUSTER);
        assertThat(manager.clusters().getByResourceGroup("rg-sdk", cluster.name()).associatedWorkspaces()).hasSize(1);

        manager.linkedServices().delete("rg-sdk", name, "cluster");
        assertThat(manager.workspaces().getByResourceGroup("rg-sdk", name).features().clusterResourceId()).isNull();
        assertThatThrownBy(() -> manager.linkedServices().get("rg-sdk", name, "cluster")).isInstanceOf(ManagementException.class)
                .satisfies(e -> assertThat(((ManagementException) e).getResponse().getStatusCode()).isEqualTo(404));

        assertThat(StreamSupport.stream(manager.workspaces().listByResourceGroup("rg-sdk").spliterator(), false).map(Workspace::name))
                .containsExactly(name);
        assertThat(StreamSupport.stream(manager.workspaces().list().spliterator(), false).map(Workspace::name)).containsExactly(name);
        manager.workspaces().delete("rg-sdk", name);
        assertThatThrownBy(() -> manager.workspaces().getByResourceGroup("rg-sdk", name)).isInstanceOf(ManagementException.class)
                .satisfies(e -> assertThat(((ManagementException) e).getResponse().getStatusCode()).isEqualTo(404));
    }

    private static String suffix() {
        return UUID.randomUUID().toString().replace("-", "").substring(0, 10);
    }
}
