-- The web console: its sessions (alexedwards/scs's PostgreSQL layout), and the index that
-- finds certificates by the beginning of the servant's name (the surname) within a scope.

-- +goose NO TRANSACTION
-- +goose Up
CREATE TABLE IF NOT EXISTS sessions (
    token  text PRIMARY KEY,
    data   bytea NOT NULL,
    expiry timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_expiry_idx ON sessions (expiry);
DROP INDEX CONCURRENTLY IF EXISTS certificates_by_servant_name;
CREATE INDEX CONCURRENTLY certificates_by_servant_name ON certificates (lower(servant->>'full_name') text_pattern_ops);

-- +goose Down
DROP INDEX IF EXISTS certificates_by_servant_name;
DROP TABLE IF EXISTS sessions;
