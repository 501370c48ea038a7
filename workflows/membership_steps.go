package workflows

import (
	"fmt"
	"slices"

	"go.temporal.io/sdk/workflow"

	"github.com/profdev/profdev/internal/domain"
)

// The steps taken on a membership, each a Workflow Update: its validator refuses before
// anything is written, and its handler runs on the step skeleton (take), which checks again.

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
	return take(ctx, &w.stepper, func() error { return w.mayDeclare(d) }, func() (domain.Declaration, error) {
		decl := domain.Declaration{
			ID:         fmt.Sprintf("DCL-%d-%d", d.Year, w.st.Steps.Seq+1),
			ProviderID: w.in.ProviderID, Authority: w.in.Authority, Year: d.Year, Status: domain.DeclarationUnderReview,
			Programmes: d.Programmes, Reasons: []string{}, SubmittedAt: workflow.Now(ctx).UTC(),
		}
		decl.ID = w.in.Authority + "-" + w.in.ProviderID + "-" + decl.ID
		w.st.Declarations = append(w.st.Declarations, decl)
		w.notify(ctx, w.declaredNotice(decl))
		return decl, w.recordDeclaration(ctx, decl, d.Actor, "programmes_declared")
	})
}

func (w *membership) decideDeclaration(ctx workflow.Context, d DeclarationDecision) (domain.Declaration, error) {
	return take(ctx, &w.stepper, func() error { return w.mayDecideDeclaration(d) }, func() (domain.Declaration, error) {
		i, _ := w.declaration(d.DeclarationID)
		decl := &w.st.Declarations[i]
		now := workflow.Now(ctx).UTC()
		decl.DecidedAt = &now
		action := "declaration_accepted"
		if d.Decision == DecisionAccept {
			decl.Status, decl.Reasons = domain.DeclarationAccepted, []string{}
		} else {
			decl.Status, decl.Reasons = domain.DeclarationReturned, d.Reasons
			action = "declaration_returned"
		}
		w.notify(ctx, w.declarationDecidedNotice(*decl, action))
		return *decl, w.recordDeclaration(ctx, *decl, d.Actor, action)
	})
}

func (w *membership) requestExclusion(ctx workflow.Context, e ExclusionStep) (domain.Membership, error) {
	return take(ctx, &w.stepper, func() error { return w.mayRequestExclusion(e) }, func() (domain.Membership, error) {
		w.st.Membership.Status, w.st.Membership.ExclusionReason = domain.MembershipExclusionRequested, e.Reason
		w.notify(ctx, w.exclusionRequestedNotice(e.Reason))
		return w.st.Membership, w.record(ctx, e.Actor, "exclusion_requested", map[string]any{"reason": e.Reason})
	})
}

func (w *membership) exclude(ctx workflow.Context, e ExclusionStep) (domain.Membership, error) {
	return take(ctx, &w.stepper, func() error { return w.mayExclude(e) }, func() (domain.Membership, error) {
		now := workflow.Now(ctx).UTC()
		w.st.Membership.Status, w.st.Membership.ExclusionReason, w.st.Membership.ExcludedAt = domain.MembershipExcluded, e.Reason, &now
		w.notify(ctx, w.excludedNotices(e.Reason)...)
		return w.st.Membership, w.record(ctx, e.Actor, "excluded", map[string]any{"reason": e.Reason})
	})
}
