package workflows_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"cloud.google.com/go/civil"
	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/profdev/profdev/activities"
	"github.com/profdev/profdev/internal/calendar"
	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/internal/notify"
	"github.com/profdev/profdev/workflows"
)

var (
	ministryUser = domain.Actor{Sub: "m1", Role: domain.RoleMinistry, Authority: "mintrud"}
	providerUser = domain.Actor{Sub: "p1", Role: domain.RoleProvider, Provider: "provider-1"}
)

// at is a Moscow wall-clock instant.
func at(y int, m time.Month, d, hh, mm int) time.Time {
	return time.Date(y, m, d, hh, mm, 0, 0, workflows.Moscow)
}

// admissionEnv is a time-skipping test environment running the admission workflow with the
// real calendar activity; storage and mail are recorded instead of performed.
type admissionEnv struct {
	*testsuite.TestWorkflowEnvironment
	mu      sync.Mutex
	notices []notice
	saved   []activities.ApplicationStep
}

type notice struct {
	Step     string
	Audience string
	At       time.Time
}

func newAdmissionEnv(t *testing.T, start time.Time) *admissionEnv {
	t.Helper()
	return newAdmissionEnvWith(t, start, func(e *admissionEnv) {
		e.RegisterActivity(&activities.Calendar{Regions: calendar.NewRegions(calendar.Russia(), nil)})
	})
}

// newAdmissionEnvWith lets the caller register the calendar activity.
func newAdmissionEnvWith(t *testing.T, start time.Time, registerCalendar func(*admissionEnv)) *admissionEnv {
	t.Helper()
	var s testsuite.WorkflowTestSuite
	e := &admissionEnv{TestWorkflowEnvironment: s.NewTestWorkflowEnvironment()}
	e.SetStartTime(start)
	e.RegisterWorkflowWithOptions(workflows.Admission, workflow.RegisterOptions{Name: workflows.AdmissionWorkflowType})
	e.RegisterWorkflowWithOptions(workflows.RegistryMembership, workflow.RegisterOptions{Name: workflows.MembershipWorkflowType})
	registerCalendar(e)
	e.RegisterActivity(&activities.Registry{})
	e.RegisterActivity(&activities.Notifications{})
	e.OnActivity("SaveApplication", mock.Anything, mock.Anything).Return(func(_ context.Context, s activities.ApplicationStep) error {
		e.mu.Lock()
		defer e.mu.Unlock()
		e.saved = append(e.saved, s)
		return nil
	})
	e.OnActivity("EnterRegistry", mock.Anything, mock.Anything).Return(nil)
	// The membership lives on after admission; its own tests cover it.
	e.OnWorkflow(workflows.MembershipWorkflowType, mock.Anything, mock.Anything).Return(domain.Membership{}, nil)
	e.OnActivity("SaveMembership", mock.Anything, mock.Anything).Return(nil)
	e.OnActivity("Notify", mock.Anything, mock.Anything).Return(func(_ context.Context, r notify.Request) (notify.Result, error) {
		e.mu.Lock()
		defer e.mu.Unlock()
		e.notices = append(e.notices, notice{Step: r.Step, Audience: r.Audience.Key(), At: e.Now().In(workflows.Moscow)})
		return notify.Result{}, nil
	})
	return e
}

func admissionInput() workflows.AdmissionInput {
	return workflows.AdmissionInput{
		ApplicationID: "app-1", Authority: "mintrud", Region: "RU", Year: 2026, ProviderID: "provider-1",
		Provider:    domain.ProviderDetails{Name: "Центр", Email: "center@provider.test"},
		Programmes:  []domain.Programme{{Code: "PK-1", Title: "t", Kind: domain.QualificationUpgrade, Hours: 72, Format: "blended", Price: 1}},
		SubmittedBy: providerUser,
	}
}

// decideAt sends a decision update at the given instant.
func (e *admissionEnv) decideAt(t *testing.T, when time.Time, d workflows.ApplicationDecision) {
	e.RegisterDelayedCallback(func() {
		e.UpdateWorkflow(workflows.UpdateDecideApplication, "decide-"+d.Decision, &testsuite.TestUpdateCallback{
			OnReject:   func(err error) { t.Errorf("decision %s rejected: %v", d.Decision, err) },
			OnComplete: func(any, error) {},
		}, d)
	}, when.Sub(e.Now()))
}

func (e *admissionEnv) result(t *testing.T) domain.Application {
	t.Helper()
	if !e.IsWorkflowCompleted() {
		t.Fatal("workflow did not complete")
	}
	if err := e.GetWorkflowError(); err != nil {
		t.Fatalf("workflow error: %v", err)
	}
	var app domain.Application
	if err := e.GetWorkflowResult(&app); err != nil {
		t.Fatal(err)
	}
	return app
}

func (e *admissionEnv) noticeTimes(step string) []time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []time.Time
	for _, n := range e.notices {
		if n.Step == step {
			out = append(out, n.At)
		}
	}
	return out
}

// TestReminderAndEscalationAroundTheMayHolidays submits on Thursday 30 April 2026 (a short
// pre-holiday day): 1 May is a holiday and 2-3 May a weekend, so the 3 working days are 4,
// 5 and 6 May. The reminder goes out at 09:00 on 5 May, one working day before; the
// escalation at the end of 6 May.
func TestReminderAndEscalationAroundTheMayHolidays(t *testing.T) {
	e := newAdmissionEnv(t, at(2026, 4, 30, 10, 0))
	e.decideAt(t, at(2026, 5, 8, 11, 0), workflows.ApplicationDecision{Actor: ministryUser, Decision: workflows.DecisionReject, Reasons: []string{"не соответствует"}})
	e.ExecuteWorkflow(workflows.AdmissionWorkflowType, admissionInput())
	app := e.result(t)

	if app.ReviewDue == nil || *app.ReviewDue != (civil.Date{Year: 2026, Month: 5, Day: 6}) {
		t.Errorf("review_due = %v, want 2026-05-06", app.ReviewDue)
	}
	if diff := cmp.Diff([]time.Time{at(2026, 5, 5, 9, 0)}, e.noticeTimes("review_reminder_1"), cmp.Comparer(time.Time.Equal)); diff != "" {
		t.Errorf("reminder instants mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]time.Time{at(2026, 5, 7, 0, 0)}, e.noticeTimes("review_overdue_1"), cmp.Comparer(time.Time.Equal)); diff != "" {
		t.Errorf("escalation instants mismatch (-want +got):\n%s", diff)
	}
	// While overdue the read model said so; the final rejection clears it.
	var sawOverdue bool
	for _, s := range e.saved {
		if s.Event.Action == "review_overdue" {
			sawOverdue = s.Application.Overdue
		}
	}
	if !sawOverdue || app.Overdue || app.Status != domain.ApplicationRejected {
		t.Errorf("overdue while late = %v; final = %+v", sawOverdue, app)
	}
}

// TestReturnedApplicationLapses returns an application on Monday 2 March 2026; with no
// resubmission in 3 working days (3, 4, 5 March) it lapses at the end of Thursday 5 March,
// and the provider was reminded at 09:00 on the 4th.
func TestReturnedApplicationLapses(t *testing.T) {
	e := newAdmissionEnv(t, at(2026, 3, 2, 9, 30))
	e.decideAt(t, at(2026, 3, 2, 15, 0), workflows.ApplicationDecision{Actor: ministryUser, Decision: workflows.DecisionReturn, Reasons: []string{"нет лицензии"}})
	e.ExecuteWorkflow(workflows.AdmissionWorkflowType, admissionInput())
	app := e.result(t)

	if app.Status != domain.ApplicationLapsed {
		t.Fatalf("status = %s, want lapsed", app.Status)
	}
	if app.ResubmitDue == nil || *app.ResubmitDue != (civil.Date{Year: 2026, Month: 3, Day: 5}) {
		t.Errorf("resubmit_due = %v, want 2026-03-05", app.ResubmitDue)
	}
	lapse := at(2026, 3, 6, 0, 0) // the provider and the reviewers are both told
	if diff := cmp.Diff([]time.Time{lapse, lapse}, e.noticeTimes("lapsed"), cmp.Comparer(time.Time.Equal)); diff != "" {
		t.Errorf("lapse notices mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]time.Time{at(2026, 3, 4, 9, 0)}, e.noticeTimes("resubmission_reminder_1"), cmp.Comparer(time.Time.Equal)); diff != "" {
		t.Errorf("resubmission reminder mismatch (-want +got):\n%s", diff)
	}
}

// TestValidatorsRefuseBeforeAnythingIsWritten sends refused updates and checks that no
// step was recorded for them.
func TestValidatorsRefuseBeforeAnythingIsWritten(t *testing.T) {
	e := newAdmissionEnv(t, at(2026, 3, 2, 9, 30))
	refused := []struct {
		name string
		arg  any
	}{
		{workflows.UpdateDecideApplication, workflows.ApplicationDecision{Actor: providerUser, Decision: workflows.DecisionAdmit}},
		{workflows.UpdateDecideApplication, workflows.ApplicationDecision{Actor: domain.Actor{Sub: "x", Role: domain.RoleMinistry, Authority: "region-64"}, Decision: workflows.DecisionAdmit}},
		{workflows.UpdateDecideApplication, workflows.ApplicationDecision{Actor: ministryUser, Decision: workflows.DecisionReturn}},
		{workflows.UpdateResubmitApplication, workflows.Resubmission{Actor: providerUser, Programmes: admissionInput().Programmes}},
		{workflows.UpdateResubmitApplication, workflows.Resubmission{Actor: domain.Actor{Sub: "y", Role: domain.RoleProvider, Provider: "provider-2"}, Programmes: admissionInput().Programmes}},
	}
	rejections := 0
	e.RegisterDelayedCallback(func() {
		for i, r := range refused {
			e.UpdateWorkflow(r.name, "refused-"+string(rune('a'+i)), &testsuite.TestUpdateCallback{
				OnAccept:   func() { t.Errorf("update %d (%s) was accepted", i, r.name) },
				OnReject:   func(error) { rejections++ },
				OnComplete: func(any, error) {},
			}, r.arg)
		}
	}, time.Hour)
	e.decideAt(t, at(2026, 3, 2, 12, 0), workflows.ApplicationDecision{Actor: ministryUser, Decision: workflows.DecisionAdmit})
	e.ExecuteWorkflow(workflows.AdmissionWorkflowType, admissionInput())
	app := e.result(t)
	if rejections != len(refused) {
		t.Errorf("rejected %d of %d refused updates", rejections, len(refused))
	}
	var actions []string
	for _, s := range e.saved {
		actions = append(actions, s.Event.Action)
	}
	if diff := cmp.Diff([]string{"submitted", "admitted"}, actions); diff != "" || app.Status != domain.ApplicationAdmitted {
		t.Errorf("recorded steps mismatch (-want +got):\n%s (status %s)", diff, app.Status)
	}
}
