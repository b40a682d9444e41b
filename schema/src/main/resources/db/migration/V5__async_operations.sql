-- ARM async operations (arm.AsyncOperations). A row is inserted in the same transaction as the state change that
-- starts it, then run one step per transaction by whichever instance holds its lease. Times that decide leases are
-- the database's clock (clock_timestamp()), never an instance's, so clock skew between instances cannot make two
-- of them own one operation.
CREATE TABLE async_operations (
    id                uuid        PRIMARY KEY,
    provider          text        NOT NULL,   -- e.g. Microsoft.OperationalInsights, as in the status URL
    location          text        NOT NULL,
    subscription_id   text        NOT NULL,
    tenant_id         text        NOT NULL,   -- only this tenant may read the status
    resource_id       text        NOT NULL,
    kind              text        NOT NULL,   -- the OperationHandler that runs it
    status            text        NOT NULL,   -- OperationStatus; running value until it ends
    step              integer     NOT NULL DEFAULT 0,   -- steps committed so far
    payload           text,                   -- the handler's JSON state after the last committed step
    percent_complete  integer,
    error_code        text,
    error_message     text,
    attempts          integer     NOT NULL DEFAULT 0,   -- failed attempts of the current step (exceptions)
    not_before        timestamptz NOT NULL,   -- due from then (RetryLater, backoff)
    lease_owner       text,                   -- "<instance id>#<claim id>" of the runner that holds it
    lease_expires_at  timestamptz,
    start_time        timestamptz NOT NULL,
    end_time          timestamptz,            -- set with a terminal status
    updated_at        timestamptz NOT NULL
);

-- The runners' claim query: unfinished operations by due time.
CREATE INDEX async_operations_due ON async_operations (not_before) WHERE end_time IS NULL;
-- "Is an operation in progress on this resource?" (resource ids are case-insensitive).
CREATE INDEX async_operations_active_resource ON async_operations (lower(resource_id)) WHERE end_time IS NULL;

-- One row per committed step, written in the step's transaction: the primary key makes a step that commits twice
-- impossible rather than merely unlikely.
CREATE TABLE async_operation_steps (
    operation_id  uuid        NOT NULL REFERENCES async_operations (id) ON DELETE CASCADE,
    step          integer     NOT NULL,
    outcome       text        NOT NULL,   -- Continue | Succeeded | Failed
    runner        text        NOT NULL,   -- lease owner that committed it
    committed_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (operation_id, step)
);
