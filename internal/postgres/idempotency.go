package postgres

import (
	"bytes"
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/profdev/profdev/internal/domain"
)

// IdempotentRequest identifies a creating request by its caller and Idempotency-Key, and
// fingerprints what was asked so that a different request under the same key is refused.
type IdempotentRequest struct {
	ActorSub    string
	Key         string
	Method      string
	Path        string
	RequestHash []byte
}

// StoredResponse is the first response given to a key, replayed to every retry.
type StoredResponse struct {
	Status      int
	ContentType string
	Body        []byte
}

// staleClaimAfter is how long a claimed key may stay pending before a retry may take it over:
// longer than any request is served, so only a crashed server leaves such a claim behind.
const staleClaimAfter = 2 * time.Minute

// ClaimIdempotencyKey records that a request under this key is being served. It returns the
// stored response when the key was already served with the same request; a *domain.Error
// with code idempotency_conflict when the key was used for a different request; and a
// conflict when the first request with the key is still being served.
// (nil, nil) means the caller owns the key and must Complete or Release it.
func (db *DB) ClaimIdempotencyKey(ctx context.Context, r IdempotentRequest) (*StoredResponse, error) {
	var stored *StoredResponse
	err := db.InTx(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `
			INSERT INTO idempotency_keys (actor_sub, key, method, path, request_hash, state)
			VALUES ($1, $2, $3, $4, $5, 'pending')
			ON CONFLICT (actor_sub, key) DO NOTHING`,
			r.ActorSub, r.Key, r.Method, r.Path, r.RequestHash)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 1 {
			return nil
		}
		var (
			method, path, state string
			hash, body          []byte
			status              *int
			contentType         *string
			stale               bool
		)
		err = tx.QueryRow(ctx, `
			SELECT method, path, request_hash, state, status, content_type, body,
				created_at < now() - make_interval(secs => $3)
			FROM idempotency_keys WHERE actor_sub = $1 AND key = $2 FOR UPDATE`,
			r.ActorSub, r.Key, staleClaimAfter.Seconds()).
			Scan(&method, &path, &hash, &state, &status, &contentType, &body, &stale)
		if err != nil {
			return err
		}
		if method != r.Method || path != r.Path || !bytes.Equal(hash, r.RequestHash) {
			return domain.Errorf(domain.CodeIdempotencyConflict,
				"Idempotency-Key %q was already used for a different request", r.Key)
		}
		if state != "done" && stale {
			// The process that claimed the key died mid-request: this retry takes it over.
			_, err = tx.Exec(ctx, `UPDATE idempotency_keys SET created_at = now() WHERE actor_sub = $1 AND key = $2`,
				r.ActorSub, r.Key)
			return err
		}
		if state != "done" {
			return domain.Conflict("a request with Idempotency-Key %q is still being processed; retry shortly", r.Key)
		}
		stored = &StoredResponse{Status: *status, Body: body}
		if contentType != nil {
			stored.ContentType = *contentType
		}
		return nil
	})
	return stored, err
}

// CompleteIdempotencyKey stores the response given under a claimed key.
func (db *DB) CompleteIdempotencyKey(ctx context.Context, r IdempotentRequest, resp StoredResponse) error {
	return db.InTx(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `
			UPDATE idempotency_keys SET state = 'done', status = $3, content_type = $4, body = $5, completed_at = now()
			WHERE actor_sub = $1 AND key = $2 AND state = 'pending'`,
			r.ActorSub, r.Key, resp.Status, resp.ContentType, resp.Body)
		return err
	})
}

// ReleaseIdempotencyKey forgets a claimed key whose request failed in a way a retry may fix
// (a dependency was down), so the retry is served afresh.
func (db *DB) ReleaseIdempotencyKey(ctx context.Context, r IdempotentRequest) error {
	return db.InTx(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM idempotency_keys WHERE actor_sub = $1 AND key = $2 AND state = 'pending'`,
			r.ActorSub, r.Key)
		return err
	})
}

// PruneIdempotencyKeys deletes keys older than the retention; clients retry within hours.
func (db *DB) PruneIdempotencyKeys(ctx context.Context, olderThan time.Duration) (int64, error) {
	var n int64
	err := db.InTx(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM idempotency_keys WHERE created_at < now() - make_interval(secs => $1)`, olderThan.Seconds())
		n = tag.RowsAffected()
		return err
	})
	return n, err
}
