-- The educational certificate (process 1).

-- +goose Up
ALTER TABLE authorities ADD COLUMN number_prefix text NOT NULL DEFAULT '';

-- Certificate numbers run per authority and year; a claim keyed by the request that asked
-- makes a retried allocation return the same number instead of consuming another.
CREATE TABLE certificate_counters (
    authority text NOT NULL,
    year      integer NOT NULL,
    last      integer NOT NULL,
    PRIMARY KEY (authority, year)
);
CREATE TABLE certificate_number_claims (
    claim_key text PRIMARY KEY,
    number    text NOT NULL UNIQUE
);

CREATE TABLE certificates (
    number           text PRIMARY KEY,
    workflow_id      text NOT NULL UNIQUE,
    authority        text NOT NULL,
    year             integer NOT NULL,
    agency_id        text NOT NULL,
    agency_name      text NOT NULL,
    servant_id       text NOT NULL,
    servant          jsonb NOT NULL,
    provider_id      text NOT NULL,
    programme        jsonb NOT NULL,
    hours            integer NOT NULL,
    amount           numeric(12, 2) NOT NULL,
    start_by         date NOT NULL,
    end_by           date NOT NULL,
    status           text NOT NULL,
    enrolment        jsonb,
    outcome          jsonb,
    outcome_due      date,
    overdue          boolean NOT NULL DEFAULT false,
    duplicates       integer NOT NULL DEFAULT 0,
    annulment_reason text NOT NULL DEFAULT '',
    issued_at        timestamptz,
    batch_id         text NOT NULL DEFAULT '',
    revision         integer NOT NULL,
    updated_at       timestamptz NOT NULL DEFAULT now()
);
-- One live certificate per servant, programme and year.
CREATE UNIQUE INDEX certificates_one_live ON certificates (servant_id, provider_id, (programme->>'code'), year)
    WHERE status IN ('issuing', 'issued', 'enrolled');
CREATE INDEX certificates_by_agency ON certificates (agency_id, number);
CREATE INDEX certificates_by_provider ON certificates (provider_id, number);
CREATE INDEX certificates_by_servant ON certificates (servant_id, number);
CREATE INDEX certificates_by_authority ON certificates (authority, year, number);
CREATE INDEX certificates_by_status ON certificates (status, number);
CREATE INDEX certificates_by_batch ON certificates (batch_id, status) WHERE batch_id <> '';
CREATE INDEX certificates_overdue ON certificates (authority, number) WHERE overdue;

-- The signed documents: seq 0 is the original, N the N-th duplicate. Written once each.
CREATE TABLE certificate_documents (
    number     text NOT NULL,
    seq        integer NOT NULL,
    pdf        bytea NOT NULL,
    sha256     text NOT NULL,
    signature  bytea,
    algorithm  text NOT NULL DEFAULT '',
    signed_at  timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (number, seq)
);

CREATE TABLE certificate_ratings (
    number     text NOT NULL,
    rater_sub  text NOT NULL,
    rater_role text NOT NULL,
    score      integer NOT NULL CHECK (score BETWEEN 1 AND 5),
    comment    text NOT NULL DEFAULT '',
    at         timestamptz NOT NULL,
    PRIMARY KEY (number, rater_sub)
);

-- Batch issuance: the accepted items wait here and a batch workflow issues them.
CREATE TABLE certificate_batches (
    id         text PRIMARY KEY,
    authority  text NOT NULL,
    actor      jsonb NOT NULL,
    accepted   integer NOT NULL,
    rejected   jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE certificate_batch_items (
    batch_id text NOT NULL,
    idx      integer NOT NULL,
    request  jsonb NOT NULL,
    number   text,
    error    text NOT NULL DEFAULT '',
    PRIMARY KEY (batch_id, idx)
);

-- The chains of the signing certificates the workers sign with, published by each worker
-- at start, so that API replicas can hand verifiers what they need without key material.
CREATE TABLE signing_chains (
    fingerprint  text PRIMARY KEY,
    algorithm    text NOT NULL,
    pem          text NOT NULL,
    published_at timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE signing_chains;
DROP TABLE certificate_batch_items;
DROP TABLE certificate_batches;
DROP TABLE certificate_ratings;
DROP TABLE certificate_documents;
DROP TABLE certificates;
DROP TABLE certificate_number_claims;
DROP TABLE certificate_counters;
ALTER TABLE authorities DROP COLUMN number_prefix;
