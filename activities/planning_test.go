package activities_test

import (
	"context"
	"testing"
	"time"

	"cloud.google.com/go/civil"
	"github.com/google/go-cmp/cmp"

	"github.com/profdev/profdev/activities"
	"github.com/profdev/profdev/internal/domain"
)

// fakePlanning is the planning cycle's storage.
type fakePlanning struct {
	recorder
	participants []domain.CycleParticipant
	authority    domain.Authority
	directions   []string
}

func (f *fakePlanning) PlanningParticipants(_ context.Context, authority string) ([]domain.CycleParticipant, error) {
	return f.participants, f.record("PlanningParticipants", authority)
}

func (f *fakePlanning) LatestPriorityDirections(_ context.Context, authority string, year int) ([]string, error) {
	return f.directions, f.record("LatestPriorityDirections", authority, year)
}

func (f *fakePlanning) GetAuthority(_ context.Context, id string) (domain.Authority, error) {
	return f.authority, f.record("GetAuthority", id)
}

func (f *fakePlanning) SaveCycle(_ context.Context, c domain.Cycle, ev domain.Event) error {
	return f.record("SaveCycle", c, ev)
}

func (f *fakePlanning) SavePlan(_ context.Context, p domain.Plan, ev domain.Event) error {
	return f.record("SavePlan", p, ev)
}

func (f *fakePlanning) SaveQuarterlyReport(_ context.Context, r domain.QuarterlyReport, c domain.Cycle, ev domain.Event) error {
	return f.record("SaveQuarterlyReport", r, c, ev)
}

// planningSteps runs each planning activity once; method is the store method it calls.
var planningSteps = func() []struct {
	method string
	run    func(*activities.Planning) (fn any, arg any)
	want   []any
} {
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	ev := domain.Event{Seq: 2, At: at, Actor: domain.SystemActor, Action: "opened"}
	cycle := domain.Cycle{ID: "cycle-1", WorkflowID: "planning-mintrud-2027", Authority: "mintrud", Year: 2027, Status: domain.CycleOpen,
		PlansDue: civil.Date{Year: 2026, Month: 12, Day: 29}, OpenedBy: domain.SystemActor, OpenedAt: at, Revision: 2}
	plan := domain.Plan{ID: "plan-1", WorkflowID: "planning-mintrud-2027-agency-agency-1", CycleID: "cycle-1", Authority: "mintrud", Year: 2027,
		ParticipantKind: domain.ParticipantAgency, ParticipantID: "agency-1", Status: domain.PlanUnderReview, Round: 1, SubmittedAt: at, FirstSubmittedAt: at, Revision: 1}
	report := domain.QuarterlyReport{ID: "report-1", CycleID: "cycle-1", Authority: "mintrud", Year: 2027, Agency: "agency-1", Quarter: 1,
		Figures: map[string]float64{"vacancies": 3}, Due: civil.Date{Year: 2027, Month: 4, Day: 1}, OnTime: true, SubmittedAt: at}
	return []struct {
		method string
		run    func(*activities.Planning) (fn any, arg any)
		want   []any
	}{
		{"SaveCycle", func(a *activities.Planning) (any, any) {
			return a.SaveCycle, activities.CycleStep{Cycle: cycle, Event: ev}
		}, []any{cycle, ev}},
		{"SavePlan", func(a *activities.Planning) (any, any) {
			return a.SavePlan, activities.PlanStep{Plan: plan, Event: ev}
		}, []any{plan, ev}},
		{"SaveQuarterlyReport", func(a *activities.Planning) (any, any) {
			return a.SaveQuarterlyReport, activities.ReportStep{Report: report, Cycle: cycle, Event: ev}
		}, []any{report, cycle, ev}},
		{"PlanningParticipants", func(a *activities.Planning) (any, any) { return a.PlanningParticipants, "mintrud" }, []any{"mintrud"}},
		{"GetAuthority", func(a *activities.Planning) (any, any) {
			return a.LoadCycleDefaults, activities.CycleDefaultsQuery{Authority: "mintrud", Year: 2027}
		}, []any{"mintrud"}},
	}
}()

// TestPlanningWrites checks that each write reaches the store as the workflow sent it: the
// store keys it by the step, which makes a retried write change nothing.
func TestPlanningWrites(t *testing.T) {
	for _, step := range planningSteps[:3] {
		t.Run(step.method, func(t *testing.T) {
			store := &fakePlanning{}
			a := &activities.Planning{Store: store}
			fn, arg := step.run(a)
			if _, err := newEnv(t, a).ExecuteActivity(fn, arg); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]call{{step.method, step.want}}, store.calls); diff != "" {
				t.Errorf("store calls mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPlanningParticipants(t *testing.T) {
	store := &fakePlanning{participants: []domain.CycleParticipant{
		{Kind: domain.ParticipantAgency, ID: "agency-1", Name: "Агентство"},
		{Kind: domain.ParticipantProvider, ID: "provider-1", Name: "Центр", Emails: []string{"p@x.test"}},
	}}
	a := &activities.Planning{Store: store}
	val, err := newEnv(t, a).ExecuteActivity(a.PlanningParticipants, "mintrud")
	if err != nil {
		t.Fatal(err)
	}
	var got []domain.CycleParticipant
	if err := val.Get(&got); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(store.participants, got); diff != "" {
		t.Errorf("participants mismatch (-want +got):\n%s", diff)
	}
}

func TestLoadCycleDefaults(t *testing.T) {
	q := activities.CycleDefaultsQuery{Authority: "mintrud", Year: 2027}
	for _, tc := range []struct {
		name      string
		fail      map[string]error
		want      activities.CycleDefaults
		wantErr   *failure
		wantCalls []string
	}{
		{"region and latest directions", nil,
			activities.CycleDefaults{Region: "region-77", Directions: []string{"цифровизация", "антикоррупция"}}, nil,
			[]string{"GetAuthority", "LatestPriorityDirections"}},
		// An authority missing from the directory fails at once; its directions are not asked.
		{"unknown authority", map[string]error{"GetAuthority": errNotFound}, activities.CycleDefaults{}, notFound,
			[]string{"GetAuthority"}},
		{"directions unavailable", map[string]error{"LatestPriorityDirections": errUnavailable}, activities.CycleDefaults{}, unavailable,
			[]string{"GetAuthority", "LatestPriorityDirections"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			store := &fakePlanning{recorder: recorder{fail: tc.fail}, authority: domain.Authority{ID: "mintrud", Region: "region-77"},
				directions: []string{"цифровизация", "антикоррупция"}}
			a := &activities.Planning{Store: store}
			val, err := newEnv(t, a).ExecuteActivity(a.LoadCycleDefaults, q)
			if diff := cmp.Diff(tc.wantErr, failureOf(t, err)); diff != "" {
				t.Errorf("failure mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantCalls, store.methods()); diff != "" {
				t.Errorf("store calls mismatch (-want +got):\n%s", diff)
			}
			if err != nil {
				return
			}
			var got activities.CycleDefaults
			if err := val.Get(&got); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("defaults mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPlanningStoreErrors(t *testing.T) {
	for _, step := range planningSteps {
		for _, se := range storeErrors {
			t.Run(step.method+" "+se.name, func(t *testing.T) {
				a := &activities.Planning{Store: &fakePlanning{recorder: recorder{fail: map[string]error{step.method: se.err}}}}
				fn, arg := step.run(a)
				_, err := newEnv(t, a).ExecuteActivity(fn, arg)
				if diff := cmp.Diff(se.want, failureOf(t, err)); diff != "" {
					t.Errorf("failure mismatch (-want +got):\n%s", diff)
				}
			})
		}
	}
}
