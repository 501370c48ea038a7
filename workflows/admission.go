package workflows

import (
	"fmt"
	"slices"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/profdev/profdev/activities"
	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/internal/notify"
)

// Admission to the provider registry (process 2): one workflow per application
// (заявка на включение в реестр). The authority reviews within 3 working days, may return
// the application for rework with reasons (the provider resubmits within 3 working days or
// the application lapses), admits or rejects it; the whole admission should take at most 30
// calendar days from the first submission (seed 000 items 14a, 15a; seed 001 items 9-17).

// Names of the admission workflow and its handlers.
const (
	AdmissionWorkflowType     = "Admission"
	UpdateApplicationSnapshot = "snapshot"
	UpdateDecideApplication   = "decide"
	UpdateResubmitApplication = "resubmit"
	QueryApplication          = "application"
	ProcessAdmission          = "admission"
)

// AdmissionTerms are the deadlines of the regulation, in working days.
var AdmissionTerms = ReviewTerms{ReviewDays: 3, ResubmitDays: 3, RemindBefore: 1}

// admissionTargetDays is the overall target in calendar days from the first submission.
const admissionTargetDays = 30

// alarmAdmissionTarget fires when the 30-day target passes without a decision.
const alarmAdmissionTarget AlarmKind = "admission_target"

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
	DecisionReturn = "return"
	DecisionReject = "reject"
)

type admission struct {
	in           AdmissionInput
	app          domain.Application
	review       ReviewCycle
	targetMissed bool
	steps        timeline
	ready        bool
	changes      int
	mu           workflow.Mutex
	notes        *notifier
}

// Admission runs one application from submission to admission, rejection or lapse.
func Admission(ctx workflow.Context, in AdmissionInput) (domain.Application, error) {
	ctx = withActivities(ctx)
	w := &admission{in: in, mu: workflow.NewMutex(ctx), notes: newNotifier(ctx)}
	w.app = domain.Application{
		ID: in.ApplicationID, WorkflowID: workflow.GetInfo(ctx).WorkflowExecution.ID, Authority: in.Authority,
		Year: in.Year, ProviderID: in.ProviderID, Provider: in.Provider, Programmes: in.Programmes,
		Status: domain.ApplicationUnderReview, Reasons: []string{}, SubmittedAt: workflow.Now(ctx).UTC(),
	}
	if err := w.registerHandlers(ctx); err != nil {
		return w.app, err
	}

	if err := w.review.Submit(ctx, w.terms()); err != nil {
		return w.app, err
	}
	w.app.AdmissionDue = Today(ctx).AddDays(admissionTargetDays)
	w.syncDates()
	if err := w.save(ctx, in.SubmittedBy, "submitted", map[string]any{"programmes": len(in.Programmes), "review_due": w.review.ReviewDue}); err != nil {
		return w.app, err
	}
	w.tellProvider(ctx, "submitted", "Заявка на включение в реестр принята к рассмотрению",
		fmt.Sprintf("Заявка %s принята к рассмотрению. Срок рассмотрения: до %s.", w.app.ID, w.review.ReviewDue))
	w.tellReviewers(ctx, "submitted", "Новая заявка на включение в реестр",
		fmt.Sprintf("Поступила заявка %s от %s. Рассмотреть до %s.", w.app.ID, w.app.Provider.Name, w.review.ReviewDue))
	w.ready = true

	for !w.app.Status.Final() {
		seen := w.changes
		alarm, fired, err := AwaitAlarm(ctx, func() bool { return w.changes != seen }, w.alarms()...)
		if err != nil {
			return w.app, err
		}
		if fired {
			if err := w.onAlarm(ctx, alarm); err != nil {
				return w.app, err
			}
		}
	}
	if err := drain(ctx); err != nil {
		return w.app, err
	}
	w.notes.wait(ctx)
	return w.app, nil
}

func (w *admission) terms() ReviewTerms {
	t := AdmissionTerms
	t.Region = w.in.Region
	return t
}

func (w *admission) alarms() []Alarm {
	var out []Alarm
	if a, ok := w.review.NextAlarm(); ok {
		out = append(out, a)
	}
	if !w.targetMissed {
		out = append(out, Alarm{Kind: alarmAdmissionTarget, At: EndOfDay(w.app.AdmissionDue)})
	}
	return out
}

// onAlarm acts on a deadline, unless a step taken meanwhile made it moot.
func (w *admission) onAlarm(ctx workflow.Context, a Alarm) error {
	if err := w.mu.Lock(ctx); err != nil {
		return err
	}
	defer w.mu.Unlock()
	if w.app.Status.Final() || !stillDue(w.alarms(), a) {
		return nil
	}
	switch a.Kind {
	case alarmAdmissionTarget:
		w.targetMissed = true
		w.syncDates()
		w.tellReviewers(ctx, "admission_target_missed", "Превышен срок включения в реестр",
			fmt.Sprintf("Заявка %s не рассмотрена в течение %d календарных дней.", w.app.ID, admissionTargetDays))
		return w.save(ctx, domain.SystemActor, "admission_target_missed", map[string]any{"admission_due": w.app.AdmissionDue})
	case AlarmRemindReviewer:
		w.review.Fire(a.Kind)
		w.tellReviewers(ctx, fmt.Sprintf("review_reminder_%d", w.review.Round), "Напоминание о сроке рассмотрения заявки",
			fmt.Sprintf("Заявку %s нужно рассмотреть до %s.", w.app.ID, w.review.ReviewDue))
		return w.save(ctx, domain.SystemActor, "review_reminder", map[string]any{"review_due": w.review.ReviewDue})
	case AlarmEscalate:
		w.review.Fire(a.Kind)
		w.syncDates()
		w.tellReviewers(ctx, fmt.Sprintf("review_overdue_%d", w.review.Round), "Просрочено рассмотрение заявки",
			fmt.Sprintf("Срок рассмотрения заявки %s истёк %s.", w.app.ID, w.review.ReviewDue))
		return w.save(ctx, domain.SystemActor, "review_overdue", map[string]any{"review_due": w.review.ReviewDue})
	case AlarmRemindSubmitter:
		w.review.Fire(a.Kind)
		w.tellProvider(ctx, fmt.Sprintf("resubmission_reminder_%d", w.review.Round), "Напоминание о сроке доработки заявки",
			fmt.Sprintf("Доработанную заявку %s нужно представить до %s.", w.app.ID, w.review.ResubmitDue))
		return w.save(ctx, domain.SystemActor, "resubmission_reminder", map[string]any{"resubmit_due": w.review.ResubmitDue})
	case AlarmLapse:
		w.review.Fire(a.Kind)
		w.app.Status = domain.ApplicationLapsed
		w.syncDates()
		w.tellProvider(ctx, "lapsed", "Заявка не доработана в срок",
			fmt.Sprintf("Заявка %s не была доработана до %s и оставлена без рассмотрения.", w.app.ID, w.review.ResubmitDue))
		w.tellReviewers(ctx, "lapsed", "Заявка не доработана в срок",
			fmt.Sprintf("Заявка %s не доработана до %s.", w.app.ID, w.review.ResubmitDue))
		return w.save(ctx, domain.SystemActor, "lapsed", map[string]any{"resubmit_due": w.review.ResubmitDue})
	}
	return nil
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

// save records the application after a step, with the step, and refreshes the search attributes.
func (w *admission) save(ctx workflow.Context, actor domain.Actor, action string, details map[string]any) error {
	ctx = withActivities(ctx) // update handlers get a fresh context without activity options
	ev := w.steps.next(ctx, actor, action, details)
	w.app.Revision = ev.Seq
	if err := workflow.UpsertTypedSearchAttributes(ctx,
		AttrProcess.ValueSet(ProcessAdmission), AttrStatus.ValueSet(string(w.app.Status)),
		AttrAuthority.ValueSet(w.app.Authority), AttrProvider.ValueSet(w.app.ProviderID),
		AttrYear.ValueSet(int64(w.app.Year)), AttrOverdue.ValueSet(w.app.Overdue)); err != nil {
		return err
	}
	return workflow.ExecuteActivity(ctx, registryActivities.SaveApplication, applicationStep(w.app, ev)).Get(ctx, nil)
}

func (w *admission) tellProvider(ctx workflow.Context, step, subject, body string) {
	w.notes.send(ctx, notify.Request{
		WorkflowID: w.app.WorkflowID, Step: step, Audience: domain.RoleAudience(domain.RoleProvider, w.app.ProviderID),
		Emails: []string{w.app.Provider.Email}, Subject: subject, Body: body, Link: "/api/v1/registry/applications/" + w.app.ID,
	})
}

func (w *admission) tellReviewers(ctx workflow.Context, step, subject, body string) {
	w.notes.send(ctx, notify.Request{
		WorkflowID: w.app.WorkflowID, Step: step, Audience: domain.RoleAudience(domain.RoleMinistry, w.app.Authority),
		Subject: subject, Body: body, Link: "/api/v1/registry/applications/" + w.app.ID,
	})
}

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

// decide applies the authority's decision. Validators run before the update is accepted;
// the check is repeated under the lock because another update may have won meanwhile.
func (w *admission) decide(ctx workflow.Context, d ApplicationDecision) (domain.Application, error) {
	if err := w.mu.Lock(ctx); err != nil {
		return w.app, err
	}
	defer w.mu.Unlock()
	if err := w.mayDecide(d); err != nil {
		return w.app, err
	}
	defer func() { w.changes++ }()
	switch d.Decision {
	case DecisionReturn:
		if err := w.review.Return(ctx, w.terms()); err != nil {
			return w.app, err
		}
		w.app.Status, w.app.Reasons = domain.ApplicationReturned, d.Reasons
		w.syncDates()
		w.tellProvider(ctx, fmt.Sprintf("returned_%d", w.review.Round), "Заявка возвращена на доработку",
			fmt.Sprintf("Заявка %s возвращена на доработку. Причины: %v. Представить до %s.", w.app.ID, d.Reasons, w.review.ResubmitDue))
		return w.app, w.save(ctx, d.Actor, "returned", map[string]any{"reasons": d.Reasons, "resubmit_due": w.review.ResubmitDue})
	case DecisionReject:
		w.review.Decide()
		now := workflow.Now(ctx).UTC()
		w.app.Status, w.app.Reasons, w.app.DecidedAt = domain.ApplicationRejected, d.Reasons, &now
		w.syncDates()
		w.tellProvider(ctx, "rejected", "В заявке отказано", fmt.Sprintf("В заявке %s отказано. Причины: %v.", w.app.ID, d.Reasons))
		return w.app, w.save(ctx, d.Actor, "rejected", map[string]any{"reasons": d.Reasons})
	}
	return w.app, w.admit(ctx, d.Actor)
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
	if err := w.save(ctx, actor, "admitted", nil); err != nil {
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
	w.tellProvider(ctx, "admitted", "Организация включена в реестр",
		fmt.Sprintf("По заявке %s организация включена в реестр (%s, %d год).", w.app.ID, w.app.Authority, w.app.Year))
	w.tellReviewers(ctx, "admitted", "Организация включена в реестр",
		fmt.Sprintf("%s включена в реестр по заявке %s.", w.app.Provider.Name, w.app.ID))
	return nil
}

// resubmit takes the corrected application back into review for a new round.
func (w *admission) resubmit(ctx workflow.Context, r Resubmission) (domain.Application, error) {
	if err := w.mu.Lock(ctx); err != nil {
		return w.app, err
	}
	defer w.mu.Unlock()
	if err := w.mayResubmit(r); err != nil {
		return w.app, err
	}
	defer func() { w.changes++ }()
	if err := w.review.Submit(ctx, w.terms()); err != nil {
		return w.app, err
	}
	w.app.Provider, w.app.Programmes, w.app.Status, w.app.Reasons = r.Provider, r.Programmes, domain.ApplicationUnderReview, []string{}
	w.syncDates()
	w.tellReviewers(ctx, fmt.Sprintf("resubmitted_%d", w.review.Round), "Доработанная заявка",
		fmt.Sprintf("Заявка %s доработана и представлена повторно. Рассмотреть до %s.", w.app.ID, w.review.ReviewDue))
	return w.app, w.save(ctx, r.Actor, "resubmitted", map[string]any{"round": w.review.Round, "review_due": w.review.ReviewDue})
}

func applicationStep(app domain.Application, ev domain.Event) activities.ApplicationStep {
	return activities.ApplicationStep{Application: app, Event: ev}
}

// stillDue reports whether alarm a is still among the pending ones.
func stillDue(pending []Alarm, a Alarm) bool {
	return slices.ContainsFunc(pending, func(p Alarm) bool { return p.Kind == a.Kind && p.At.Equal(a.At) })
}
