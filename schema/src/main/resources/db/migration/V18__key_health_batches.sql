-- Key health owns cmk_key_health alone (issue 10): it no longer reads cmk_aeks to find new resources, it hears of them
-- from the CMK core's events (a key bound: the row reset and due now; shredded: the row deleted; a resource stopped or
-- soft-deleted: not polled). What the core knew so far is copied once here. Batched checks (issue 10) and revocation
-- at once (issue 11) need two more times, both on the database clock.

ALTER TABLE cmk_key_health ADD COLUMN active boolean NOT NULL DEFAULT true;
COMMENT ON COLUMN cmk_key_health.active IS 'false while the resource is soft-deleted or stopped: not claimed by the poller';
-- when the poller last claimed the row; a refusal seen after it (refused_at) outranks that poll's older success
ALTER TABLE cmk_key_health ADD COLUMN claimed_at timestamptz;
COMMENT ON COLUMN cmk_key_health.claimed_at IS 'when the current (or last) poller claimed the row';
ALTER TABLE cmk_key_health ADD COLUMN refused_at timestamptz;
COMMENT ON COLUMN cmk_key_health.refused_at IS 'when a check (poll or data-plane unwrap) last saw the vault refuse the key';

UPDATE cmk_key_health h SET active = a.active FROM cmk_aeks a WHERE a.resource_uuid = h.resource_uuid;
INSERT INTO cmk_key_health (resource_uuid, key_state, next_check_at, active)
SELECT resource_uuid, 'Unknown', clock_timestamp(), active FROM cmk_aeks ON CONFLICT DO NOTHING;

DROP INDEX cmk_key_health_due;
CREATE INDEX cmk_key_health_due ON cmk_key_health (next_check_at) WHERE active;
