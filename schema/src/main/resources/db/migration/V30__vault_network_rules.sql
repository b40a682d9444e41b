-- Vault network rules (networkAcls, publicNetworkAccess), enforced on the vault's keys data plane by the caller's address.
-- network_acls is NULL when none were given (Azure answers without networkAcls then); public network access is on by default.
ALTER TABLE vaults ADD COLUMN network_acls jsonb;
ALTER TABLE vaults ADD COLUMN public_network_access boolean NOT NULL DEFAULT true;
