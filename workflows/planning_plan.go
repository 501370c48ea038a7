package workflows

import (
	"fmt"
	"time"

	"cloud.google.com/go/civil"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/profdev/profdev/activities"
	"github.com/profdev/profdev/internal/domain"
)

// The review of one plan (process 4), a child of its cycle: the ministry accepts the plan or
// returns it with reasons (the review-with-rework pattern of ReviewCycle); a returned plan is
// resubmitted by its participant. The reviewer is reminded before its deadline and the plan
// is flagged overdue after it; a plan not resubmitted in time is flagged and escalated, and
// may still be resubmitted. The review ends once the plan is accepted or its cycle closes.
//
// planning_plan_steps.go holds the updates, planning_plan_clock.go the deadlines and
// planning_plan_notices.go the texts sent.

// Names of the plan workflow and its handlers.
const (
	PlanWorkflowType   = "PlanReview"
	ProcessPlanReview  = "planning_plan"
	QueryPlan          = "plan"
	UpdateDecidePlan   = "decide_plan"
	UpdateResubmitPlan = "resubmit_plan"
)

// Plan decisions.
const (
	PlanAccept = "accept"
	PlanReturn = "return"
)

// PlanWorkflowID is the workflow ID, and the ID, of a participant's plan in a cycle.
func PlanWorkflowID(authority string, year int, kind domain.ParticipantKind, id string) string {
	return fmt.Sprintf("%s-%s-%s", CycleWorkflowID(authority, year), kind, id)
}

// PlanInput starts a plan's review with its first submission already recorded (Steps) and
// its review round started (Review).
type PlanInput struct {
	Plan        domain.Plan   `json:"plan"`
	Region      string        `json:"region"`
	Terms       PlanningTerms `json:"terms"`
	Emails      []string      `json:"emails,omitempty"`
	SubmittedBy domain.Actor  `json:"submitted_by"`
	Review      carriedCycle  `json:"review"`
	Steps       timeline      `json:"steps"`
	// Until is when the cycle closes: the review ends then, accepted or not.
	Until time.Time `json:"until"`
}

func (in PlanInput) reviewTerms() ReviewTerms {
	return ReviewTerms{ReviewDays: in.Terms.ReviewDays, ResubmitDays: in.Terms.ResubmitDays, RemindBefore: 1, Region: in.Region}
}

// syncPlan copies the review's phase and deadlines into the read model.
func (in PlanInput) syncPlan(now time.Time) domain.Plan {
	p, r := in.Plan, in.Review.ReviewCycle
	p.Round, p.ReviewDue, p.ResubmitDue = r.Round, nil, nil
	switch r.Phase {
	case PhaseUnderReview:
		p.Status, p.ReviewDue = domain.PlanUnderReview, datePtr(r.ReviewDue)
		p.SubmittedAt = now
	case PhaseReturned, PhaseLapsed:
		p.Status, p.ResubmitDue = domain.PlanReturned, datePtr(r.ResubmitDue)
	}
	p.Overdue = r.Overdue() || r.Phase == PhaseLapsed
	return p
}

func datePtr(d civil.Date) *civil.Date {
	if !d.IsValid() {
		return nil
	}
	return &d
}

// PlanDecision is the ministry's accept or return of a plan.
type PlanDecision struct {
	Actor    domain.Actor `json:"actor"`
	Decision string       `json:"decision"`
	Reasons  []string     `json:"reasons"`
}

// PlanResubmission is a returned plan sent again with its events corrected.
type PlanResubmission struct {
	Actor  domain.Actor          `json:"actor"`
	Events []domain.PlannedEvent `json:"events"`
}

type planReview struct {
	stepper
	in    PlanInput
	notes *notifier
}

// PlanReview reviews one plan until it is accepted or its year is over.
func PlanReview(ctx workflow.Context, in PlanInput) (domain.Plan, error) {
	ctx = withActivities(ctx)
	w := &planReview{in: in, notes: newNotifier(ctx)}
	w.stepper = newStepper(ctx, w)
	if err := w.registerHandlers(ctx); err != nil {
		return w.in.Plan, err
	}
	for w.in.Plan.Status != domain.PlanAccepted {
		seen := w.changes
		alarms := []Alarm{{Kind: alarmPlanCycleEnd, At: in.Until}}
		if a, ok := w.in.Review.NextAlarm(); ok {
			alarms = append(alarms, a)
		}
		alarm, fired, err := AwaitAlarm(ctx, func() bool { return w.changes != seen }, alarms...)
		if err != nil {
			return w.in.Plan, err
		}
		if fired && alarm.Kind == alarmPlanCycleEnd {
			break
		}
		if fired {
			if err := w.onAlarm(ctx, alarm); err != nil {
				return w.in.Plan, ownStep(ctx, string(alarm.Kind), err)
			}
		}
	}
	if err := drain(ctx); err != nil {
		return w.in.Plan, err
	}
	w.notes.wait(ctx)
	return w.in.Plan, nil
}

func (w *planReview) id() string { return w.in.Plan.ID }

// save records the plan after a step. The main loop is woken first, so that it re-arms the
// review's clock in the same workflow task as the step's first command.
func (w *planReview) save(ctx workflow.Context, actor domain.Actor, action string, details map[string]any) error {
	w.changed()
	return w.record(ctx, actor, action, details)
}

// How the step skeleton records a plan's steps.

func (w *planReview) stepTimeline() *timeline { return &w.in.Steps }

func (w *planReview) stored(ev domain.Event) storage {
	w.in.Plan.Revision = ev.Seq
	return storage{activity: planningActivities.SavePlan, input: activities.PlanStep{Plan: w.in.Plan, Event: ev}}
}

// searchAttributes: the others were set when the cycle started the review.
func (w *planReview) searchAttributes() []temporal.SearchAttributeUpdate {
	return []temporal.SearchAttributeUpdate{AttrStatus.ValueSet(string(w.in.Plan.Status)), AttrOverdue.ValueSet(w.in.Plan.Overdue)}
}
