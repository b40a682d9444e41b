-- Data Explorer (ARM Microsoft.Kusto/clusters): a thin surface over the CMK core. The cluster's AEK, wrapped by the
-- customer's key, lives in cmk_aeks (resource_kind 'Microsoft.Kusto/clusters', resource_uuid = cluster_uuid) and its key
-- health in cmk_key_health; this table keeps only what the ARM resource shows. Deleting a cluster shreds its cmk_aeks
-- row (Data Explorer has no soft delete of clusters).

CREATE TABLE kusto_clusters (
    cluster_uuid        uuid        PRIMARY KEY,
    subscription_id     text        NOT NULL,
    resource_group      text        NOT NULL,
    name                text        NOT NULL,
    location            text        NOT NULL,
    tenant_id           text        NOT NULL,
    principal_id        uuid,
    sku_name            text        NOT NULL,
    sku_tier            text        NOT NULL,
    sku_capacity        integer     NOT NULL,
    provisioning_state  text        NOT NULL,
    state               text        NOT NULL,
    key_vault_uri       text,
    key_name            text,
    key_version         text,
    tags                jsonb       NOT NULL DEFAULT '{}',
    created_at          timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL,
    CHECK (key_vault_uri IS NULL OR principal_id IS NOT NULL)
);
COMMENT ON COLUMN kusto_clusters.principal_id IS 'object id of the system-assigned identity; null for identity type None';
COMMENT ON COLUMN kusto_clusters.state IS 'Running or Stopped as the ARM operations left it; GET shows Unavailable while the key is revoked';
COMMENT ON COLUMN kusto_clusters.key_version IS 'empty: follow the latest version of the key';
-- cluster names are global in Azure (they make the DNS name); per subscription and group is enough here
CREATE UNIQUE INDEX kusto_clusters_name ON kusto_clusters (subscription_id, lower(resource_group), lower(name));

-- Microsoft.Kusto/clusters/{follower}/attachedDatabaseConfigurations/{name}: the follower cluster follows a database of
-- the leader (cluster_resource_id). Either side of such a relation refuses customer-managed keys.
CREATE TABLE kusto_attached_database_configurations (
    follower_uuid       uuid        NOT NULL REFERENCES kusto_clusters (cluster_uuid) ON DELETE CASCADE,
    name                text        NOT NULL,
    leader_resource_id  text        NOT NULL,
    leader_uuid         uuid        NOT NULL,
    database_name       text        NOT NULL,
    principals_kind     text        NOT NULL,
    created_at          timestamptz NOT NULL,
    PRIMARY KEY (follower_uuid, name)
);
CREATE UNIQUE INDEX kusto_attached_name ON kusto_attached_database_configurations (follower_uuid, lower(name));
CREATE INDEX kusto_attached_leader ON kusto_attached_database_configurations (leader_uuid);
