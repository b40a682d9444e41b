-- Azure RBAC (Microsoft.Authorization): custom role definitions and role assignments. Built-in roles live in code
-- (authorization.BuiltInRoles, with Azure's published ids), so they cannot be changed or deleted, as in Azure.

-- A custom role, defined in one subscription (its id is read as /subscriptions/{s}/providers/.../roleDefinitions/{id}).
CREATE TABLE role_definitions (
    id                uuid        PRIMARY KEY,
    subscription_id   text        NOT NULL REFERENCES subscriptions,
    role_name         text        NOT NULL,
    description       text        NOT NULL DEFAULT '',
    -- [{"actions":[..],"notActions":[..],"dataActions":[..],"notDataActions":[..]}]
    permissions       jsonb       NOT NULL,
    assignable_scopes jsonb       NOT NULL,           -- ["/subscriptions/{s}", "/subscriptions/{s}/resourceGroups/{g}"]
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL,
    created_by        text,
    updated_by        text
);
-- Azure: role names are unique within a tenant's custom roles; here within the subscription that defines them.
CREATE UNIQUE INDEX role_definitions_name ON role_definitions (subscription_id, lower(role_name));

-- One grant of a role to a principal at a scope: a subscription, a resource group or a resource (nested resources
-- too); it applies at that scope and to everything below it.
CREATE TABLE role_assignments (
    id                 uuid        PRIMARY KEY,       -- the assignment's name (a GUID the caller picks)
    subscription_id    text        NOT NULL REFERENCES subscriptions,
    scope              text        NOT NULL,          -- as given, without a trailing slash; compared by lower(scope)
    role_definition_id uuid        NOT NULL,          -- a built-in role's id or role_definitions.id
    principal_id       uuid        NOT NULL,
    principal_type     text        NOT NULL CHECK (principal_type IN ('User', 'Group', 'ServicePrincipal', 'ForeignGroup', 'Device')),
    description        text,
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL,
    created_by         text,
    updated_by         text
);
-- Azure refuses a second assignment of the same role to the same principal at the same scope (RoleAssignmentExists).
CREATE UNIQUE INDEX role_assignments_grant ON role_assignments (lower(scope), role_definition_id, principal_id);
-- Every check reads one principal's assignments in one subscription.
CREATE INDEX role_assignments_principal ON role_assignments (principal_id, subscription_id);
CREATE INDEX role_assignments_subscription ON role_assignments (subscription_id, lower(scope));

-- Before this version every principal of the tenant that owned a subscription could do anything in it. So that an
-- upgrade locks nobody out, each existing service principal and user of that tenant becomes the subscription's Owner
-- through an ordinary role assignment, visible in the list and removable. Managed identities get nothing (as Azure).
INSERT INTO role_assignments (id, subscription_id, scope, role_definition_id, principal_id, principal_type, description,
                              created_at, updated_at)
SELECT md5(s.subscription_id || '/' || p.object_id::text)::uuid, s.subscription_id, '/subscriptions/' || s.subscription_id,
       '8e3af657-a8ff-443c-a75c-2fe8c4bcb635', p.object_id,
       CASE p.type WHEN 'USER' THEN 'User' ELSE 'ServicePrincipal' END,
       'Owner from the tenant-wide access before role-based authorization', now(), now()
FROM subscriptions s JOIN identity_principals p ON p.tenant_id = s.tenant_id
WHERE p.type <> 'MANAGED_IDENTITY';
