-- Keyed resources with user-assigned identities: the identities assigned ({resourceId: {principalId, clientId}}) and
-- the one that reaches the customer's key (key_identity, one of them; NULL: the system-assigned identity does).
ALTER TABLE cmk_resources ADD COLUMN user_identities jsonb;
ALTER TABLE cmk_resources ADD COLUMN key_identity text;

-- A key needs an identity to reach it: now the system-assigned one or a user-assigned one. The old check (V15) was
-- unnamed; it is found by its definition.
DO $$
DECLARE c text;
BEGIN
    SELECT conname INTO c FROM pg_constraint
    WHERE conrelid = 'cmk_resources'::regclass AND contype = 'c'
      AND pg_get_constraintdef(oid) LIKE '%key_vault_uri IS NULL%principal_id IS NOT NULL%';
    IF c IS NOT NULL THEN
        EXECUTE format('ALTER TABLE cmk_resources DROP CONSTRAINT %I', c);
    END IF;
END $$;
ALTER TABLE cmk_resources ADD CONSTRAINT cmk_resources_key_needs_identity
    CHECK (key_vault_uri IS NULL OR principal_id IS NOT NULL OR key_identity IS NOT NULL);
