-- Key health (issue 5): what the KeyHealth_Poll timer last saw of each cluster's customer key. A row appears when the
-- poller first finds a cluster with a wrapped AEK (cluster_aeks); the data plane refuses a cluster whose state is
-- 'Revoked' without calling the vault.
CREATE TABLE cluster_key_health (
    cluster_id             uuid        PRIMARY KEY REFERENCES clusters ON DELETE CASCADE,
    key_state              text        NOT NULL CHECK (key_state IN ('Accessible', 'Revoked', 'Unknown')),
    last_successful_unwrap timestamptz,
    last_error             text,
    last_checked_at        timestamptz,
    next_check_at          timestamptz NOT NULL,
    -- a poller's claim; expired leases are claimable again (the database clock decides)
    lease_owner            text,
    lease_expires_at       timestamptz
);
CREATE INDEX cluster_key_health_due ON cluster_key_health (next_check_at);
