-- Azure Monitor dedicated clusters (ARM Microsoft.OperationalInsights/clusters), the CMK resource provider's root.

-- One row per cluster, active or soft-deleted. A deleted cluster keeps its name (within its subscription and
-- resource group) for 14 days, as Azure Monitor does, and can be recovered until then; a create after that date
-- removes the expired row first. cluster_id is the wire's read-only clusterId.
CREATE TABLE clusters (
    cluster_id         uuid        PRIMARY KEY,
    subscription_id    text        NOT NULL REFERENCES subscriptions,
    resource_group     text        NOT NULL,            -- as first created; compared by lower()
    name               text        NOT NULL,            -- as first created; compared by lower()
    location           text        NOT NULL,            -- as given; compared without case and spaces
    tenant_id          text        NOT NULL,
    -- the system-assigned identity: a MANAGED_IDENTITY principal (identity_principals) in tenant_id
    principal_id       uuid        NOT NULL,
    sku_capacity       bigint      NOT NULL,
    billing_type       text        NOT NULL CHECK (billing_type IN ('Cluster', 'Workspaces')),
    provisioning_state text        NOT NULL CHECK (provisioning_state IN ('Creating', 'Succeeded', 'Failed', 'Canceled',
                                                                          'Deleting', 'ProvisioningAccount', 'Updating')),
    -- keyVaultProperties as the customer last set them successfully; key_version '' = always the latest version
    key_vault_uri      text,
    key_name           text,
    key_version        text,
    key_rsa_size       integer,
    tags               jsonb       NOT NULL DEFAULT '{}',
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL,
    last_sku_update    timestamptz NOT NULL,            -- a capacity decrease waits 30 days after it
    deleted_at         timestamptz,
    scheduled_purge_at timestamptz,
    CHECK ((deleted_at IS NULL) = (scheduled_purge_at IS NULL)),
    CHECK ((key_vault_uri IS NULL) = (key_name IS NULL))
);
CREATE UNIQUE INDEX clusters_name_key ON clusters (subscription_id, lower(resource_group), lower(name));
CREATE INDEX clusters_active_by_subscription ON clusters (subscription_id, cluster_id) WHERE deleted_at IS NULL;

-- Workspaces linked to a cluster (written by the workspaces capability through ClusterService).
CREATE TABLE cluster_workspaces (
    cluster_id        uuid        NOT NULL REFERENCES clusters ON DELETE CASCADE,
    workspace_key     text        NOT NULL CHECK (workspace_key = lower(workspace_key)),  -- lower(resource id)
    workspace_id      text        NOT NULL,            -- the resource id as the link named it
    associated_at     timestamptz NOT NULL,
    PRIMARY KEY (cluster_id, workspace_key)
);

-- The cluster's account encryption key (AEK), stored ONLY wrapped by the customer's key (RSA-OAEP in their vault,
-- called as the cluster's identity), with the exact key version that wrapped it. A key update re-wraps the same
-- AEK under the new version; the plaintext never reaches the database.
CREATE TABLE cluster_aeks (
    cluster_id    uuid        PRIMARY KEY REFERENCES clusters ON DELETE CASCADE,
    key_id        text        NOT NULL,                -- versioned key identifier (kid) that wrapped it
    key_version   text        NOT NULL,                -- resolved version, even when the cluster follows the latest
    algorithm     text        NOT NULL CHECK (algorithm = 'RSA-OAEP'),
    wrapped_aek   bytea       NOT NULL,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL
);
