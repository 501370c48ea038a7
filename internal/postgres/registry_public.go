package postgres

import (
	"context"
	"time"

	"cloud.google.com/go/civil"
	"github.com/jackc/pgx/v5"

	"github.com/profdev/profdev/internal/domain"
)

// SaveDeclaration records a declaration and the step behind it; an accepted declaration
// puts its programmes in the registry for its year.
func (db *DB) SaveDeclaration(ctx context.Context, d domain.Declaration, workflowID string, ev domain.Event) error {
	return db.InTx(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		if err := saveDeclaration(ctx, tx, d); err != nil {
			return err
		}
		return insertEvent(ctx, tx, workflowID, membershipSubject(d.ProviderID, d.Authority), ev)
	})
}

func saveDeclaration(ctx context.Context, tx pgx.Tx, d domain.Declaration) error {
	if _, err := tx.Exec(ctx, `
		INSERT INTO registry_declarations (id, provider_id, authority, year, status, programmes, reasons, submitted_at, decided_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, now())
		ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, reasons = EXCLUDED.reasons,
			decided_at = EXCLUDED.decided_at, updated_at = now()`,
		d.ID, d.ProviderID, d.Authority, d.Year, d.Status, d.Programmes, nonNil(d.Reasons), d.SubmittedAt, d.DecidedAt); err != nil {
		return err
	}
	if d.Status != domain.DeclarationAccepted {
		return nil
	}
	for _, p := range d.Programmes {
		if _, err := tx.Exec(ctx, `
			INSERT INTO registry_programmes (provider_id, authority, year, code, title, kind, hours, format, price, declaration_id)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
			ON CONFLICT (provider_id, authority, year, code) DO UPDATE SET title = EXCLUDED.title, kind = EXCLUDED.kind,
				hours = EXCLUDED.hours, format = EXCLUDED.format, price = EXCLUDED.price, declaration_id = EXCLUDED.declaration_id`,
			d.ProviderID, d.Authority, d.Year, p.Code, p.Title, p.Kind, p.Hours, p.Format, p.Price, d.ID); err != nil {
			return err
		}
	}
	return nil
}

// GetDeclaration returns one declaration or not_found.
func (db *DB) GetDeclaration(ctx context.Context, id string) (domain.Declaration, error) {
	var d domain.Declaration
	err := db.read(ctx, func(q querier) error {
		return q.QueryRow(ctx, `
			SELECT id, provider_id, authority, year, status, programmes, reasons, submitted_at, decided_at
			FROM registry_declarations WHERE id = $1`, id).
			Scan(&d.ID, &d.ProviderID, &d.Authority, &d.Year, &d.Status, &d.Programmes, &d.Reasons, &d.SubmittedAt, &d.DecidedAt)
	})
	if domain.IsCode(err, domain.CodeNotFound) {
		return d, domain.NotFound("declaration " + id)
	}
	return d, err
}

// PublicRegistry lists the providers admitted to the authority's registry and not
// excluded, with their accepted programmes for the year.
func (db *DB) PublicRegistry(ctx context.Context, authority string, year int) ([]domain.PublicProvider, error) {
	var out []domain.PublicProvider
	err := db.read(ctx, func(q querier) error {
		rows, err := q.Query(ctx, `
			SELECT p.id, p.name, p.inn, p.ogrn, p.license_number, p.address, m.admitted_at,
				coalesce(jsonb_agg(jsonb_build_object('code', g.code, 'title', g.title, 'kind', g.kind, 'hours', g.hours,
					'format', g.format, 'price', g.price) ORDER BY g.code) FILTER (WHERE g.code IS NOT NULL), '[]')
			FROM registry_memberships m
			JOIN registry_providers p ON p.id = m.provider_id
			LEFT JOIN registry_programmes g ON g.provider_id = m.provider_id AND g.authority = m.authority AND g.year = $2
			WHERE m.authority = $1 AND m.status <> 'excluded'
			GROUP BY p.id, m.admitted_at
			ORDER BY p.name, p.id`, authority, year)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.PublicProvider, error) {
			var p domain.PublicProvider
			err := r.Scan(&p.ProviderID, &p.Name, &p.INN, &p.OGRN, &p.LicenseNumber, &p.Address, &p.AdmittedAt, &p.Programmes)
			return p, err
		})
		return err
	})
	if out == nil {
		out = []domain.PublicProvider{}
	}
	return out, err
}

// ProgrammeForCertificate says whether a certificate may name this provider and programme
// for the year: the provider is in the authority's registry and not excluded, and the
// programme is accepted for that year. It returns the programme, or a conflict error that
// says which condition fails.
func (db *DB) ProgrammeForCertificate(ctx context.Context, authority, providerID, code string, year int) (domain.Programme, error) {
	m, err := db.GetMembership(ctx, providerID, authority)
	if domain.IsCode(err, domain.CodeNotFound) {
		return domain.Programme{}, domain.Conflict("provider %s is not in the registry of %s", providerID, authority)
	}
	if err != nil {
		return domain.Programme{}, err
	}
	if m.Status == domain.MembershipExcluded {
		return domain.Programme{}, domain.Conflict("provider %s was excluded from the registry of %s: no new certificates", providerID, authority)
	}
	var p domain.Programme
	err = db.read(ctx, func(q querier) error {
		return q.QueryRow(ctx, `
			SELECT code, title, kind, hours, format, price::float8 FROM registry_programmes
			WHERE provider_id = $1 AND authority = $2 AND year = $3 AND code = $4`, providerID, authority, year, code).
			Scan(&p.Code, &p.Title, &p.Kind, &p.Hours, &p.Format, &p.Price)
	})
	if domain.IsCode(err, domain.CodeNotFound) {
		return p, domain.Conflict("programme %s of provider %s is not declared and accepted for %d", code, providerID, year)
	}
	return p, err
}

func datePtr(t *time.Time) *civil.Date {
	if t == nil {
		return nil
	}
	d := civil.DateOf(*t)
	return &d
}

func dateArg(d *civil.Date) any {
	if d == nil {
		return nil
	}
	return d.String()
}
