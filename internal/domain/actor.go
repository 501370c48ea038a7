package domain

import "fmt"

// Role is the `role` claim of a token: who the caller is in the domain.
type Role string

// The roles of ../shared/DOMAIN.md.
const (
	RoleMinistry         Role = "ministry"
	RoleReserveAuthority Role = "reserve_authority"
	RoleHR               Role = "hr"
	RoleAgencyHead       Role = "agency_head"
	RoleProvider         Role = "provider"
	RoleServant          Role = "servant"
	RoleOperator         Role = "operator"
	// RoleOrgAdmin administers a connected organisation's people (администратор участника);
	// its scope is its organisation: the agency claim, or the provider claim for a provider.
	RoleOrgAdmin Role = "org_admin"
	// RoleApplicant is a person signed in who holds no role yet: they may submit and follow
	// their organisation's connection request only.
	RoleApplicant Role = "applicant"
)

// Roles lists every role in a stable order.
var Roles = []Role{RoleMinistry, RoleReserveAuthority, RoleHR, RoleAgencyHead, RoleProvider, RoleServant, RoleOperator, RoleOrgAdmin, RoleApplicant}

// Scope claims: the token claim that carries the scope of a role.
const (
	ScopeAuthority = "authority"
	ScopeAgency    = "agency"
	ScopeProvider  = "provider"
	ScopeServant   = "servant"
)

// Valid reports whether r is one of the known roles.
func (r Role) Valid() bool {
	for _, k := range Roles {
		if r == k {
			return true
		}
	}
	return false
}

// ScopeClaim names the claim that carries this role's scope; "" for the operator and the
// applicant, who have none, and for org_admin, whose scope is either claim (OrgScope).
func (r Role) ScopeClaim() string {
	switch r {
	case RoleMinistry, RoleReserveAuthority:
		return ScopeAuthority
	case RoleHR, RoleAgencyHead:
		return ScopeAgency
	case RoleProvider:
		return ScopeProvider
	case RoleServant:
		return ScopeServant
	}
	return ""
}

// Actor is an authenticated caller: who took a step. Workflows record it with every step.
type Actor struct {
	Sub       string `json:"sub"`
	Name      string `json:"name,omitempty"`
	Role      Role   `json:"role"`
	Authority string `json:"authority,omitempty"`
	Agency    string `json:"agency,omitempty"`
	Provider  string `json:"provider,omitempty"`
	Servant   string `json:"servant,omitempty"`
}

// Scope returns the value of the actor's scope claim ("" for the operator).
func (a Actor) Scope() string {
	switch a.Role.ScopeClaim() {
	case ScopeAuthority:
		return a.Authority
	case ScopeAgency:
		return a.Agency
	case ScopeProvider:
		return a.Provider
	case ScopeServant:
		return a.Servant
	}
	if a.Role == RoleOrgAdmin {
		return a.OrgScope()
	}
	return ""
}

// OrgScope is the organisation an org_admin administers: its agency or its provider claim.
func (a Actor) OrgScope() string {
	if a.Agency != "" {
		return a.Agency
	}
	return a.Provider
}

// Validate checks that the actor has a subject, a known role and the scope its role needs.
func (a Actor) Validate() error {
	if a.Sub == "" {
		return Errorf(CodeUnauthenticated, "token has no subject")
	}
	if !a.Role.Valid() {
		return Errorf(CodeUnauthenticated, "token has an unknown role %q", a.Role)
	}
	if claim := a.Role.ScopeClaim(); claim != "" && a.Scope() == "" {
		return Errorf(CodeUnauthenticated, "role %s needs the %s claim", a.Role, claim)
	}
	if a.Role == RoleOrgAdmin && (a.Agency == "") == (a.Provider == "") {
		return Errorf(CodeUnauthenticated, "role org_admin needs exactly one of the agency and provider claims")
	}
	return nil
}

// Audience is to whom a notification is addressed: one person (Sub), or every holder of a
// role within a scope (Role and Scope, e.g. every hr of agency-1).
type Audience struct {
	Sub   string `json:"sub,omitempty"`
	Role  Role   `json:"role,omitempty"`
	Scope string `json:"scope,omitempty"`
}

// UserAudience addresses one person.
func UserAudience(sub string) Audience { return Audience{Sub: sub} }

// RoleAudience addresses every holder of role within scope.
func RoleAudience(role Role, scope string) Audience { return Audience{Role: role, Scope: scope} }

// Key is a stable text form of the audience, used in idempotency keys and storage.
func (a Audience) Key() string {
	if a.Sub != "" {
		return "user:" + a.Sub
	}
	return fmt.Sprintf("role:%s:%s", a.Role, a.Scope)
}

// Includes reports whether the actor is addressed by this audience.
func (a Audience) Includes(actor Actor) bool {
	if a.Sub != "" {
		return a.Sub == actor.Sub
	}
	return a.Role == actor.Role && a.Scope == actor.Scope()
}
