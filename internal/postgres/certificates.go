package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"cloud.google.com/go/civil"
	"github.com/jackc/pgx/v5"

	"github.com/profdev/profdev/internal/domain"
)

const certificateColumns = `number, workflow_id, authority, year, agency_id, agency_name, servant, provider_id, programme,
	hours, amount::float8, start_by, end_by, status, enrolment, outcome, outcome_due, overdue, duplicates, annulment_reason,
	issued_at, batch_id, revision`

func scanCertificate(r pgx.Row) (domain.Certificate, error) {
	var c domain.Certificate
	var startBy, endBy time.Time
	var outcomeDue *time.Time
	err := r.Scan(&c.Number, &c.WorkflowID, &c.Authority, &c.Year, &c.Agency.ID, &c.Agency.Name, &c.Servant, &c.ProviderID,
		&c.Programme, &c.Hours, &c.Amount, &startBy, &endBy, &c.Status, &c.Enrolment, &c.Outcome, &outcomeDue, &c.Overdue,
		&c.Duplicates, &c.AnnulmentReason, &c.IssuedAt, &c.BatchID, &c.Revision)
	c.StartBy, c.EndBy, c.OutcomeDue = civil.DateOf(startBy), civil.DateOf(endBy), datePtr(outcomeDue)
	return c, err
}

// AllocateCertificateNumber returns the number claimed under claimKey, allocating the next
// one of the authority and year (MT-2026-000123) on the first call.
func (db *DB) AllocateCertificateNumber(ctx context.Context, authority string, year int, claimKey string) (string, error) {
	var number string
	err := db.InTx(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `SELECT number FROM certificate_number_claims WHERE claim_key = $1`, claimKey).Scan(&number)
		if err != pgx.ErrNoRows {
			return err
		}
		var prefix string
		if err := tx.QueryRow(ctx, `SELECT number_prefix FROM authorities WHERE id = $1`, authority).Scan(&prefix); err != nil && err != pgx.ErrNoRows {
			return err
		}
		if prefix == "" {
			prefix = strings.ToUpper(authority)
		}
		var n int
		if err := tx.QueryRow(ctx, `
			INSERT INTO certificate_counters (authority, year, last) VALUES ($1, $2, 1)
			ON CONFLICT (authority, year) DO UPDATE SET last = certificate_counters.last + 1
			RETURNING last`, authority, year).Scan(&n); err != nil {
			return err
		}
		number = fmt.Sprintf("%s-%d-%06d", prefix, year, n)
		_, err = tx.Exec(ctx, `INSERT INTO certificate_number_claims (claim_key, number) VALUES ($1, $2)`, claimKey, number)
		return err
	})
	return number, err
}

// RegisterCertificate records a certificate being issued. A servant's second live
// certificate for the same programme and year is refused with a conflict; registering the
// same number again changes nothing.
func (db *DB) RegisterCertificate(ctx context.Context, c domain.Certificate, ev domain.Event) error {
	// One round trip: the insert and the step, all or nothing. The number is the workflow's
	// own, so a conflict on it is this workflow's earlier attempt, which stored the same
	// step: its insert is a no-op too.
	b := &pgx.Batch{}
	b.Queue(`
		INSERT INTO certificates (number, workflow_id, authority, year, agency_id, agency_name, servant_id, servant,
			provider_id, programme, hours, amount, start_by, end_by, status, batch_id, revision)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
		ON CONFLICT (number) DO NOTHING`,
		c.Number, c.WorkflowID, c.Authority, c.Year, c.Agency.ID, c.Agency.Name, c.Servant.ID, c.Servant,
		c.ProviderID, c.Programme, c.Hours, c.Amount, c.StartBy.String(), c.EndBy.String(), c.Status, c.BatchID, c.Revision)
	queueEvent(b, c.WorkflowID, c.Number, ev)
	err := db.atomically(ctx, b)
	if domain.IsCode(err, domain.CodeConflict) {
		return domain.Conflict("servant %s already has a live certificate for programme %s of %s in %d",
			c.Servant.ID, c.Programme.Code, c.ProviderID, c.Year)
	}
	return err
}

// SaveCertificate records the certificate after a step, and the step, in one round trip; an
// older revision never overwrites a newer one.
func (db *DB) SaveCertificate(ctx context.Context, c domain.Certificate, ev domain.Event) error {
	b := &pgx.Batch{}
	b.Queue(`
		UPDATE certificates SET status = $2, enrolment = $3, outcome = $4, outcome_due = $5, overdue = $6,
			duplicates = $7, annulment_reason = $8, issued_at = $9, revision = $10, updated_at = now()
		WHERE number = $1 AND revision < $10`,
		c.Number, c.Status, c.Enrolment, c.Outcome, dateArg(c.OutcomeDue), c.Overdue, c.Duplicates,
		c.AnnulmentReason, c.IssuedAt, c.Revision)
	queueEvent(b, c.WorkflowID, c.Number, ev)
	return db.atomically(ctx, b)
}

// GetCertificate returns one certificate or not_found.
func (db *DB) GetCertificate(ctx context.Context, number string) (domain.Certificate, error) {
	var c domain.Certificate
	err := db.read(ctx, func(q querier) error {
		var err error
		c, err = scanCertificate(q.QueryRow(ctx, `SELECT `+certificateColumns+` FROM certificates WHERE number = $1`, number))
		return err
	})
	if domain.IsCode(err, domain.CodeNotFound) {
		return c, domain.NotFound("certificate " + number)
	}
	return c, err
}

// CertificateFilter narrows a list; empty fields do not filter. The scope fields are set by
// the API from the caller, the others from the query.
type CertificateFilter struct {
	Authority, Agency, Provider, Servant, Status, Number string
	// Name matches the beginning of the servant's full name (the surname), any case.
	Name    string
	Year    int
	Overdue *bool
}

// certificateWhere is the filter of ListCertificates and CountCertificates; its arguments are
// CertificateFilter.args, $9 the number to list after and $10 the limit.
const certificateWhere = `($1 = '' OR authority = $1) AND ($2 = '' OR agency_id = $2) AND ($3 = '' OR provider_id = $3)
	AND ($4 = '' OR servant_id = $4) AND ($5 = '' OR status = $5) AND ($6 = '' OR number = $6)
	AND ($7 = 0 OR year = $7) AND ($8::boolean IS NULL OR overdue = $8) AND number > $9
	AND status <> 'issuing' AND ($11 = '' OR lower(servant->>'full_name') LIKE $11)`

func (f CertificateFilter) args(after string, limit int) []any {
	return []any{f.Authority, f.Agency, f.Provider, f.Servant, f.Status, f.Number, f.Year, f.Overdue, after, limit, namePrefix(f.Name)}
}

// CountCertificates counts the certificates ListCertificates lists for the filter, up to max:
// a count the reader shows without reading the rows.
func (db *DB) CountCertificates(ctx context.Context, f CertificateFilter, max int) (int, error) {
	var n int
	err := db.read(ctx, func(q querier) error {
		return q.QueryRow(ctx, `SELECT count(*) FROM (SELECT 1 FROM certificates WHERE `+certificateWhere+` LIMIT $10) c`,
			f.args("", max)...).Scan(&n)
	})
	return n, err
}

// ListCertificates lists certificates by number, filtered and paginated by keyset.
func (db *DB) ListCertificates(ctx context.Context, f CertificateFilter, page Page) ([]domain.Certificate, string, error) {
	after, err := decodeTextCursor(page.Cursor)
	if err != nil {
		return nil, "", err
	}
	limit := page.limit()
	var out []domain.Certificate
	err = db.read(ctx, func(q querier) error {
		rows, err := q.Query(ctx, `SELECT `+certificateColumns+` FROM certificates WHERE `+certificateWhere+`
			ORDER BY number LIMIT $10`, f.args(after, limit+1)...)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.Certificate, error) { return scanCertificate(r) })
		return err
	})
	if err != nil {
		return nil, "", err
	}
	out, next := trimPage(out, limit, func(x domain.Certificate) string { return encodeTextCursor(x.Number) })
	return out, next, nil
}

// ProviderContact is the email a provider gave the registry, for its notifications.
func (db *DB) ProviderContact(ctx context.Context, providerID string) (string, error) {
	var email string
	err := db.read(ctx, func(q querier) error {
		return q.QueryRow(ctx, `SELECT email FROM registry_providers WHERE id = $1`, providerID).Scan(&email)
	})
	if domain.IsCode(err, domain.CodeNotFound) {
		return "", nil
	}
	return email, err
}

// namePrefix is the LIKE pattern of a name filter: its beginning, any case, with LIKE's own
// characters taken literally.
func namePrefix(name string) string {
	name = strings.ToLower(strings.TrimSpace(name))
	if name == "" {
		return ""
	}
	r := strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`)
	return r.Replace(name) + "%"
}
