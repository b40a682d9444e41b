-- Key Vault's RBAC permission model (enableRbacAuthorization): such a vault authorizes its keys data plane by Azure
-- RBAC data actions (role_assignments at the vault or key scope) and keeps, but ignores, its access policies.
ALTER TABLE vaults ADD COLUMN enable_rbac_authorization boolean NOT NULL DEFAULT false;
