-- Key Vault management plane (ARM Microsoft.KeyVault/vaults).

-- Each subscription belongs to the tenant that first created a resource in it; callers of any other tenant are
-- refused everything in it (403 AuthorizationFailed). Subscriptions are implicit: there is no way to create one.
CREATE TABLE subscriptions (
    subscription_id text        PRIMARY KEY CHECK (subscription_id = lower(subscription_id)),
    tenant_id       text        NOT NULL,
    registered_at   timestamptz NOT NULL DEFAULT now()
);

-- One row per vault name, active or soft-deleted: vault names are global DNS labels, and a soft-deleted vault
-- keeps its name until it is purged (or recovered). Purge and hard delete remove the row.
CREATE TABLE vaults (
    name                       text        NOT NULL,            -- as first created; compared by lower(name)
    subscription_id            text        NOT NULL REFERENCES subscriptions,
    resource_group             text        NOT NULL,            -- as first created; compared by lower()
    location                   text        NOT NULL,
    tenant_id                  text        NOT NULL,
    sku                        text        NOT NULL CHECK (sku IN ('standard', 'premium')),
    soft_delete_enabled        boolean     NOT NULL,
    soft_delete_retention_days integer     NOT NULL CHECK (soft_delete_retention_days BETWEEN 7 AND 90),
    purge_protection_enabled   boolean     NOT NULL,
    -- [{"tenantId":..,"objectId":..,"keys":["get","wrapKey",..]}]: always read and written whole, with the vault
    access_policies            jsonb       NOT NULL DEFAULT '[]',
    tags                       jsonb       NOT NULL DEFAULT '{}',
    created_at                 timestamptz NOT NULL,
    updated_at                 timestamptz NOT NULL,
    deleted_at                 timestamptz,                     -- set while soft-deleted
    scheduled_purge_at         timestamptz,                     -- deleted_at + retention days
    CHECK ((deleted_at IS NULL) = (scheduled_purge_at IS NULL)),
    CHECK (soft_delete_enabled OR NOT purge_protection_enabled)
);
CREATE UNIQUE INDEX vaults_name_key ON vaults (lower(name));
CREATE INDEX vaults_active_by_group ON vaults (subscription_id, lower(resource_group), lower(name)) WHERE deleted_at IS NULL;
CREATE INDEX vaults_active_by_subscription ON vaults (subscription_id, lower(name)) WHERE deleted_at IS NULL;
CREATE INDEX vaults_deleted_by_subscription ON vaults (subscription_id, lower(name)) WHERE deleted_at IS NOT NULL;
