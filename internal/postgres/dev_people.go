package postgres

import (
	"context"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/profdev/profdev/internal/domain"
)

// DevPeople lists one development person per role and scope the directory knows, for the
// console's development sign-in (profdev dev): the ministry and the reserve authority of
// each authority, HR and the head of each agency, each admitted provider, a few servants
// with certificates, an operator, an applicant whose organisation is not connected yet, and the active people of the registry of authorised
// people (process 5) under their own subjects. Subjects are stable ("dev-hr-agency-1"), so a person
// signing in again finds their own feed and surveys.
func (db *DB) DevPeople(ctx context.Context, servants int) ([]domain.Actor, error) {
	var out []domain.Actor
	err := db.read(ctx, func(q querier) error {
		out = out[:0]
		rows, err := q.Query(ctx, `
			SELECT 'ministry', id, name, id, '', '', '' FROM authorities
			UNION ALL SELECT 'reserve_authority', id, name, id, '', '', '' FROM authorities
			UNION ALL SELECT 'hr', id, name, authority, id, '', '' FROM agencies
			UNION ALL SELECT 'agency_head', id, name, authority, id, '', '' FROM agencies
			UNION ALL (SELECT DISTINCT ON (p.id) 'provider', p.id, p.name, m.authority, '', p.id, ''
				FROM registry_providers p JOIN registry_memberships m ON m.provider_id = p.id AND m.status <> 'excluded'
				ORDER BY p.id)
			UNION ALL (SELECT DISTINCT ON (servant_id) 'servant', servant_id, servant->>'full_name', authority, agency_id, '', servant_id
				FROM certificates WHERE status <> 'issuing' ORDER BY servant_id LIMIT $1)
			UNION ALL SELECT 'operator', 'ops', 'Оператор', '', '', '', ''
			UNION ALL SELECT 'applicant', 'new', 'Заявитель (организация ещё не подключена)', '', '', '', ''
			UNION ALL (SELECT 'registry:' || role, sub, full_name, authority, scope, organisation_kind, ''
				FROM people WHERE sub IS NOT NULL AND status = 'active' ORDER BY sub LIMIT 50)`, servants)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.Actor, error) {
			var role, id, name, authority, agency, provider, servant string
			if err := r.Scan(&role, &id, &name, &authority, &agency, &provider, &servant); err != nil {
				return domain.Actor{}, err
			}
			if r, ok := strings.CutPrefix(role, "registry:"); ok {
				// A person of the registry of authorised people signs in as themselves; their
				// role and scope are the registry's (provider holds the organisation's kind).
				p := domain.Person{Scope: agency, OrganisationKind: domain.OrganisationKind(provider)}
				p.Role = domain.Role(r)
				return p.Actor(id, name), nil
			}
			a := domain.Actor{Sub: "dev-" + role + "-" + id, Name: name, Role: domain.Role(role), Provider: provider, Servant: servant}
			switch a.Role {
			case domain.RoleMinistry, domain.RoleReserveAuthority:
				a.Authority = authority
			case domain.RoleHR, domain.RoleAgencyHead:
				a.Agency = agency
			case domain.RoleOperator:
				a.Sub = "dev-operator"
			case domain.RoleApplicant:
				a.Sub = "dev-applicant"
			}
			return a, nil
		})
		return err
	})
	return out, err
}
