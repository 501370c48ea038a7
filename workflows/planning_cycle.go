package workflows

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"cloud.google.com/go/civil"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/profdev/profdev/activities"
	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/internal/notify"
)

// The annual planning cycle (планирование), process 4: one workflow per authority and year
// (seed 000 items 13a-c and 16a, seed 002 items 30-34). Opening announces the priority
// directions (приоритетные направления) to every agency and admitted provider of the
// authority. Each of them submits a plan of its events for the year; each plan is reviewed
// by its own PlanReview child, so that this workflow's history stays small. Before
// plans_due the ones without a plan are reminded; after it the ministry gets the list of
// who is late and they are flagged. With quarterly reports on, each agency reports every
// quarter by the 1st of the month after it (moved to the next working day); reminders go
// before, the ministry hears of the missing ones after, and a late report is accepted with
// on_time false. The cycle closes once the last report is due (or the year is over): its
// consolidated summary (сводная информация) is then computed from the read models.
//
// The cycle lives longer than a year, so it continues as new at each phase boundary (after
// plans_due and after each quarter's deadline) and whenever Temporal suggests it, with its
// update handlers drained first.

// Names of the planning workflows and their handlers.
const (
	CycleWorkflowType    = "PlanningCycle"
	ProcessPlanningCycle = "planning_cycle"
	QueryCycle           = "cycle"
	UpdateCycleSnapshot  = "cycle_snapshot"
	UpdateSubmitPlan     = "submit_plan"
	UpdateSubmitReport   = "submit_report"
)

// PlanningTerms are the configurable deadlines of a cycle, in working days.
type PlanningTerms struct {
	PlansRemindBefore  int `json:"plans_remind_before"`  // reminder before plans_due
	ReviewDays         int `json:"review_days"`          // the ministry decides a plan
	ResubmitDays       int `json:"resubmit_days"`        // a returned plan comes back
	ReportRemindBefore int `json:"report_remind_before"` // reminder before a quarterly report is due
}

// DefaultPlanningTerms are used where configuration says nothing. The seeds set no term for
// plans; these follow the registry's rhythm of seed 001.
var DefaultPlanningTerms = PlanningTerms{PlansRemindBefore: 3, ReviewDays: 5, ResubmitDays: 5, ReportRemindBefore: 3}

// planningActivities is the receiver used to name the planning activities.
var planningActivities *activities.Planning

// CycleWorkflowID is the workflow ID, and the ID, of an authority's cycle for a year.
func CycleWorkflowID(authority string, year int) string {
	return fmt.Sprintf("planning-%s-%d", authority, year)
}

// CycleInput opens a cycle, or continues one (State set) after continue-as-new.
type CycleInput struct {
	Authority          string        `json:"authority"`
	Region             string        `json:"region"`
	Year               int           `json:"year"`
	PriorityDirections []string      `json:"priority_directions"`
	PlansDue           civil.Date    `json:"plans_due"`
	QuarterlyReports   bool          `json:"quarterly_reports"`
	OpenedBy           domain.Actor  `json:"opened_by"`
	Terms              PlanningTerms `json:"terms"`
	State              *CycleState   `json:"state,omitempty"`
}

// CycleState is what a cycle carries across continue-as-new: the read model and the
// timeline counter. Its size is bounded by the number of participants.
type CycleState struct {
	Cycle         domain.Cycle `json:"cycle"`
	PlansReminded bool         `json:"plans_reminded"`
	Steps         timeline     `json:"steps"`
}

// PlanSubmission is a plan's first submission, sent to the cycle. Participant is the
// submitter's organisation as the API found it in the directory or the registry: one that
// joined after the cycle opened is added to the cycle.
type PlanSubmission struct {
	Actor       domain.Actor            `json:"actor"`
	Participant domain.CycleParticipant `json:"participant"`
	Events      []domain.PlannedEvent   `json:"events"`
}

// ReportSubmission is an agency's quarterly report.
type ReportSubmission struct {
	Actor       domain.Actor            `json:"actor"`
	Participant domain.CycleParticipant `json:"participant"`
	Quarter     int                     `json:"quarter"`
	Figures     map[string]float64      `json:"figures"`
	ReserveForm domain.ReserveForm      `json:"reserve_form"`
}

type cycle struct {
	in      CycleInput
	st      CycleState
	ready   bool
	changes int
	mu      workflow.Mutex
	notes   *notifier
}

// The clock's alarms of a cycle.
const (
	alarmPlansReminder  AlarmKind = "plans_reminder"
	alarmPlansDue       AlarmKind = "plans_due"
	alarmReportReminder AlarmKind = "report_reminder"
	alarmReportDue      AlarmKind = "report_due"
	alarmCycleEnd       AlarmKind = "cycle_end"
)

// cycleAlarm is a pending alarm and the quarter it concerns (0: none).
type cycleAlarm struct {
	Alarm
	quarter int
}

// PlanningCycle runs one authority's cycle for one year.
func PlanningCycle(ctx workflow.Context, in CycleInput) (domain.Cycle, error) {
	ctx = withActivities(ctx)
	w := &cycle{in: in, mu: workflow.NewMutex(ctx), notes: newNotifier(ctx)}
	if in.State != nil {
		w.st = *in.State
	}
	if err := w.registerHandlers(ctx); err != nil {
		return w.st.Cycle, err
	}
	if in.State == nil {
		if err := w.open(ctx); err != nil {
			return w.st.Cycle, err
		}
	}
	w.ready = true

	boundary := false
	for w.st.Cycle.Status == domain.CycleOpen && !boundary {
		seen := w.changes
		alarm, fired, err := AwaitAlarm(ctx, func() bool {
			return w.changes != seen || workflow.GetInfo(ctx).GetContinueAsNewSuggested()
		}, w.alarmTimes()...)
		if err != nil {
			return w.st.Cycle, err
		}
		if fired {
			if boundary, err = w.onAlarm(ctx, alarm); err != nil {
				return w.st.Cycle, err
			}
		}
		if workflow.GetInfo(ctx).GetContinueAsNewSuggested() {
			boundary = true
		}
	}
	if err := drain(ctx); err != nil {
		return w.st.Cycle, err
	}
	w.notes.wait(ctx)
	if w.st.Cycle.Status == domain.CycleClosed {
		return w.st.Cycle, nil
	}
	next, state := in, w.st
	next.State = &state
	return w.st.Cycle, workflow.NewContinueAsNewError(ctx, PlanningCycle, next)
}

func (w *cycle) id() string { return w.st.Cycle.ID }

// open computes the cycle's deadlines once, learns who takes part, records the cycle and
// announces the priority directions.
func (w *cycle) open(ctx workflow.Context) error {
	in := w.in
	due, err := WorkingDaysAfter(ctx, in.PlansDue, 0, in.Region)
	if err != nil {
		return err
	}
	id := workflow.GetInfo(ctx).WorkflowExecution.ID
	c := domain.Cycle{
		ID: id, WorkflowID: id, Authority: in.Authority, Year: in.Year, Status: domain.CycleOpen,
		Phase: domain.PhasePlanning, PriorityDirections: in.PriorityDirections, PlansDue: due.Date,
		QuarterlyReports: in.QuarterlyReports, Quarters: []domain.QuarterDeadline{}, OpenedBy: in.OpenedBy,
		OpenedAt: workflow.Now(ctx).UTC(),
	}
	if in.Terms.PlansRemindBefore > 0 {
		r, err := WorkingDaysAfter(ctx, due.Date, -in.Terms.PlansRemindBefore, in.Region)
		if err != nil {
			return err
		}
		if reminderAt(r.Date).After(workflow.Now(ctx)) {
			c.PlansRemindOn = &r.Date
		}
	}
	if in.QuarterlyReports {
		for q := 1; q <= 4; q++ {
			qd, err := w.quarterDeadline(ctx, q)
			if err != nil {
				return err
			}
			c.Quarters = append(c.Quarters, qd)
		}
	}
	if err := workflow.ExecuteActivity(ctx, planningActivities.PlanningParticipants, in.Authority).Get(ctx, &c.Participants); err != nil {
		return err
	}
	w.st.Cycle = c
	if err := w.save(ctx, in.OpenedBy, "opened", map[string]any{
		"priority_directions": in.PriorityDirections, "plans_due": due.Date, "participants": len(c.Participants),
	}); err != nil {
		return err
	}
	body := fmt.Sprintf("Открыт цикл планирования профессионального развития на %d год. Приоритетные направления: %s. План мероприятий нужно представить до %s.",
		in.Year, strings.Join(in.PriorityDirections, "; "), due.Date)
	for _, p := range c.Participants {
		w.tellParticipant(ctx, p, "opened", "Приоритетные направления профессионального развития на "+fmt.Sprint(in.Year)+" год", body)
	}
	w.tellMinistry(ctx, "opened", "Открыт цикл планирования на "+fmt.Sprint(in.Year)+" год",
		fmt.Sprintf("%s Участников: %d.", body, len(c.Participants)))
	return nil
}

// quarterDeadline: a quarter's report is due on the 1st of the month after it, moved to the
// next working day when that is a day off (seed 002 item 30); the reminder goes
// ReportRemindBefore working days ahead.
func (w *cycle) quarterDeadline(ctx workflow.Context, q int) (domain.QuarterDeadline, error) {
	first := civil.Date{Year: w.in.Year, Month: time.Month(3*q + 1), Day: 1}
	if q == 4 {
		first = civil.Date{Year: w.in.Year + 1, Month: time.January, Day: 1}
	}
	due, err := WorkingDaysAfter(ctx, first, 0, w.in.Region)
	if err != nil {
		return domain.QuarterDeadline{}, err
	}
	qd := domain.QuarterDeadline{Quarter: q, Due: due.Date, RemindOn: due.Date}
	if w.in.Terms.ReportRemindBefore > 0 {
		r, err := WorkingDaysAfter(ctx, due.Date, -w.in.Terms.ReportRemindBefore, w.in.Region)
		if err != nil {
			return qd, err
		}
		qd.RemindOn = r.Date
	}
	qd.Reminded = !reminderAt(qd.RemindOn).After(workflow.Now(ctx))
	qd.Escalated = !EndOfDay(qd.Due).After(workflow.Now(ctx))
	return qd, nil
}

// QuarterOpens is the first day on which a quarter's report is accepted: the first day of
// the quarter's last month, when its figures are nearly complete.
func QuarterOpens(year, quarter int) civil.Date {
	return civil.Date{Year: year, Month: time.Month(3 * quarter), Day: 1}
}

// yearEnd is the last instant of the cycle's year.
func (w *cycle) yearEnd() time.Time {
	return EndOfDay(civil.Date{Year: w.in.Year, Month: time.December, Day: 31})
}

func (w *cycle) alarms() []cycleAlarm {
	c := w.st.Cycle
	var out []cycleAlarm
	if c.Phase == domain.PhasePlanning {
		if c.PlansRemindOn != nil && !w.st.PlansReminded {
			out = append(out, cycleAlarm{Alarm{Kind: alarmPlansReminder, At: reminderAt(*c.PlansRemindOn)}, 0})
		}
		out = append(out, cycleAlarm{Alarm{Kind: alarmPlansDue, At: EndOfDay(c.PlansDue)}, 0})
	}
	for _, q := range c.Quarters {
		if !q.Reminded {
			out = append(out, cycleAlarm{Alarm{Kind: alarmReportReminder, At: reminderAt(q.RemindOn)}, q.Quarter})
		}
		if !q.Escalated {
			out = append(out, cycleAlarm{Alarm{Kind: alarmReportDue, At: EndOfDay(q.Due)}, q.Quarter})
		}
	}
	if c.Phase != domain.PhasePlanning {
		out = append(out, cycleAlarm{Alarm{Kind: alarmCycleEnd, At: w.closesAt()}, 0})
	}
	return out
}

// closesAt is when the cycle closes: the end of its year, or of the last report's due date.
func (w *cycle) closesAt() time.Time {
	end := w.yearEnd()
	for _, q := range w.st.Cycle.Quarters {
		if EndOfDay(q.Due).After(end) {
			end = EndOfDay(q.Due)
		}
	}
	return end
}

func (w *cycle) alarmTimes() []Alarm {
	var out []Alarm
	for _, a := range w.alarms() {
		out = append(out, a.Alarm)
	}
	return out
}

// onAlarm acts on the pending alarm that fired and reports whether it ended a phase.
func (w *cycle) onAlarm(ctx workflow.Context, fired Alarm) (bool, error) {
	if err := w.mu.Lock(ctx); err != nil {
		return false, err
	}
	defer w.mu.Unlock()
	i := slices.IndexFunc(w.alarms(), func(a cycleAlarm) bool { return a.Kind == fired.Kind && a.At.Equal(fired.At) })
	if i < 0 {
		return false, nil
	}
	a := w.alarms()[i]
	c := &w.st.Cycle
	switch a.Kind {
	case alarmPlansReminder:
		w.st.PlansReminded = true
		waiting := w.withoutPlan()
		for _, p := range waiting {
			w.tellParticipant(ctx, p, "plans_reminder", "Напоминание: план мероприятий на "+fmt.Sprint(w.in.Year)+" год",
				fmt.Sprintf("План мероприятий по профессиональному развитию на %d год нужно представить до %s.", w.in.Year, c.PlansDue))
		}
		return false, w.save(ctx, domain.SystemActor, "plans_reminder", map[string]any{"reminded": keys(waiting)})
	case alarmPlansDue:
		late := w.withoutPlan()
		for _, k := range late {
			p, _ := c.Participant(k.Kind, k.ID)
			p.Late = true
		}
		c.Phase = domain.PhaseImplementation
		if len(late) > 0 {
			w.tellMinistry(ctx, "plans_overdue", "Не представлены планы мероприятий на "+fmt.Sprint(w.in.Year)+" год",
				fmt.Sprintf("Срок представления планов (%s) истёк. Не представили план: %s.", c.PlansDue, names(late)))
		}
		return true, w.save(ctx, domain.SystemActor, "plans_due", map[string]any{"late": keys(late)})
	case alarmReportReminder:
		q := w.quarter(a.quarter)
		q.Reminded = true
		waiting := w.withoutReport(a.quarter)
		for _, p := range waiting {
			w.tellParticipant(ctx, p, fmt.Sprintf("report_q%d_reminder", a.quarter), fmt.Sprintf("Напоминание: ежеквартальный отчёт за %d квартал", a.quarter),
				fmt.Sprintf("Ежеквартальный отчёт за %d квартал %d года и сведения по Единой форме нужно представить до %s.", a.quarter, w.in.Year, q.Due))
		}
		return false, w.save(ctx, domain.SystemActor, "report_reminder", map[string]any{"quarter": a.quarter, "reminded": keys(waiting)})
	case alarmReportDue:
		q := w.quarter(a.quarter)
		q.Escalated = true
		late := w.withoutReport(a.quarter)
		for _, k := range late {
			p, _ := c.Participant(k.Kind, k.ID)
			p.LateReports = append(p.LateReports, a.quarter)
		}
		if len(late) > 0 {
			w.tellMinistry(ctx, fmt.Sprintf("report_q%d_overdue", a.quarter), fmt.Sprintf("Не представлены отчёты за %d квартал", a.quarter),
				fmt.Sprintf("Срок представления отчётов за %d квартал %d года (%s) истёк. Не представили: %s.", a.quarter, w.in.Year, q.Due, names(late)))
		}
		return true, w.save(ctx, domain.SystemActor, "report_due", map[string]any{"quarter": a.quarter, "late": keys(late)})
	}
	now := workflow.Now(ctx).UTC()
	c.Status, c.Phase, c.ClosedAt = domain.CycleClosed, domain.PhaseClosed, &now
	w.tellMinistry(ctx, "closed", "Сводная информация за "+fmt.Sprint(w.in.Year)+" год",
		fmt.Sprintf("Цикл планирования на %d год завершён. Сводная информация: /api/v1/planning/cycles/%d/summary?authority=%s", w.in.Year, w.in.Year, w.in.Authority))
	return true, w.save(ctx, domain.SystemActor, "closed", nil)
}

func (w *cycle) quarter(q int) *domain.QuarterDeadline {
	for i := range w.st.Cycle.Quarters {
		if w.st.Cycle.Quarters[i].Quarter == q {
			return &w.st.Cycle.Quarters[i]
		}
	}
	return &domain.QuarterDeadline{}
}

// withoutPlan lists the participants that have not submitted a plan.
func (w *cycle) withoutPlan() []domain.CycleParticipant {
	var out []domain.CycleParticipant
	for _, p := range w.st.Cycle.Participants {
		if p.SubmittedAt == nil {
			out = append(out, p)
		}
	}
	return out
}

// withoutReport lists the agencies that have not reported the quarter.
func (w *cycle) withoutReport(q int) []domain.CycleParticipant {
	var out []domain.CycleParticipant
	for _, p := range w.st.Cycle.Participants {
		if p.Kind == domain.ParticipantAgency && !slices.Contains(p.Reports, q) {
			out = append(out, p)
		}
	}
	return out
}

func keys(ps []domain.CycleParticipant) []string {
	out := []string{}
	for _, p := range ps {
		out = append(out, p.Key())
	}
	return out
}

func names(ps []domain.CycleParticipant) string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = fmt.Sprintf("%s (%s)", p.Name, p.ID)
	}
	return strings.Join(out, ", ")
}

// registerHandlers installs the query and the updates before the workflow first blocks.
func (w *cycle) registerHandlers(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, QueryCycle, func() (domain.Cycle, error) { return w.st.Cycle, nil }); err != nil {
		return err
	}
	// The snapshot answers the ministry's request that opened the cycle, once it is open.
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateCycleSnapshot, func(ctx workflow.Context, a domain.Actor) (domain.Cycle, error) {
		err := workflow.Await(ctx, func() bool { return w.ready })
		return w.st.Cycle, err
	}, workflow.UpdateHandlerOptions{Validator: func(_ workflow.Context, a domain.Actor) error {
		if a.Role == domain.RoleMinistry && a.Authority == w.in.Authority {
			return nil
		}
		return refuse(domain.CodeNotFound, "planning cycle %s not found", w.id())
	}}); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateSubmitPlan, w.submitPlan,
		workflow.UpdateHandlerOptions{Validator: func(_ workflow.Context, s PlanSubmission) error { return w.maySubmitPlan(s) }}); err != nil {
		return err
	}
	return workflow.SetUpdateHandlerWithOptions(ctx, UpdateSubmitReport, w.submitReport,
		workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, s ReportSubmission) error { return w.maySubmitReport(ctx, s) }})
}

// own checks that the actor speaks for the participant it names: an agency's HR officer or
// a provider's staff, and nobody else.
func (w *cycle) own(a domain.Actor, p domain.CycleParticipant) error {
	switch {
	case a.Role == domain.RoleHR && p.Kind == domain.ParticipantAgency && a.Agency == p.ID && p.ID != "":
	case a.Role == domain.RoleProvider && p.Kind == domain.ParticipantProvider && a.Provider == p.ID && p.ID != "":
	case a.Role == domain.RoleHR || a.Role == domain.RoleProvider:
		return refuse(domain.CodeNotFound, "planning cycle %s not found", w.id())
	default:
		return refuse(domain.CodeForbidden, "plans and reports are submitted by agencies' HR officers and providers, not by %s", a.Role)
	}
	if !w.ready {
		return refuse(domain.CodeConflict, "planning cycle %s is still opening; retry shortly", w.id())
	}
	if w.st.Cycle.Status != domain.CycleOpen {
		return refuse(domain.CodeConflict, "planning cycle %s is closed", w.id())
	}
	return nil
}

func (w *cycle) maySubmitPlan(s PlanSubmission) error {
	if err := w.own(s.Actor, s.Participant); err != nil {
		return err
	}
	if len(s.Events) == 0 {
		return refuse(domain.CodeInvalid, "a plan lists at least one event")
	}
	if p, ok := w.st.Cycle.Participant(s.Participant.Kind, s.Participant.ID); ok && p.PlanID != "" {
		return refuse(domain.CodeConflict, "%s has already submitted plan %s for %d", p.Name, p.PlanID, w.in.Year)
	}
	return nil
}

// submitPlan records a participant's first plan and hands its review to a PlanReview child.
// The plan's first step is saved here, under the child's workflow ID, once the child has
// started (a child that cannot start leaves no plan behind), so that the plan is readable as
// soon as the request is answered.
func (w *cycle) submitPlan(ctx workflow.Context, s PlanSubmission) (domain.Plan, error) {
	if err := w.mu.Lock(ctx); err != nil {
		return domain.Plan{}, err
	}
	defer w.mu.Unlock()
	if err := w.maySubmitPlan(s); err != nil {
		return domain.Plan{}, err
	}
	ctx = withActivities(ctx)
	c := &w.st.Cycle
	p := w.join(s.Participant)
	now := workflow.Now(ctx).UTC()
	onTime := !now.After(EndOfDay(c.PlansDue))
	planID := PlanWorkflowID(w.in.Authority, w.in.Year, p.Kind, p.ID)
	plan := domain.Plan{
		ID: planID, WorkflowID: planID, CycleID: c.ID, Authority: w.in.Authority, Year: w.in.Year,
		ParticipantKind: p.Kind, ParticipantID: p.ID, ParticipantName: p.Name, Events: s.Events, Reasons: []string{},
		OnTime: onTime, FirstSubmittedAt: now,
	}
	in := PlanInput{Plan: plan, Region: w.in.Region, Terms: w.in.Terms, Emails: p.Emails, SubmittedBy: s.Actor, Until: w.closesAt()}
	var review ReviewCycle
	if err := review.Submit(ctx, in.reviewTerms()); err != nil {
		return domain.Plan{}, err
	}
	in.Review = carriedCycle{review}
	in.Plan = in.syncPlan(now)
	var first timeline
	ev := first.next(ctx, s.Actor, "submitted", map[string]any{"events": len(s.Events), "on_time": onTime})
	in.Steps, in.Plan.Revision = first, ev.Seq
	child := workflow.ExecuteChildWorkflow(workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		WorkflowID:            planID,
		ParentClosePolicy:     enumspb.PARENT_CLOSE_POLICY_ABANDON, // the cycle continues as new; plans go on
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		TypedSearchAttributes: temporal.NewSearchAttributes(AttrProcess.ValueSet(ProcessPlanReview),
			AttrStatus.ValueSet(string(domain.PlanUnderReview)), AttrOverdue.ValueSet(false),
			AttrAuthority.ValueSet(w.in.Authority), AttrYear.ValueSet(int64(w.in.Year)), planScopeAttr(p.Kind, p.ID)),
	}), PlanReview, in)
	if err := child.GetChildWorkflowExecution().Get(ctx, nil); err != nil && !temporal.IsWorkflowExecutionAlreadyStartedError(err) {
		return domain.Plan{}, err
	}
	if err := workflow.ExecuteActivity(ctx, planningActivities.SavePlan, activities.PlanStep{Plan: in.Plan, Event: ev}).Get(ctx, nil); err != nil {
		return domain.Plan{}, err
	}
	p.PlanID, p.SubmittedAt, p.OnTime = planID, &now, &onTime
	w.changes++
	w.tellMinistry(ctx, "plan_submitted_"+planID, "Поступил план мероприятий на "+fmt.Sprint(w.in.Year)+" год",
		fmt.Sprintf("%s представил(а) план мероприятий (%s); рассмотреть до %s.", p.Name, planID, in.Review.ReviewDue))
	return in.Plan, w.save(ctx, s.Actor, "plan_submitted", map[string]any{"plan_id": planID, "participant": p.Key(), "on_time": onTime})
}

func (w *cycle) maySubmitReport(ctx workflow.Context, s ReportSubmission) error {
	if err := w.own(s.Actor, s.Participant); err != nil {
		return err
	}
	if s.Participant.Kind != domain.ParticipantAgency {
		return refuse(domain.CodeForbidden, "quarterly reports are submitted by agencies' HR officers")
	}
	if !w.in.QuarterlyReports {
		return refuse(domain.CodeConflict, "planning cycle %s has no quarterly reports", w.id())
	}
	if s.Quarter < 1 || s.Quarter > 4 {
		return refuse(domain.CodeInvalid, "quarter must be 1 to 4")
	}
	if opens := QuarterOpens(w.in.Year, s.Quarter); Today(ctx).Before(opens) {
		return refuse(domain.CodeConflict, "reports for quarter %d of %d are accepted from %s", s.Quarter, w.in.Year, opens)
	}
	if p, ok := w.st.Cycle.Participant(s.Participant.Kind, s.Participant.ID); ok && slices.Contains(p.Reports, s.Quarter) {
		return refuse(domain.CodeConflict, "%s has already reported quarter %d of %d", p.Name, s.Quarter, w.in.Year)
	}
	return nil
}

// join returns the cycle's participant, adding one that joined the directory or the
// registry after the cycle opened (late for plans if plans_due has passed).
func (w *cycle) join(np domain.CycleParticipant) *domain.CycleParticipant {
	c := &w.st.Cycle
	if p, ok := c.Participant(np.Kind, np.ID); ok {
		return p
	}
	np.PlanID, np.SubmittedAt, np.OnTime, np.Late, np.Reports, np.LateReports = "", nil, nil, c.Phase != domain.PhasePlanning, nil, nil
	c.Participants = append(c.Participants, np)
	return &c.Participants[len(c.Participants)-1]
}

// ReportID is the ID of an agency's report for a quarter of a cycle.
func ReportID(cycleID, agency string, quarter int) string {
	return fmt.Sprintf("%s-q%d-%s", cycleID, quarter, agency)
}

// submitReport records a quarterly report; one after its due date is accepted and marked late.
func (w *cycle) submitReport(ctx workflow.Context, s ReportSubmission) (domain.QuarterlyReport, error) {
	if err := w.mu.Lock(ctx); err != nil {
		return domain.QuarterlyReport{}, err
	}
	defer w.mu.Unlock()
	if err := w.maySubmitReport(ctx, s); err != nil {
		return domain.QuarterlyReport{}, err
	}
	c := &w.st.Cycle
	p := w.join(s.Participant)
	q := w.quarter(s.Quarter)
	now := workflow.Now(ctx).UTC()
	r := domain.QuarterlyReport{
		ID: ReportID(c.ID, p.ID, s.Quarter), CycleID: c.ID, Authority: w.in.Authority, Year: w.in.Year,
		Agency: p.ID, AgencyName: p.Name, Quarter: s.Quarter, Figures: s.Figures, ReserveForm: s.ReserveForm,
		Due: q.Due, OnTime: !now.After(EndOfDay(q.Due)), SubmittedBy: s.Actor, SubmittedAt: now,
	}
	if r.Figures == nil {
		r.Figures = map[string]float64{}
	}
	p.Reports = append(p.Reports, s.Quarter)
	if !r.OnTime && !slices.Contains(p.LateReports, s.Quarter) {
		p.LateReports = append(p.LateReports, s.Quarter)
	}
	w.changes++
	ctx = withActivities(ctx)
	ev := w.step(ctx, s.Actor, "report_submitted", map[string]any{"report_id": r.ID, "quarter": s.Quarter, "on_time": r.OnTime})
	if !r.OnTime {
		w.tellMinistry(ctx, "report_late_"+r.ID, fmt.Sprintf("Отчёт за %d квартал представлен с опозданием", s.Quarter),
			fmt.Sprintf("%s представил(а) отчёт за %d квартал %d года после срока (%s).", p.Name, s.Quarter, w.in.Year, q.Due))
	}
	return r, workflow.ExecuteActivity(ctx, planningActivities.SaveQuarterlyReport,
		activities.ReportStep{Report: r, Cycle: w.st.Cycle, Event: ev}).Get(ctx, nil)
}

// step numbers the next step and refreshes the search attributes.
func (w *cycle) step(ctx workflow.Context, actor domain.Actor, action string, details map[string]any) domain.Event {
	ev := w.st.Steps.next(ctx, actor, action, details)
	w.st.Cycle.Revision = ev.Seq
	overdue := slices.ContainsFunc(w.st.Cycle.Participants, func(p domain.CycleParticipant) bool {
		missing := slices.ContainsFunc(p.LateReports, func(q int) bool { return !slices.Contains(p.Reports, q) })
		return (p.Late && p.SubmittedAt == nil) || missing
	})
	if err := workflow.UpsertTypedSearchAttributes(ctx,
		AttrProcess.ValueSet(ProcessPlanningCycle), AttrStatus.ValueSet(string(w.st.Cycle.Phase)),
		AttrAuthority.ValueSet(w.in.Authority), AttrYear.ValueSet(int64(w.in.Year)), AttrOverdue.ValueSet(overdue)); err != nil {
		workflow.GetLogger(ctx).Error("search attributes not updated", "error", err)
	}
	return ev
}

// save records the cycle after a step, with the step.
func (w *cycle) save(ctx workflow.Context, actor domain.Actor, action string, details map[string]any) error {
	ctx = withActivities(ctx)
	ev := w.step(ctx, actor, action, details)
	return workflow.ExecuteActivity(ctx, planningActivities.SaveCycle, activities.CycleStep{Cycle: w.st.Cycle, Event: ev}).Get(ctx, nil)
}

func (w *cycle) tellMinistry(ctx workflow.Context, step, subject, body string) {
	w.notes.send(ctx, notify.Request{
		WorkflowID: w.st.Cycle.WorkflowID, Step: step, Audience: domain.RoleAudience(domain.RoleMinistry, w.in.Authority),
		Subject: subject, Body: body, Link: w.link(),
	})
}

func (w *cycle) tellParticipant(ctx workflow.Context, p domain.CycleParticipant, step, subject, body string) {
	w.notes.send(ctx, notify.Request{
		WorkflowID: w.st.Cycle.WorkflowID, Step: step, Audience: participantAudience(p.Kind, p.ID), Emails: p.Emails,
		Subject: subject, Body: body, Link: w.link(),
	})
}

func (w *cycle) link() string {
	return fmt.Sprintf("/api/v1/planning/cycles/%d?authority=%s", w.in.Year, w.in.Authority)
}

// participantAudience is who speaks for a participant: an agency's HR officers or a provider.
func participantAudience(kind domain.ParticipantKind, id string) domain.Audience {
	if kind == domain.ParticipantProvider {
		return domain.RoleAudience(domain.RoleProvider, id)
	}
	return domain.RoleAudience(domain.RoleHR, id)
}

func planScopeAttr(kind domain.ParticipantKind, id string) temporal.SearchAttributeUpdate {
	if kind == domain.ParticipantProvider {
		return AttrProvider.ValueSet(id)
	}
	return AttrAgency.ValueSet(id)
}
