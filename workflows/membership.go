package workflows

import (
	"fmt"
	"slices"

	"go.temporal.io/sdk/workflow"

	"github.com/profdev/profdev/activities"
	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/internal/notify"
)

// Registry membership (process 2, after admission): a provider's standing in one
// authority's registry for as long as it lasts. The provider declares each year the
// programmes it plans to run on certificates (the ministry accepts or returns a declaration),
// may ask to be excluded, and the ministry may exclude it; an excluded provider gets no new
// certificates, while running ones continue.

// Names of the membership workflow and its handlers.
const (
	MembershipWorkflowType    = "RegistryMembership"
	UpdateDeclareProgrammes   = "declare_programmes"
	UpdateDecideDeclaration   = "decide_declaration"
	UpdateRequestExclusion    = "request_exclusion"
	UpdateExclude             = "exclude"
	QueryMembership           = "membership"
	ProcessRegistryMembership = "registry_membership"
)

// MembershipWorkflowID is the workflow ID of a provider's membership with an authority.
func MembershipWorkflowID(authority, providerID string) string {
	return "registry-" + authority + "-" + providerID
}

// MembershipInput starts a membership, or continues one (State set) after continue-as-new.
type MembershipInput struct {
	ProviderID    string                 `json:"provider_id"`
	Authority     string                 `json:"authority"`
	Region        string                 `json:"region"`
	Provider      domain.ProviderDetails `json:"provider"`
	ApplicationID string                 `json:"application_id"`
	AdmittedBy    domain.Actor           `json:"admitted_by"`
	State         *MembershipState       `json:"state,omitempty"`
}

// MembershipState is what a membership carries across continue-as-new.
type MembershipState struct {
	Membership   domain.Membership    `json:"membership"`
	Declarations []domain.Declaration `json:"declarations"`
	Steps        timeline             `json:"steps"`
}

// DeclareProgrammes is a provider's yearly declaration.
type DeclareProgrammes struct {
	Actor      domain.Actor       `json:"actor"`
	Year       int                `json:"year"`
	Programmes []domain.Programme `json:"programmes"`
}

// DeclarationDecision is the ministry's accept or return of a declaration.
type DeclarationDecision struct {
	Actor         domain.Actor `json:"actor"`
	DeclarationID string       `json:"declaration_id"`
	Decision      string       `json:"decision"`
	Reasons       []string     `json:"reasons"`
}

// Declaration decisions.
const (
	DecisionAccept = "accept"
)

// ExclusionStep is a provider's request for exclusion or the ministry's exclusion.
type ExclusionStep struct {
	Actor  domain.Actor `json:"actor"`
	Reason string       `json:"reason"`
}

type membership struct {
	in    MembershipInput
	st    MembershipState
	mu    workflow.Mutex
	notes *notifier
}

// RegistryMembership keeps a provider's membership until it is excluded.
func RegistryMembership(ctx workflow.Context, in MembershipInput) (domain.Membership, error) {
	ctx = withActivities(ctx)
	w := &membership{in: in, mu: workflow.NewMutex(ctx), notes: newNotifier(ctx)}
	if in.State != nil {
		w.st = *in.State
	} else {
		w.st.Membership = domain.Membership{
			ProviderID: in.ProviderID, Authority: in.Authority, Status: domain.MembershipAdmitted,
			WorkflowID: workflow.GetInfo(ctx).WorkflowExecution.ID, ApplicationID: in.ApplicationID,
			AdmittedAt: workflow.Now(ctx).UTC(),
		}
	}
	if err := w.registerHandlers(ctx); err != nil {
		return w.st.Membership, err
	}
	if in.State == nil {
		if err := w.save(ctx, in.AdmittedBy, "admitted", map[string]any{"application_id": in.ApplicationID}); err != nil {
			return w.st.Membership, err
		}
	}
	if err := workflow.Await(ctx, func() bool {
		return w.st.Membership.Status == domain.MembershipExcluded || workflow.GetInfo(ctx).GetContinueAsNewSuggested()
	}); err != nil {
		return w.st.Membership, err
	}
	if err := drain(ctx); err != nil {
		return w.st.Membership, err
	}
	w.notes.wait(ctx)
	if w.st.Membership.Status == domain.MembershipExcluded {
		return w.st.Membership, nil
	}
	next := in
	state := w.st
	next.State = &state
	return w.st.Membership, workflow.NewContinueAsNewError(ctx, RegistryMembership, next)
}

func (w *membership) registerHandlers(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, QueryMembership, func() (MembershipState, error) { return w.st, nil }); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateDeclareProgrammes, w.declare,
		workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, d DeclareProgrammes) error { return w.mayDeclare(d) }}); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateDecideDeclaration, w.decideDeclaration,
		workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, d DeclarationDecision) error { return w.mayDecideDeclaration(d) }}); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateRequestExclusion, w.requestExclusion,
		workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, e ExclusionStep) error { return w.mayRequestExclusion(e) }}); err != nil {
		return err
	}
	return workflow.SetUpdateHandlerWithOptions(ctx, UpdateExclude, w.exclude,
		workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, e ExclusionStep) error { return w.mayExclude(e) }})
}

func (w *membership) notFound() error {
	return refuse(domain.CodeNotFound, "provider %s is not in the registry of %s", w.in.ProviderID, w.in.Authority)
}

// ownProvider and ownMinistry are the two parties of a membership; anyone else is told it
// does not exist.
func (w *membership) ownProvider(a domain.Actor) bool {
	return a.Role == domain.RoleProvider && a.Provider == w.in.ProviderID
}

func (w *membership) ownMinistry(a domain.Actor) bool {
	return a.Role == domain.RoleMinistry && a.Authority == w.in.Authority
}

func (w *membership) requireProvider(a domain.Actor) error {
	switch {
	case w.ownProvider(a):
		return nil
	case w.ownMinistry(a):
		return refuse(domain.CodeForbidden, "this step is the provider's")
	}
	return w.notFound()
}

func (w *membership) requireMinistry(a domain.Actor) error {
	switch {
	case w.ownMinistry(a):
		return nil
	case w.ownProvider(a):
		return refuse(domain.CodeForbidden, "this step is the authority's")
	}
	return w.notFound()
}

func (w *membership) mayDeclare(d DeclareProgrammes) error {
	if err := w.requireProvider(d.Actor); err != nil {
		return err
	}
	if w.st.Membership.Status != domain.MembershipAdmitted {
		return refuse(domain.CodeConflict, "provider %s is %s in the registry of %s: it declares no programmes", w.in.ProviderID, w.st.Membership.Status, w.in.Authority)
	}
	if len(d.Programmes) == 0 {
		return refuse(domain.CodeInvalid, "a declaration lists at least one programme")
	}
	for _, x := range w.st.Declarations {
		if x.Year == d.Year && x.Status == domain.DeclarationUnderReview {
			return refuse(domain.CodeConflict, "declaration %s for %d is still under review", x.ID, d.Year)
		}
	}
	return nil
}

func (w *membership) declaration(id string) (int, bool) {
	i := slices.IndexFunc(w.st.Declarations, func(d domain.Declaration) bool { return d.ID == id })
	return i, i >= 0
}

func (w *membership) mayDecideDeclaration(d DeclarationDecision) error {
	if err := w.requireMinistry(d.Actor); err != nil {
		return err
	}
	i, ok := w.declaration(d.DeclarationID)
	if !ok {
		return refuse(domain.CodeNotFound, "declaration %s not found", d.DeclarationID)
	}
	if d.Decision != DecisionAccept && d.Decision != DecisionReturn {
		return refuse(domain.CodeInvalid, "decision must be accept or return")
	}
	if d.Decision == DecisionReturn && len(d.Reasons) == 0 {
		return refuse(domain.CodeInvalid, "reasons are required to return a declaration")
	}
	if s := w.st.Declarations[i].Status; s != domain.DeclarationUnderReview {
		return refuse(domain.CodeConflict, "declaration %s is %s: only a declaration under review can be decided", d.DeclarationID, s)
	}
	return nil
}

func (w *membership) mayRequestExclusion(e ExclusionStep) error {
	if err := w.requireProvider(e.Actor); err != nil {
		return err
	}
	if e.Reason == "" {
		return refuse(domain.CodeInvalid, "a reason is required")
	}
	if s := w.st.Membership.Status; s != domain.MembershipAdmitted {
		return refuse(domain.CodeConflict, "provider %s is already %s", w.in.ProviderID, s)
	}
	return nil
}

func (w *membership) mayExclude(e ExclusionStep) error {
	if err := w.requireMinistry(e.Actor); err != nil {
		return err
	}
	if e.Reason == "" {
		return refuse(domain.CodeInvalid, "a reason is required")
	}
	if s := w.st.Membership.Status; s == domain.MembershipExcluded {
		return refuse(domain.CodeConflict, "provider %s is already excluded", w.in.ProviderID)
	}
	return nil
}

func (w *membership) declare(ctx workflow.Context, d DeclareProgrammes) (domain.Declaration, error) {
	if err := w.mu.Lock(ctx); err != nil {
		return domain.Declaration{}, err
	}
	defer w.mu.Unlock()
	if err := w.mayDeclare(d); err != nil {
		return domain.Declaration{}, err
	}
	decl := domain.Declaration{
		ID:         fmt.Sprintf("DCL-%d-%d", d.Year, w.st.Steps.Seq+1),
		ProviderID: w.in.ProviderID, Authority: w.in.Authority, Year: d.Year, Status: domain.DeclarationUnderReview,
		Programmes: d.Programmes, Reasons: []string{}, SubmittedAt: workflow.Now(ctx).UTC(),
	}
	decl.ID = w.in.Authority + "-" + w.in.ProviderID + "-" + decl.ID
	w.st.Declarations = append(w.st.Declarations, decl)
	w.tell(ctx, domain.RoleAudience(domain.RoleMinistry, w.in.Authority), nil, "declared_"+decl.ID, "Сведения о программах на год",
		fmt.Sprintf("%s представила сведения о программах на %d год (%s).", w.in.Provider.Name, d.Year, decl.ID))
	return decl, w.saveDeclaration(ctx, decl, d.Actor, "programmes_declared")
}

func (w *membership) decideDeclaration(ctx workflow.Context, d DeclarationDecision) (domain.Declaration, error) {
	if err := w.mu.Lock(ctx); err != nil {
		return domain.Declaration{}, err
	}
	defer w.mu.Unlock()
	if err := w.mayDecideDeclaration(d); err != nil {
		return domain.Declaration{}, err
	}
	i, _ := w.declaration(d.DeclarationID)
	decl := &w.st.Declarations[i]
	now := workflow.Now(ctx).UTC()
	decl.DecidedAt = &now
	action, subject := "declaration_accepted", "Сведения о программах приняты"
	if d.Decision == DecisionAccept {
		decl.Status, decl.Reasons = domain.DeclarationAccepted, []string{}
	} else {
		decl.Status, decl.Reasons = domain.DeclarationReturned, d.Reasons
		action, subject = "declaration_returned", "Сведения о программах возвращены"
	}
	w.tell(ctx, domain.RoleAudience(domain.RoleProvider, w.in.ProviderID), []string{w.in.Provider.Email}, action+"_"+decl.ID, subject,
		fmt.Sprintf("Сведения %s на %d год: %s. %v", decl.ID, decl.Year, decl.Status, decl.Reasons))
	return *decl, w.saveDeclaration(ctx, *decl, d.Actor, action)
}

func (w *membership) requestExclusion(ctx workflow.Context, e ExclusionStep) (domain.Membership, error) {
	if err := w.mu.Lock(ctx); err != nil {
		return w.st.Membership, err
	}
	defer w.mu.Unlock()
	if err := w.mayRequestExclusion(e); err != nil {
		return w.st.Membership, err
	}
	w.st.Membership.Status, w.st.Membership.ExclusionReason = domain.MembershipExclusionRequested, e.Reason
	w.tell(ctx, domain.RoleAudience(domain.RoleMinistry, w.in.Authority), nil, "exclusion_requested", "Заявление об исключении из реестра",
		fmt.Sprintf("%s просит исключить её из реестра: %s", w.in.Provider.Name, e.Reason))
	return w.st.Membership, w.save(ctx, e.Actor, "exclusion_requested", map[string]any{"reason": e.Reason})
}

func (w *membership) exclude(ctx workflow.Context, e ExclusionStep) (domain.Membership, error) {
	if err := w.mu.Lock(ctx); err != nil {
		return w.st.Membership, err
	}
	defer w.mu.Unlock()
	if err := w.mayExclude(e); err != nil {
		return w.st.Membership, err
	}
	now := workflow.Now(ctx).UTC()
	w.st.Membership.Status, w.st.Membership.ExclusionReason, w.st.Membership.ExcludedAt = domain.MembershipExcluded, e.Reason, &now
	w.tell(ctx, domain.RoleAudience(domain.RoleProvider, w.in.ProviderID), []string{w.in.Provider.Email}, "excluded", "Организация исключена из реестра",
		fmt.Sprintf("Организация исключена из реестра %s: %s. Выданные сертификаты действуют.", w.in.Authority, e.Reason))
	w.tell(ctx, domain.RoleAudience(domain.RoleMinistry, w.in.Authority), nil, "excluded", "Организация исключена из реестра",
		fmt.Sprintf("%s исключена из реестра: %s", w.in.Provider.Name, e.Reason))
	return w.st.Membership, w.save(ctx, e.Actor, "excluded", map[string]any{"reason": e.Reason})
}

func (w *membership) save(ctx workflow.Context, actor domain.Actor, action string, details map[string]any) error {
	ctx = withActivities(ctx) // update handlers get a fresh context without activity options
	ev := w.st.Steps.next(ctx, actor, action, details)
	w.st.Membership.Revision = ev.Seq
	if err := w.upsertSearch(ctx); err != nil {
		return err
	}
	return workflow.ExecuteActivity(ctx, registryActivities.SaveMembership,
		activities.MembershipStep{Membership: w.st.Membership, Event: ev}).Get(ctx, nil)
}

func (w *membership) saveDeclaration(ctx workflow.Context, d domain.Declaration, actor domain.Actor, action string) error {
	ev := w.st.Steps.next(ctx, actor, action, map[string]any{"declaration_id": d.ID, "year": d.Year, "reasons": d.Reasons})
	return workflow.ExecuteActivity(withActivities(ctx), registryActivities.SaveDeclaration,
		activities.DeclarationStep{Declaration: d, WorkflowID: w.st.Membership.WorkflowID, Event: ev}).Get(ctx, nil)
}

func (w *membership) upsertSearch(ctx workflow.Context) error {
	return workflow.UpsertTypedSearchAttributes(ctx,
		AttrProcess.ValueSet(ProcessRegistryMembership), AttrStatus.ValueSet(string(w.st.Membership.Status)),
		AttrAuthority.ValueSet(w.in.Authority), AttrProvider.ValueSet(w.in.ProviderID), AttrOverdue.ValueSet(false))
}

func (w *membership) tell(ctx workflow.Context, aud domain.Audience, emails []string, step, subject, body string) {
	w.notes.send(ctx, notify.Request{
		WorkflowID: w.st.Membership.WorkflowID, Step: step, Audience: aud, Emails: emails, Subject: subject, Body: body,
	})
}
