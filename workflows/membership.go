package workflows

import (
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/profdev/profdev/activities"
	"github.com/profdev/profdev/internal/domain"
)

// Registry membership (process 2, after admission): a provider's standing in one
// authority's registry for as long as it lasts. The provider declares each year the
// programmes it plans to run on certificates (the ministry accepts or returns a declaration),
// may ask to be excluded, and the ministry may exclude it; an excluded provider gets no new
// certificates, while running ones continue.
//
// membership_steps.go holds the updates and membership_notices.go the texts sent. A
// membership has no clock: no deadline of its own runs while it lasts.

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
	stepper
	in    MembershipInput
	st    MembershipState
	notes *notifier
}

// RegistryMembership keeps a provider's membership until it is excluded.
func RegistryMembership(ctx workflow.Context, in MembershipInput) (domain.Membership, error) {
	ctx = withActivities(ctx)
	w := &membership{in: in, notes: newNotifier(ctx)}
	w.stepper = newStepper(ctx, w)
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
		if err := w.record(ctx, in.AdmittedBy, "admitted", map[string]any{"application_id": in.ApplicationID}); err != nil {
			return w.st.Membership, ownStep(ctx, "the admission", err)
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

// How the step skeleton records a membership's steps.

func (w *membership) stepTimeline() *timeline { return &w.st.Steps }

func (w *membership) stored(ev domain.Event) storage {
	w.st.Membership.Revision = ev.Seq
	return storage{activity: registryActivities.SaveMembership, input: activities.MembershipStep{Membership: w.st.Membership, Event: ev}}
}

func (w *membership) searchAttributes() []temporal.SearchAttributeUpdate {
	return []temporal.SearchAttributeUpdate{
		AttrProcess.ValueSet(ProcessRegistryMembership), AttrStatus.ValueSet(string(w.st.Membership.Status)),
		AttrAuthority.ValueSet(w.in.Authority), AttrProvider.ValueSet(w.in.ProviderID), AttrOverdue.ValueSet(false),
	}
}

// recordDeclaration records a step on a declaration, which its own activity saves; the
// membership's read model and search attributes do not change.
func (w *membership) recordDeclaration(ctx workflow.Context, d domain.Declaration, actor domain.Actor, action string) error {
	return w.recordWith(ctx, actor, action, map[string]any{"declaration_id": d.ID, "year": d.Year, "reasons": d.Reasons},
		func(ev domain.Event) storage {
			return storage{activity: registryActivities.SaveDeclaration, unsearched: true,
				input: activities.DeclarationStep{Declaration: d, WorkflowID: w.st.Membership.WorkflowID, Event: ev}}
		})
}
