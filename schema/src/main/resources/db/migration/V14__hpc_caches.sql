-- Azure HPC Cache (ARM Microsoft.StorageCache/caches): a thin surface over the CMK core. The cache's AEK (its
-- "encrypted disks") lives in cmk_aeks, keyed by cache_uuid, and only from the moment the customer authorized the
-- cache's identity on the key vault; until then the cache waits for its key (health WaitingForKey), and a cache not
-- authorized within keyward.hpccache.authorize-timeout (the docs: 90 minutes) fails. Deleting a cache shreds its AEK.
CREATE TABLE hpc_caches (
    cache_uuid          uuid        PRIMARY KEY,
    subscription_id     text        NOT NULL REFERENCES subscriptions,
    resource_group      text        NOT NULL,            -- as first created; compared by lower()
    name                text        NOT NULL,            -- as first created; compared by lower()
    location            text        NOT NULL,            -- as given; compared without case and spaces
    tenant_id           text        NOT NULL,
    -- the system-assigned identity: a MANAGED_IDENTITY principal (identity_principals) in tenant_id
    principal_id        uuid        NOT NULL,
    sku_name            text        NOT NULL,
    cache_size_gb       integer     NOT NULL CHECK (cache_size_gb > 0),
    subnet              text        NOT NULL,
    -- encryptionSettings as given (both null: Microsoft-managed keys, nothing in cmk_aeks)
    key_url             text,
    source_vault_id     text,
    rotation_to_latest  boolean     NOT NULL DEFAULT false,
    provisioning_state  text        NOT NULL CHECK (provisioning_state IN ('Creating', 'Succeeded', 'Failed', 'Deleting')),
    health_state        text        NOT NULL CHECK (health_state IN ('Transitioning', 'WaitingForKey', 'Healthy', 'StartFailed')),
    status_description  text        NOT NULL,
    tags                jsonb       NOT NULL DEFAULT '{}',
    created_at          timestamptz NOT NULL,            -- the authorization window starts here
    updated_at          timestamptz NOT NULL,
    authorized_at       timestamptz,                     -- when the key vault access was authorized
    create_operation_id uuid,                            -- the PUT's async operation (async_operations.id)
    CHECK ((key_url IS NULL) = (source_vault_id IS NULL))
);
CREATE UNIQUE INDEX hpc_caches_name_key ON hpc_caches (subscription_id, lower(resource_group), lower(name));
-- the Caches_FailUnauthorized timer's query
CREATE INDEX hpc_caches_waiting ON hpc_caches (created_at) WHERE health_state = 'WaitingForKey' AND provisioning_state = 'Creating';
