-- Connecting organisations and the registry of authorised people (process 5).

-- +goose Up
-- The workflow's view of a connection request; doc is the whole record, the columns are what
-- lists filter by.
CREATE TABLE connection_requests (
    id              text PRIMARY KEY,
    workflow_id     text NOT NULL UNIQUE,
    authority       text NOT NULL,
    organisation_id text NOT NULL,
    status          text NOT NULL,
    submitter_sub   text NOT NULL,
    overdue         boolean NOT NULL DEFAULT false,
    doc             jsonb NOT NULL,
    revision        integer NOT NULL,
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX connection_requests_by_authority ON connection_requests (authority, status, id);
CREATE INDEX connection_requests_by_submitter ON connection_requests (submitter_sub, id);
CREATE INDEX connection_requests_by_organisation ON connection_requests (organisation_id, id);

-- Connected organisations: what their people may be given (kind) and whose they are.
CREATE TABLE organisations (
    id            text PRIMARY KEY,
    kind          text NOT NULL,
    authority     text NOT NULL,
    name          text NOT NULL,
    connection_id text NOT NULL,
    updated_at    timestamptz NOT NULL DEFAULT now()
);

-- The registry of authorised people (реестр уполномоченных лиц). sub is bound at the
-- person's first sign-in through the invitation; invite_code is the invitation's secret.
CREATE TABLE people (
    id                text PRIMARY KEY,
    organisation_id   text NOT NULL,
    organisation_kind text NOT NULL,
    authority         text NOT NULL,
    connection_id     text NOT NULL,
    full_name         text NOT NULL,
    position          text NOT NULL,
    email             text NOT NULL,
    phone             text NOT NULL,
    kind              text NOT NULL,
    role              text NOT NULL,
    scope             text NOT NULL,
    status            text NOT NULL CHECK (status IN ('invited', 'active', 'blocked')),
    sub               text UNIQUE,
    invite_code       text NOT NULL UNIQUE,
    updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX people_by_organisation ON people (organisation_id, status, id);

-- Every change of a person: who made it and when (001 items 15-16).
CREATE TABLE person_changes (
    id        bigserial PRIMARY KEY,
    person_id text NOT NULL REFERENCES people (id),
    at        timestamptz NOT NULL,
    actor     jsonb NOT NULL,
    action    text NOT NULL,
    details   jsonb NOT NULL DEFAULT '{}',
    -- the step that made the change, so that a retried activity writes it once
    step_key  text UNIQUE
);
CREATE INDEX person_changes_by_person ON person_changes (person_id, id);

CREATE TABLE connection_changes (
    id              text PRIMARY KEY,
    workflow_id     text NOT NULL UNIQUE,
    organisation_id text NOT NULL,
    authority       text NOT NULL,
    status          text NOT NULL,
    overdue         boolean NOT NULL DEFAULT false,
    doc             jsonb NOT NULL,
    revision        integer NOT NULL,
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX connection_changes_by_organisation ON connection_changes (organisation_id, id);

-- +goose Down
DROP TABLE connection_changes;
DROP TABLE person_changes;
DROP TABLE people;
DROP TABLE organisations;
DROP TABLE connection_requests;
