-- One lifecycle for every resource with a customer-managed key (issue 10): Log Analytics clusters, Data Explorer
-- clusters and HPC caches were three tables with the same columns written by three copies of the same code. They are
-- now rows of one table, owned by the engine (engine.KeyedResources); each surface keeps only what is its own in
-- `properties` (a JSON object its code reads and writes whole) and in its child tables. The wrapped AEK stays in
-- cmk_aeks and the key health in cmk_key_health, keyed by the same uuid.

CREATE TABLE cmk_resources (
    resource_uuid    uuid        PRIMARY KEY,            -- a Log Analytics clusterId, a Kusto cluster's or a cache's uuid
    resource_type    text        NOT NULL,               -- Microsoft.OperationalInsights/clusters, Microsoft.Kusto/clusters, ...
    subscription_id  text        NOT NULL REFERENCES subscriptions,
    resource_group   text        NOT NULL,               -- as first created; compared by lower()
    name             text        NOT NULL,               -- as first created; compared by lower()
    location         text        NOT NULL,               -- as given; compared without case and spaces
    tenant_id        text        NOT NULL,
    -- the system-assigned identity: a MANAGED_IDENTITY principal (identity_principals) in tenant_id; null: none
    principal_id     uuid,
    -- the lifecycle: Creating (until the surface says it is ready), Succeeded, Updating (a key update runs), Deleting
    -- (an asynchronous delete runs), Failed (the last operation failed; the resource accepts the next request)
    phase            text        NOT NULL CHECK (phase IN ('Creating', 'Succeeded', 'Updating', 'Deleting', 'Failed')),
    -- the customer's key as configured (vault URI https://host[:port]/, key name, version; '' = follow the latest);
    -- whether it is bound is whether cmk_aeks holds the resource's AEK
    key_vault_uri    text,
    key_name         text,
    key_version      text,
    properties       jsonb       NOT NULL DEFAULT '{}',
    tags             jsonb       NOT NULL DEFAULT '{}',
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    deleted_at       timestamptz,                        -- soft-deleted (surfaces that keep deleted names)
    purge_at         timestamptz,                        -- the name is reserved until then
    CHECK ((deleted_at IS NULL) = (purge_at IS NULL)),
    CHECK ((key_vault_uri IS NULL) = (key_name IS NULL)),
    CHECK (key_vault_uri IS NULL OR principal_id IS NOT NULL)
);
CREATE UNIQUE INDEX cmk_resources_name ON cmk_resources (resource_type, subscription_id, lower(resource_group), lower(name));
CREATE INDEX cmk_resources_listing ON cmk_resources (resource_type, subscription_id, resource_uuid) WHERE deleted_at IS NULL;
CREATE INDEX cmk_resources_purge ON cmk_resources (purge_at) WHERE deleted_at IS NOT NULL;

INSERT INTO cmk_resources (resource_uuid, resource_type, subscription_id, resource_group, name, location, tenant_id, principal_id,
                           phase, key_vault_uri, key_name, key_version, properties, tags, created_at, updated_at, deleted_at, purge_at)
SELECT cluster_id, 'Microsoft.OperationalInsights/clusters', subscription_id, resource_group, name, location, tenant_id, principal_id,
       CASE provisioning_state WHEN 'Updating' THEN 'Updating' WHEN 'Failed' THEN 'Failed' WHEN 'Canceled' THEN 'Failed'
            WHEN 'Deleting' THEN 'Deleting' WHEN 'Creating' THEN 'Creating' WHEN 'ProvisioningAccount' THEN 'Creating'
            ELSE 'Succeeded' END,
       key_vault_uri, key_name, key_version,
       jsonb_strip_nulls(jsonb_build_object('capacity', sku_capacity, 'billingType', billing_type,
           'lastSkuUpdate', to_char(last_sku_update AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'keyRsaSize', key_rsa_size)),
       tags, created_at, updated_at, deleted_at, scheduled_purge_at
  FROM clusters;

INSERT INTO subscriptions (subscription_id, tenant_id)
SELECT DISTINCT subscription_id, tenant_id FROM kusto_clusters ON CONFLICT DO NOTHING;

INSERT INTO cmk_resources (resource_uuid, resource_type, subscription_id, resource_group, name, location, tenant_id, principal_id,
                           phase, key_vault_uri, key_name, key_version, properties, tags, created_at, updated_at)
SELECT cluster_uuid, 'Microsoft.Kusto/clusters', subscription_id, resource_group, name, location, tenant_id, principal_id,
       CASE WHEN state = 'Updating' THEN 'Updating' WHEN state = 'Deleting' THEN 'Deleting'
            WHEN provisioning_state = 'Failed' THEN 'Failed' ELSE 'Succeeded' END,
       key_vault_uri, key_name, key_version,
       jsonb_build_object('sku', jsonb_build_object('name', sku_name, 'tier', sku_tier, 'capacity', sku_capacity),
           'stopped', state = 'Stopped'),
       tags, created_at, updated_at
  FROM kusto_clusters;

INSERT INTO cmk_resources (resource_uuid, resource_type, subscription_id, resource_group, name, location, tenant_id, principal_id,
                           phase, key_vault_uri, key_name, key_version, properties, tags, created_at, updated_at)
SELECT cache_uuid, 'Microsoft.StorageCache/caches', subscription_id, resource_group, name, location, tenant_id, principal_id,
       provisioning_state,
       CASE WHEN k IS NULL THEN NULL ELSE 'https://' || lower(k[1]) || '/' END,
       k[2],
       CASE WHEN k IS NULL THEN NULL WHEN rotation_to_latest THEN '' ELSE lower(coalesce(k[3], '')) END,
       jsonb_strip_nulls(jsonb_build_object('skuName', sku_name, 'cacheSizeGb', cache_size_gb, 'subnet', subnet,
           'keyUrl', key_url, 'sourceVaultId', source_vault_id, 'rotationToLatest', rotation_to_latest,
           'healthState', health_state, 'statusDescription', status_description,
           'authorizedAt', to_char(authorized_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
           'createOperationId', create_operation_id)),
       tags, created_at, updated_at
  FROM (SELECT *, regexp_match(key_url, '^https://([^/]+)/keys/([^/]+)(?:/([^/]*))?/?$', 'i') AS k FROM hpc_caches) c;

ALTER TABLE cluster_workspaces DROP CONSTRAINT cluster_workspaces_cluster_id_fkey;
ALTER TABLE cluster_workspaces ADD FOREIGN KEY (cluster_id) REFERENCES cmk_resources ON DELETE CASCADE;
ALTER TABLE kusto_attached_database_configurations DROP CONSTRAINT kusto_attached_database_configurations_follower_uuid_fkey;
ALTER TABLE kusto_attached_database_configurations ADD FOREIGN KEY (follower_uuid) REFERENCES cmk_resources ON DELETE CASCADE;

DROP TABLE clusters;
DROP TABLE kusto_clusters;
DROP TABLE hpc_caches;

-- Key updates and deletes of the three surfaces are one kind each now (cmk.updateKey, cmk.delete) with another payload:
-- operations of the old kinds still running cannot be resumed. They end Failed, and their resources accept requests again.
UPDATE cmk_resources SET phase = CASE WHEN phase = 'Deleting' THEN 'Failed' ELSE 'Succeeded' END
 WHERE phase IN ('Updating', 'Deleting');
UPDATE async_operations SET status = 'Failed', end_time = clock_timestamp(), lease_owner = NULL, lease_expires_at = NULL,
       error_code = 'InternalServerError',
       error_message = 'The operation was interrupted by an upgrade of the service and did not complete. Send the request again.',
       updated_at = clock_timestamp()
 WHERE end_time IS NULL AND kind IN ('clusters.updateKey', 'kusto.updateKey', 'kusto.delete', 'caches.delete');
-- an HPC cache's create (it waits for its key) is the engine's asynchronous create now
UPDATE async_operations SET kind = 'cmk.create' WHERE kind = 'caches.create';
