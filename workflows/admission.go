package workflows

import (
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/profdev/profdev/activities"
	"github.com/profdev/profdev/internal/domain"
)

// Admission to the provider registry (process 2): one workflow per application
// (заявка на включение в реестр). The authority reviews within 3 working days, may return
// the application for rework with reasons (the provider resubmits within 3 working days or
// the application lapses), admits or rejects it; the whole admission should take at most 30
// calendar days from the first submission (seed 000 items 14a, 15a; seed 001 items 9-17).
//
// admission_steps.go holds the updates, admission_clock.go the deadlines and
// admission_notices.go the texts sent.

// Names of the admission workflow and its handlers.
const (
	AdmissionWorkflowType     = "Admission"
	UpdateApplicationSnapshot = "snapshot"
	UpdateDecideApplication   = "decide"
	UpdateResubmitApplication = "resubmit"
	QueryApplication          = "application"
	ProcessAdmission          = "admission"
)

// AdmissionWorkflowID is the workflow ID of an application.
func AdmissionWorkflowID(applicationID string) string { return "admission-" + applicationID }

// AdmissionInput is a provider's first submission.
type AdmissionInput struct {
	ApplicationID string                 `json:"application_id"`
	Authority     string                 `json:"authority"`
	Region        string                 `json:"region"`
	Year          int                    `json:"year"`
	ProviderID    string                 `json:"provider_id"`
	Provider      domain.ProviderDetails `json:"provider"`
	Programmes    []domain.Programme     `json:"programmes"`
	SubmittedBy   domain.Actor           `json:"submitted_by"`
}

// ApplicationDecision is the authority's decision: admit, return (with reasons) or reject.
type ApplicationDecision struct {
	Actor    domain.Actor `json:"actor"`
	Decision string       `json:"decision"`
	Reasons  []string     `json:"reasons"`
}

// Resubmission is the provider's corrected application.
type Resubmission struct {
	Actor      domain.Actor           `json:"actor"`
	Provider   domain.ProviderDetails `json:"provider"`
	Programmes []domain.Programme     `json:"programmes"`
}

// Decisions on an application.
const (
	DecisionAdmit  = "admit"
	DecisionReturn = domain.DecisionReturn
	DecisionReject = "reject"
)

type admission struct {
	stepper
	in           AdmissionInput
	app          domain.Application
	review       ReviewCycle
	targetMissed bool
	steps        timeline
	ready        bool
	notes        *notifier
}

// Admission runs one application from submission to admission, rejection or lapse.
func Admission(ctx workflow.Context, in AdmissionInput) (domain.Application, error) {
	ctx = withActivities(ctx)
	w := &admission{in: in, notes: newNotifier(ctx)}
	w.stepper = newStepper(ctx, w)
	w.app = domain.Application{
		ID: in.ApplicationID, WorkflowID: workflow.GetInfo(ctx).WorkflowExecution.ID, Authority: in.Authority,
		Year: in.Year, ProviderID: in.ProviderID, Provider: in.Provider, Programmes: in.Programmes,
		Status: domain.ApplicationUnderReview, Reasons: []string{}, SubmittedAt: workflow.Now(ctx).UTC(),
	}
	if err := w.registerHandlers(ctx); err != nil {
		return w.app, err
	}

	if err := w.review.Submit(ctx, w.terms()); err != nil {
		return w.app, ownStep(ctx, "the review's deadlines", err)
	}
	w.app.AdmissionDue = Today(ctx).AddDays(admissionTargetDays)
	w.syncDates()
	if err := w.record(ctx, in.SubmittedBy, "submitted", map[string]any{"programmes": len(in.Programmes), "review_due": w.review.ReviewDue}); err != nil {
		return w.app, ownStep(ctx, "the submission", err)
	}
	w.notify(ctx, w.submittedNotices()...)
	w.ready = true

	for !w.app.Status.Final() {
		seen := w.changes
		alarm, fired, err := AwaitAlarm(ctx, func() bool { return w.changes != seen }, w.alarms()...)
		if err != nil {
			return w.app, err
		}
		if fired {
			if err := w.onAlarm(ctx, alarm); err != nil {
				return w.app, ownStep(ctx, string(alarm.Kind), err)
			}
		}
	}
	if err := drain(ctx); err != nil {
		return w.app, err
	}
	w.notes.wait(ctx)
	return w.app, nil
}

// syncDates copies the review's deadlines and flags into the application.
func (w *admission) syncDates() {
	switch w.review.Phase {
	case PhaseUnderReview:
		due := w.review.ReviewDue
		w.app.ReviewDue, w.app.ResubmitDue = &due, nil
	case PhaseReturned:
		due := w.review.ResubmitDue
		w.app.ResubmitDue = &due
	}
	w.app.Overdue = !w.app.Status.Final() && (w.review.Overdue() || w.targetMissed)
}

// How the step skeleton records an application's steps.

func (w *admission) stepTimeline() *timeline { return &w.steps }

func (w *admission) stored(ev domain.Event) storage {
	w.app.Revision = ev.Seq
	return storage{activity: registryActivities.SaveApplication, input: activities.ApplicationStep{Application: w.app, Event: ev}}
}

func (w *admission) searchAttributes() []temporal.SearchAttributeUpdate {
	return []temporal.SearchAttributeUpdate{
		AttrProcess.ValueSet(ProcessAdmission), AttrStatus.ValueSet(string(w.app.Status)),
		AttrAuthority.ValueSet(w.app.Authority), AttrProvider.ValueSet(w.app.ProviderID),
		AttrYear.ValueSet(int64(w.app.Year)), AttrOverdue.ValueSet(w.app.Overdue),
	}
}
