package io.keyward.app.workspaces;

import io.micronaut.core.annotation.Nullable;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/**
 * A Log Analytics workspace as the management plane defines it, with its cluster link: {@code clusterResourceId}
 * once a link completed, {@code pending} while a link or unlink operation runs (at most one at a time).
 * {@code subscriptionId}, {@code resourceGroup} and {@code name} are as first created.
 */
record Workspace(UUID customerId, String subscriptionId, String resourceGroup, String name, String location, String tenantId,
                 String sku, int retentionInDays, Map<String, String> tags, @Nullable String clusterResourceId,
                 @Nullable Pending pending, Instant createdAt, Instant modifiedAt, @Nullable Instant deletedAt) {

    static final String TYPE = "Microsoft.OperationalInsights/workspaces";
    static final String PROVIDER = "Microsoft.OperationalInsights";
    /** The one linked service Keyward knows: the workspace's dedicated cluster (writeAccessResourceId). */
    static final String CLUSTER_LINK = "cluster";

    Workspace {
        tags = Map.copyOf(tags);
    }

    /** The link or unlink operation in progress: its kind, the cluster it is about, and its async operation. */
    record Pending(LinkKind kind, String clusterResourceId, UUID operationId) {
    }

    enum LinkKind {
        LINK("link"), UNLINK("unlink");

        private final String stored;

        LinkKind(String stored) {
            this.stored = stored;
        }

        String stored() {
            return stored;
        }

        static LinkKind ofStored(String s) {
            return s.equals("link") ? LINK : UNLINK;
        }
    }

    String id() {
        return idOf(subscriptionId, resourceGroup, name);
    }

    String linkedServiceId() {
        return id() + "/linkedServices/" + CLUSTER_LINK;
    }

    static String idOf(String subscriptionId, String resourceGroup, String name) {
        return "/subscriptions/" + subscriptionId + "/resourceGroups/" + resourceGroup + "/providers/" + TYPE + "/" + name;
    }

    boolean deleted() {
        return deletedAt != null;
    }

    Workspace withLink(@Nullable String cluster, @Nullable Pending pending, String sku, Instant now) {
        return new Workspace(customerId, subscriptionId, resourceGroup, name, location, tenantId, sku, retentionInDays, tags,
                cluster, pending, createdAt, now, deletedAt);
    }
}
