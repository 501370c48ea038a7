package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/profdev/profdev/internal/domain"
)

// The management reserve (резерв управленческих кадров), process 3: the quotas a reserve
// authority sets, and the read model of each nomination (представление) with its candidates.

// PutReserveQuotas records an authority's quotas for a participant and year, with a new revision.
func (db *DB) PutReserveQuotas(ctx context.Context, q domain.ReserveQuota) (domain.ReserveQuota, error) {
	out := q
	err := db.InTx(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `
			INSERT INTO reserve_quotas (authority, agency, year, cat_i, cat_ii, cat_iii, revision, set_by, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, nextval('reserve_quota_revisions'), $7, now())
			ON CONFLICT (authority, agency, year) DO UPDATE SET cat_i = EXCLUDED.cat_i, cat_ii = EXCLUDED.cat_ii,
				cat_iii = EXCLUDED.cat_iii, revision = EXCLUDED.revision, set_by = EXCLUDED.set_by, updated_at = now()
			RETURNING revision, updated_at`,
			q.Authority, q.Agency, q.Year, q.I, q.II, q.III, q.SetBy).Scan(&out.Revision, &out.UpdatedAt)
	})
	return out, err
}

// ReserveQuotasFor returns the quotas set for a participant and year; none set is all zero.
func (db *DB) ReserveQuotasFor(ctx context.Context, authority, agency string, year int) (domain.ReserveQuotas, error) {
	var q domain.ReserveQuotas
	err := db.read(ctx, func(r querier) error {
		return r.QueryRow(ctx, `SELECT cat_i, cat_ii, cat_iii, revision FROM reserve_quotas
			WHERE authority = $1 AND agency = $2 AND year = $3`, authority, agency, year).Scan(&q.I, &q.II, &q.III, &q.Revision)
	})
	if domain.IsCode(err, domain.CodeNotFound) {
		return domain.ReserveQuotas{}, nil
	}
	return q, err
}

// SaveNomination writes the workflow's view of a nomination, its candidates and the step that
// led to it, in one transaction. An older revision never overwrites a newer one.
func (db *DB) SaveNomination(ctx context.Context, n domain.Nomination, ev domain.Event) error {
	return db.InTx(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `
			INSERT INTO reserve_nominations (`+nominationColumns+`, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, now())
			ON CONFLICT (id) DO UPDATE SET agency_name = EXCLUDED.agency_name, status = EXCLUDED.status,
				quotas = EXCLUDED.quotas, review_due = EXCLUDED.review_due, overdue = EXCLUDED.overdue,
				approved_by = EXCLUDED.approved_by, approved_at = EXCLUDED.approved_at,
				submitted_at = EXCLUDED.submitted_at, decided_at = EXCLUDED.decided_at,
				closed_at = EXCLUDED.closed_at, revision = EXCLUDED.revision, updated_at = now()
			WHERE reserve_nominations.revision < EXCLUDED.revision`,
			n.ID, n.WorkflowID, n.Authority, n.Agency, n.AgencyName, n.Year, n.Status, n.Quotas,
			dateArg(n.ReviewDue), n.Overdue, n.ApprovedBy, n.ApprovedAt, n.SubmittedAt, n.DecidedAt, n.ClosedAt,
			n.CreatedAt, n.Revision)
		if err != nil {
			return err
		}
		if tag.RowsAffected() > 0 {
			if err := replaceCandidates(ctx, tx, n); err != nil {
				return err
			}
		}
		return insertEvent(ctx, tx, n.WorkflowID, n.ID, ev)
	})
}

func replaceCandidates(ctx context.Context, tx pgx.Tx, n domain.Nomination) error {
	if _, err := tx.Exec(ctx, `DELETE FROM reserve_candidates WHERE nomination_id = $1`, n.ID); err != nil {
		return err
	}
	for _, c := range n.Candidates {
		if _, err := tx.Exec(ctx, `
			INSERT INTO reserve_candidates (nomination_id, `+candidateColumns+`, authority, agency, year, person_key)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)`,
			n.ID, c.ID, c.Number, c.List, c.Category, c.FullName, c.Position, c.Department, c.Note, c.Questionnaire,
			c.Status, c.Reason, dateArg(c.CorrectionDue), dateArg(c.ReviewDue), c.IncludedCategory, c.PreviousReserve,
			c.UpdatedAt, n.Authority, n.Agency, n.Year, domain.PersonKey(c.FullName, c.Questionnaire.DateOfBirth)); err != nil {
			return err
		}
	}
	return nil
}

const nominationColumns = `id, workflow_id, authority, agency, agency_name, year, status, quotas, review_due, overdue,
	approved_by, approved_at, submitted_at, decided_at, closed_at, created_at, revision`

const candidateColumns = `id, number, list, category, full_name, position, department, note, questionnaire,
	status, reason, correction_due, review_due, included_category, previous_reserve, updated_at`

func scanNomination(r pgx.Row) (domain.Nomination, error) {
	var n domain.Nomination
	var review *time.Time
	err := r.Scan(&n.ID, &n.WorkflowID, &n.Authority, &n.Agency, &n.AgencyName, &n.Year, &n.Status, &n.Quotas,
		&review, &n.Overdue, &n.ApprovedBy, &n.ApprovedAt, &n.SubmittedAt, &n.DecidedAt, &n.ClosedAt, &n.CreatedAt, &n.Revision)
	n.ReviewDue, n.Candidates = datePtr(review), []domain.ReserveCandidate{}
	return n, err
}

// GetNomination returns one nomination with its candidates, or not_found.
func (db *DB) GetNomination(ctx context.Context, id string) (domain.Nomination, error) {
	var n domain.Nomination
	err := db.InTx(ctx, pgx.RepeatableRead, func(tx pgx.Tx) error {
		var err error
		if n, err = scanNomination(tx.QueryRow(ctx, `SELECT `+nominationColumns+` FROM reserve_nominations WHERE id = $1`, id)); err != nil {
			return err
		}
		page := []domain.Nomination{n}
		err = attachCandidates(ctx, tx, page)
		n = page[0]
		return err
	})
	if domain.IsCode(err, domain.CodeNotFound) {
		return n, domain.NotFound("nomination " + id)
	}
	return n, err
}

// attachCandidates loads the candidates of the given nominations, in the order they were added.
func attachCandidates(ctx context.Context, tx pgx.Tx, ns []domain.Nomination) error {
	ids := make([]string, len(ns))
	at := make(map[string]int, len(ns))
	for i, n := range ns {
		ids[i], at[n.ID] = n.ID, i
	}
	rows, err := tx.Query(ctx, `SELECT nomination_id, `+candidateColumns+` FROM reserve_candidates
		WHERE nomination_id = ANY($1) ORDER BY nomination_id, number`, ids)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var nominationID string
		var c domain.ReserveCandidate
		var correction, review *time.Time
		if err := rows.Scan(&nominationID, &c.ID, &c.Number, &c.List, &c.Category, &c.FullName, &c.Position, &c.Department,
			&c.Note, &c.Questionnaire, &c.Status, &c.Reason, &correction, &review, &c.IncludedCategory, &c.PreviousReserve,
			&c.UpdatedAt); err != nil {
			return err
		}
		c.CorrectionDue, c.ReviewDue = datePtr(correction), datePtr(review)
		i := at[nominationID]
		ns[i].Candidates = append(ns[i].Candidates, c)
	}
	return rows.Err()
}

// NominationFilter narrows a list of nominations; empty fields do not filter.
type NominationFilter struct {
	Authority string
	Agency    string
	Year      int
	Status    string
}

// ListNominations lists nominations with their candidates, ordered by id, filtered and paginated.
func (db *DB) ListNominations(ctx context.Context, f NominationFilter, page Page) ([]domain.Nomination, string, error) {
	after, err := decodeTextCursor(page.Cursor)
	if err != nil {
		return nil, "", err
	}
	limit := page.limit()
	var out []domain.Nomination
	more := false
	err = db.InTx(ctx, pgx.RepeatableRead, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+nominationColumns+` FROM reserve_nominations
			WHERE ($1 = '' OR authority = $1) AND ($2 = '' OR agency = $2) AND ($3 = 0 OR year = $3)
				AND ($4 = '' OR status = $4) AND id > $5
			ORDER BY id LIMIT $6`, f.Authority, f.Agency, f.Year, f.Status, after, limit+1)
		if err != nil {
			return err
		}
		if out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.Nomination, error) { return scanNomination(r) }); err != nil {
			return err
		}
		if more = len(out) > limit; more {
			out = out[:limit]
		}
		return attachCandidates(ctx, tx, out)
	})
	if err != nil {
		return nil, "", err
	}
	next := ""
	if more {
		next = encodeTextCursor(out[limit-1].ID)
	}
	return out, next, nil
}

// PreviousReserve finds the person (by full name and date of birth) among the candidates the
// authority included in its reserve in the given year; nil when absent.
func (db *DB) PreviousReserve(ctx context.Context, authority, fullName, dateOfBirth string, year int) (*domain.PreviousReserve, error) {
	var p domain.PreviousReserve
	err := db.read(ctx, func(q querier) error {
		return q.QueryRow(ctx, `
			SELECT year, included_category, agency, nomination_id FROM reserve_candidates
			WHERE authority = $1 AND person_key = $2 AND year = $3 AND status = 'included'
			ORDER BY nomination_id LIMIT 1`, authority, domain.PersonKey(fullName, dateOfBirth), year).
			Scan(&p.Year, &p.Category, &p.Agency, &p.NominationID)
	})
	if domain.IsCode(err, domain.CodeNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &p, nil
}
