package app

import (
	"slices"
	"strings"

	"github.com/profdev/profdev/internal/domain"
)

// Require is the one role check every step makes: the actor holds one of the roles, or the
// step is refused as forbidden. Scope is checked against the record the step loads: a record
// outside the actor's scope is not found, never forbidden, so its existence does not leak.
func Require(a domain.Actor, roles ...domain.Role) error {
	if slices.Contains(roles, a.Role) {
		return nil
	}
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = string(r)
	}
	return domain.Forbidden("this step is for the role(s) %s; the caller is %s", strings.Join(names, ", "), a.Role)
}

// Owner names the parties a record belongs to, for scope checks.
type Owner struct {
	Authority, Agency, Provider, Servant string
}

// InScope reports whether the actor may see a record that belongs to the given authority,
// agency, provider or servant; the operator sees everything.
func InScope(a domain.Actor, owner Owner) bool {
	switch a.Role {
	case domain.RoleOperator:
		return true
	case domain.RoleMinistry, domain.RoleReserveAuthority:
		return owner.Authority != "" && owner.Authority == a.Authority
	case domain.RoleHR, domain.RoleAgencyHead:
		return owner.Agency != "" && owner.Agency == a.Agency
	case domain.RoleProvider:
		return owner.Provider != "" && owner.Provider == a.Provider
	case domain.RoleServant:
		return owner.Servant != "" && owner.Servant == a.Servant
	}
	return false
}

// pinScope makes a list query ask only for what the actor may see: the actor's own scope
// always wins over the query, and asking for another scope is forbidden.
func pinScope(records, field, own string, target *string) error {
	if *target != "" && *target != own {
		return domain.Forbidden("the caller sees the %s of %s %s only", records, field, own)
	}
	*target = own
	return nil
}
