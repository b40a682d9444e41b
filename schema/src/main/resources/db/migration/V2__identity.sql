-- Identity: Keyward's own stand-in for Entra ID when it runs outside Azure (keyward.identity.mode=local).
-- Principals are named as Entra names them: tenant id (tid) + object id (oid).
CREATE TABLE identity_principals (
    tenant_id    text        NOT NULL,
    object_id    uuid        NOT NULL,
    type         text        NOT NULL CHECK (type IN ('USER', 'SERVICE_PRINCIPAL', 'MANAGED_IDENTITY')),
    display_name text        NOT NULL,
    -- operators may register clients in any tenant (POST /identity/tenants/{tenant}/clients)
    operator     boolean     NOT NULL DEFAULT false,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, object_id)
);

-- Client registrations (Entra's app registration + its service principal) for the client-credentials grant.
-- The secret is stored only as SHA-256(salt || secret): secrets are 32 random bytes from the HSM's RNG, so a
-- slow password hash would add nothing against guessing; the salt keeps equal hashes from ever lining up.
CREATE TABLE identity_clients (
    client_id    uuid        PRIMARY KEY,
    tenant_id    text        NOT NULL,
    object_id    uuid        NOT NULL,
    secret_salt  bytea       NOT NULL CHECK (length(secret_salt) = 16),
    secret_hash  bytea       NOT NULL CHECK (length(secret_hash) = 32),
    created_at   timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (tenant_id, object_id) REFERENCES identity_principals (tenant_id, object_id) ON DELETE CASCADE
);
CREATE INDEX identity_clients_principal ON identity_clients (tenant_id, object_id);

-- Token signing keys: RSA key pairs generated inside the HSM (label hsm_key_name, CKA_ID = kid). Only the public
-- half is copied here, so that the JWKS and token validation need no HSM call.
CREATE TABLE identity_signing_keys (
    kid          text        PRIMARY KEY CHECK (kid ~ '^[0-9a-f]{32}$'),
    hsm_key_name text        NOT NULL,
    algorithm    text        NOT NULL CHECK (algorithm = 'RS256'),
    modulus      bytea       NOT NULL,
    exponent     bytea       NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    -- the newest active key signs; older keys stay published until retired, so their tokens keep validating
    retired_at   timestamptz
);
