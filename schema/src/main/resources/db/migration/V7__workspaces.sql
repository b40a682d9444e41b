-- Log Analytics workspaces (ARM Microsoft.OperationalInsights/workspaces) and their link to a dedicated cluster
-- (the linked service "cluster"). Clusters are the clusters capability's (V6); a workspace names its cluster by
-- resource id only, so either side can be soft-deleted without the other's foreign keys in the way.

-- One row per workspace, active or soft-deleted. Names are unique per subscription and resource group, case-
-- insensitively; a soft-deleted workspace keeps its name for 14 days (recovered by a PUT with the same location).
CREATE TABLE workspaces (
    customer_id          uuid        PRIMARY KEY,                -- the workspace's read-only customerId
    subscription_id      text        NOT NULL REFERENCES subscriptions,
    resource_group       text        NOT NULL,                   -- as first created; compared by lower()
    name                 text        NOT NULL,                   -- as first created; compared by lower()
    location             text        NOT NULL,
    tenant_id            text        NOT NULL,
    sku                  text        NOT NULL,
    retention_in_days    integer     NOT NULL CHECK (retention_in_days BETWEEN 30 AND 730),
    tags                 jsonb       NOT NULL DEFAULT '{}',
    cluster_resource_id  text,                                   -- the linked cluster, set once a link completed
    -- The link or unlink operation in progress on this workspace, if any: at most one at a time.
    pending_kind         text        CHECK (pending_kind IN ('link', 'unlink')),
    pending_cluster_id   text,
    pending_operation_id uuid,
    created_at           timestamptz NOT NULL,
    modified_at          timestamptz NOT NULL,
    deleted_at           timestamptz,                            -- set while soft-deleted
    CHECK ((pending_kind IS NULL) = (pending_operation_id IS NULL)),
    CHECK ((pending_kind IS NULL) = (pending_cluster_id IS NULL))
);
CREATE UNIQUE INDEX workspaces_name_key ON workspaces (subscription_id, lower(resource_group), lower(name));
CREATE INDEX workspaces_by_subscription ON workspaces (subscription_id, lower(resource_group), lower(name)) WHERE deleted_at IS NULL;
-- "How many workspaces are linked, or being linked, to this cluster?" (at most 1000) and the cluster's delete.
CREATE INDEX workspaces_by_cluster ON workspaces (lower(cluster_resource_id)) WHERE cluster_resource_id IS NOT NULL;
CREATE INDEX workspaces_by_pending_cluster ON workspaces (lower(pending_cluster_id)) WHERE pending_kind = 'link';

-- Every link operation started, for the documented limit of two link operations per workspace in 30 days. A link
-- that fails is removed again: only links that happened, or are happening, count.
CREATE TABLE workspace_link_events (
    operation_id        uuid        PRIMARY KEY,
    customer_id         uuid        NOT NULL REFERENCES workspaces ON DELETE CASCADE,
    cluster_resource_id text        NOT NULL,
    started_at          timestamptz NOT NULL
);
CREATE INDEX workspace_link_events_by_workspace ON workspace_link_events (customer_id, started_at);
