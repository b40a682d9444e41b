-- Microsoft.ManagedIdentity/userAssignedIdentities: a user-assigned managed identity is an ARM resource of its own,
-- backed by a MANAGED_IDENTITY principal (identity_principals, the identity package's) that outlives any resource it
-- is assigned to. Deleting the identity deletes its principal: whatever reached a key as it is refused from then on.
CREATE TABLE user_assigned_identities (
    principal_id    uuid        PRIMARY KEY,          -- the object id vaults and role assignments name
    client_id       uuid        NOT NULL UNIQUE,
    tenant_id       text        NOT NULL,
    subscription_id text        NOT NULL,
    resource_group  text        NOT NULL,
    name            text        NOT NULL,
    location        text        NOT NULL,
    tags            jsonb       NOT NULL DEFAULT '{}',
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL
);
CREATE UNIQUE INDEX user_assigned_identities_name ON user_assigned_identities (subscription_id, lower(resource_group), lower(name));
