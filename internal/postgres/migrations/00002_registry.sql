-- Process timelines (every process) and the provider registry (process 2).

-- +goose Up
-- One row per step of a workflow, in order: who did what, when. seq comes from the
-- workflow, so a retried activity writes the same row again and changes nothing.
CREATE TABLE events (
    workflow_id text NOT NULL,
    seq         integer NOT NULL,
    subject_id  text NOT NULL,
    at          timestamptz NOT NULL,
    actor       jsonb NOT NULL,
    action      text NOT NULL,
    details     jsonb NOT NULL DEFAULT '{}',
    PRIMARY KEY (workflow_id, seq)
);
CREATE INDEX events_by_subject ON events (subject_id, at);

CREATE TABLE registry_applications (
    id            text PRIMARY KEY,
    workflow_id   text NOT NULL UNIQUE,
    authority     text NOT NULL,
    year          integer NOT NULL,
    provider_id   text NOT NULL,
    provider      jsonb NOT NULL,
    programmes    jsonb NOT NULL,
    status        text NOT NULL,
    review_due    date,
    resubmit_due  date,
    admission_due date NOT NULL,
    overdue       boolean NOT NULL DEFAULT false,
    reasons       text[] NOT NULL DEFAULT '{}',
    submitted_at  timestamptz NOT NULL,
    decided_at    timestamptz,
    revision      integer NOT NULL,
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX registry_applications_by_authority ON registry_applications (authority, status, id);
CREATE INDEX registry_applications_by_provider ON registry_applications (provider_id, id);
CREATE INDEX registry_applications_overdue ON registry_applications (authority, id) WHERE overdue;

CREATE TABLE registry_providers (
    id             text PRIMARY KEY,
    name           text NOT NULL,
    inn            text NOT NULL,
    ogrn           text NOT NULL,
    license_number text NOT NULL,
    address        text NOT NULL,
    email          text NOT NULL,
    phone          text NOT NULL,
    updated_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE registry_memberships (
    provider_id      text NOT NULL,
    authority        text NOT NULL,
    status           text NOT NULL,
    workflow_id      text NOT NULL,
    application_id   text NOT NULL,
    admitted_at      timestamptz NOT NULL,
    exclusion_reason text NOT NULL DEFAULT '',
    excluded_at      timestamptz,
    revision         integer NOT NULL,
    updated_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (provider_id, authority)
);
CREATE INDEX registry_memberships_by_authority ON registry_memberships (authority, status, provider_id);

CREATE TABLE registry_declarations (
    id           text PRIMARY KEY,
    provider_id  text NOT NULL,
    authority    text NOT NULL,
    year         integer NOT NULL,
    status       text NOT NULL,
    programmes   jsonb NOT NULL,
    reasons      text[] NOT NULL DEFAULT '{}',
    submitted_at timestamptz NOT NULL,
    decided_at   timestamptz,
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX registry_declarations_by_provider ON registry_declarations (provider_id, authority, year);

-- Accepted programmes: what certificates may be issued for, per provider, authority, year.
CREATE TABLE registry_programmes (
    provider_id    text NOT NULL,
    authority      text NOT NULL,
    year           integer NOT NULL,
    code           text NOT NULL,
    title          text NOT NULL,
    kind           text NOT NULL,
    hours          integer NOT NULL CHECK (hours > 0),
    format         text NOT NULL,
    price          numeric(12, 2) NOT NULL CHECK (price > 0),
    declaration_id text NOT NULL,
    PRIMARY KEY (provider_id, authority, year, code)
);
CREATE INDEX registry_programmes_by_year ON registry_programmes (authority, year, provider_id);

-- +goose Down
DROP TABLE registry_programmes;
DROP TABLE registry_declarations;
DROP TABLE registry_memberships;
DROP TABLE registry_providers;
DROP TABLE registry_applications;
DROP TABLE events;
