-- The CMK core shared by every surface (Log Analytics clusters, Data Explorer clusters, HPC caches): one wrapped AEK
-- and one key-health row per encrypted resource, whatever its resource type. The rows carry what unwrapping needs
-- (the resource's tenant and system-assigned identity), so neither the poller nor the data plane reads a surface's
-- own table. Surfaces keep them in step: a soft-deleted or stopped resource is not active (not polled); purging a
-- resource deletes its AEK row first (crypto-shredding).

ALTER TABLE cluster_aeks RENAME TO cmk_aeks;
ALTER INDEX cluster_aeks_pkey RENAME TO cmk_aeks_pkey;
ALTER TABLE cmk_aeks RENAME COLUMN cluster_id TO resource_uuid;
ALTER TABLE cmk_aeks DROP CONSTRAINT cluster_aeks_cluster_id_fkey;
ALTER TABLE cmk_aeks
    ADD COLUMN resource_kind  text,
    ADD COLUMN resource_name  text,
    ADD COLUMN tenant_id      text,
    ADD COLUMN principal_id   uuid,
    ADD COLUMN follows_latest boolean NOT NULL DEFAULT false,
    ADD COLUMN active         boolean NOT NULL DEFAULT true;
UPDATE cmk_aeks a SET resource_kind = 'Microsoft.OperationalInsights/clusters', resource_name = c.name, tenant_id = c.tenant_id,
    principal_id = c.principal_id, follows_latest = coalesce(c.key_version, '') = '', active = c.deleted_at IS NULL
    FROM clusters c WHERE c.cluster_id = a.resource_uuid;
ALTER TABLE cmk_aeks
    ALTER COLUMN resource_kind SET NOT NULL,
    ALTER COLUMN resource_name SET NOT NULL,
    ALTER COLUMN tenant_id SET NOT NULL,
    ALTER COLUMN principal_id SET NOT NULL;
COMMENT ON COLUMN cmk_aeks.resource_kind IS 'ARM resource type, e.g. Microsoft.Kusto/clusters';
COMMENT ON COLUMN cmk_aeks.follows_latest IS 'keyVersion was empty: the key-health poller re-wraps under a newer enabled version';
COMMENT ON COLUMN cmk_aeks.active IS 'false while the resource is soft-deleted or stopped: not polled';

ALTER TABLE cluster_key_health RENAME TO cmk_key_health;
ALTER INDEX cluster_key_health_pkey RENAME TO cmk_key_health_pkey;
ALTER INDEX cluster_key_health_due RENAME TO cmk_key_health_due;
ALTER TABLE cmk_key_health RENAME COLUMN cluster_id TO resource_uuid;
ALTER TABLE cmk_key_health DROP CONSTRAINT cluster_key_health_cluster_id_fkey;
