-- One row per function host instance, upserted by the Host_Heartbeat timer.
-- It answers "which instances are alive and can they reach the HSM?" without calling each instance.
CREATE TABLE host_heartbeat (
    instance_id text        PRIMARY KEY,
    last_beat   timestamptz NOT NULL,
    hsm_token   text,                 -- token label seen by the last probe; null when the probe failed
    hsm_ok      boolean     NOT NULL,
    detail      text                  -- short, secret-free reason when hsm_ok is false
);
