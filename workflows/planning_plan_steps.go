package workflows

import (
	"go.temporal.io/sdk/workflow"

	"github.com/profdev/profdev/internal/domain"
)

// The steps taken on a plan, each a Workflow Update: its validator refuses before anything
// is written, and its handler runs on the step skeleton (take), which checks again.

func (w *planReview) registerHandlers(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, QueryPlan, func() (domain.Plan, error) { return w.in.Plan, nil }); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateDecidePlan, w.decide,
		workflow.UpdateHandlerOptions{Validator: func(_ workflow.Context, d PlanDecision) error { return w.mayDecide(d) }}); err != nil {
		return err
	}
	return workflow.SetUpdateHandlerWithOptions(ctx, UpdateResubmitPlan, w.resubmit,
		workflow.UpdateHandlerOptions{Validator: func(_ workflow.Context, r PlanResubmission) error { return w.mayResubmit(r) }})
}

// The parties of a plan: its participant and the authority's ministry staff. Anyone else is
// told the plan does not exist; a party taking the other's step is refused.
func (w *planReview) participant(a domain.Actor) bool {
	p := w.in.Plan
	return (p.ParticipantKind == domain.ParticipantAgency && a.Role == domain.RoleHR && a.Agency == p.ParticipantID) ||
		(p.ParticipantKind == domain.ParticipantProvider && a.Role == domain.RoleProvider && a.Provider == p.ParticipantID)
}

func (w *planReview) ministry(a domain.Actor) bool {
	return a.Role == domain.RoleMinistry && a.Authority == w.in.Plan.Authority
}

func (w *planReview) party(a domain.Actor, mine func(domain.Actor) bool, step string) error {
	switch {
	case mine(a):
		return nil
	case w.participant(a) || w.ministry(a):
		return refuse(domain.CodeForbidden, "%s is not the step of %s", step, a.Role)
	}
	return refuse(domain.CodeNotFound, "plan %s not found", w.id())
}

func (w *planReview) mayDecide(d PlanDecision) error {
	if err := w.party(d.Actor, w.ministry, "deciding a plan"); err != nil {
		return err
	}
	if d.Decision != PlanAccept && d.Decision != PlanReturn {
		return refuse(domain.CodeInvalid, "decision must be accept or return")
	}
	if d.Decision == PlanReturn && len(d.Reasons) == 0 {
		return refuse(domain.CodeInvalid, "reasons are required to return a plan")
	}
	if s := w.in.Plan.Status; s != domain.PlanUnderReview {
		return refuse(domain.CodeConflict, "plan %s is %s: only a plan under review can be decided", w.id(), s)
	}
	return nil
}

func (w *planReview) mayResubmit(r PlanResubmission) error {
	if err := w.party(r.Actor, w.participant, "resubmitting a plan"); err != nil {
		return err
	}
	if len(r.Events) == 0 {
		return refuse(domain.CodeInvalid, "a plan lists at least one event")
	}
	if s := w.in.Plan.Status; s != domain.PlanReturned {
		return refuse(domain.CodeConflict, "plan %s is %s: only a returned plan can be submitted again", w.id(), s)
	}
	return nil
}

func (w *planReview) decide(ctx workflow.Context, d PlanDecision) (domain.Plan, error) {
	return take(ctx, &w.stepper, func() error { return w.mayDecide(d) }, func() (domain.Plan, error) {
		now := workflow.Now(ctx).UTC()
		if d.Decision == PlanAccept {
			w.in.Review.Decide()
			w.in.Plan = w.in.syncPlan(now)
			w.in.Plan.Status, w.in.Plan.Reasons, w.in.Plan.DecidedAt = domain.PlanAccepted, []string{}, &now
			w.notify(ctx, w.acceptedNotice())
			return w.in.Plan, w.save(ctx, d.Actor, "accepted", nil)
		}
		if err := w.in.Review.Return(ctx, w.in.reviewTerms()); err != nil {
			return w.in.Plan, err
		}
		w.in.Plan = w.in.syncPlan(now)
		w.in.Plan.Reasons, w.in.Plan.DecidedAt = d.Reasons, &now
		w.notify(ctx, w.returnedNotice())
		return w.in.Plan, w.save(ctx, d.Actor, "returned", map[string]any{"reasons": d.Reasons, "resubmit_due": w.in.Review.ResubmitDue})
	})
}

func (w *planReview) resubmit(ctx workflow.Context, r PlanResubmission) (domain.Plan, error) {
	return take(ctx, &w.stepper, func() error { return w.mayResubmit(r) }, func() (domain.Plan, error) {
		if err := w.in.Review.Submit(ctx, w.in.reviewTerms()); err != nil {
			return w.in.Plan, err
		}
		w.in.Plan.Events = r.Events
		w.in.Plan = w.in.syncPlan(workflow.Now(ctx).UTC())
		w.in.Plan.Reasons, w.in.Plan.DecidedAt = []string{}, nil
		w.notify(ctx, w.resubmittedNotice())
		return w.in.Plan, w.save(ctx, r.Actor, "resubmitted", map[string]any{"events": len(r.Events), "round": w.in.Review.Round})
	})
}
