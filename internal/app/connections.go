package app

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/internal/postgres"
	"github.com/profdev/profdev/workflows"
)

// Connecting an organisation and its authorised people (process 5): connection requests,
// the registry of authorised people, change requests and roles within the organisation.

// ConnectionStore is what the connection steps read and write directly.
type ConnectionStore interface {
	GetConnection(ctx context.Context, id string) (domain.Connection, error)
	ListConnections(ctx context.Context, f postgres.ConnectionFilter, page postgres.Page) ([]domain.Connection, string, error)
	AcceptInvitation(ctx context.Context, code string, actor domain.Actor, at time.Time) (domain.Person, error)
	PersonBySub(ctx context.Context, sub string) (domain.Person, error)
	GetPerson(ctx context.Context, id string) (domain.Person, error)
	ListPeople(ctx context.Context, organisation, status string, page postgres.Page) ([]domain.Person, string, error)
	GetOrganisation(ctx context.Context, id string) (domain.ConnectedOrganisation, error)
	SetPersonRole(ctx context.Context, id string, role domain.Role, actor domain.Actor, at time.Time) (domain.Person, error)
	GetChange(ctx context.Context, id string) (domain.ChangeRequest, error)
	LiveConnectionFor(ctx context.Context, authority, organisation string) (string, error)
}

// ConnectionReaders may read connection requests, each within its scope.
var ConnectionReaders = []domain.Role{domain.RoleMinistry, domain.RoleOperator, domain.RoleApplicant}

// SubmitConnection registers a connection request: an applicant's own, or a letter a
// ministry clerk registers (with its number and date).
func (s *Service) SubmitConnection(ctx context.Context, actor domain.Actor, req domain.ConnectionRequest) (domain.Connection, error) {
	if err := Require(actor, domain.RoleApplicant, domain.RoleMinistry); err != nil {
		return domain.Connection{}, err
	}
	if actor.Role == domain.RoleMinistry {
		if req.Letter == nil {
			return domain.Connection{}, domain.Invalid("a ministry user registers a letter",
				domain.FieldError{Field: "letter", Message: "required: the letter's number and date"})
		}
		if req.Authority != actor.Authority {
			return domain.Connection{}, domain.Forbidden("the caller registers letters to %s only", actor.Authority)
		}
	}
	if err := req.Check(); err != nil {
		return domain.Connection{}, err
	}
	// One request at a time per organisation and authority: a second one while the first is
	// under way is refused before a workflow starts (a connected organisation reports
	// changes of its people through change requests instead).
	live, err := s.store.LiveConnectionFor(ctx, req.Authority, req.Organisation.ID)
	if err != nil {
		return domain.Connection{}, err
	}
	if live != "" {
		return domain.Connection{}, domain.Conflict("organisation %s already has a connection request under way (%s)", req.Organisation.ID, live)
	}
	if _, err := s.store.GetOrganisation(ctx, req.Organisation.ID); err == nil {
		return domain.Connection{}, domain.Conflict("organisation %s is connected already: report changes of its people as change requests", req.Organisation.ID)
	} else if !domain.IsCode(err, domain.CodeNotFound) {
		return domain.Connection{}, err
	}
	id := "conn-" + strings.ReplaceAll(uuid.NewString(), "-", "")[:16]
	in := workflows.ConnectionInput{ID: id, Region: s.authorityRegion(ctx, req.Authority), Request: req, SubmittedBy: actor}
	st := Start{ID: workflows.ConnectionWorkflowID(id), Workflow: workflows.ConnectionWorkflowType, Input: in,
		Process: workflows.ProcessConnection, Authority: req.Authority}
	if req.Organisation.Kind == domain.OrgProvider {
		st.Provider = req.Organisation.ID
	} else {
		st.Agency = req.Organisation.ID
	}
	var out domain.Connection
	err = s.start(ctx, st, workflows.UpdateConnectionSnapshot, actor, &out)
	return out, err
}

// Connection returns one connection request with its history, if the actor may see it.
func (s *Service) Connection(ctx context.Context, actor domain.Actor, id string) (domain.Connection, error) {
	if err := Require(actor, ConnectionReaders...); err != nil {
		return domain.Connection{}, err
	}
	c, err := s.store.GetConnection(ctx, id)
	if err != nil {
		return c, err
	}
	if !domain.MayReadConnection(actor, c) {
		return domain.Connection{}, domain.NotFound("connection request " + id)
	}
	c.History, err = s.store.Timeline(ctx, c.ID)
	return c, err
}

// Connections lists the connection requests the actor may see.
func (s *Service) Connections(ctx context.Context, actor domain.Actor, status string, page postgres.Page) ([]domain.Connection, string, error) {
	if err := Require(actor, ConnectionReaders...); err != nil {
		return nil, "", err
	}
	f := postgres.ConnectionFilter{Status: status}
	switch actor.Role {
	case domain.RoleMinistry:
		f.Authority = actor.Authority
	case domain.RoleApplicant:
		f.SubmitterSub = actor.Sub
	}
	return s.store.ListConnections(ctx, f, page)
}

// DecideConnection accepts a connection request or returns it with reasons (ministry). The
// scope comes before the role: a request outside the caller's scope is not found, whatever
// their role (an applicant deciding another's request learns nothing of it).
func (s *Service) DecideConnection(ctx context.Context, actor domain.Actor, id string, d workflows.ConnectionDecision) (domain.Connection, error) {
	if _, err := s.Connection(ctx, actor, id); err != nil {
		return domain.Connection{}, err
	}
	if err := Require(actor, domain.RoleMinistry); err != nil {
		return domain.Connection{}, err
	}
	d.Actor = actor
	var out domain.Connection
	err := s.step(ctx, workflows.ConnectionWorkflowID(id), workflows.UpdateDecideConnection, d, &out,
		domain.Conflict("connection request %s is closed", id))
	return out, err
}

// ResubmitConnection sends a returned request back into review: the applicant's corrected
// request, or a new letter a ministry clerk registers.
func (s *Service) ResubmitConnection(ctx context.Context, actor domain.Actor, id string, req domain.ConnectionRequest) (domain.Connection, error) {
	if err := Require(actor, domain.RoleApplicant, domain.RoleMinistry); err != nil {
		return domain.Connection{}, err
	}
	if _, err := s.Connection(ctx, actor, id); err != nil {
		return domain.Connection{}, err
	}
	if actor.Role == domain.RoleMinistry && req.Letter == nil {
		return domain.Connection{}, domain.Invalid("a ministry user registers a new letter",
			domain.FieldError{Field: "letter", Message: "required: the letter's number and date"})
	}
	if err := req.Check(); err != nil {
		return domain.Connection{}, err
	}
	var out domain.Connection
	err := s.step(ctx, workflows.ConnectionWorkflowID(id), workflows.UpdateResubmitConnection,
		workflows.ConnectionResubmission{Actor: actor, Request: req}, &out, domain.Conflict("connection request %s is closed", id))
	return out, err
}

// AcceptInvitation is a person's first sign-in: the invitation's code binds the caller's
// subject to their entry in the registry, which becomes active, and their connection request
// learns that they have signed in.
func (s *Service) AcceptInvitation(ctx context.Context, actor domain.Actor, code string) (domain.Person, error) {
	p, err := s.store.AcceptInvitation(ctx, code, actor, time.Now().UTC())
	if err != nil {
		return p, err
	}
	var c domain.Connection
	err = s.step(ctx, workflows.ConnectionWorkflowID(p.ConnectionID), workflows.UpdateConnectionSignIn,
		workflows.ConnectionSignIn{Actor: actor, PersonID: p.ID}, &c, nil)
	if err != nil && !errors.Is(err, errProcessClosed) && !domain.IsCode(err, domain.CodeNotFound) {
		// The registry already has the sign-in; the request's own count is what failed.
		s.log.Warn().Err(err).Str("person", p.ID).Msg("connection request did not record the sign-in")
	}
	return s.store.GetPerson(ctx, p.ID)
}

// ActorFromRegistry is who a verified caller is when the registry authorises: the token says
// who (sub), the registry says role and scope. A person not active is refused with the
// reason; a subject with no person is an applicant, except the authorities' own staff,
// operators and servants, whose role the identity provider keeps.
func (s *Service) ActorFromRegistry(ctx context.Context, token domain.Actor) (domain.Actor, error) {
	p, err := s.store.PersonBySub(ctx, token.Sub)
	if domain.IsCode(err, domain.CodeNotFound) {
		switch token.Role {
		case domain.RoleMinistry, domain.RoleReserveAuthority, domain.RoleOperator, domain.RoleServant:
			return token, nil
		}
		return domain.Actor{Sub: token.Sub, Name: token.Name, Role: domain.RoleApplicant}, nil
	}
	if err != nil {
		return domain.Actor{}, err
	}
	switch p.Status {
	case domain.PersonBlocked:
		return domain.Actor{}, domain.Forbidden("person %s is blocked in the registry of authorised people", p.ID)
	case domain.PersonInvited:
		return domain.Actor{}, domain.Forbidden("person %s is not yet connected: accept the invitation first", p.ID)
	}
	return p.Actor(token.Sub, token.Name), nil
}

// orgFor loads the organisation if the actor may see its people: its own org_admin and HR
// officers, the ministry of its authority, operators. A role that never sees people is
// refused (403); one that does, outside its scope, finds nothing (404).
func (s *Service) orgFor(ctx context.Context, actor domain.Actor, org string) (domain.ConnectedOrganisation, error) {
	if err := Require(actor, PeopleReaders...); err != nil {
		return domain.ConnectedOrganisation{}, err
	}
	o, err := s.store.GetOrganisation(ctx, org)
	if err != nil {
		return o, err
	}
	if !domain.MaySeePeople(actor, o) {
		return domain.ConnectedOrganisation{}, domain.NotFound("organisation " + org)
	}
	return o, nil
}

// PeopleReaders may see an organisation's registry of authorised people, each within its
// scope (domain.MaySeePeople).
var PeopleReaders = []domain.Role{domain.RoleOrgAdmin, domain.RoleHR, domain.RoleMinistry, domain.RoleOperator}

// People lists an organisation's authorised people with their history.
func (s *Service) People(ctx context.Context, actor domain.Actor, org, status string, page postgres.Page) ([]domain.Person, string, error) {
	if _, err := s.orgFor(ctx, actor, org); err != nil {
		return nil, "", err
	}
	return s.store.ListPeople(ctx, org, status, page)
}

// SubmitChange reports a change to the organisation's people (org_admin): re-registration,
// a block, a new person.
func (s *Service) SubmitChange(ctx context.Context, actor domain.Actor, org string, body domain.ChangeRequestBody) (domain.ChangeRequest, error) {
	o, err := s.orgFor(ctx, actor, org)
	if err != nil {
		return domain.ChangeRequest{}, err
	}
	if err := Require(actor, domain.RoleOrgAdmin); err != nil {
		return domain.ChangeRequest{}, err
	}
	if err := body.Check(o.Kind); err != nil {
		return domain.ChangeRequest{}, err
	}
	if body.PersonID != "" {
		p, err := s.store.GetPerson(ctx, body.PersonID)
		if err != nil || p.Organisation != org {
			return domain.ChangeRequest{}, domain.NotFound("person " + body.PersonID)
		}
	}
	id := "chg-" + strings.ReplaceAll(uuid.NewString(), "-", "")[:16]
	in := workflows.ChangeInput{Region: s.authorityRegion(ctx, o.Authority), Change: domain.ChangeRequest{
		ID: id, Organisation: org, OrganisationKind: o.Kind, Authority: o.Authority, ChangeRequestBody: body, SubmittedBy: actor,
	}}
	st := Start{ID: workflows.ChangeWorkflowID(id), Workflow: workflows.ChangeWorkflowType, Input: in,
		Process: workflows.ProcessConnectionChange, Authority: o.Authority}
	if o.Kind == domain.OrgProvider {
		st.Provider = org
	} else {
		st.Agency = org
	}
	var out domain.ChangeRequest
	err = s.start(ctx, st, workflows.UpdateChangeSnapshot, actor, &out)
	return out, err
}

// Change returns one change request with its history.
func (s *Service) Change(ctx context.Context, actor domain.Actor, org, id string) (domain.ChangeRequest, error) {
	return s.change(ctx, actor, org, id)
}

// change reads a change request the actor may see; org "" takes the request's own
// organisation (an inbox item names a change by its ID alone).
func (s *Service) change(ctx context.Context, actor domain.Actor, org, id string) (domain.ChangeRequest, error) {
	if err := Require(actor, domain.RoleOrgAdmin, domain.RoleMinistry, domain.RoleOperator); err != nil {
		return domain.ChangeRequest{}, err
	}
	c, err := s.store.GetChange(ctx, id)
	if err != nil && !domain.IsCode(err, domain.CodeNotFound) {
		return domain.ChangeRequest{}, err // the store not answering is no reason to say "not found"
	}
	if err != nil || (org != "" && c.Organisation != org) || !domain.MayReadChange(actor, c) {
		return domain.ChangeRequest{}, domain.NotFound("change request " + id)
	}
	c.History, err = s.store.Timeline(ctx, c.ID)
	return c, err
}

// DecideChange applies a change request or returns it (ministry); applied, it takes effect
// in the registry at once.
func (s *Service) DecideChange(ctx context.Context, actor domain.Actor, org, id string, d workflows.ChangeDecision) (domain.ChangeRequest, error) {
	if _, err := s.Change(ctx, actor, org, id); err != nil {
		return domain.ChangeRequest{}, err
	}
	if err := Require(actor, domain.RoleMinistry); err != nil {
		return domain.ChangeRequest{}, err
	}
	d.Actor = actor
	var out domain.ChangeRequest
	err := s.step(ctx, workflows.ChangeWorkflowID(id), workflows.UpdateDecideChange, d, &out,
		domain.Conflict("change request %s is decided already", id))
	return out, err
}

// SetPersonRole gives one of the organisation's people another role, within what the
// organisation was connected for (org_admin, seed 004 item 3.5).
func (s *Service) SetPersonRole(ctx context.Context, actor domain.Actor, org, personID string, role domain.Role) (domain.Person, error) {
	o, err := s.orgFor(ctx, actor, org)
	if err != nil {
		return domain.Person{}, err
	}
	if err := Require(actor, domain.RoleOrgAdmin); err != nil {
		return domain.Person{}, err
	}
	if !o.Kind.MayGrant(role) {
		return domain.Person{}, domain.Invalid("the role is outside what the organisation was connected for",
			domain.FieldError{Field: "role", Message: "an organisation of kind " + string(o.Kind) + " gives only " + rolesText(o.Kind.Grantable())})
	}
	p, err := s.store.GetPerson(ctx, personID)
	if err != nil || p.Organisation != org {
		return domain.Person{}, domain.NotFound("person " + personID)
	}
	if p.Status == domain.PersonBlocked {
		return domain.Person{}, domain.Conflict("person %s is blocked: a blocked person's role does not change", personID)
	}
	return s.store.SetPersonRole(ctx, personID, role, actor, time.Now().UTC())
}

func rolesText(rs []domain.Role) string {
	names := make([]string, len(rs))
	for i, r := range rs {
		names[i] = string(r)
	}
	return strings.Join(names, ", ")
}
