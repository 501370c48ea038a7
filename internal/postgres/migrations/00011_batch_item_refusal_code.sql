-- The code of a batch item's refusal (not_found, conflict, ...) beside its reason, so that a
-- batch that reads its items' settlement from here (born level 2, workflows/born.go) tells
-- the same refusal a certificate's report to it used to carry. Adding a column with a
-- constant default rewrites no row.

-- +goose Up
ALTER TABLE certificate_batch_items ADD COLUMN error_code text NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE certificate_batch_items DROP COLUMN error_code;
