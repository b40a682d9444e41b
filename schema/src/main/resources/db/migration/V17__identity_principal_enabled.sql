-- A principal can be disabled (Entra's accountEnabled = false): its tokens are refused on their next use and a
-- disabled client cannot sign in. Deleting a principal (and with it its client) refuses its tokens the same way.
ALTER TABLE identity_principals ADD COLUMN enabled boolean NOT NULL DEFAULT true;
