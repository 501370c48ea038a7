package workflows

import (
	"fmt"
	"slices"
	"strings"

	"cloud.google.com/go/civil"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/profdev/profdev/activities"
	"github.com/profdev/profdev/internal/domain"
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
//
// planning_cycle_steps.go holds the updates, planning_cycle_clock.go the deadlines and
// planning_cycle_notices.go the texts sent; a plan's review is the PlanReview workflow
// (planning_plan.go) and the scheduled opening OpenPlanningCycle (planning_open.go).

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
	stepper
	in    CycleInput
	st    CycleState
	ready bool
	notes *notifier
}

// PlanningCycle runs one authority's cycle for one year.
func PlanningCycle(ctx workflow.Context, in CycleInput) (domain.Cycle, error) {
	ctx = withActivities(ctx)
	w := &cycle{in: in, notes: newNotifier(ctx)}
	w.stepper = newStepper(ctx, w)
	if in.State != nil {
		w.st = *in.State
	}
	if err := w.registerHandlers(ctx); err != nil {
		return w.st.Cycle, err
	}
	if in.State == nil {
		if err := w.open(ctx); err != nil {
			return w.st.Cycle, ownStep(ctx, "the opening", err)
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
				return w.st.Cycle, ownStep(ctx, string(alarm.Kind), err)
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
	if err := w.record(ctx, in.OpenedBy, "opened", map[string]any{
		"priority_directions": in.PriorityDirections, "plans_due": due.Date, "participants": len(c.Participants),
	}); err != nil {
		return err
	}
	w.notify(ctx, w.openedNotices()...)
	return nil
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

// How the step skeleton records a cycle's steps.

func (w *cycle) stepTimeline() *timeline { return &w.st.Steps }

func (w *cycle) stored(ev domain.Event) storage {
	w.st.Cycle.Revision = ev.Seq
	return storage{activity: planningActivities.SaveCycle, input: activities.CycleStep{Cycle: w.st.Cycle, Event: ev}}
}

// searchAttributes: the cycle is overdue while a participant is late with its plan or owes a
// quarterly report past its due date.
func (w *cycle) searchAttributes() []temporal.SearchAttributeUpdate {
	overdue := slices.ContainsFunc(w.st.Cycle.Participants, func(p domain.CycleParticipant) bool {
		missing := slices.ContainsFunc(p.LateReports, func(q int) bool { return !slices.Contains(p.Reports, q) })
		return (p.Late && p.SubmittedAt == nil) || missing
	})
	return []temporal.SearchAttributeUpdate{
		AttrProcess.ValueSet(ProcessPlanningCycle), AttrStatus.ValueSet(string(w.st.Cycle.Phase)),
		AttrAuthority.ValueSet(w.in.Authority), AttrYear.ValueSet(int64(w.in.Year)), AttrOverdue.ValueSet(overdue),
	}
}

func planScopeAttr(kind domain.ParticipantKind, id string) temporal.SearchAttributeUpdate {
	if kind == domain.ParticipantProvider {
		return AttrProvider.ValueSet(id)
	}
	return AttrAgency.ValueSet(id)
}
