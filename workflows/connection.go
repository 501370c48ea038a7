package workflows

import (
	"fmt"
	"slices"

	"cloud.google.com/go/civil"
	"go.temporal.io/sdk/workflow"

	"github.com/profdev/profdev/activities"
	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/internal/notify"
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

func (w *connection) terms() ReviewTerms {
	t := ConnectionTerms.Review
	t.Region = w.in.Region
	return t
}

func (w *connection) alarms() []Alarm {
	var out []Alarm
	if a, ok := w.review.NextAlarm(); ok {
		out = append(out, a)
	}
	if !w.target {
		out = append(out, Alarm{Kind: alarmConnectTarget, At: EndOfDay(w.c.ConnectBy)})
	}
	if w.c.Status == domain.ConnectionAccepted && w.c.HandoverDue != nil {
		if !w.handover.Reminded && w.handover.RemindOn.IsValid() {
			out = append(out, Alarm{Kind: alarmHandoverReminder, At: reminderAt(w.handover.RemindOn)})
		}
		if !w.handover.Escalated {
			out = append(out, Alarm{Kind: alarmHandoverOverdue, At: EndOfDay(*w.c.HandoverDue)})
		}
	}
	return out
}

// onAlarm acts on a deadline, unless a step taken meanwhile made it moot.
func (w *connection) onAlarm(ctx workflow.Context, a Alarm) error {
	if err := w.mu.Lock(ctx); err != nil {
		return err
	}
	defer w.mu.Unlock()
	if w.c.Status.Final() || !stillDue(w.alarms(), a) {
		return nil
	}
	switch a.Kind {
	case alarmConnectTarget:
		w.target = true
		if w.c.Status == domain.ConnectionAccepted {
			// The 30 days ran out with access handed over: the organisation is connected; who
			// has not signed in yet still may, with the invitation they hold.
			return w.connect(ctx, "connected_at_target")
		}
		w.sync()
		w.tellReviewers(ctx, "connect_target_missed", "Превышен срок подключения",
			fmt.Sprintf("Заявка %s на подключение не завершена в течение %d календарных дней.", w.c.ID, ConnectionTerms.TargetDays))
		return w.save(ctx, domain.SystemActor, "connect_target_missed", map[string]any{"connect_by": w.c.ConnectBy})
	case AlarmRemindReviewer:
		w.review.Fire(a.Kind)
		w.tellReviewers(ctx, fmt.Sprintf("review_reminder_%d", w.review.Round), "Напоминание о сроке рассмотрения заявки на подключение",
			fmt.Sprintf("Заявку %s нужно рассмотреть до %s.", w.c.ID, w.review.ReviewDue))
		return w.save(ctx, domain.SystemActor, "review_reminder", map[string]any{"review_due": w.review.ReviewDue})
	case AlarmEscalate:
		w.review.Fire(a.Kind)
		w.sync()
		w.tellReviewers(ctx, fmt.Sprintf("review_overdue_%d", w.review.Round), "Просрочено рассмотрение заявки на подключение",
			fmt.Sprintf("Срок рассмотрения заявки %s истёк %s.", w.c.ID, w.review.ReviewDue))
		return w.save(ctx, domain.SystemActor, "review_overdue", map[string]any{"review_due": w.review.ReviewDue})
	case AlarmRemindSubmitter:
		w.review.Fire(a.Kind)
		w.tellApplicant(ctx, fmt.Sprintf("resubmission_reminder_%d", w.review.Round), "Напоминание о сроке доработки заявки на подключение",
			fmt.Sprintf("Доработанную заявку %s нужно представить до %s.", w.c.ID, w.review.ResubmitDue))
		return w.save(ctx, domain.SystemActor, "resubmission_reminder", map[string]any{"resubmit_due": w.review.ResubmitDue})
	case AlarmLapse:
		w.review.Fire(a.Kind)
		w.c.Status = domain.ConnectionLapsed
		w.sync()
		w.tellApplicant(ctx, "lapsed", "Заявка на подключение не доработана в срок",
			fmt.Sprintf("Заявка %s не была доработана до %s и оставлена без рассмотрения.", w.c.ID, w.review.ResubmitDue))
		w.tellReviewers(ctx, "lapsed", "Заявка на подключение не доработана в срок",
			fmt.Sprintf("Заявка %s не доработана до %s.", w.c.ID, w.review.ResubmitDue))
		return w.save(ctx, domain.SystemActor, "lapsed", map[string]any{"resubmit_due": w.review.ResubmitDue})
	case alarmHandoverReminder:
		w.handover.Reminded = true
		w.tellReviewers(ctx, "handover_reminder", "Напоминание о сроке передачи доступа",
			fmt.Sprintf("Доступ по заявке %s нужно передать до %s; вошли %d из %d.", w.c.ID, *w.c.HandoverDue, len(w.c.SignedIn), len(w.c.PersonIDs)))
		return w.save(ctx, domain.SystemActor, "handover_reminder", map[string]any{"handover_due": w.c.HandoverDue})
	case alarmHandoverOverdue:
		w.handover.Escalated = true
		w.sync()
		w.tellReviewers(ctx, "handover_overdue", "Просрочена передача доступа",
			fmt.Sprintf("Срок передачи доступа по заявке %s истёк %s; вошли %d из %d.", w.c.ID, *w.c.HandoverDue, len(w.c.SignedIn), len(w.c.PersonIDs)))
		return w.save(ctx, domain.SystemActor, "handover_overdue", map[string]any{"handover_due": w.c.HandoverDue})
	}
	return nil
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

func (w *connection) link() string { return "/api/v1/connections/" + w.c.ID }

func (w *connection) tellApplicant(ctx workflow.Context, step, subject, body string) {
	w.notes.send(ctx, notify.Request{
		WorkflowID: w.c.WorkflowID, Step: step, Audience: domain.UserAudience(w.c.SubmittedBy.Sub),
		Subject: subject, Body: body, Link: w.link(),
	})
}

func (w *connection) tellReviewers(ctx workflow.Context, step, subject, body string) {
	w.notes.send(ctx, notify.Request{
		WorkflowID: w.c.WorkflowID, Step: step, Audience: domain.RoleAudience(domain.RoleMinistry, w.c.Authority),
		Subject: subject, Body: body, Link: w.link(),
	})
}

// registerHandlers installs the query and the updates before the workflow first blocks.
func (w *connection) registerHandlers(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, QueryConnection, func() (domain.Connection, error) { return w.c, nil }); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateConnectionSnapshot,
		func(ctx workflow.Context, actor domain.Actor) (domain.Connection, error) {
			if err := workflow.Await(ctx, func() bool { return w.ready }); err != nil {
				return w.c, err
			}
			return w.c, nil
		},
		workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, actor domain.Actor) error { return w.mayRead(actor) }},
	); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateDecideConnection, w.decide,
		workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, d ConnectionDecision) error { return w.mayDecide(d) }},
	); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateResubmitConnection, w.resubmit,
		workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, r ConnectionResubmission) error { return w.mayResubmit(r) }},
	); err != nil {
		return err
	}
	return workflow.SetUpdateHandlerWithOptions(ctx, UpdateConnectionSignIn, w.signedIn,
		workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, s ConnectionSignIn) error { return w.maySignIn(s) }},
	)
}

// mayRead: the authority's ministry users, the applicant who submitted, and operators.
func (w *connection) mayRead(a domain.Actor) error {
	switch {
	case a.Role == domain.RoleOperator,
		a.Role == domain.RoleMinistry && a.Authority == w.c.Authority,
		a.Sub != "" && a.Sub == w.c.SubmittedBy.Sub:
		return nil
	}
	return refuse(domain.CodeNotFound, "connection request %s not found", w.c.ID)
}

func (w *connection) mayDecide(d ConnectionDecision) error {
	if err := w.mayRead(d.Actor); err != nil {
		return err
	}
	if d.Actor.Role != domain.RoleMinistry {
		return refuse(domain.CodeForbidden, "only the authority's ministry users decide connection requests")
	}
	switch d.Decision {
	case DecisionAccept, DecisionReturn:
	default:
		return refuse(domain.CodeInvalid, "decision must be accept or return")
	}
	if d.Decision == DecisionReturn && len(d.Reasons) == 0 {
		return refuse(domain.CodeInvalid, "reasons are required to return a request")
	}
	if !w.ready {
		return refuse(domain.CodeConflict, "connection request %s is still being registered; retry shortly", w.c.ID)
	}
	if w.c.Status != domain.ConnectionUnderReview {
		return refuse(domain.CodeConflict, "connection request %s is %s: only a request under review can be decided", w.c.ID, w.c.Status)
	}
	return nil
}

func (w *connection) mayResubmit(r ConnectionResubmission) error {
	if err := w.mayRead(r.Actor); err != nil {
		return err
	}
	if r.Actor.Role == domain.RoleOperator {
		return refuse(domain.CodeForbidden, "only the applicant, or a ministry user registering a new letter, resubmits a request")
	}
	if r.Request.Authority != w.c.Authority || r.Request.Organisation.ID != w.c.Organisation.ID {
		return refuse(domain.CodeInvalid, "a resubmission keeps the authority and the organisation's id")
	}
	if w.c.Status != domain.ConnectionReturned {
		return refuse(domain.CodeConflict, "connection request %s is %s: only a returned request can be resubmitted", w.c.ID, w.c.Status)
	}
	return nil
}

func (w *connection) maySignIn(s ConnectionSignIn) error {
	if !slices.Contains(w.c.PersonIDs, s.PersonID) {
		return refuse(domain.CodeNotFound, "person %s is not one of connection request %s", s.PersonID, w.c.ID)
	}
	return nil
}

// decide applies the authority's decision; the check is repeated under the lock because
// another update may have won meanwhile.
func (w *connection) decide(ctx workflow.Context, d ConnectionDecision) (domain.Connection, error) {
	if err := w.mu.Lock(ctx); err != nil {
		return w.c, err
	}
	defer w.mu.Unlock()
	if err := w.mayDecide(d); err != nil {
		return w.c, err
	}
	defer func() { w.changes++ }()
	if d.Decision == DecisionReturn {
		if err := w.review.Return(ctx, w.terms()); err != nil {
			return w.c, err
		}
		w.c.Status, w.c.Reasons = domain.ConnectionReturned, d.Reasons
		w.sync()
		w.tellApplicant(ctx, fmt.Sprintf("returned_%d", w.review.Round), "Заявка на подключение возвращена на доработку",
			fmt.Sprintf("Заявка %s возвращена на доработку. Причины: %v. Представить до %s.", w.c.ID, d.Reasons, w.review.ResubmitDue))
		return w.c, w.save(ctx, d.Actor, "returned", map[string]any{"reasons": d.Reasons, "resubmit_due": w.review.ResubmitDue})
	}
	return w.c, w.accept(ctx, d.Actor)
}

// accept enters every person in the registry, invited, sets the access and handover
// deadlines and sends the invitations.
func (w *connection) accept(ctx workflow.Context, actor domain.Actor) error {
	w.review.Decide()
	now := workflow.Now(ctx).UTC()
	access, err := WorkingDaysAfter(ctx, Today(ctx), ConnectionTerms.AccessDays, w.in.Region)
	if err != nil {
		return err
	}
	handover, err := WorkingDaysAfter(ctx, access.Date, ConnectionTerms.HandoverDays, w.in.Region)
	if err != nil {
		return err
	}
	remind, err := WorkingDaysAfter(ctx, handover.Date, -1, w.in.Region)
	if err != nil {
		return err
	}
	w.handover.RemindOn = remind.Date
	w.c.AccessDue, w.c.HandoverDue = &access.Date, &handover.Date
	w.c.Status, w.c.Reasons, w.c.DecidedAt = domain.ConnectionAccepted, []string{}, &now
	w.c.PersonIDs = make([]string, len(w.c.People))
	for i := range w.c.People {
		w.c.PersonIDs[i] = domain.PersonID(w.c.ID, i)
	}
	w.sync()
	if err := w.save(ctx, actor, "accepted", map[string]any{"access_due": access.Date, "handover_due": handover.Date}); err != nil {
		return err
	}
	var invites []domain.Invitation
	if err := workflow.ExecuteActivity(withActivities(ctx), connectionActivities.EnterPeople, domain.PeopleEntry{
		ConnectionID: w.c.ID, Authority: w.c.Authority, Region: w.in.Region, Organisation: w.c.Organisation,
		People: w.c.People, PersonIDs: w.c.PersonIDs, Actor: actor, At: now,
	}).Get(ctx, &invites); err != nil {
		return err
	}
	if err := w.save(ctx, domain.SystemActor, "access_prepared", map[string]any{"people": len(invites)}); err != nil {
		return err
	}
	for _, in := range invites {
		w.invite(ctx, in)
	}
	w.tellApplicant(ctx, "accepted", "Заявка на подключение принята",
		fmt.Sprintf("Заявка %s принята. Уполномоченным лицам (%d) направлены приглашения; доступ будет передан до %s.", w.c.ID, len(invites), handover.Date))
	return w.save(ctx, domain.SystemActor, "invitations_sent", map[string]any{"people": len(invites)})
}

// invite sends one person the invitation to sign in the first time.
func (w *connection) invite(ctx workflow.Context, in domain.Invitation) {
	w.notes.send(ctx, inviteRequest(w.c.WorkflowID, w.c.Organisation.Name, in))
}

func inviteRequest(workflowID, orgName string, in domain.Invitation) notify.Request {
	return notify.Request{
		WorkflowID: workflowID, Step: "invitation_" + in.PersonID, Audience: domain.UserAudience("invitee:" + in.PersonID),
		Emails: []string{in.Email}, Subject: "Приглашение в систему profdev",
		Body: fmt.Sprintf("%s, вы включены в реестр уполномоченных лиц (%s). Войдите в систему и примите приглашение, код: %s.",
			in.FullName, orgName, in.Code),
		Link: "/api/v1/invitations/" + in.Code,
	}
}

// signedIn records a person's first sign-in; once every person has signed in, the
// organisation is connected.
func (w *connection) signedIn(ctx workflow.Context, s ConnectionSignIn) (domain.Connection, error) {
	if err := w.mu.Lock(ctx); err != nil {
		return w.c, err
	}
	defer w.mu.Unlock()
	if err := w.maySignIn(s); err != nil || slices.Contains(w.c.SignedIn, s.PersonID) || w.c.Status.Final() {
		return w.c, err
	}
	defer func() { w.changes++ }()
	w.c.SignedIn = append(w.c.SignedIn, s.PersonID)
	if err := w.save(ctx, s.Actor, "signed_in", map[string]any{"person_id": s.PersonID}); err != nil {
		return w.c, err
	}
	if len(w.c.SignedIn) == len(w.c.PersonIDs) {
		return w.c, w.connect(ctx, "connected")
	}
	return w.c, nil
}

func (w *connection) connect(ctx workflow.Context, action string) error {
	now := workflow.Now(ctx).UTC()
	w.c.Status, w.c.ConnectedAt = domain.ConnectionConnected, &now
	w.sync()
	w.tellApplicant(ctx, "connected", "Организация подключена",
		fmt.Sprintf("%s подключена к системе по заявке %s.", w.c.Organisation.Name, w.c.ID))
	return w.save(ctx, domain.SystemActor, action, map[string]any{"signed_in": len(w.c.SignedIn), "people": len(w.c.PersonIDs)})
}

// resubmit takes the corrected request back into review for a new round.
func (w *connection) resubmit(ctx workflow.Context, r ConnectionResubmission) (domain.Connection, error) {
	if err := w.mu.Lock(ctx); err != nil {
		return w.c, err
	}
	defer w.mu.Unlock()
	if err := w.mayResubmit(r); err != nil {
		return w.c, err
	}
	defer func() { w.changes++ }()
	if err := w.review.Submit(ctx, w.terms()); err != nil {
		return w.c, err
	}
	w.c.Organisation, w.c.People, w.c.Status, w.c.Reasons = r.Request.Organisation, r.Request.People, domain.ConnectionUnderReview, []string{}
	if r.Request.Letter != nil {
		w.c.Letter = r.Request.Letter
	}
	w.sync()
	w.tellReviewers(ctx, fmt.Sprintf("resubmitted_%d", w.review.Round), "Доработанная заявка на подключение",
		fmt.Sprintf("Заявка %s доработана и представлена повторно. Рассмотреть до %s.", w.c.ID, w.review.ReviewDue))
	return w.c, w.save(ctx, r.Actor, "resubmitted", map[string]any{"round": w.review.Round, "review_due": w.review.ReviewDue})
}

func notifyReviewers(workflowID, authority, step, subject, body, link string) notify.Request {
	return notify.Request{WorkflowID: workflowID, Step: step, Audience: domain.RoleAudience(domain.RoleMinistry, authority),
		Subject: subject, Body: body, Link: link}
}
