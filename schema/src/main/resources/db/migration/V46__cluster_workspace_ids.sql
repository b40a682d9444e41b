-- The linked workspace's immutable id (its customerId), for a cluster's associatedWorkspaces[].workspaceId. Links made
-- before this migration take it from the workspace they name (a one-time backfill; the clusters package reads only
-- this column afterwards).
ALTER TABLE cluster_workspaces ADD COLUMN workspace_customer_id uuid;

UPDATE cluster_workspaces cw SET workspace_customer_id = w.customer_id
FROM workspaces w
WHERE cw.workspace_key = lower('/subscriptions/' || w.subscription_id || '/resourceGroups/' || w.resource_group
                               || '/providers/Microsoft.OperationalInsights/workspaces/' || w.name);
