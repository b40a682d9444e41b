-- A workspace's linked storage accounts (ARM Microsoft.OperationalInsights/workspaces/linkedStorageAccounts) and its
-- saved searches (workspaces/savedSearches). A workspace links at most one account per data source type (the
-- primary key). A saved search's content is sealed like a data-plane block (a DEK derived from an AEK, AES-256-GCM,
-- the owner workspace, the key and the row's id in the AAD): under the AEK of the storage account linked for Query
-- when that account has a customer-managed key (key_kind 'storage'), else under the workspace's platform AEK.

CREATE TABLE workspace_linked_storage_accounts (
    workspace_customer_id  uuid        NOT NULL,
    data_source_type       text        NOT NULL CHECK (data_source_type IN ('Query', 'Alerts')),
    storage_account_id     text        NOT NULL,
    storage_account_uuid   uuid        NOT NULL,
    created_at             timestamptz NOT NULL,
    PRIMARY KEY (workspace_customer_id, data_source_type)
);
COMMENT ON COLUMN workspace_linked_storage_accounts.storage_account_id IS 'the resource id as the account was created';

CREATE TABLE workspace_saved_searches (
    search_uuid            uuid        PRIMARY KEY,
    workspace_customer_id  uuid        NOT NULL,
    name                   text        NOT NULL,
    etag                   text        NOT NULL,
    key_kind               text        NOT NULL CHECK (key_kind IN ('platform', 'storage')),
    storage_account_uuid   uuid,
    sealed                 bytea       NOT NULL,
    created_at             timestamptz NOT NULL,
    updated_at             timestamptz NOT NULL,
    CHECK ((key_kind = 'storage') = (storage_account_uuid IS NOT NULL))
);
COMMENT ON COLUMN workspace_saved_searches.sealed IS 'category, displayName, query, function alias and parameters, version, tags: JSON, sealed';
CREATE UNIQUE INDEX workspace_saved_searches_name ON workspace_saved_searches (workspace_customer_id, lower(name));
