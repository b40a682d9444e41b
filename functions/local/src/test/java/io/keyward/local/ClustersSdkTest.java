package io.keyward.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.core.http.HttpClient;
import com.azure.core.http.HttpHeaderName;
import com.azure.core.http.HttpMethod;
import com.azure.core.http.HttpPipeline;
import com.azure.core.http.HttpRequest;
import com.azure.core.http.HttpResponse;
import com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder;
import com.azure.core.management.AzureEnvironment;
import com.azure.core.management.exception.ManagementException;
import com.azure.core.management.profile.AzureProfile;
import com.azure.core.management.serializer.SerializerFactory;
import com.azure.core.util.Context;
import com.azure.core.util.serializer.SerializerAdapter;
import com.azure.core.util.serializer.SerializerEncoding;
import com.azure.resourcemanager.loganalytics.fluent.models.ClusterInner;
import com.azure.resourcemanager.loganalytics.LogAnalyticsManager;
import com.azure.resourcemanager.loganalytics.models.BillingType;
import com.azure.resourcemanager.loganalytics.models.Capacity;
import com.azure.resourcemanager.loganalytics.models.Cluster;
import com.azure.resourcemanager.loganalytics.models.ClusterEntityStatus;
import com.azure.resourcemanager.loganalytics.models.ClusterPatch;
import com.azure.resourcemanager.loganalytics.models.ClusterSku;
import com.azure.resourcemanager.loganalytics.models.ClusterSkuNameEnum;
import com.azure.resourcemanager.loganalytics.models.KeyVaultProperties;
import com.azure.resourcemanager.loganalytics.models.ManagedServiceIdentity;
import com.azure.resourcemanager.loganalytics.models.ManagedServiceIdentityType;
import io.keyward.app.identity.Audiences;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Map;
import java.util.UUID;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

/**
 * {@code Microsoft.OperationalInsights/clusters} through the official, unmodified {@code LogAnalyticsManager}
 * (azure-resourcemanager-loganalytics 1.1.0, api-version 2022-10-01) against the local host: an AzureEnvironment whose
 * resource manager is the host, trust material through the JDK HTTP client, and a credential that fetches real ARM
 * tokens from Keyward's token endpoint. The key update is waited on through the SDK's own poller.
 */
class ClustersSdkTest {

    private static final String TENANT = "e0000000-0000-4000-8000-00000000e001";
    private static final String VAULT_SUBSCRIPTION = "e0000000-0000-4000-8000-0000000005e1";
    /** soft delete and purge protection, in westeurope */
    private static final String VAULT = "kwcl3";

    @Test
    void definesUpdatesTheKeyGetsListsAndDeletesACluster() throws Exception {
        ClusterArm arm = new ClusterArm(TENANT, "clusters-sdk-test").owning(VAULT_SUBSCRIPTION);
        arm.putVault(VAULT_SUBSCRIPTION, VAULT, "westeurope", true);
        String keyName = ClusterArm.name("k");
        String version = arm.createKey(VAULT, keyName, 2048);

        String subscription = UUID.randomUUID().toString();
        String base = arm.host.baseUri() + "/";
        AzureEnvironment environment = new AzureEnvironment(Map.of(
                "resourceManagerEndpointUrl", base,
                "activeDirectoryEndpointUrl", base,
                "managementEndpointUrl", base));
        HttpClient http = new JdkHttpClientBuilder(java.net.http.HttpClient.newBuilder().sslContext(arm.host.ssl())).build();
        TokenCredential credential = request -> Mono.fromCallable(() -> new AccessToken(arm.host.token(arm.client, Audiences.ARM),
                OffsetDateTime.now().plusMinutes(30)));
        LogAnalyticsManager manager = LogAnalyticsManager.configure().withHttpClient(http)
                .withDefaultPollInterval(Duration.ofMillis(200))
                .authenticate(credential, new AzureProfile(TENANT, subscription, environment));

        String name = ClusterArm.name("sdk");
        Cluster cluster = manager.clusters().define(name).withRegion("westeurope").withExistingResourceGroup("rg-sdk")
                .withIdentity(new ManagedServiceIdentity().withType(ManagedServiceIdentityType.SYSTEM_ASSIGNED))
                .withSku(new ClusterSku().withName(ClusterSkuNameEnum.CAPACITY_RESERVATION).withCapacity(Capacity.ONE_ZERO_ZERO_ZERO))
                .withBillingType(BillingType.CLUSTER)
                .create();
        assertThat(cluster.provisioningState()).isEqualTo(ClusterEntityStatus.SUCCEEDED);
        assertThat(cluster.identity().tenantId()).isEqualTo(UUID.fromString(TENANT));
        UUID principal = cluster.identity().principalId();
        assertThat(principal).isNotNull();
        assertThat(cluster.sku().capacity()).isEqualTo(Capacity.ONE_ZERO_ZERO_ZERO);
        assertThat(cluster.associatedWorkspaces()).isEmpty();

        // the customer grants the cluster's identity access to the key, then sets the key: an async update
        arm.grant(VAULT_SUBSCRIPTION, VAULT, principal.toString(), "get", "wrapKey", "unwrapKey");
        Cluster updated = cluster.update().withKeyVaultProperties(new KeyVaultProperties()
                .withKeyVaultUri(arm.host.vaultUri(VAULT).toString()).withKeyName(keyName).withKeyVersion(version)).apply();
        assertThat(updated.provisioningState()).isEqualTo(ClusterEntityStatus.SUCCEEDED);
        assertThat(updated.keyVaultProperties().keyName()).isEqualTo(keyName);
        assertThat(updated.keyVaultProperties().keyVersion()).isEqualTo(version);

        // a client that follows Location to its end (final-state-via location) reads the cluster from its last poll, in the
        // SDK's own model: a PATCH to the next key version through the SDK's pipeline and serializer
        String next = arm.createKey(VAULT, keyName, 2048);
        HttpPipeline pipeline = manager.serviceClient().getHttpPipeline();
        SerializerAdapter serializer = SerializerFactory.createDefaultManagementSerializerAdapter();
        String clusterUrl = base + cluster.id().substring(1) + "?api-version=2022-10-01";
        HttpRequest patch = new HttpRequest(HttpMethod.PATCH, clusterUrl).setHeader(HttpHeaderName.CONTENT_TYPE, "application/json")
                .setBody(serializer.serialize(new ClusterPatch().withKeyVaultProperties(new KeyVaultProperties()
                        .withKeyVaultUri(arm.host.vaultUri(VAULT).toString()).withKeyName(keyName).withKeyVersion(next)),
                        SerializerEncoding.JSON));
        String location;
        try (HttpResponse started = pipeline.sendSync(patch, Context.NONE)) {
            assertThat(started.getStatusCode()).isIn(200, 202);
            location = started.getHeaderValue(HttpHeaderName.LOCATION);
        }
        String polled = location;
        ClusterInner fromLocation = Conditions.until(java.time.Duration.ofSeconds(60), java.time.Duration.ofMillis(200), () -> {
            try (HttpResponse poll = pipeline.sendSync(new HttpRequest(HttpMethod.GET, polled), Context.NONE)) {
                if (poll.getStatusCode() == 200) {
                    return serializer.deserialize(poll.getBodyAsBinaryData().toString(), ClusterInner.class, SerializerEncoding.JSON);
                }
                assertThat(poll.getStatusCode()).as("the Location of a running PATCH").isEqualTo(202);
                return null;
            }
        }, java.util.Objects::nonNull, "the PATCH's Location answers 200");
        assertThat(fromLocation.name()).isEqualTo(name);
        assertThat(fromLocation.provisioningState()).isEqualTo(ClusterEntityStatus.SUCCEEDED);
        assertThat(fromLocation.keyVaultProperties().keyVersion()).isEqualTo(next);
        assertThat(fromLocation.clusterId()).isEqualTo(cluster.clusterId());

        Cluster got = manager.clusters().getByResourceGroup("rg-sdk", name);
        assertThat(got.clusterId()).isEqualTo(cluster.clusterId());
        assertThat(got.keyVaultProperties().keyVaultUri()).isEqualTo(arm.host.vaultUri(VAULT).toString());
        assertThat(StreamSupport.stream(manager.clusters().listByResourceGroup("rg-sdk").spliterator(), false).map(Cluster::name))
                .containsExactly(name);
        assertThat(StreamSupport.stream(manager.clusters().list().spliterator(), false).map(Cluster::name)).containsExactly(name);

        manager.clusters().deleteByResourceGroup("rg-sdk", name);
        assertThatThrownBy(() -> manager.clusters().getByResourceGroup("rg-sdk", name)).isInstanceOf(ManagementException.class)
                .satisfies(e -> assertThat(((ManagementException) e).getResponse().getStatusCode()).isEqualTo(404));
    }
}
