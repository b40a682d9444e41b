-- Double encryption of Log Analytics clusters (issue 15): a cluster created with isDoubleEncryptionEnabled (the default)
-- seals its blocks twice. The inner layer is the block as before (BlockFormat V2 under the cluster's AEK, which the
-- customer's key wraps); the outer, infrastructure layer seals those bytes again (BlockFormat V2, key kind
-- 'infrastructure') under the cluster's infrastructure AEK, which Keyward's platform KEK in the HSM wraps. Reading needs
-- both keys; the flag on the row says which layers the stored bytes carry, and the inner layer binds it too, so a layer
-- stripped in the database does not open.

-- Each double-encrypted cluster's infrastructure AEK, stored only wrapped (RSA-OAEP) by the platform KEK.
CREATE TABLE cluster_infrastructure_aeks (
    cluster_id   uuid        PRIMARY KEY,              -- the cluster's clusterId
    kek_name     text        NOT NULL,                 -- HSM key name (CKA_LABEL), keyward/platform-kek
    kek_version  text        NOT NULL,                 -- HSM key version (CKA_ID, 32 hex)
    wrapped_aek  bytea       NOT NULL,
    created_at   timestamptz NOT NULL
);

ALTER TABLE data_blocks ADD COLUMN double_encrypted boolean NOT NULL DEFAULT false;
ALTER TABLE data_blocks ADD CONSTRAINT data_blocks_double_under_cluster CHECK (NOT double_encrypted OR key_kind = 'cluster');
COMMENT ON COLUMN data_blocks.double_encrypted IS 'the sealed bytes carry the outer layer under the cluster''s infrastructure AEK';
