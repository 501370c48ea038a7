package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/profdev/profdev/internal/domain"
)

// CreateBatch stores a batch and its accepted items in one transaction.
func (db *DB) CreateBatch(ctx context.Context, b domain.Batch, items []domain.BatchItem) error {
	return db.InTx(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		rejected := b.Rejected
		if rejected == nil {
			rejected = []domain.BatchRejection{}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO certificate_batches (id, authority, actor, accepted, rejected) VALUES ($1, $2, $3, $4, $5)`,
			b.ID, b.Authority, b.Actor, b.Accepted, rejected); err != nil {
			return err
		}
		rows := make([][]any, len(items))
		for i, it := range items {
			rows[i] = []any{b.ID, it.Index, []byte(it.Request)}
		}
		_, err := tx.CopyFrom(ctx, pgx.Identifier{"certificate_batch_items"}, []string{"batch_id", "idx", "request"}, pgx.CopyFromRows(rows))
		return err
	})
}

// GetBatch returns a batch or not_found.
func (db *DB) GetBatch(ctx context.Context, id string) (domain.Batch, error) {
	b := domain.Batch{ID: id}
	err := db.read(ctx, func(q querier) error {
		return q.QueryRow(ctx, `SELECT authority, actor, accepted, rejected, created_at FROM certificate_batches WHERE id = $1`, id).
			Scan(&b.Authority, &b.Actor, &b.Accepted, &b.Rejected, &b.CreatedAt)
	})
	if domain.IsCode(err, domain.CodeNotFound) {
		return b, domain.NotFound("batch " + id)
	}
	return b, err
}

// BatchItems returns up to limit items from index from on, in order.
func (db *DB) BatchItems(ctx context.Context, batchID string, from, limit int) ([]domain.BatchItem, error) {
	var out []domain.BatchItem
	err := db.read(ctx, func(q querier) error {
		rows, err := q.Query(ctx, `SELECT idx, request, coalesce(number, '') FROM certificate_batch_items
			WHERE batch_id = $1 AND idx >= $2 ORDER BY idx LIMIT $3`, batchID, from, limit)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.BatchItem, error) {
			var it domain.BatchItem
			err := r.Scan(&it.Index, &it.Request, &it.Number)
			return it, err
		})
		return err
	})
	return out, err
}

// SetBatchItemResult records the number an item got, or why it could not be issued.
func (db *DB) SetBatchItemResult(ctx context.Context, batchID string, index int, number, errMsg string) error {
	return db.InTx(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE certificate_batch_items SET number = nullif($3, ''), error = $4 WHERE batch_id = $1 AND idx = $2`,
			batchID, index, number, errMsg)
		return err
	})
}

// RefuseBatchItem records why the certificate an item was numbered for could not be issued
// (a refusal no retry can fix: the programme left the registry, a live certificate exists),
// with the refusal's code. Recording it again changes nothing.
func (db *DB) RefuseBatchItem(ctx context.Context, batchID, number string, code domain.Code, reason string) error {
	return db.InTx(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE certificate_batch_items SET error = $3, error_code = $4 WHERE batch_id = $1 AND number = $2`,
			batchID, number, reason, string(code))
		return err
	})
}

// SettledBatchItems lists, in index order, those of the items of the given indexes that are
// settled: refused (at numbering or by their certificate, with the code and reason) or whose
// certificate is issued (whatever happened to it since).
func (db *DB) SettledBatchItems(ctx context.Context, batchID string, indexes []int) ([]domain.SettledBatchItem, error) {
	var out []domain.SettledBatchItem
	err := db.read(ctx, func(q querier) error {
		rows, err := q.Query(ctx, `
			SELECT i.idx, coalesce(i.number, ''), i.error <> '', i.error_code, i.error
			FROM certificate_batch_items i LEFT JOIN certificates c ON c.number = i.number
			WHERE i.batch_id = $1 AND i.idx = ANY($2) AND (i.error <> '' OR c.status <> 'issuing')
			ORDER BY i.idx`, batchID, indexes)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.SettledBatchItem, error) {
			var it domain.SettledBatchItem
			err := r.Scan(&it.Index, &it.Number, &it.Refused, &it.Code, &it.Reason)
			return it, err
		})
		return err
	})
	return out, err
}

// UnissuedBatchItems lists, in order, the items of a batch that have no issued certificate:
// refused ones with their reason, and those still waiting (not numbered yet, or their
// certificate still being formed and signed).
func (db *DB) UnissuedBatchItems(ctx context.Context, batchID string, limit int) ([]domain.BatchItemState, error) {
	var out []domain.BatchItemState
	err := db.read(ctx, func(q querier) error {
		rows, err := q.Query(ctx, `
			SELECT i.idx, coalesce(i.number, ''), CASE WHEN i.error <> '' THEN 'refused' ELSE 'waiting' END, i.error
			FROM certificate_batch_items i LEFT JOIN certificates c ON c.number = i.number
			WHERE i.batch_id = $1 AND (i.error <> '' OR c.number IS NULL OR c.status = 'issuing')
			ORDER BY i.idx LIMIT $2`, batchID, limit)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.BatchItemState, error) {
			var it domain.BatchItemState
			err := r.Scan(&it.Index, &it.Number, &it.State, &it.Reason)
			return it, err
		})
		return err
	})
	return out, err
}

// BatchProgress counts a batch's items by the status of their certificates: "pending" for
// items whose certificate is not registered yet, "refused" for items that could not be
// issued (their reason is kept).
func (db *DB) BatchProgress(ctx context.Context, batchID string) (map[string]int, error) {
	out := map[string]int{}
	err := db.read(ctx, func(q querier) error {
		rows, err := q.Query(ctx, `
			SELECT CASE WHEN i.error <> '' THEN 'refused' WHEN c.number IS NULL THEN 'pending' ELSE c.status END, count(*)
			FROM certificate_batch_items i LEFT JOIN certificates c ON c.number = i.number
			WHERE i.batch_id = $1 GROUP BY 1`, batchID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var st string
			var n int
			if err := rows.Scan(&st, &n); err != nil {
				return err
			}
			out[st] = n
		}
		return rows.Err()
	})
	return out, err
}
