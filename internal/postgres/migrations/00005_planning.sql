-- The annual planning cycle (планирование), process 4: one cycle per authority and year, the
-- plans of agencies and providers, and the agencies' quarterly reports, kept in step with the
-- planning workflows.

-- +goose Up
CREATE TABLE planning_cycles (
    id                  text PRIMARY KEY,
    workflow_id         text NOT NULL UNIQUE,
    authority           text NOT NULL,
    year                integer NOT NULL,
    status              text NOT NULL,
    phase               text NOT NULL,
    priority_directions jsonb NOT NULL,
    plans_due           date NOT NULL,
    plans_remind_on     date,
    quarterly_reports   boolean NOT NULL,
    quarters            jsonb NOT NULL,
    participants        jsonb NOT NULL,
    opened_by           jsonb NOT NULL,
    opened_at           timestamptz NOT NULL,
    closed_at           timestamptz,
    revision            integer NOT NULL,
    updated_at          timestamptz NOT NULL DEFAULT now(),
    UNIQUE (authority, year)
);

-- One plan per participant (an agency or a provider) and cycle; resubmissions replace it.
CREATE TABLE planning_plans (
    id                 text PRIMARY KEY,
    workflow_id        text NOT NULL UNIQUE,
    cycle_id           text NOT NULL,
    authority          text NOT NULL,
    year               integer NOT NULL,
    participant_kind   text NOT NULL CHECK (participant_kind IN ('agency', 'provider')),
    participant_id     text NOT NULL,
    participant_name   text NOT NULL,
    events             jsonb NOT NULL,
    status             text NOT NULL,
    reasons            jsonb NOT NULL,
    round              integer NOT NULL,
    review_due         date,
    resubmit_due       date,
    overdue            boolean NOT NULL DEFAULT false,
    on_time            boolean NOT NULL,
    first_submitted_at timestamptz NOT NULL,
    submitted_at       timestamptz NOT NULL,
    decided_at         timestamptz,
    revision           integer NOT NULL,
    updated_at         timestamptz NOT NULL DEFAULT now(),
    UNIQUE (cycle_id, participant_kind, participant_id)
);
CREATE INDEX planning_plans_by_participant ON planning_plans (participant_kind, participant_id, status);
CREATE INDEX planning_plans_by_authority ON planning_plans (authority, status);

-- Quarterly reports (ежеквартальный отчёт, seed 002 item 30) with the reserve usage form
-- (Единая форма, item 31): one per agency, cycle and quarter.
CREATE TABLE planning_reports (
    id           text PRIMARY KEY,
    cycle_id     text NOT NULL,
    authority    text NOT NULL,
    year         integer NOT NULL,
    agency       text NOT NULL,
    agency_name  text NOT NULL,
    quarter      integer NOT NULL CHECK (quarter BETWEEN 1 AND 4),
    figures      jsonb NOT NULL,
    reserve_form jsonb NOT NULL,
    due          date NOT NULL,
    on_time      boolean NOT NULL,
    submitted_by jsonb NOT NULL,
    submitted_at timestamptz NOT NULL,
    UNIQUE (cycle_id, agency, quarter)
);
CREATE INDEX planning_reports_by_agency ON planning_reports (agency, year);

-- +goose Down
DROP TABLE planning_reports;
DROP TABLE planning_plans;
DROP TABLE planning_cycles;
