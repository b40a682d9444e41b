-- Vault outages (issue 5, docs/data-plane-outages.md). A key whose vault cannot be reached (connection refused, time
-- out, 5xx) is 'Unavailable' from the first failed unwrap (unavailable_since, database clock) until an unwrap works
-- again. Within keyward.keyhealth.outage-grace the data plane keeps using the cached AEK; beyond it, queries on the
-- cluster's data fail and ingestion is sealed under the workspace's platform AEK and marked pending for the cluster,
-- to be re-sealed under the cluster's AEK once the vault answers again. Revocation (4xx) stays 'Revoked'.

ALTER TABLE cmk_key_health DROP CONSTRAINT cluster_key_health_key_state_check;
ALTER TABLE cmk_key_health ADD CONSTRAINT cmk_key_health_key_state_check
    CHECK (key_state IN ('Accessible', 'Revoked', 'Unknown', 'Unavailable'));
ALTER TABLE cmk_key_health ADD COLUMN unavailable_since timestamptz;
COMMENT ON COLUMN cmk_key_health.unavailable_since IS 'first failed unwrap of the current outage (vault unreachable or 5xx); null otherwise';

-- A block ingested for a cluster while its vault was out: sealed under the workspace's platform AEK (key_kind
-- 'platform'), owed to the cluster. Cleared in the same transaction that re-seals it under the cluster's AEK.
ALTER TABLE data_blocks ADD COLUMN pending_cluster_id uuid;
ALTER TABLE data_blocks ADD CONSTRAINT data_blocks_pending_under_platform
    CHECK (pending_cluster_id IS NULL OR key_kind = 'platform');
COMMENT ON COLUMN data_blocks.pending_cluster_id IS 'set while the block waits, under the platform key, for its cluster''s vault';
CREATE INDEX data_blocks_pending ON data_blocks (pending_cluster_id) WHERE pending_cluster_id IS NOT NULL;
