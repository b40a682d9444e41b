-- Customer Lockbox (ARM Microsoft.CustomerLockbox): a support principal's access to a workspace's data needs a request
-- that covers the workspace, approved by the customer (or approved at once for a tenant that has not opted in), and
-- unexpired. Every request, decision and access (allowed or refused) is an event, listable by the customer.

CREATE TABLE lockbox_tenants (
    tenant_id    text        PRIMARY KEY,
    opted_in     boolean     NOT NULL,
    updated_at   timestamptz NOT NULL
);

CREATE TABLE lockbox_requests (
    request_id             uuid        PRIMARY KEY,
    tenant_id              text        NOT NULL,
    subscription_id        text        NOT NULL,
    workspace_resource_id  text        NOT NULL,
    workspace_customer_id  uuid        NOT NULL,
    support_tenant_id      text        NOT NULL,
    support_object_id      text        NOT NULL,
    justification          text        NOT NULL,
    support_request        text,
    duration_hours         integer     NOT NULL CHECK (duration_hours BETWEEN 1 AND 24),
    status                 text        NOT NULL CHECK (status IN ('Pending', 'Approved', 'Denied')),
    created_at             timestamptz NOT NULL,
    expires_at             timestamptz NOT NULL,
    decided_at             timestamptz,
    decided_by             text,
    reason                 text,
    access_until           timestamptz,
    CHECK ((status = 'Pending') = (decided_at IS NULL)),
    CHECK ((status = 'Approved') = (access_until IS NOT NULL))
);
COMMENT ON COLUMN lockbox_requests.expires_at IS 'a Pending request not decided by then is Expired';
COMMENT ON COLUMN lockbox_requests.access_until IS 'an Approved request covers its workspace until then (decided_at + duration), then it is Expired';
COMMENT ON COLUMN lockbox_requests.decided_by IS 'object id of the approver, or ''system'' for a tenant not opted in';
CREATE INDEX lockbox_requests_subscription ON lockbox_requests (lower(subscription_id), created_at);
CREATE INDEX lockbox_requests_access ON lockbox_requests (workspace_customer_id, support_object_id) WHERE status = 'Approved';

CREATE TABLE lockbox_events (
    event_id               bigserial   PRIMARY KEY,
    tenant_id              text        NOT NULL,
    subscription_id        text,
    request_id             uuid,
    kind                   text        NOT NULL CHECK (kind IN ('RequestRaised', 'Approved', 'Denied', 'AutoApproved',
                                                                'AccessAllowed', 'AccessRefused', 'OptedIn', 'OptedOut')),
    principal_tenant_id    text        NOT NULL,
    principal_object_id    text        NOT NULL,
    workspace_resource_id  text,
    detail                 text,
    at                     timestamptz NOT NULL
);
CREATE INDEX lockbox_events_tenant ON lockbox_events (tenant_id, event_id);
