-- The management reserve (резерв управленческих кадров), process 3: quotas, nominations and
-- their candidates, kept in step with the nomination workflows.

-- +goose Up
-- Quotas the reserve authority sets per participant, year and category. revision comes from
-- one sequence, so a workflow that hears of two changes keeps the later one whatever order
-- they arrive in.
CREATE SEQUENCE reserve_quota_revisions;
CREATE TABLE reserve_quotas (
    authority  text NOT NULL,
    agency     text NOT NULL,
    year       integer NOT NULL,
    cat_i      integer NOT NULL CHECK (cat_i >= 0),
    cat_ii     integer NOT NULL CHECK (cat_ii >= 0),
    cat_iii    integer NOT NULL CHECK (cat_iii >= 0),
    revision   bigint NOT NULL,
    set_by     jsonb NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (authority, agency, year)
);

CREATE TABLE reserve_nominations (
    id           text PRIMARY KEY,
    workflow_id  text NOT NULL UNIQUE,
    authority    text NOT NULL,
    agency       text NOT NULL,
    agency_name  text NOT NULL,
    year         integer NOT NULL,
    status       text NOT NULL,
    quotas       jsonb NOT NULL,
    review_due   date,
    overdue      boolean NOT NULL DEFAULT false,
    approved_by  jsonb,
    approved_at  timestamptz,
    submitted_at timestamptz,
    decided_at   timestamptz,
    closed_at    timestamptz,
    created_at   timestamptz NOT NULL,
    revision     integer NOT NULL,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (authority, agency, year)
);
CREATE INDEX reserve_nominations_by_agency ON reserve_nominations (agency, year);
CREATE INDEX reserve_nominations_overdue ON reserve_nominations (authority, id) WHERE overdue;

-- Candidates as the workflow last saved them; rewritten with their nomination. person_key
-- (normalised full name and date of birth) finds the same person in an earlier year's reserve.
CREATE TABLE reserve_candidates (
    nomination_id     text NOT NULL REFERENCES reserve_nominations (id) ON DELETE CASCADE,
    id                text NOT NULL,
    number            integer NOT NULL,
    authority         text NOT NULL,
    agency            text NOT NULL,
    year              integer NOT NULL,
    list              text NOT NULL CHECK (list IN ('repeat', 'new')),
    category          text NOT NULL CHECK (category IN ('I', 'II', 'III')),
    full_name         text NOT NULL,
    person_key        text NOT NULL,
    position          text NOT NULL,
    department        text NOT NULL,
    note              text NOT NULL,
    questionnaire     jsonb NOT NULL,
    status            text NOT NULL,
    reason            text NOT NULL DEFAULT '',
    correction_due    date,
    review_due        date,
    included_category text NOT NULL DEFAULT '',
    previous_reserve  jsonb,
    updated_at        timestamptz NOT NULL,
    PRIMARY KEY (nomination_id, id)
);
CREATE INDEX reserve_candidates_by_person ON reserve_candidates (authority, person_key, year) WHERE status = 'included';

-- +goose Down
DROP TABLE reserve_candidates;
DROP TABLE reserve_nominations;
DROP TABLE reserve_quotas;
DROP SEQUENCE reserve_quota_revisions;
