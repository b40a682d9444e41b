-- Who created a vault and who last changed it, for ARM's systemData (createdBy, createdByType, lastModifiedBy,
-- lastModifiedByType), as V45 records them for keyed resources: object ids of the callers and ARM's principal kinds.
-- Rows written before this migration have none and show only the times until their next write.
ALTER TABLE vaults
    ADD COLUMN created_by text,
    ADD COLUMN created_by_type text CHECK (created_by_type IN ('User', 'Application', 'ManagedIdentity', 'Key')),
    ADD COLUMN last_modified_by text,
    ADD COLUMN last_modified_by_type text CHECK (last_modified_by_type IN ('User', 'Application', 'ManagedIdentity', 'Key'));
