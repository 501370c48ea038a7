package domain

import (
	"slices"
	"strings"
)

// Who may read and decide the records of process 5: each rule once, for the workflows'
// update validators and the application layer alike. Outside the rule a record does not
// exist for the caller (not_found), so that nobody learns what lies beyond their scope.

// DecisionReturn returns a request to its sender with reasons (возврат на доработку).
const DecisionReturn = "return"

// MayReadConnection: the authority's ministry users, the applicant who submitted the
// request (or the clerk who registered its letter), and operators.
func MayReadConnection(a Actor, c Connection) bool {
	switch {
	case a.Role == RoleOperator, a.Role == RoleMinistry && a.Authority == c.Authority:
		return true
	}
	return a.Sub != "" && a.Sub == c.SubmittedBy.Sub
}

// MaySeePeople: an organisation's registry of authorised people is for its org_admin and
// HR officers, the ministry users of its authority, and operators.
func MaySeePeople(a Actor, o ConnectedOrganisation) bool {
	return mayReadOrganisation(a, o.Authority, o.ID)
}

// MayReadChange: a change request is for its organisation's org_admin, the ministry users
// of its authority, and operators; not for HR officers, who do not report changes.
func MayReadChange(a Actor, c ChangeRequest) bool {
	return a.Role != RoleHR && mayReadOrganisation(a, c.Authority, c.Organisation)
}

func mayReadOrganisation(a Actor, authority, organisation string) bool {
	switch a.Role {
	case RoleOperator:
		return true
	case RoleMinistry:
		return a.Authority == authority
	case RoleOrgAdmin:
		return a.OrgScope() == organisation
	case RoleHR:
		return a.Agency == organisation
	}
	return false
}

// CheckDecision is what an authority's decision on a request must be, whatever the
// request's state: a ministry user's (the caller already may read the request), one of
// accept and DecisionReturn, and a return with its reasons. what names the requests
// ("connection request").
func CheckDecision(a Actor, what, decision string, reasons []string, accept string) error {
	if a.Role != RoleMinistry {
		return Forbidden("only the authority's ministry users decide %ss", what)
	}
	if options := []string{accept, DecisionReturn}; !slices.Contains(options, decision) {
		return Errorf(CodeInvalid, "decision must be %s", strings.Join(options, " or "))
	}
	if decision == DecisionReturn && len(reasons) == 0 {
		return Errorf(CodeInvalid, "reasons are required to return a %s", what)
	}
	return nil
}
