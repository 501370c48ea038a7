package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/profdev/profdev/internal/domain"
)

// PutAuthority creates or replaces an authority.
func (db *DB) PutAuthority(ctx context.Context, a domain.Authority) (domain.Authority, error) {
	var out domain.Authority
	err := db.InTx(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `
			INSERT INTO authorities (id, name, region, emails, updated_at)
			VALUES ($1, $2, $3, $4, now())
			ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, region = EXCLUDED.region,
				emails = EXCLUDED.emails, updated_at = now()
			RETURNING id, name, region, emails, updated_at`,
			a.ID, a.Name, a.Region, nonNil(a.Emails),
		).Scan(&out.ID, &out.Name, &out.Region, &out.Emails, &out.UpdatedAt)
	})
	return out, err
}

// GetAuthority returns one authority or a not_found error.
func (db *DB) GetAuthority(ctx context.Context, id string) (domain.Authority, error) {
	var out domain.Authority
	err := db.read(ctx, func(q querier) error {
		return q.QueryRow(ctx, `SELECT id, name, region, emails, updated_at FROM authorities WHERE id = $1`, id).
			Scan(&out.ID, &out.Name, &out.Region, &out.Emails, &out.UpdatedAt)
	})
	if domain.IsCode(err, domain.CodeNotFound) {
		return out, domain.NotFound("authority " + id)
	}
	return out, err
}

// ListAuthorities lists every authority by name, without staff addresses: what an
// applicant chooses from when asking to be connected.
func (db *DB) ListAuthorities(ctx context.Context) ([]domain.Authority, error) {
	var out []domain.Authority
	err := db.read(ctx, func(q querier) error {
		rows, err := q.Query(ctx, `SELECT id, name, region, updated_at FROM authorities ORDER BY name, id LIMIT 1000`)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.Authority, error) {
			var a domain.Authority
			err := r.Scan(&a.ID, &a.Name, &a.Region, &a.UpdatedAt)
			return a, err
		})
		return err
	})
	return out, err
}

// PutAgency creates or replaces an agency.
func (db *DB) PutAgency(ctx context.Context, a domain.Agency) (domain.Agency, error) {
	var out domain.Agency
	err := db.InTx(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `
			INSERT INTO agencies (id, name, authority, region, hr_emails, head_email, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, now())
			ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, authority = EXCLUDED.authority,
				region = EXCLUDED.region, hr_emails = EXCLUDED.hr_emails,
				head_email = EXCLUDED.head_email, updated_at = now()
			RETURNING id, name, authority, region, hr_emails, head_email, updated_at`,
			a.ID, a.Name, a.Authority, a.Region, nonNil(a.HREmails), a.HeadEmail,
		).Scan(&out.ID, &out.Name, &out.Authority, &out.Region, &out.HREmails, &out.HeadEmail, &out.UpdatedAt)
	})
	return out, err
}

// GetAgency returns one agency or a not_found error.
func (db *DB) GetAgency(ctx context.Context, id string) (domain.Agency, error) {
	var out domain.Agency
	err := db.read(ctx, func(q querier) error {
		return q.QueryRow(ctx, `
			SELECT id, name, authority, region, hr_emails, head_email, updated_at
			FROM agencies WHERE id = $1`, id).
			Scan(&out.ID, &out.Name, &out.Authority, &out.Region, &out.HREmails, &out.HeadEmail, &out.UpdatedAt)
	})
	if domain.IsCode(err, domain.CodeNotFound) {
		return out, domain.NotFound("agency " + id)
	}
	return out, err
}

// ListAgencies lists agencies ordered by id, optionally of one authority.
func (db *DB) ListAgencies(ctx context.Context, authority string, page Page) ([]domain.Agency, string, error) {
	after, err := decodeTextCursor(page.Cursor)
	if err != nil {
		return nil, "", err
	}
	limit := page.limit()
	var out []domain.Agency
	err = db.read(ctx, func(q querier) error {
		rows, err := q.Query(ctx, `
			SELECT id, name, authority, region, hr_emails, head_email, updated_at
			FROM agencies
			WHERE ($1 = '' OR authority = $1) AND id > $2
			ORDER BY id LIMIT $3`, authority, after, limit+1)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.Agency, error) {
			var a domain.Agency
			err := r.Scan(&a.ID, &a.Name, &a.Authority, &a.Region, &a.HREmails, &a.HeadEmail, &a.UpdatedAt)
			return a, err
		})
		return err
	})
	if err != nil {
		return nil, "", err
	}
	out, next := trimPage(out, limit, func(x domain.Agency) string { return encodeTextCursor(x.ID) })
	return out, next, nil
}

// EmailsFor resolves an audience to the addresses the directory holds for it: an agency's
// HR officers or head, an authority's staff. Audiences the directory does not hold (one
// person, a provider, a servant) resolve to none: their addresses come from their records.
func (db *DB) EmailsFor(ctx context.Context, a domain.Audience) ([]string, error) {
	if a.Sub != "" {
		return nil, nil
	}
	var q string
	switch a.Role {
	case domain.RoleHR:
		q = `SELECT hr_emails FROM agencies WHERE id = $1`
	case domain.RoleAgencyHead:
		q = `SELECT CASE WHEN head_email = '' THEN '{}'::text[] ELSE ARRAY[head_email] END FROM agencies WHERE id = $1`
	case domain.RoleMinistry, domain.RoleReserveAuthority:
		q = `SELECT emails FROM authorities WHERE id = $1`
	case domain.RoleProvider:
		// The address the provider gave the registry (a batch's digest names no other).
		q = `SELECT CASE WHEN email = '' THEN '{}'::text[] ELSE ARRAY[email] END FROM registry_providers WHERE id = $1`
	default:
		return nil, nil
	}
	var emails []string
	err := db.read(ctx, func(r querier) error {
		return r.QueryRow(ctx, q, a.Scope).Scan(&emails)
	})
	if domain.IsCode(err, domain.CodeNotFound) {
		return nil, nil
	}
	return emails, err
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// SetNumberPrefix gives an authority the prefix of its certificate numbers (PREFIX-YYYY-NNNNNN)
// unless it has one already: numbers once handed out keep their form.
func (db *DB) SetNumberPrefix(ctx context.Context, authority, prefix string) error {
	return db.InTx(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE authorities SET number_prefix = $2 WHERE id = $1 AND number_prefix = ''`, authority, prefix)
		return err
	})
}
