-- Key Vault keys (data plane) over the HSM. Key material lives only in the HSM: these tables hold what Key Vault
-- shows about a key (attributes, tags, key_ops, the public half) and where its versions are in the token.
-- vault_id is the vault's ARM resource id as B's vaults table holds it; no foreign key, because a vault's keys
-- outlive its soft delete and are purged only on B's VaultPurged event.

-- One row per key name in a vault. Key names are case-insensitive in Key Vault: name_key is the lower-case form
-- the row is found by, name the spelling of the first create.
CREATE TABLE vault_keys (
    vault_id            text        NOT NULL,
    name_key            text        NOT NULL,
    name                text        NOT NULL,
    hsm_label           text        NOT NULL,   -- CKA_LABEL of every version in the token
    latest_version      text        NOT NULL,
    deleted_at          timestamptz,            -- soft-deleted when set; the name stays reserved until purged
    scheduled_purge_at  timestamptz,
    PRIMARY KEY (vault_id, name_key)
);

CREATE INDEX vault_keys_deleted ON vault_keys (vault_id, deleted_at);

-- One row per version; attributes, tags and key_ops are per version in Key Vault.
CREATE TABLE vault_key_versions (
    vault_id     text        NOT NULL,
    name_key     text        NOT NULL,
    version      text        NOT NULL,      -- the token object's CKA_ID, 32 hex digits
    kty          text        NOT NULL,      -- RSA-HSM | oct-HSM
    key_size     integer     NOT NULL,
    key_ops      text[]      NOT NULL,
    enabled      boolean     NOT NULL,
    not_before   timestamptz,
    expires      timestamptz,
    tags         jsonb       NOT NULL DEFAULT '{}'::jsonb,
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    rsa_modulus  bytea,                     -- public half, kept so that reads never need the HSM
    rsa_exponent bytea,
    PRIMARY KEY (vault_id, name_key, version),
    FOREIGN KEY (vault_id, name_key) REFERENCES vault_keys (vault_id, name_key) ON DELETE CASCADE
);
