package workflows

import (
	"fmt"

	"go.temporal.io/sdk/workflow"

	"github.com/profdev/profdev/activities"
	"github.com/profdev/profdev/internal/domain"
)

// A change to a connected organisation's people (перерегистрация, блокирование, a new
// person): one workflow per change request. The organisation reports within 3 working days
// of the event (a late report is accepted and marked); the authority acts within 5 working
// days of the report, or for a block within 3 + 5 working days of the report (seed 001 items
// 19-24; seed 004 item 3.6), reminded a day ahead and escalated when late. Applied, the change
// takes effect in the registry at once: a blocked person's next request is refused.

// Names of the change workflow and its handlers.
const (
	ChangeWorkflowType      = "ConnectionChange"
	UpdateChangeSnapshot    = "snapshot"
	UpdateDecideChange      = "decide"
	ProcessConnectionChange = "connection_change"
	DecisionApply           = "apply"
)

// ChangeTerms are the change deadlines, in working days.
var ChangeTerms = struct{ ReportDays, ForwardDays, ActDays, RemindBefore int }{ReportDays: 3, ForwardDays: 3, ActDays: 5, RemindBefore: 1}

// ChangeWorkflowID is the workflow ID of a change request.
func ChangeWorkflowID(id string) string { return "connection-change-" + id }

// ChangeInput is a change request as submitted.
type ChangeInput struct {
	Change domain.ChangeRequest `json:"change"`
	Region string               `json:"region"`
}

// ChangeDecision is the authority's decision: apply, or return with reasons.
type ChangeDecision struct {
	Actor    domain.Actor `json:"actor"`
	Decision string       `json:"decision"`
	Reasons  []string     `json:"reasons"`
}

type connectionChange struct {
	c         domain.ChangeRequest
	region    string
	remind    Alarm
	reminded  bool
	escalated bool
	steps     timeline
	ready     bool
	decided   bool
	mu        workflow.Mutex
	notes     *notifier
}

// ConnectionChange runs one change request until the authority applies or returns it.
func ConnectionChange(ctx workflow.Context, in ChangeInput) (domain.ChangeRequest, error) {
	ctx = withActivities(ctx)
	w := &connectionChange{c: in.Change, region: in.Region, mu: workflow.NewMutex(ctx), notes: newNotifier(ctx)}
	w.c.WorkflowID = workflow.GetInfo(ctx).WorkflowExecution.ID
	w.c.Status, w.c.Reasons, w.c.SubmittedAt = domain.ChangeUnderReview, []string{}, workflow.Now(ctx).UTC()
	if err := w.registerHandlers(ctx); err != nil {
		return w.c, err
	}
	report, err := WorkingDaysAfter(ctx, w.c.OccurredOn, ChangeTerms.ReportDays, in.Region)
	if err != nil {
		return w.c, err
	}
	today := Today(ctx)
	w.c.ReportDue, w.c.ReportedLate = report.Date, today.After(report.Date)
	days := ChangeTerms.ActDays
	if w.c.Kind == domain.ChangeBlock {
		// The authority forwards the notice within 3 working days of receiving it and the
		// access is blocked within 5 more (001 items 23-24).
		days += ChangeTerms.ForwardDays
	}
	act, err := WorkingDaysAfter(ctx, today, days, in.Region)
	if err != nil {
		return w.c, err
	}
	w.c.ActBy = act.Date
	remind, err := WorkingDaysAfter(ctx, act.Date, -ChangeTerms.RemindBefore, in.Region)
	if err != nil {
		return w.c, err
	}
	w.remind = Alarm{Kind: AlarmRemindReviewer, At: reminderAt(remind.Date)}
	w.reminded = reminderPassed(ctx, remind.Date)
	if err := w.save(ctx, w.c.SubmittedBy, "submitted", map[string]any{"kind": w.c.Kind, "report_due": w.c.ReportDue,
		"reported_late": w.c.ReportedLate, "act_by": w.c.ActBy}); err != nil {
		return w.c, err
	}
	w.tellReviewers(ctx, "submitted", "Сведения об изменении уполномоченных лиц",
		fmt.Sprintf("%s сообщает: %s (%s). Рассмотреть до %s.", w.c.Organisation, w.c.Kind, w.c.Reason, w.c.ActBy))
	w.ready = true

	for !w.decided {
		var alarms []Alarm
		if !w.reminded {
			alarms = append(alarms, w.remind)
		}
		if !w.escalated {
			alarms = append(alarms, Alarm{Kind: AlarmEscalate, At: EndOfDay(w.c.ActBy)})
		}
		alarm, fired, err := AwaitAlarm(ctx, func() bool { return w.decided }, alarms...)
		if err != nil {
			return w.c, err
		}
		if fired {
			if err := w.onAlarm(ctx, alarm); err != nil {
				return w.c, err
			}
		}
	}
	if err := drain(ctx); err != nil {
		return w.c, err
	}
	w.notes.wait(ctx)
	return w.c, nil
}

func (w *connectionChange) onAlarm(ctx workflow.Context, a Alarm) error {
	if err := w.mu.Lock(ctx); err != nil {
		return err
	}
	defer w.mu.Unlock()
	if w.decided {
		return nil
	}
	if a.Kind == AlarmRemindReviewer {
		w.reminded = true
		w.tellReviewers(ctx, "reminder", "Напоминание о сроке рассмотрения изменения",
			fmt.Sprintf("Изменение %s нужно рассмотреть до %s.", w.c.ID, w.c.ActBy))
		return w.save(ctx, domain.SystemActor, "reminder", map[string]any{"act_by": w.c.ActBy})
	}
	w.escalated, w.c.Overdue = true, true
	w.tellReviewers(ctx, "overdue", "Просрочено рассмотрение изменения",
		fmt.Sprintf("Срок рассмотрения изменения %s истёк %s.", w.c.ID, w.c.ActBy))
	return w.save(ctx, domain.SystemActor, "overdue", map[string]any{"act_by": w.c.ActBy})
}

func (w *connectionChange) save(ctx workflow.Context, actor domain.Actor, action string, details map[string]any) error {
	ctx = withActivities(ctx)
	ev := w.steps.next(ctx, actor, action, details)
	w.c.Revision = ev.Seq
	org := AttrAgency.ValueSet(w.c.Organisation)
	if w.c.OrganisationKind == domain.OrgProvider {
		org = AttrProvider.ValueSet(w.c.Organisation)
	}
	if err := workflow.UpsertTypedSearchAttributes(ctx, AttrProcess.ValueSet(ProcessConnectionChange),
		AttrStatus.ValueSet(string(w.c.Status)), AttrAuthority.ValueSet(w.c.Authority), org, AttrOverdue.ValueSet(w.c.Overdue)); err != nil {
		return err
	}
	return workflow.ExecuteActivity(ctx, connectionActivities.SaveChange, activities.ChangeStep{Change: w.c, Event: ev}).Get(ctx, nil)
}

func (w *connectionChange) tellReviewers(ctx workflow.Context, step, subject, body string) {
	w.notes.send(ctx, notifyReviewers(w.c.WorkflowID, w.c.Authority, step, subject, body,
		"/api/v1/organisations/"+w.c.Organisation+"/changes/"+w.c.ID))
}

func (w *connectionChange) registerHandlers(ctx workflow.Context) error {
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateChangeSnapshot,
		func(ctx workflow.Context, actor domain.Actor) (domain.ChangeRequest, error) {
			return w.c, workflow.Await(ctx, func() bool { return w.ready })
		},
		workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, actor domain.Actor) error { return w.mayRead(actor) }},
	); err != nil {
		return err
	}
	return workflow.SetUpdateHandlerWithOptions(ctx, UpdateDecideChange, w.decide,
		workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, d ChangeDecision) error { return w.mayDecide(d) }})
}

// mayRead: domain.MayReadChange; anyone else learns nothing of the change request.
func (w *connectionChange) mayRead(a domain.Actor) error {
	if !domain.MayReadChange(a, w.c) {
		return refuse(domain.CodeNotFound, "change request %s not found", w.c.ID)
	}
	return nil
}

func (w *connectionChange) mayDecide(d ChangeDecision) error {
	if err := w.mayRead(d.Actor); err != nil {
		return err
	}
	if err := domain.CheckDecision(d.Actor, "change request", d.Decision, d.Reasons, DecisionApply); err != nil {
		return refusal(err)
	}
	if !w.ready {
		return notReady("change request", w.c.ID)
	}
	if w.decided {
		return refuse(domain.CodeConflict, "change request %s is %s already", w.c.ID, w.c.Status)
	}
	return nil
}

func (w *connectionChange) decide(ctx workflow.Context, d ChangeDecision) (domain.ChangeRequest, error) {
	if err := w.mu.Lock(ctx); err != nil {
		return w.c, err
	}
	defer w.mu.Unlock()
	if err := w.mayDecide(d); err != nil {
		return w.c, err
	}
	now := workflow.Now(ctx).UTC()
	if d.Decision == DecisionReturn {
		w.c.Status, w.c.Reasons, w.c.DecidedAt, w.c.Overdue = domain.ChangeReturned, d.Reasons, &now, false
		w.decided = true
		return w.c, w.save(ctx, d.Actor, "returned", map[string]any{"reasons": d.Reasons})
	}
	var invites []recordedInvitation
	if err := workflow.ExecuteActivity(withActivities(ctx), connectionActivities.ApplyChange,
		activities.ApplyChangeInput{Change: w.c, Actor: d.Actor, At: now}).Get(ctx, &invites); err != nil {
		return w.c, err
	}
	w.c.Status, w.c.DecidedAt, w.c.Overdue = domain.ChangeApplied, &now, false
	w.decided = true
	if len(invites) > 0 {
		v := invitationVersion(ctx)
		for _, in := range invites {
			invite(ctx, w.notes, v, w.c.WorkflowID, w.c.Organisation, in)
		}
	}
	return w.c, w.save(ctx, d.Actor, "applied", nil)
}
