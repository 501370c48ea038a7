package postgres

import (
	"context"
	"fmt"
	"time"

	"cloud.google.com/go/civil"
	"github.com/jackc/pgx/v5"

	"github.com/profdev/profdev/internal/domain"
)

const applicationColumns = `id, workflow_id, authority, year, provider_id, provider, programmes, status,
	review_due, resubmit_due, admission_due, overdue, reasons, submitted_at, decided_at, revision`

func scanApplication(r pgx.Row) (domain.Application, error) {
	var a domain.Application
	var review, resubmit *time.Time
	var admission time.Time
	err := r.Scan(&a.ID, &a.WorkflowID, &a.Authority, &a.Year, &a.ProviderID, &a.Provider, &a.Programmes, &a.Status,
		&review, &resubmit, &admission, &a.Overdue, &a.Reasons, &a.SubmittedAt, &a.DecidedAt, &a.Revision)
	a.ReviewDue, a.ResubmitDue, a.AdmissionDue = datePtr(review), datePtr(resubmit), civil.DateOf(admission)
	return a, err
}

// SaveApplication writes the workflow's view of an application and the step that led to
// it, in one transaction. An older revision never overwrites a newer one, so a late retry of
// an earlier step cannot roll the read model back.
func (db *DB) SaveApplication(ctx context.Context, a domain.Application, ev domain.Event) error {
	return db.InTx(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `
			INSERT INTO registry_applications (`+applicationColumns+`, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, now())
			ON CONFLICT (id) DO UPDATE SET provider = EXCLUDED.provider, programmes = EXCLUDED.programmes,
				status = EXCLUDED.status, review_due = EXCLUDED.review_due, resubmit_due = EXCLUDED.resubmit_due,
				overdue = EXCLUDED.overdue, reasons = EXCLUDED.reasons, decided_at = EXCLUDED.decided_at,
				revision = EXCLUDED.revision, updated_at = now()
			WHERE registry_applications.revision < EXCLUDED.revision`,
			a.ID, a.WorkflowID, a.Authority, a.Year, a.ProviderID, a.Provider, a.Programmes, a.Status,
			dateArg(a.ReviewDue), dateArg(a.ResubmitDue), a.AdmissionDue.String(), a.Overdue, nonNil(a.Reasons),
			a.SubmittedAt, a.DecidedAt, a.Revision)
		if err != nil {
			return err
		}
		return insertEvent(ctx, tx, a.WorkflowID, a.ID, ev)
	})
}

// GetApplication returns one application or not_found.
func (db *DB) GetApplication(ctx context.Context, id string) (domain.Application, error) {
	var a domain.Application
	err := db.read(ctx, func(q querier) error {
		var err error
		a, err = scanApplication(q.QueryRow(ctx, `SELECT `+applicationColumns+` FROM registry_applications WHERE id = $1`, id))
		return err
	})
	if domain.IsCode(err, domain.CodeNotFound) {
		return a, domain.NotFound("application " + id)
	}
	return a, err
}

// ApplicationFilter narrows a list of applications; empty fields do not filter.
type ApplicationFilter struct {
	Authority  string
	ProviderID string
	Status     string
	Overdue    *bool
}

// ListApplications lists applications, newest id last, filtered and paginated.
func (db *DB) ListApplications(ctx context.Context, f ApplicationFilter, page Page) ([]domain.Application, string, error) {
	after, err := decodeTextCursor(page.Cursor)
	if err != nil {
		return nil, "", err
	}
	limit := page.limit()
	var out []domain.Application
	err = db.read(ctx, func(q querier) error {
		rows, err := q.Query(ctx, `SELECT `+applicationColumns+` FROM registry_applications
			WHERE ($1 = '' OR authority = $1) AND ($2 = '' OR provider_id = $2) AND ($3 = '' OR status = $3)
				AND ($4::boolean IS NULL OR overdue = $4) AND id > $5
			ORDER BY id LIMIT $6`, f.Authority, f.ProviderID, f.Status, f.Overdue, after, limit+1)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.Application, error) { return scanApplication(r) })
		return err
	})
	if err != nil {
		return nil, "", err
	}
	out, next := trimPage(out, limit, func(x domain.Application) string { return encodeTextCursor(x.ID) })
	return out, next, nil
}

// EnterRegistry puts an admitted provider and its programmes for the year in the registry
// of the authority. Repeating it changes nothing.
func (db *DB) EnterRegistry(ctx context.Context, a domain.Admission) error {
	return db.InTx(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		p := a.Provider
		if _, err := tx.Exec(ctx, `
			INSERT INTO registry_providers (id, name, inn, ogrn, license_number, address, email, phone, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now())
			ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, inn = EXCLUDED.inn, ogrn = EXCLUDED.ogrn,
				license_number = EXCLUDED.license_number, address = EXCLUDED.address, email = EXCLUDED.email,
				phone = EXCLUDED.phone, updated_at = now()`,
			a.ProviderID, p.Name, p.INN, p.OGRN, p.LicenseNumber, p.Address, p.Email, p.Phone); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `
			INSERT INTO registry_memberships (provider_id, authority, status, workflow_id, application_id, admitted_at, revision)
			VALUES ($1, $2, 'admitted', $3, $4, $5, 0)
			ON CONFLICT (provider_id, authority) DO UPDATE SET status = 'admitted', workflow_id = EXCLUDED.workflow_id,
				application_id = EXCLUDED.application_id, admitted_at = EXCLUDED.admitted_at,
				exclusion_reason = '', excluded_at = NULL, revision = 0, updated_at = now()
			WHERE registry_memberships.application_id <> EXCLUDED.application_id`,
			a.ProviderID, a.Authority, a.WorkflowID, a.ApplicationID, a.At); err != nil {
			return err
		}
		d := domain.Declaration{ID: a.ApplicationID, ProviderID: a.ProviderID, Authority: a.Authority, Year: a.Year,
			Status: domain.DeclarationAccepted, Programmes: a.Programmes, SubmittedAt: a.At, DecidedAt: &a.At}
		return saveDeclaration(ctx, tx, d)
	})
}

// SaveMembership records a change of standing and the step behind it.
func (db *DB) SaveMembership(ctx context.Context, m domain.Membership, ev domain.Event) error {
	return db.InTx(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `
			UPDATE registry_memberships SET status = $3, exclusion_reason = $4, excluded_at = $5, revision = $6, updated_at = now()
			WHERE provider_id = $1 AND authority = $2 AND revision < $6`,
			m.ProviderID, m.Authority, m.Status, m.ExclusionReason, m.ExcludedAt, m.Revision); err != nil {
			return err
		}
		return insertEvent(ctx, tx, m.WorkflowID, membershipSubject(m.ProviderID, m.Authority), ev)
	})
}

func membershipSubject(providerID, authority string) string {
	return "registry/" + authority + "/" + providerID
}

// GetMembership returns a provider's standing with an authority, or not_found.
func (db *DB) GetMembership(ctx context.Context, providerID, authority string) (domain.Membership, error) {
	var m domain.Membership
	err := db.read(ctx, func(q querier) error {
		return q.QueryRow(ctx, `
			SELECT provider_id, authority, status, workflow_id, application_id, admitted_at, exclusion_reason, excluded_at, revision
			FROM registry_memberships WHERE provider_id = $1 AND authority = $2`, providerID, authority).
			Scan(&m.ProviderID, &m.Authority, &m.Status, &m.WorkflowID, &m.ApplicationID, &m.AdmittedAt,
				&m.ExclusionReason, &m.ExcludedAt, &m.Revision)
	})
	if domain.IsCode(err, domain.CodeNotFound) {
		return m, domain.NotFound(fmt.Sprintf("registry membership of %s with %s", providerID, authority))
	}
	return m, err
}

// MembershipTimeline returns the steps of a provider's membership with an authority.
func (db *DB) MembershipTimeline(ctx context.Context, providerID, authority string) ([]domain.Event, error) {
	return db.Timeline(ctx, membershipSubject(providerID, authority))
}

// ProviderMemberships lists a provider's memberships with every authority.
func (db *DB) ProviderMemberships(ctx context.Context, providerID string) ([]domain.Membership, error) {
	var out []domain.Membership
	err := db.read(ctx, func(q querier) error {
		rows, err := q.Query(ctx, `
			SELECT provider_id, authority, status, workflow_id, application_id, admitted_at, exclusion_reason, excluded_at, revision
			FROM registry_memberships WHERE provider_id = $1 ORDER BY authority`, providerID)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.Membership, error) {
			var m domain.Membership
			err := r.Scan(&m.ProviderID, &m.Authority, &m.Status, &m.WorkflowID, &m.ApplicationID, &m.AdmittedAt,
				&m.ExclusionReason, &m.ExcludedAt, &m.Revision)
			return m, err
		})
		return err
	})
	return out, err
}
