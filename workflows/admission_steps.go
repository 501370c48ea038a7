package workflows

import (
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/profdev/profdev/internal/domain"
)

// The steps taken on an application, each a Workflow Update: its validator refuses before
// anything is written, and its handler runs on the step skeleton (take), which checks again.

// registerHandlers installs the query and the updates before the workflow first blocks.
func (w *admission) registerHandlers(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, QueryApplication, func() (domain.Application, error) { return w.app, nil }); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateApplicationSnapshot,
		func(ctx workflow.Context, actor domain.Actor) (domain.Application, error) {
			// Answers once the submission is recorded, so the caller can read it back at once.
			if err := workflow.Await(ctx, func() bool { return w.ready }); err != nil {
				return w.app, err
			}
			return w.app, nil
		},
		workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, actor domain.Actor) error { return w.mayRead(actor) }},
	); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateDecideApplication, w.decide,
		workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, d ApplicationDecision) error { return w.mayDecide(d) }},
	); err != nil {
		return err
	}
	return workflow.SetUpdateHandlerWithOptions(ctx, UpdateResubmitApplication, w.resubmit,
		workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, r Resubmission) error { return w.mayResubmit(r) }},
	)
}

// mayRead: the authority's ministry users, the provider that applied, and operators.
func (w *admission) mayRead(a domain.Actor) error {
	switch {
	case a.Role == domain.RoleOperator,
		a.Role == domain.RoleMinistry && a.Authority == w.app.Authority,
		a.Role == domain.RoleProvider && a.Provider == w.app.ProviderID:
		return nil
	}
	return refuse(domain.CodeNotFound, "application %s not found", w.app.ID)
}

func (w *admission) mayDecide(d ApplicationDecision) error {
	if d.Actor.Role != domain.RoleMinistry {
		if err := w.mayRead(d.Actor); err != nil {
			return err
		}
		return refuse(domain.CodeForbidden, "only the authority's ministry users decide applications")
	}
	if d.Actor.Authority != w.app.Authority {
		return refuse(domain.CodeNotFound, "application %s not found", w.app.ID)
	}
	switch d.Decision {
	case DecisionAdmit, DecisionReturn, DecisionReject:
	default:
		return refuse(domain.CodeInvalid, "decision must be admit, return or reject")
	}
	if d.Decision != DecisionAdmit && len(d.Reasons) == 0 {
		return refuse(domain.CodeInvalid, "reasons are required to %s an application", d.Decision)
	}
	if !w.ready {
		return refuse(domain.CodeConflict, "application %s is still being registered; retry shortly", w.app.ID)
	}
	if w.app.Status != domain.ApplicationUnderReview {
		return refuse(domain.CodeConflict, "application %s is %s: only an application under review can be decided", w.app.ID, w.app.Status)
	}
	return nil
}

func (w *admission) mayResubmit(r Resubmission) error {
	if r.Actor.Role != domain.RoleProvider {
		if err := w.mayRead(r.Actor); err != nil {
			return err
		}
		return refuse(domain.CodeForbidden, "only the provider that applied resubmits an application")
	}
	if r.Actor.Provider != w.app.ProviderID {
		return refuse(domain.CodeNotFound, "application %s not found", w.app.ID)
	}
	if len(r.Programmes) == 0 {
		return refuse(domain.CodeInvalid, "a resubmission lists at least one programme")
	}
	if w.app.Status != domain.ApplicationReturned {
		return refuse(domain.CodeConflict, "application %s is %s: only a returned application can be resubmitted", w.app.ID, w.app.Status)
	}
	return nil
}

// decide applies the authority's decision.
func (w *admission) decide(ctx workflow.Context, d ApplicationDecision) (domain.Application, error) {
	return take(ctx, &w.stepper, func() error { return w.mayDecide(d) }, func() (domain.Application, error) {
		switch d.Decision {
		case DecisionReturn:
			if err := w.review.Return(ctx, w.terms()); err != nil {
				return w.app, err
			}
			w.app.Status, w.app.Reasons = domain.ApplicationReturned, d.Reasons
			w.syncDates()
			w.notify(ctx, w.returnedNotice())
			return w.app, w.record(ctx, d.Actor, "returned", map[string]any{"reasons": d.Reasons, "resubmit_due": w.review.ResubmitDue})
		case DecisionReject:
			w.review.Decide()
			now := workflow.Now(ctx).UTC()
			w.app.Status, w.app.Reasons, w.app.DecidedAt = domain.ApplicationRejected, d.Reasons, &now
			w.syncDates()
			w.notify(ctx, w.rejectedNotice())
			return w.app, w.record(ctx, d.Actor, "rejected", map[string]any{"reasons": d.Reasons})
		}
		return w.app, w.admit(ctx, d.Actor)
	})
}

// admit enters the provider in the registry and starts its membership workflow.
func (w *admission) admit(ctx workflow.Context, actor domain.Actor) error {
	w.review.Decide()
	now := workflow.Now(ctx).UTC()
	w.app.Status, w.app.Reasons, w.app.DecidedAt = domain.ApplicationAdmitted, []string{}, &now
	w.syncDates()
	membershipID := MembershipWorkflowID(w.app.Authority, w.app.ProviderID)
	if err := workflow.ExecuteActivity(withActivities(ctx), registryActivities.EnterRegistry, domain.Admission{
		ApplicationID: w.app.ID, WorkflowID: membershipID, ProviderID: w.app.ProviderID, Authority: w.app.Authority,
		Year: w.app.Year, Provider: w.app.Provider, Programmes: w.app.Programmes, At: now,
	}).Get(ctx, nil); err != nil {
		return err
	}
	if err := w.record(ctx, actor, "admitted", nil); err != nil {
		return err
	}
	child := workflow.ExecuteChildWorkflow(workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		WorkflowID:            membershipID,
		ParentClosePolicy:     enumspb.PARENT_CLOSE_POLICY_ABANDON,
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
	}), RegistryMembership, MembershipInput{
		ProviderID: w.app.ProviderID, Authority: w.app.Authority, Region: w.in.Region,
		Provider: w.app.Provider, ApplicationID: w.app.ID, AdmittedBy: actor,
	})
	if err := child.GetChildWorkflowExecution().Get(ctx, nil); err != nil && !temporal.IsWorkflowExecutionAlreadyStartedError(err) {
		return err
	}
	w.notify(ctx, w.admittedNotices()...)
	return nil
}

// resubmit takes the corrected application back into review for a new round.
func (w *admission) resubmit(ctx workflow.Context, r Resubmission) (domain.Application, error) {
	return take(ctx, &w.stepper, func() error { return w.mayResubmit(r) }, func() (domain.Application, error) {
		if err := w.review.Submit(ctx, w.terms()); err != nil {
			return w.app, err
		}
		w.app.Provider, w.app.Programmes, w.app.Status, w.app.Reasons = r.Provider, r.Programmes, domain.ApplicationUnderReview, []string{}
		w.syncDates()
		w.notify(ctx, w.resubmittedNotice())
		return w.app, w.record(ctx, r.Actor, "resubmitted", map[string]any{"round": w.review.Round, "review_due": w.review.ReviewDue})
	})
}
