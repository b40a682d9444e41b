-- Retention (issue 5): the indexes the Retention_Purge timer's bounded batches use. No new table: the purge keeps no
-- state of its own, every step is idempotent and is found again from the rows it has not removed yet.

-- "Blocks of this workspace whose newest record is older than its retention" (the retention purge), and "every block
-- of this workspace" (purge of a deleted workspace).
CREATE INDEX data_blocks_by_age ON data_blocks (customer_id, max_time_generated);
-- "Every block under this cluster's AEK" (purge of a deleted cluster, after its AEK was shredded).
CREATE INDEX data_blocks_by_cluster ON data_blocks (cluster_id) WHERE cluster_id IS NOT NULL;
-- "Soft-deleted clusters past their purge date".
CREATE INDEX clusters_purge_due ON clusters (scheduled_purge_at) WHERE deleted_at IS NOT NULL;
-- "Soft-deleted workspaces past their 14 days".
CREATE INDEX workspaces_purge_due ON workspaces (deleted_at) WHERE deleted_at IS NOT NULL;
