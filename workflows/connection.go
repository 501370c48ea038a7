package workflows

import (
	"fmt"

	"cloud.google.com/go/civil"
	"go.temporal.io/sdk/workflow"

	"github.com/profdev/profdev/activities"
	"github.com/profdev/profdev/internal/domain"
)

// Connecting an organisation (подключение участника, process 5): one workflow per connection
// request. The authority reviews within 3 working days (reminded a day ahead, escalated when
// late), may return the request with reasons (the organisation resends within 3 working days
// or the request lapses) or accept it; on acceptance every person is entered in the registry
// of authorised people, invited, and sent an invitation to sign in; access is prepared within
// 5 working days and handed over within 5 more; the connection ends within 30 calendar days
// of the request: connected once every person has signed in, or when the 30 days run out
// (seed 001 items 9-17; seed 004 section 3).

// Names of the connection workflow and its handlers.
const (
	ConnectionWorkflowType   = "Connection"
	UpdateConnectionSnapshot = "snapshot"
	UpdateDecideConnection   = "decide"
	UpdateResubmitConnection = "resubmit"
	UpdateConnectionSignIn   = "signed_in"
	QueryConnection          = "connection"
	ProcessConnection        = "connection"
)

// ConnectionTerms are the deadlines of the regulation, in working days (001 items 10-13).
var ConnectionTerms = struct {
	Review       ReviewTerms
	AccessDays   int
	HandoverDays int
	TargetDays   int // calendar days from the request (001 item 17)
}{Review: ReviewTerms{ReviewDays: 3, ResubmitDays: 3, RemindBefore: 1}, AccessDays: 5, HandoverDays: 5, TargetDays: 30}

// Alarms of a connection beyond its review.
const (
	alarmConnectTarget    AlarmKind = "connect_target"
	alarmHandoverReminder AlarmKind = "handover_reminder"
	alarmHandoverOverdue  AlarmKind = "handover_overdue"
)

// ConnectionWorkflowID is the workflow ID of a connection request.
func ConnectionWorkflowID(id string) string { return "connection-" + id }

// ConnectionInput is the first submission of a connection request.
type ConnectionInput struct {
	ID          string                   `json:"id"`
	Region      string                   `json:"region"`
	Request     domain.ConnectionRequest `json:"request"`
	SubmittedBy domain.Actor             `json:"submitted_by"`
}

// ConnectionDecision is the authority's decision: accept, or return with reasons.
type ConnectionDecision struct {
	Actor    domain.Actor `json:"actor"`
	Decision string       `json:"decision"`
	Reasons  []string     `json:"reasons"`
}

// ConnectionResubmission is the corrected request (from the applicant, or a new letter).
type ConnectionResubmission struct {
	Actor   domain.Actor             `json:"actor"`
	Request domain.ConnectionRequest `json:"request"`
}

// ConnectionSignIn says that a person of the request signed in for the first time.
type ConnectionSignIn struct {
	Actor    domain.Actor `json:"actor"`
	PersonID string       `json:"person_id"`
}

// connectionActivities is the receiver used to name the connection activities.
var connectionActivities *activities.Connections

type connection struct {
	in       ConnectionInput
	c        domain.Connection
	review   ReviewCycle
	target   bool // the 30-day alarm has fired
	handover struct {
		RemindOn  civil.Date
		Reminded  bool
		Escalated bool
	}
	steps   timeline
	ready   bool
	changes int
	mu      workflow.Mutex
	notes   *notifier
}

// Connection runs one connection request from submission to connected or lapsed.
func Connection(ctx workflow.Context, in ConnectionInput) (domain.Connection, error) {
	ctx = withActivities(ctx)
	w := &connection{in: in, mu: workflow.NewMutex(ctx), notes: newNotifier(ctx)}
	r := in.Request
	w.c = domain.Connection{
		ID: in.ID, WorkflowID: workflow.GetInfo(ctx).WorkflowExecution.ID, Authority: r.Authority,
		Organisation: r.Organisation, People: r.People, Letter: r.Letter, SubmittedBy: in.SubmittedBy,
		Status: domain.ConnectionUnderReview, Reasons: []string{}, PersonIDs: []string{}, SignedIn: []string{},
		SubmittedAt: workflow.Now(ctx).UTC(),
	}
	if err := w.registerHandlers(ctx); err != nil {
		return w.c, err
	}
	if err := w.review.Submit(ctx, w.terms()); err != nil {
		return w.c, err
	}
	w.c.ConnectBy = Today(ctx).AddDays(ConnectionTerms.TargetDays)
	w.sync()
	if err := w.save(ctx, in.SubmittedBy, "submitted", map[string]any{"people": len(r.People), "review_due": w.review.ReviewDue, "connect_by": w.c.ConnectBy}); err != nil {
		return w.c, err
	}
	w.tellApplicant(ctx, "submitted", "Заявка на подключение принята к рассмотрению",
		fmt.Sprintf("Заявка %s на подключение %s принята к рассмотрению. Срок рассмотрения: до %s.", w.c.ID, w.c.Organisation.Name, w.review.ReviewDue))
	w.tellReviewers(ctx, "submitted", "Новая заявка на подключение",
		fmt.Sprintf("Поступила заявка %s на подключение %s. Рассмотреть до %s.", w.c.ID, w.c.Organisation.Name, w.review.ReviewDue))
	w.ready = true

	for !w.c.Status.Final() {
		seen := w.changes
		alarm, fired, err := AwaitAlarm(ctx, func() bool { return w.changes != seen }, w.alarms()...)
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

// sync copies the review's deadlines into the request and sets the overdue flag.
func (w *connection) sync() {
	switch w.review.Phase {
	case PhaseUnderReview:
		due := w.review.ReviewDue
		w.c.ReviewDue, w.c.ResubmitDue = &due, nil
	case PhaseReturned:
		due := w.review.ResubmitDue
		w.c.ResubmitDue = &due
	}
	targetMissed := w.target && w.c.Status != domain.ConnectionAccepted
	handoverLate := w.c.Status == domain.ConnectionAccepted && w.handover.Escalated
	w.c.Overdue = !w.c.Status.Final() && (w.review.Overdue() || targetMissed || handoverLate)
}

// save records the request after a step and refreshes the search attributes.
func (w *connection) save(ctx workflow.Context, actor domain.Actor, action string, details map[string]any) error {
	ctx = withActivities(ctx)
	ev := w.steps.next(ctx, actor, action, details)
	w.c.Revision = ev.Seq
	org := AttrAgency.ValueSet(w.c.Organisation.ID)
	if w.c.Organisation.Kind == domain.OrgProvider {
		org = AttrProvider.ValueSet(w.c.Organisation.ID)
	}
	if err := workflow.UpsertTypedSearchAttributes(ctx,
		AttrProcess.ValueSet(ProcessConnection), AttrStatus.ValueSet(string(w.c.Status)),
		AttrAuthority.ValueSet(w.c.Authority), org, AttrOverdue.ValueSet(w.c.Overdue)); err != nil {
		return err
	}
	return workflow.ExecuteActivity(ctx, connectionActivities.SaveConnection, activities.ConnectionStep{Connection: w.c, Event: ev}).Get(ctx, nil)
}
