package workflows

import (
	"fmt"
	"time"

	"cloud.google.com/go/civil"
	"go.temporal.io/sdk/workflow"

	"github.com/profdev/profdev/activities"
	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/internal/notify"
)

// The review of one plan (process 4), a child of its cycle: the ministry accepts the plan or
// returns it with reasons (the review-with-rework pattern of ReviewCycle); a returned plan is
// resubmitted by its participant. The reviewer is reminded before its deadline and the plan
// is flagged overdue after it; a plan not resubmitted in time is flagged and escalated, and
// may still be resubmitted. The review ends once the plan is accepted or its cycle closes.

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
	in      PlanInput
	changes int
	mu      workflow.Mutex
	notes   *notifier
}

// alarmPlanCycleEnd: the plan's cycle has closed; its review ends as it stands.
const alarmPlanCycleEnd AlarmKind = "cycle_end"

// PlanReview reviews one plan until it is accepted or its year is over.
func PlanReview(ctx workflow.Context, in PlanInput) (domain.Plan, error) {
	ctx = withActivities(ctx)
	w := &planReview{in: in, mu: workflow.NewMutex(ctx), notes: newNotifier(ctx)}
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
				return w.in.Plan, err
			}
		}
	}
	if err := drain(ctx); err != nil {
		return w.in.Plan, err
	}
	w.notes.wait(ctx)
	return w.in.Plan, nil
}

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

func (w *planReview) id() string { return w.in.Plan.ID }

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
	if err := w.mu.Lock(ctx); err != nil {
		return w.in.Plan, err
	}
	defer w.mu.Unlock()
	if err := w.mayDecide(d); err != nil {
		return w.in.Plan, err
	}
	now := workflow.Now(ctx).UTC()
	if d.Decision == PlanAccept {
		w.in.Review.Decide()
		w.in.Plan = w.in.syncPlan(now)
		w.in.Plan.Status, w.in.Plan.Reasons, w.in.Plan.DecidedAt = domain.PlanAccepted, []string{}, &now
		w.tell(ctx, "accepted", "План мероприятий принят",
			fmt.Sprintf("План мероприятий %s на %d год принят.", w.id(), w.in.Plan.Year))
		return w.in.Plan, w.save(ctx, d.Actor, "accepted", nil)
	}
	if err := w.in.Review.Return(ctx, w.in.reviewTerms()); err != nil {
		return w.in.Plan, err
	}
	w.in.Plan = w.in.syncPlan(now)
	w.in.Plan.Reasons, w.in.Plan.DecidedAt = d.Reasons, &now
	w.tell(ctx, "returned", "План мероприятий возвращён на доработку",
		fmt.Sprintf("План мероприятий %s возвращён на доработку: %v. Представить повторно до %s.", w.id(), d.Reasons, w.in.Review.ResubmitDue))
	return w.in.Plan, w.save(ctx, d.Actor, "returned", map[string]any{"reasons": d.Reasons, "resubmit_due": w.in.Review.ResubmitDue})
}

func (w *planReview) resubmit(ctx workflow.Context, r PlanResubmission) (domain.Plan, error) {
	if err := w.mu.Lock(ctx); err != nil {
		return w.in.Plan, err
	}
	defer w.mu.Unlock()
	if err := w.mayResubmit(r); err != nil {
		return w.in.Plan, err
	}
	if err := w.in.Review.Submit(ctx, w.in.reviewTerms()); err != nil {
		return w.in.Plan, err
	}
	w.in.Plan.Events = r.Events
	w.in.Plan = w.in.syncPlan(workflow.Now(ctx).UTC())
	w.in.Plan.Reasons, w.in.Plan.DecidedAt = []string{}, nil
	w.tellMinistry(ctx, "resubmitted", "План мероприятий представлен повторно",
		fmt.Sprintf("%s повторно представил(а) план %s; рассмотреть до %s.", w.in.Plan.ParticipantName, w.id(), w.in.Review.ReviewDue))
	return w.in.Plan, w.save(ctx, r.Actor, "resubmitted", map[string]any{"events": len(r.Events), "round": w.in.Review.Round})
}

// onAlarm acts on the review's clock: reminders, the reviewer's escalation, the lapse of a
// rework deadline (the plan stays returned, flagged overdue, and may still come back).
func (w *planReview) onAlarm(ctx workflow.Context, a Alarm) error {
	if err := w.mu.Lock(ctx); err != nil {
		return err
	}
	defer w.mu.Unlock()
	if next, ok := w.in.Review.NextAlarm(); !ok || next != a {
		return nil // a step taken meanwhile made it moot
	}
	w.in.Review.Fire(a.Kind)
	w.in.Plan = w.in.syncPlan(w.in.Plan.SubmittedAt)
	r := w.in.Review
	switch a.Kind {
	case AlarmRemindReviewer:
		w.tellMinistry(ctx, "review_reminder", "Напоминание: рассмотреть план мероприятий",
			fmt.Sprintf("План %s (%s) нужно рассмотреть до %s.", w.id(), w.in.Plan.ParticipantName, r.ReviewDue))
	case AlarmEscalate:
		w.tellMinistry(ctx, "review_overdue", "Просрочено рассмотрение плана мероприятий",
			fmt.Sprintf("Срок рассмотрения плана %s (%s) истёк %s.", w.id(), w.in.Plan.ParticipantName, r.ReviewDue))
	case AlarmRemindSubmitter:
		w.tell(ctx, "resubmit_reminder", "Напоминание: доработать план мероприятий",
			fmt.Sprintf("Доработанный план %s нужно представить до %s.", w.id(), r.ResubmitDue))
	case AlarmLapse:
		body := fmt.Sprintf("Доработанный план %s (%s) не представлен до %s.", w.id(), w.in.Plan.ParticipantName, r.ResubmitDue)
		w.tell(ctx, "resubmit_overdue", "Просрочена доработка плана мероприятий", body)
		w.tellMinistry(ctx, "resubmit_overdue", "Просрочена доработка плана мероприятий", body)
	}
	return w.save(ctx, domain.SystemActor, string(a.Kind), nil)
}

func (w *planReview) save(ctx workflow.Context, actor domain.Actor, action string, details map[string]any) error {
	ctx = withActivities(ctx)
	w.changes++
	ev := w.in.Steps.next(ctx, actor, action, details)
	w.in.Plan.Revision = ev.Seq
	p := w.in.Plan
	if err := workflow.UpsertTypedSearchAttributes(ctx, AttrStatus.ValueSet(string(p.Status)), AttrOverdue.ValueSet(p.Overdue)); err != nil {
		return err
	}
	return workflow.ExecuteActivity(ctx, planningActivities.SavePlan, activities.PlanStep{Plan: p, Event: ev}).Get(ctx, nil)
}

// stepName makes a notification step unique within the plan: the next step's number.
func (w *planReview) stepName(action string) string {
	return fmt.Sprintf("%s_%d", action, w.in.Steps.Seq+1)
}

func (w *planReview) tell(ctx workflow.Context, action, subject, body string) {
	p := w.in.Plan
	w.notes.send(ctx, notify.Request{
		WorkflowID: p.WorkflowID, Step: w.stepName(action), Audience: participantAudience(p.ParticipantKind, p.ParticipantID),
		Emails: w.in.Emails, Subject: subject, Body: body, Link: w.link(),
	})
}

func (w *planReview) tellMinistry(ctx workflow.Context, action, subject, body string) {
	w.notes.send(ctx, notify.Request{
		WorkflowID: w.in.Plan.WorkflowID, Step: w.stepName(action), Audience: domain.RoleAudience(domain.RoleMinistry, w.in.Plan.Authority),
		Subject: subject, Body: body, Link: w.link(),
	})
}

func (w *planReview) link() string {
	return fmt.Sprintf("/api/v1/planning/cycles/%d?authority=%s", w.in.Plan.Year, w.in.Plan.Authority)
}
