package domain_test

import (
	"testing"

	"github.com/profdev/profdev/internal/domain"
)

var (
	ministry      = domain.Actor{Sub: "m", Role: domain.RoleMinistry, Authority: "mintrud"}
	otherMinistry = domain.Actor{Sub: "m2", Role: domain.RoleMinistry, Authority: "region-64"}
	operator      = domain.Actor{Sub: "op", Role: domain.RoleOperator}
	applicant     = domain.Actor{Sub: "esia-1", Role: domain.RoleApplicant}
	otherApplicnt = domain.Actor{Sub: "esia-2", Role: domain.RoleApplicant}
	orgAdmin      = domain.Actor{Sub: "a", Role: domain.RoleOrgAdmin, Agency: "agency-1"}
	otherOrgAdmin = domain.Actor{Sub: "a2", Role: domain.RoleOrgAdmin, Agency: "agency-2"}
	providerAdmin = domain.Actor{Sub: "a3", Role: domain.RoleOrgAdmin, Provider: "agency-1"}
	hrOfOrg       = domain.Actor{Sub: "h", Role: domain.RoleHR, Agency: "agency-1"}
	hrOfOther     = domain.Actor{Sub: "h2", Role: domain.RoleHR, Agency: "agency-2"}
)

func TestWhoReadsProcess5Records(t *testing.T) {
	conn := domain.Connection{ID: "c", Authority: "mintrud", SubmittedBy: applicant}
	org := domain.ConnectedOrganisation{ID: "agency-1", Authority: "mintrud"}
	change := domain.ChangeRequest{ID: "x", Authority: "mintrud", Organisation: "agency-1"}
	for _, x := range []struct {
		who                   domain.Actor
		conn, people, changes bool
	}{
		{ministry, true, true, true},
		{otherMinistry, false, false, false},
		{operator, true, true, true},
		{applicant, true, false, false},
		{otherApplicnt, false, false, false},
		{domain.Actor{Role: domain.RoleApplicant}, false, false, false}, // no sub matches no submitter
		{orgAdmin, false, true, true},
		{providerAdmin, false, true, true}, // an org_admin's scope is its agency or provider claim
		{otherOrgAdmin, false, false, false},
		{hrOfOrg, false, true, false},
		{hrOfOther, false, false, false},
	} {
		got := [3]bool{domain.MayReadConnection(x.who, conn), domain.MaySeePeople(x.who, org), domain.MayReadChange(x.who, change)}
		if want := [3]bool{x.conn, x.people, x.changes}; got != want {
			t.Errorf("%s (%s): connection, people, change = %v, want %v", x.who.Sub, x.who.Role, got, want)
		}
	}
}

func TestCheckDecision(t *testing.T) {
	for _, x := range []struct {
		who      domain.Actor
		decision string
		reasons  []string
		want     domain.Code
	}{
		{ministry, "accept", nil, ""},
		{ministry, "return", []string{"нет подписи"}, ""},
		{ministry, "return", nil, domain.CodeInvalid},
		{ministry, "apply", nil, domain.CodeInvalid}, // not an option of this request
		{operator, "accept", nil, domain.CodeForbidden},
		{applicant, "accept", nil, domain.CodeForbidden},
	} {
		err := domain.CheckDecision(x.who, "connection request", x.decision, x.reasons, "accept")
		if got := domain.ErrorCode(err); got != x.want {
			t.Errorf("%s deciding %q with %d reasons = %v, want %q", x.who.Role, x.decision, len(x.reasons), err, x.want)
		}
	}
}
