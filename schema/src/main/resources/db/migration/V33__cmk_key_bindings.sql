-- Wrapped AEKs bound to their key (issue 11): a MAC, made inside the HSM under Keyward's binding key
-- (keyward/cmk-binding-mac, AES-256, sign only, never extractable), over what a cmk_aeks row claims: the resource,
-- its kind, tenant and identity, the key id and version that wrapped the AEK, the algorithm and a SHA-256 of the
-- wrapped bytes. Kept in this table, not in the row, so that a cmk_aeks row put back from an earlier state (an older
-- wrapped AEK after a rotation) or edited no longer matches the resource's current binding and is refused before any
-- vault call. Written in the same statement or transaction as the row it binds; deleted with it (crypto-shredding).
-- Rows from before this version get their binding once, when the binding key is first generated in the HSM
-- (docs/security.md): after that, a missing binding is refused like a wrong one.
CREATE TABLE cmk_key_bindings (
    resource_uuid    uuid        PRIMARY KEY,
    mac_key_version  text        NOT NULL,             -- HSM key version (CKA_ID) of keyward/cmk-binding-mac
    mac              bytea       NOT NULL,             -- AES-CMAC, 16 bytes
    bound_at         timestamptz NOT NULL
);
