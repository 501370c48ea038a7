-- Foundation: the directory of organisations, idempotency keys for creating POSTs,
-- the notification feed and its email outbox.

-- +goose Up
CREATE TABLE authorities (
    id         text PRIMARY KEY,
    name       text NOT NULL,
    region     text NOT NULL,
    emails     text[] NOT NULL DEFAULT '{}',
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE agencies (
    id         text PRIMARY KEY,
    name       text NOT NULL,
    authority  text NOT NULL,
    region     text NOT NULL,
    hr_emails  text[] NOT NULL DEFAULT '{}',
    head_email text NOT NULL DEFAULT '',
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX agencies_by_authority ON agencies (authority, id);

-- One row per (caller, key): the first response to a creating POST, replayed to retries.
CREATE TABLE idempotency_keys (
    actor_sub    text NOT NULL,
    key          text NOT NULL,
    method       text NOT NULL,
    path         text NOT NULL,
    request_hash bytea NOT NULL,
    state        text NOT NULL CHECK (state IN ('pending', 'done')),
    status       integer,
    content_type text,
    body         bytea,
    created_at   timestamptz NOT NULL DEFAULT now(),
    completed_at timestamptz,
    PRIMARY KEY (actor_sub, key)
);
CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);

-- The in-app feed. dedup_key = workflow|step|audience makes a retried activity a no-op.
CREATE TABLE notifications (
    id             bigserial PRIMARY KEY,
    dedup_key      text NOT NULL UNIQUE,
    workflow_id    text NOT NULL,
    step           text NOT NULL,
    audience_sub   text,
    audience_role  text,
    audience_scope text,
    subject        text NOT NULL,
    body           text NOT NULL,
    link           text NOT NULL DEFAULT '',
    created_at     timestamptz NOT NULL DEFAULT now(),
    CHECK ((audience_sub IS NOT NULL) <> (audience_role IS NOT NULL))
);
CREATE INDEX notifications_by_user ON notifications (audience_sub, id DESC) WHERE audience_sub IS NOT NULL;
CREATE INDEX notifications_by_role ON notifications (audience_role, audience_scope, id DESC) WHERE audience_role IS NOT NULL;
CREATE INDEX notifications_by_workflow ON notifications (workflow_id, id);

-- One row per (notification, recipient address): sent at most once, tracked to 'sent'.
CREATE TABLE email_outbox (
    id              bigserial PRIMARY KEY,
    notification_id bigint NOT NULL REFERENCES notifications (id),
    recipient       text NOT NULL,
    message_id      text NOT NULL,
    state           text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent')),
    attempts        integer NOT NULL DEFAULT 0,
    last_error      text NOT NULL DEFAULT '',
    sent_at         timestamptz,
    UNIQUE (notification_id, recipient)
);
CREATE INDEX email_outbox_pending ON email_outbox (notification_id) WHERE state = 'pending';

-- +goose Down
DROP TABLE email_outbox;
DROP TABLE notifications;
DROP TABLE idempotency_keys;
DROP TABLE agencies;
DROP TABLE authorities;
