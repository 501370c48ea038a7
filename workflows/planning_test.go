package workflows_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"cloud.google.com/go/civil"
	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/profdev/profdev/activities"
	"github.com/profdev/profdev/internal/calendar"
	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/internal/notify"
	"github.com/profdev/profdev/workflows"
)

var (
	planMinistry = domain.Actor{Sub: "m1", Role: domain.RoleMinistry, Authority: "mintrud"}
	planHR1      = domain.Actor{Sub: "h1", Role: domain.RoleHR, Agency: "agency-1"}
	planHR2      = domain.Actor{Sub: "h2", Role: domain.RoleHR, Agency: "agency-2"}
	planProvider = domain.Actor{Sub: "p1", Role: domain.RoleProvider, Provider: "prov-1"}
	agency1      = domain.CycleParticipant{Kind: domain.ParticipantAgency, ID: "agency-1", Name: "Минтруд, кадры"}
	agency2      = domain.CycleParticipant{Kind: domain.ParticipantAgency, ID: "agency-2", Name: "Минфин, кадры"}
	provider1    = domain.CycleParticipant{Kind: domain.ParticipantProvider, ID: "prov-1", Name: "РАНХиГС", Emails: []string{"edu@example.org"}}
)

// planStep is an update sent at an instant of simulated time, to the cycle (workflowID "")
// or to a plan's review; refuse names the code it must be refused with ("" to succeed).
type planStep struct {
	at         time.Time
	workflowID string
	name       string
	arg        any
	refuse     domain.Code
	sent       bool
}

// runStats is what one run of the cycle (between two continue-as-new) did.
type runStats struct {
	start, end time.Time
	activities int // activities and local activities started
	stateBytes int // the size of the input it continued with
}

// planningEnv runs the cycle with time skipping and the real calendar, run after run across
// continue-as-new; storage and mail are recorded instead of performed.
type planningEnv struct {
	t         *testing.T
	mu        sync.Mutex
	realChild bool
	cycles    []activities.CycleStep
	plans     []activities.PlanStep
	reports   []activities.ReportStep
	notices   []notice
	runs      []runStats
	answered  int
}

func (p *planningEnv) newEnv(start time.Time, stats *runStats) *testsuite.TestWorkflowEnvironment {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.SetStartTime(start)
	env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: workflows.CycleWorkflowID("mintrud", 2026)})
	env.RegisterWorkflowWithOptions(workflows.PlanningCycle, workflow.RegisterOptions{Name: workflows.CycleWorkflowType})
	env.RegisterWorkflowWithOptions(workflows.PlanReview, workflow.RegisterOptions{Name: workflows.PlanWorkflowType})
	env.RegisterActivity(&activities.Calendar{Regions: calendar.NewRegions(calendar.Russia(), nil)})
	env.RegisterActivity(&activities.Planning{})
	env.RegisterActivity(&activities.Notifications{})
	if !p.realChild {
		env.OnWorkflow(workflows.PlanWorkflowType, mock.Anything, mock.Anything).Return(domain.Plan{}, nil)
	}
	env.OnActivity("PlanningParticipants", mock.Anything, mock.Anything).Return([]domain.CycleParticipant{agency1, agency2, provider1}, nil)
	record := func(f func()) { p.mu.Lock(); defer p.mu.Unlock(); f() }
	env.OnActivity("SaveCycle", mock.Anything, mock.Anything).Return(func(_ context.Context, s activities.CycleStep) error {
		record(func() { p.cycles = append(p.cycles, s) })
		return nil
	})
	env.OnActivity("SavePlan", mock.Anything, mock.Anything).Return(func(_ context.Context, s activities.PlanStep) error {
		record(func() { p.plans = append(p.plans, s) })
		return nil
	})
	env.OnActivity("SaveQuarterlyReport", mock.Anything, mock.Anything).Return(func(_ context.Context, s activities.ReportStep) error {
		record(func() { p.reports = append(p.reports, s) })
		return nil
	})
	env.OnActivity("Notify", mock.Anything, mock.Anything).Return(func(_ context.Context, r notify.Request) (notify.Result, error) {
		record(func() {
			p.notices = append(p.notices, notice{Step: r.Step, Audience: r.Audience.Key(), At: env.Now().In(workflows.Moscow)})
		})
		return notify.Result{}, nil
	})
	env.SetOnActivityStartedListener(func(*activity.Info, context.Context, converter.EncodedValues) { stats.activities++ })
	env.SetOnLocalActivityStartedListener(func(*activity.Info, context.Context, []any) { stats.activities++ })
	return env
}

// run drives the cycle from start until it completes, starting each continued run in a
// fresh environment at the instant the previous one continued as new, and returns the
// cycle's final state.
func (p *planningEnv) run(start time.Time, in workflows.CycleInput, steps []*planStep) domain.Cycle {
	p.t.Helper()
	for range 30 {
		stats := runStats{start: start}
		env := p.newEnv(start, &stats)
		for i, s := range steps {
			if s.sent || s.at.Before(start) {
				continue
			}
			p.schedule(env, i, s)
		}
		env.ExecuteWorkflow(workflows.CycleWorkflowType, in)
		stats.end = env.Now()
		err := env.GetWorkflowError()
		var can *workflow.ContinueAsNewError
		if errors.As(err, &can) {
			in = workflows.CycleInput{}
			if err := converter.GetDefaultDataConverter().FromPayloads(can.Input, &in); err != nil {
				p.t.Fatal(err)
			}
			for _, pl := range can.Input.GetPayloads() {
				stats.stateBytes += len(pl.GetData())
			}
			p.runs = append(p.runs, stats)
			start = env.Now()
			continue
		}
		if err != nil {
			p.t.Fatalf("cycle failed: %v", err)
		}
		p.runs = append(p.runs, stats)
		var out domain.Cycle
		if err := env.GetWorkflowResult(&out); err != nil {
			p.t.Fatal(err)
		}
		for _, s := range steps {
			if !s.sent {
				p.t.Errorf("step %s at %s was never sent", s.name, s.at)
			}
		}
		return out
	}
	p.t.Fatal("the cycle did not complete in 30 runs")
	return domain.Cycle{}
}

func (p *planningEnv) schedule(env *testsuite.TestWorkflowEnvironment, i int, s *planStep) {
	id := fmt.Sprintf("%s-%d", s.name, i)
	cb := &testsuite.TestUpdateCallback{
		OnAccept: func() {
			if s.refuse != "" {
				p.t.Errorf("update %s was accepted, want refused with %s", id, s.refuse)
			}
		},
		OnReject: func(err error) {
			var appErr *temporal.ApplicationError
			if s.refuse == "" || !errors.As(err, &appErr) || appErr.Type() != string(s.refuse) {
				p.t.Errorf("update %s at %s: refused with %v, want %q", id, s.at, err, s.refuse)
			}
			p.answered++
		},
		OnComplete: func(_ any, err error) {
			if err != nil {
				p.t.Errorf("update %s at %s failed: %v", id, s.at, err)
			}
			p.answered++
		},
	}
	env.RegisterDelayedCallback(func() {
		s.sent = true
		if s.workflowID == "" {
			env.UpdateWorkflow(s.name, id, cb, s.arg)
			return
		}
		if err := env.UpdateWorkflowByID(s.workflowID, s.name, id, cb, s.arg); err != nil {
			p.t.Errorf("update %s: %v", id, err)
		}
	}, s.at.Sub(env.Now()))
}

func (p *planningEnv) noticesOf(step string) []string {
	var out []string
	for _, n := range p.notices {
		if n.Step == step {
			out = append(out, n.Audience+"@"+n.At.Format("2006-01-02 15:04"))
		}
	}
	slices.Sort(out) // notifications run concurrently
	return out
}

func cycleInput() workflows.CycleInput {
	return workflows.CycleInput{Authority: "mintrud", Region: "RU", Year: 2026, PriorityDirections: []string{"Цифровая трансформация", "Проектное управление"},
		PlansDue: civil.Date{Year: 2026, Month: 2, Day: 13}, QuarterlyReports: true, OpenedBy: planMinistry, Terms: workflows.DefaultPlanningTerms}
}

func events(central bool) []domain.PlannedEvent {
	return []domain.PlannedEvent{{Title: "Курс по данным", Direction: "Цифровая трансформация", Kind: "qualification_upgrade", PlannedQuarter: 2, Participants: 20, Central: central}}
}

func submission(a domain.Actor, p domain.CycleParticipant) workflows.PlanSubmission {
	return workflows.PlanSubmission{Actor: a, Participant: p, Events: events(true)}
}

func report(a domain.Actor, p domain.CycleParticipant, q int) workflows.ReportSubmission {
	return workflows.ReportSubmission{Actor: a, Participant: p, Quarter: q, Figures: map[string]float64{"trained": 12},
		ReserveForm: domain.ReserveForm{InReserve: domain.CategoryCounts{I: 1, II: 2, III: 3}, Appointed: 1}}
}

// TestPlanningCycleRunsAYearInBoundedRuns simulates 2026 from the opening in January to the
// close after the fourth quarter's report: reminders and escalation of plans, the quarterly
// deadlines (Q1 due Wednesday 1 April 2026) with one report on time and one late, and a
// history kept small by continuing as new at every phase boundary.
func TestPlanningCycleRunsAYearInBoundedRuns(t *testing.T) {
	p := &planningEnv{t: t}
	steps := []*planStep{
		{at: at(2026, 1, 14, 10, 0), name: workflows.UpdateSubmitPlan, arg: submission(planHR1, agency1)},
		{at: at(2026, 1, 15, 10, 0), name: workflows.UpdateSubmitPlan, arg: submission(planHR1, agency1), refuse: domain.CodeConflict},
		{at: at(2026, 1, 15, 11, 0), name: workflows.UpdateSubmitPlan, arg: submission(planHR1, agency2), refuse: domain.CodeNotFound},
		{at: at(2026, 1, 15, 12, 0), name: workflows.UpdateSubmitPlan, arg: submission(planMinistry, agency2), refuse: domain.CodeForbidden},
		{at: at(2026, 1, 20, 10, 0), name: workflows.UpdateSubmitPlan, arg: submission(planProvider, provider1)},
		{at: at(2026, 1, 21, 10, 0), name: workflows.UpdateSubmitReport, arg: report(planHR1, agency1, 1), refuse: domain.CodeConflict},
		{at: at(2026, 3, 31, 15, 0), name: workflows.UpdateSubmitReport, arg: report(planHR1, agency1, 1)},
		{at: at(2026, 4, 2, 10, 0), name: workflows.UpdateSubmitReport, arg: report(planHR2, agency2, 1)},
		{at: at(2026, 4, 2, 11, 0), name: workflows.UpdateSubmitReport, arg: report(planHR2, agency2, 1), refuse: domain.CodeConflict},
		{at: at(2026, 4, 3, 10, 0), name: workflows.UpdateSubmitPlan, arg: submission(planHR2, agency2)},
		{at: at(2026, 6, 30, 10, 0), name: workflows.UpdateSubmitReport, arg: report(planHR1, agency1, 2)},
		{at: at(2026, 6, 30, 11, 0), name: workflows.UpdateSubmitReport, arg: report(planHR2, agency2, 2)},
		{at: at(2026, 12, 28, 10, 0), name: workflows.UpdateSubmitReport, arg: report(planHR1, agency1, 4)},
	}
	final := p.run(at(2026, 1, 12, 9, 0), cycleInput(), steps)

	if final.Status != domain.CycleClosed || final.Phase != domain.PhaseClosed {
		t.Errorf("final cycle %s/%s, want closed", final.Status, final.Phase)
	}
	wantQuarters := []domain.QuarterDeadline{
		{Quarter: 1, Due: civil.Date{Year: 2026, Month: 4, Day: 1}, RemindOn: civil.Date{Year: 2026, Month: 3, Day: 27}, Reminded: true, Escalated: true},
		{Quarter: 2, Due: civil.Date{Year: 2026, Month: 7, Day: 1}, RemindOn: civil.Date{Year: 2026, Month: 6, Day: 26}, Reminded: true, Escalated: true},
		{Quarter: 3, Due: civil.Date{Year: 2026, Month: 10, Day: 1}, RemindOn: civil.Date{Year: 2026, Month: 9, Day: 28}, Reminded: true, Escalated: true},
	}
	if diff := cmp.Diff(wantQuarters, final.Quarters[:3]); diff != "" {
		t.Errorf("quarter deadlines mismatch (-want +got):\n%s", diff)
	}
	if q4 := final.Quarters[3].Due; !q4.After(civil.Date{Year: 2027, Month: 1, Day: 1}) {
		t.Errorf("Q4 due %s: 1 January is a holiday, the report moves to the next working day", q4)
	}

	// Plans: agency-1 and the provider on time; agency-2 reminded, escalated, flagged late.
	a2, _ := final.Participant(domain.ParticipantAgency, "agency-2")
	a1, _ := final.Participant(domain.ParticipantAgency, "agency-1")
	if !a2.Late || a2.OnTime == nil || *a2.OnTime || a1.Late || a1.OnTime == nil || !*a1.OnTime {
		t.Errorf("plans: agency-1 %+v, agency-2 %+v", a1, a2)
	}
	if got, want := p.noticesOf("plans_reminder"), []string{"role:hr:agency-2@2026-02-10 09:00"}; !slices.Equal(got, want) {
		t.Errorf("plans reminders %v, want %v", got, want)
	}
	if got, want := p.noticesOf("plans_overdue"), []string{"role:ministry:mintrud@2026-02-14 00:00"}; !slices.Equal(got, want) {
		t.Errorf("plans escalation %v, want %v", got, want)
	}

	// Reports: Q1 of agency-1 on time (31 March), of agency-2 late (2 April) and accepted.
	onTime := map[string]bool{}
	for _, r := range p.reports {
		onTime[r.Report.ID] = r.Report.OnTime
	}
	wantOnTime := map[string]bool{
		"planning-mintrud-2026-q1-agency-1": true, "planning-mintrud-2026-q1-agency-2": false,
		"planning-mintrud-2026-q2-agency-1": true, "planning-mintrud-2026-q2-agency-2": true,
		"planning-mintrud-2026-q4-agency-1": true,
	}
	if diff := cmp.Diff(wantOnTime, onTime); diff != "" {
		t.Errorf("reports on time mismatch (-want +got):\n%s", diff)
	}
	if got, want := p.noticesOf("report_q1_reminder"), []string{"role:hr:agency-1@2026-03-27 09:00", "role:hr:agency-2@2026-03-27 09:00"}; !slices.Equal(got, want) {
		t.Errorf("Q1 reminders %v, want %v", got, want)
	}
	if got, want := p.noticesOf("report_q1_overdue"), []string{"role:ministry:mintrud@2026-04-02 00:00"}; !slices.Equal(got, want) {
		t.Errorf("Q1 escalation %v, want %v", got, want)
	}
	if got := p.noticesOf("report_q3_overdue"); len(got) != 1 {
		t.Errorf("Q3 (nobody reported) escalations %v, want one to the ministry", got)
	}
	if !slices.Equal(a2.LateReports, []int{1, 3, 4}) || !slices.Equal(a1.LateReports, []int{3}) {
		t.Errorf("late reports: agency-1 %v, agency-2 %v", a1.LateReports, a2.LateReports)
	}
	if len(p.noticesOf("closed")) != 1 {
		t.Errorf("the ministry was not told the summary is ready: %v", p.noticesOf("closed"))
	}

	// Bounded history: one run per phase (opening to plans_due, then each quarter, then the
	// close), each doing a few dozen activities, carrying a state of a few kilobytes.
	if len(p.runs) != 6 {
		t.Errorf("%d runs, want 6 (planning, 4 quarters, close)", len(p.runs))
	}
	for i, r := range p.runs {
		t.Logf("run %d: %s .. %s, %d activities, continued with %d bytes", i+1, r.start.Format("2006-01-02"), r.end.Format("2006-01-02"), r.activities, r.stateBytes)
		if r.activities > 40 || r.stateBytes > 8<<10 {
			t.Errorf("run %d is not bounded: %d activities, %d bytes of state", i+1, r.activities, r.stateBytes)
		}
	}
	if p.answered != len(steps) {
		t.Errorf("%d of %d updates answered", p.answered, len(steps))
	}
}
