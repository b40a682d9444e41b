-- The encrypted data plane (issue 5): records of a workspace's tables, grouped into blocks sealed with crypto-hsm's
-- Envelope (BlockFormat V1: one HKDF-derived DEK per block, AAD bound to "<workspace resource id>/<table>" and the
-- block id). A block names the key it is under: the workspace's platform AEK, or its linked cluster's AEK.

-- The platform AEK of a workspace not linked to a cluster, stored only wrapped (RSA-OAEP) by the platform KEK in the HSM.
CREATE TABLE workspace_platform_aeks (
    customer_id   uuid        PRIMARY KEY,              -- the workspace's customerId (the data plane's workspace id)
    kek_name      text        NOT NULL,                 -- HSM key name (CKA_LABEL), keyward/platform-kek
    kek_version   text        NOT NULL,                 -- HSM key version (CKA_ID, 32 hex)
    wrapped_aek   bytea       NOT NULL,
    created_at    timestamptz NOT NULL
);

CREATE TABLE data_blocks (
    block_id              uuid        PRIMARY KEY,
    customer_id           uuid        NOT NULL,         -- the workspace's customerId
    workspace_resource_id text        NOT NULL,         -- as first created; part of the block's AAD
    table_name            text        NOT NULL,
    min_time_generated    timestamptz NOT NULL,
    max_time_generated    timestamptz NOT NULL,
    record_count          integer     NOT NULL CHECK (record_count > 0),
    key_kind              text        NOT NULL CHECK (key_kind IN ('platform', 'cluster')),
    cluster_id            uuid,                         -- clusters.cluster_id, when key_kind = 'cluster'
    aek_version           integer,                      -- the Envelope AEK version, when key_kind = 'cluster'
    sealed                bytea       NOT NULL,
    created_at            timestamptz NOT NULL,
    CHECK ((key_kind = 'cluster') = (cluster_id IS NOT NULL)),
    CHECK ((key_kind = 'cluster') = (aek_version IS NOT NULL)),
    CHECK (min_time_generated <= max_time_generated)
);
-- Query: a table of a workspace in a time range, newest first.
CREATE INDEX data_blocks_by_time ON data_blocks (customer_id, table_name, max_time_generated DESC);

-- Records refused because the cluster's key could not be used (the docs: ingestion is dropped, and counted).
CREATE TABLE data_dropped_records (
    customer_id  uuid        NOT NULL,
    table_name   text        NOT NULL,
    dropped      bigint      NOT NULL,
    last_reason  text        NOT NULL,
    updated_at   timestamptz NOT NULL,
    PRIMARY KEY (customer_id, table_name)
);
