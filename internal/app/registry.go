package app

import (
	"context"
	"regexp"
	"time"

	"github.com/google/uuid"

	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/internal/postgres"
	"github.com/profdev/profdev/workflows"
)

// The provider registry (реестр образовательных организаций, process 2): a provider's
// application for inclusion (заявка на включение в реестр) and the ministry's decision on
// it, the yearly declarations of programmes (сведения о программах на год), exclusion
// (исключение из реестра) and the public registry.

// RegistryStore is what the registry steps read outside the workflows.
type RegistryStore interface {
	GetApplication(ctx context.Context, id string) (domain.Application, error)
	ListApplications(ctx context.Context, f postgres.ApplicationFilter, page postgres.Page) ([]domain.Application, string, error)
	Timeline(ctx context.Context, subjectID string) ([]domain.Event, error)
	WorkflowTimeline(ctx context.Context, workflowID string) ([]domain.Event, error)
	GetMembership(ctx context.Context, providerID, authority string) (domain.Membership, error)
	ProviderMemberships(ctx context.Context, providerID string) ([]domain.Membership, error)
	GetDeclaration(ctx context.Context, id string) (domain.Declaration, error)
	PublicRegistry(ctx context.Context, authority string, year int) ([]domain.PublicProvider, error)
}

// ApplicationReaders are the roles that may read applications, each within its scope: the
// authority's ministry users, the provider that applied, operators.
var ApplicationReaders = []domain.Role{domain.RoleMinistry, domain.RoleProvider, domain.RoleOperator}

// Submission is what a provider submits in an application and again in a resubmission: to
// whose registry and for which year, what it states about itself, and the programmes (ДПП)
// it offers.
type Submission struct {
	Authority  string
	Year       int
	Provider   domain.ProviderDetails
	Programmes []domain.Programme
}

// Apply submits a provider's application for inclusion in an authority's registry and
// starts its review (provider). Refused before anything starts: an authority the directory
// does not know, a provider already in that registry, an application of the provider to the
// authority that is still under review or returned.
func (s *Service) Apply(ctx context.Context, actor domain.Actor, sub Submission) (domain.Application, error) {
	if err := Require(actor, domain.RoleProvider); err != nil {
		return domain.Application{}, err
	}
	authority, err := s.store.GetAuthority(ctx, sub.Authority)
	if domain.IsCode(err, domain.CodeNotFound) {
		err = domain.Invalid("invalid request", domain.FieldError{Field: "authority", Message: "no such authority in the directory"})
	}
	if err != nil {
		return domain.Application{}, err
	}
	if err := s.mayApply(ctx, actor.Provider, sub.Authority); err != nil {
		return domain.Application{}, err
	}
	id, err := uuid.NewV7()
	if err != nil {
		return domain.Application{}, domain.Wrap(err, domain.CodeInternal, "no application ID")
	}
	in := workflows.AdmissionInput{
		ApplicationID: "app-" + id.String(), Authority: sub.Authority, Region: authority.Region, Year: sub.Year,
		ProviderID: actor.Provider, Provider: sub.Provider, Programmes: sub.Programmes, SubmittedBy: actor,
	}
	var out domain.Application
	err = s.start(ctx, Start{
		ID: workflows.AdmissionWorkflowID(in.ApplicationID), Workflow: workflows.AdmissionWorkflowType, Input: in,
		Process: workflows.ProcessAdmission, Authority: in.Authority, Provider: in.ProviderID, Year: in.Year,
	}, workflows.UpdateApplicationSnapshot, actor, &out)
	return out, err
}

// mayApply refuses a second way into a registry: the provider is in it already (unless
// excluded), or one of its applications to the authority is still open.
func (s *Service) mayApply(ctx context.Context, provider, authority string) error {
	m, err := s.store.GetMembership(ctx, provider, authority)
	switch {
	case err == nil && m.Status != domain.MembershipExcluded:
		return domain.Conflict("provider %s is already in the registry of %s; declare programmes for a new year instead", provider, authority)
	case err != nil && !domain.IsCode(err, domain.CodeNotFound):
		return err
	}
	for _, st := range []domain.ApplicationStatus{domain.ApplicationUnderReview, domain.ApplicationReturned} {
		open, _, err := s.store.ListApplications(ctx, postgres.ApplicationFilter{Authority: authority, ProviderID: provider, Status: string(st)}, postgres.Page{Limit: 1})
		if err != nil {
			return err
		}
		if len(open) > 0 {
			return domain.Conflict("application %s of provider %s to %s is still %s", open[0].ID, provider, authority, st)
		}
	}
	return nil
}

// ApplicationView is an application with its timeline: who did what to it, and when.
type ApplicationView struct {
	domain.Application
	History []domain.Event `json:"history"`
}

// recordID is the shape of a record identifier; an ID of another shape names no record.
var recordID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// loadApplication returns the application if the actor may see it; otherwise not found.
func (s *Service) loadApplication(ctx context.Context, actor domain.Actor, id string) (domain.Application, error) {
	if !recordID.MatchString(id) {
		return domain.Application{}, domain.NotFound("application")
	}
	a, err := s.store.GetApplication(ctx, id)
	if err == nil && !InScope(actor, Owner{Authority: a.Authority, Provider: a.ProviderID}) {
		err = domain.NotFound("application " + id)
	}
	return a, err
}

// Application returns one application with its timeline if the actor may see it.
func (s *Service) Application(ctx context.Context, actor domain.Actor, id string) (ApplicationView, error) {
	if err := Require(actor, ApplicationReaders...); err != nil {
		return ApplicationView{}, err
	}
	a, err := s.loadApplication(ctx, actor, id)
	if err != nil {
		return ApplicationView{}, err
	}
	history, err := s.store.Timeline(ctx, a.ID)
	return ApplicationView{Application: a, History: history}, err
}

// Applications lists the applications the actor may see that match the filter: a ministry
// user sees those to its authority, a provider its own, an operator all.
func (s *Service) Applications(ctx context.Context, actor domain.Actor, f postgres.ApplicationFilter, page postgres.Page) ([]domain.Application, string, error) {
	if err := Require(actor, ApplicationReaders...); err != nil {
		return nil, "", err
	}
	switch actor.Role {
	case domain.RoleMinistry:
		if err := pinScope("applications", "authority", actor.Authority, &f.Authority); err != nil {
			return nil, "", err
		}
	case domain.RoleProvider:
		f.ProviderID = actor.Provider
	}
	return s.store.ListApplications(ctx, f, page)
}

// MayTakeApplicationStep reports whether the actor may take a step that is the given role's
// on the application: forbidden for another role, not found outside the actor's scope. A
// transport asks before it reads the step's input.
func (s *Service) MayTakeApplicationStep(ctx context.Context, actor domain.Actor, id string, role domain.Role) error {
	_, err := s.applicationForStep(ctx, actor, id, role)
	return err
}

func (s *Service) applicationForStep(ctx context.Context, actor domain.Actor, id string, role domain.Role) (domain.Application, error) {
	if err := Require(actor, role); err != nil {
		return domain.Application{}, err
	}
	return s.loadApplication(ctx, actor, id)
}

// DecideApplication admits, returns for rework (возврат на доработку) or rejects an
// application under review (ministry); a return or a rejection says why.
func (s *Service) DecideApplication(ctx context.Context, actor domain.Actor, id, decision string, reasons []string) (domain.Application, error) {
	a, err := s.applicationForStep(ctx, actor, id, domain.RoleMinistry)
	if err != nil {
		return domain.Application{}, err
	}
	if decision != workflows.DecisionAdmit && len(reasons) == 0 {
		return domain.Application{}, domain.Invalid("invalid request", domain.FieldError{Field: "reasons", Message: "required to " + decision + " an application"})
	}
	var out domain.Application
	err = s.step(ctx, a.WorkflowID, workflows.UpdateDecideApplication,
		workflows.ApplicationDecision{Actor: actor, Decision: decision, Reasons: reasons}, &out,
		domain.Conflict("application %s is %s: only an application under review can be decided", a.ID, a.Status))
	return out, err
}

// Resubmit sends a returned application back for review, corrected (provider); its
// authority and year stay those of the application.
func (s *Service) Resubmit(ctx context.Context, actor domain.Actor, id string, sub Submission) (domain.Application, error) {
	a, err := s.applicationForStep(ctx, actor, id, domain.RoleProvider)
	if err != nil {
		return domain.Application{}, err
	}
	var fields []domain.FieldError
	if sub.Authority != a.Authority {
		fields = append(fields, domain.FieldError{Field: "authority", Message: "cannot change on resubmission; apply anew instead"})
	}
	if sub.Year != a.Year {
		fields = append(fields, domain.FieldError{Field: "year", Message: "cannot change on resubmission; apply anew instead"})
	}
	if len(fields) > 0 {
		return domain.Application{}, domain.Invalid("invalid request", fields...)
	}
	var out domain.Application
	err = s.step(ctx, a.WorkflowID, workflows.UpdateResubmitApplication,
		workflows.Resubmission{Actor: actor, Provider: sub.Provider, Programmes: sub.Programmes}, &out,
		domain.Conflict("application %s is %s: only a returned application can be resubmitted", a.ID, a.Status))
	return out, err
}

// providerMembership finds the membership a provider's step is about: the provider must be
// the actor's own, and the authority is the one named or the only one the provider has.
func (s *Service) providerMembership(ctx context.Context, actor domain.Actor, providerID, authority string) (domain.Membership, error) {
	if providerID != actor.Provider {
		return domain.Membership{}, domain.NotFound("provider " + providerID)
	}
	if authority != "" {
		return s.store.GetMembership(ctx, providerID, authority)
	}
	ms, err := s.store.ProviderMemberships(ctx, providerID)
	if err != nil {
		return domain.Membership{}, err
	}
	switch len(ms) {
	case 0:
		return domain.Membership{}, domain.NotFound("registry membership of provider " + providerID)
	case 1:
		return ms[0], nil
	}
	return domain.Membership{}, domain.Invalid("invalid request", domain.FieldError{Field: "authority", Message: "required: the provider is in the registries of several authorities"})
}

// DeclareProgrammes declares the programmes a provider in the registry offers for a year,
// for the ministry to accept (provider). authority may be empty when the provider is in one
// registry only.
func (s *Service) DeclareProgrammes(ctx context.Context, actor domain.Actor, providerID, authority string, year int, programmes []domain.Programme) (domain.Declaration, error) {
	if err := Require(actor, domain.RoleProvider); err != nil {
		return domain.Declaration{}, err
	}
	m, err := s.providerMembership(ctx, actor, providerID, authority)
	if err != nil {
		return domain.Declaration{}, err
	}
	var out domain.Declaration
	err = s.step(ctx, m.WorkflowID, workflows.UpdateDeclareProgrammes,
		workflows.DeclareProgrammes{Actor: actor, Year: year, Programmes: programmes}, &out,
		domain.Conflict("provider %s is %s in the registry of %s", m.ProviderID, m.Status, m.Authority))
	return out, err
}

// loadDeclaration returns a declaration of the provider to the actor's authority; any other
// is not found.
func (s *Service) loadDeclaration(ctx context.Context, actor domain.Actor, providerID, id string) (domain.Declaration, error) {
	if err := Require(actor, domain.RoleMinistry); err != nil {
		return domain.Declaration{}, err
	}
	d, err := s.store.GetDeclaration(ctx, id)
	if err == nil && (d.ProviderID != providerID || d.Authority != actor.Authority) {
		err = domain.NotFound("declaration " + id)
	}
	return d, err
}

// MayDecideDeclaration reports whether the actor may decide the provider's declaration:
// forbidden for anyone but the ministry, not found outside its authority. A transport asks
// before it reads the decision.
func (s *Service) MayDecideDeclaration(ctx context.Context, actor domain.Actor, providerID, id string) error {
	_, err := s.loadDeclaration(ctx, actor, providerID, id)
	return err
}

// DecideDeclaration accepts or returns a provider's declaration of programmes (ministry); a
// return says why.
func (s *Service) DecideDeclaration(ctx context.Context, actor domain.Actor, providerID, id, decision string, reasons []string) (domain.Declaration, error) {
	d, err := s.loadDeclaration(ctx, actor, providerID, id)
	if err != nil {
		return domain.Declaration{}, err
	}
	if decision == workflows.DecisionReturn && len(reasons) == 0 {
		return domain.Declaration{}, domain.Invalid("invalid request", domain.FieldError{Field: "reasons", Message: "required to return a declaration"})
	}
	m, err := s.store.GetMembership(ctx, d.ProviderID, d.Authority)
	if err != nil {
		return domain.Declaration{}, err
	}
	var out domain.Declaration
	err = s.step(ctx, m.WorkflowID, workflows.UpdateDecideDeclaration,
		workflows.DeclarationDecision{Actor: actor, DeclarationID: d.ID, Decision: decision, Reasons: reasons}, &out,
		domain.Conflict("provider %s is %s: its declarations are closed", m.ProviderID, m.Status))
	return out, err
}

// Exclusion is the provider's request for exclusion from a registry (заявление об
// исключении) or the ministry's decision to exclude (исключение из реестра). A provider
// names the authority when it is in several registries; a ministry user excludes from its
// own authority's registry only.
func (s *Service) Exclusion(ctx context.Context, actor domain.Actor, providerID, authority, reason string) (domain.Membership, error) {
	if err := Require(actor, domain.RoleProvider, domain.RoleMinistry); err != nil {
		return domain.Membership{}, err
	}
	var (
		m      domain.Membership
		err    error
		update = workflows.UpdateRequestExclusion
	)
	if actor.Role == domain.RoleProvider {
		m, err = s.providerMembership(ctx, actor, providerID, authority)
	} else {
		if authority != "" && authority != actor.Authority {
			return domain.Membership{}, domain.Forbidden("a ministry user of %s excludes from the registry of %s only", actor.Authority, actor.Authority)
		}
		m, err = s.store.GetMembership(ctx, providerID, actor.Authority)
		update = workflows.UpdateExclude
	}
	if err != nil {
		return domain.Membership{}, err
	}
	var out domain.Membership
	err = s.step(ctx, m.WorkflowID, update, workflows.ExclusionStep{Actor: actor, Reason: reason}, &out,
		domain.Conflict("provider %s is already excluded from the registry of %s", m.ProviderID, m.Authority))
	return out, err
}

// PublicRegistryPage is the public registry of one authority for a year: the providers in
// it and their accepted programmes. It is one page; next_cursor is always empty.
type PublicRegistryPage struct {
	Authority  string                  `json:"authority"`
	Year       int                     `json:"year"`
	Items      []domain.PublicProvider `json:"items"`
	NextCursor string                  `json:"next_cursor"`
}

// PublicRegistry is the public registry, open to anyone: no personal data beyond what a
// provider publishes about itself. Year 0 is the current year.
func (s *Service) PublicRegistry(ctx context.Context, authority string, year int) (PublicRegistryPage, error) {
	if year == 0 {
		year = time.Now().Year()
	}
	items, err := s.store.PublicRegistry(ctx, authority, year)
	if items == nil {
		items = []domain.PublicProvider{}
	}
	return PublicRegistryPage{Authority: authority, Year: year, Items: items}, err
}
