-- Partial indexes on exactly what the task inbox and the agency overview ask for, so that
-- they read a few index pages instead of every certificate of a provider or an agency.
-- Built CONCURRENTLY, so that a live database keeps taking writes while they are built;
-- that cannot run in a transaction, and a build that failed half-way leaves an invalid
-- index behind, hence each is dropped first: running this again after a failure is safe.

-- +goose NO TRANSACTION
-- +goose Up
-- The inbox's long lists come in its order (due date, then number) straight from these, so
-- that they are merged with the short ones rather than sorted: a provider's certificates
-- awaiting its enrolment report, those awaiting its outcome report, and the ministry's
-- certificates whose outcome is overdue.
DROP INDEX CONCURRENTLY IF EXISTS certificates_issued_by_provider;
CREATE INDEX CONCURRENTLY certificates_issued_by_provider ON certificates (provider_id, start_by, number)
    WHERE status = 'issued';
DROP INDEX CONCURRENTLY IF EXISTS certificates_enrolled_by_provider;
CREATE INDEX CONCURRENTLY certificates_enrolled_by_provider ON certificates (provider_id, outcome_due, number) INCLUDE (overdue)
    WHERE status = 'enrolled';
DROP INDEX CONCURRENTLY IF EXISTS certificates_outcome_overdue;
CREATE INDEX CONCURRENTLY certificates_outcome_overdue ON certificates (authority, outcome_due, number)
    WHERE status = 'enrolled' AND overdue;
-- An agency's overdue certificates, for its overview.
DROP INDEX CONCURRENTLY IF EXISTS certificates_overdue_by_agency;
CREATE INDEX CONCURRENTLY certificates_overdue_by_agency ON certificates (agency_id, number) INCLUDE (outcome_due)
    WHERE overdue;
-- Candidates waiting on their agency's HR, and on the reserve authority.
DROP INDEX CONCURRENTLY IF EXISTS reserve_candidates_to_correct;
CREATE INDEX CONCURRENTLY reserve_candidates_to_correct ON reserve_candidates (agency) WHERE status = 'correction_requested';
DROP INDEX CONCURRENTLY IF EXISTS reserve_candidates_to_review;
CREATE INDEX CONCURRENTLY reserve_candidates_to_review ON reserve_candidates (authority) WHERE status = 'under_review';
-- Declarations waiting on the ministry.
DROP INDEX CONCURRENTLY IF EXISTS registry_declarations_to_review;
CREATE INDEX CONCURRENTLY registry_declarations_to_review ON registry_declarations (authority) WHERE status = 'under_review';

-- +goose Down
DROP INDEX CONCURRENTLY IF EXISTS registry_declarations_to_review;
DROP INDEX CONCURRENTLY IF EXISTS reserve_candidates_to_review;
DROP INDEX CONCURRENTLY IF EXISTS reserve_candidates_to_correct;
DROP INDEX CONCURRENTLY IF EXISTS certificates_overdue_by_agency;
DROP INDEX CONCURRENTLY IF EXISTS certificates_outcome_overdue;
DROP INDEX CONCURRENTLY IF EXISTS certificates_enrolled_by_provider;
DROP INDEX CONCURRENTLY IF EXISTS certificates_issued_by_provider;
