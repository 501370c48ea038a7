package workflows_test

import (
	"errors"
	"slices"
	"testing"

	"cloud.google.com/go/civil"
	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/profdev/profdev/activities"
	"github.com/profdev/profdev/internal/calendar"
	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/workflows"
)

// TestOpenPlanningCycleOpensTheScheduledYear: fired on 1 December 2026 with a year offset of
// one, the opener opens mintrud's 2027 cycle, with plans due 20 working days later and the
// configured directions when the authority has had no cycle; with none at all it fails for
// good rather than announce nothing.
func TestOpenPlanningCycleOpensTheScheduledYear(t *testing.T) {
	for _, tc := range []struct {
		name       string
		latest     []string
		configured []string
		want       []string
	}{
		{"latest cycle's directions", []string{"Наставничество"}, []string{"Цифровизация"}, []string{"Наставничество"}},
		{"configured directions", nil, []string{"Цифровизация"}, []string{"Цифровизация"}},
		{"no directions", nil, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var s testsuite.WorkflowTestSuite
			env := s.NewTestWorkflowEnvironment()
			env.SetStartTime(at(2026, 12, 1, 9, 0))
			env.RegisterWorkflowWithOptions(workflows.OpenPlanningCycle, workflow.RegisterOptions{Name: workflows.OpenerWorkflowType})
			env.RegisterWorkflowWithOptions(workflows.PlanningCycle, workflow.RegisterOptions{Name: workflows.CycleWorkflowType})
			env.RegisterActivity(&activities.Calendar{Regions: calendar.NewRegions(calendar.Russia(), nil)})
			env.RegisterActivity(&activities.Planning{})
			env.OnActivity("LoadCycleDefaults", mock.Anything, activities.CycleDefaultsQuery{Authority: "mintrud", Year: 2027}).
				Return(activities.CycleDefaults{Region: "RU", Directions: tc.latest}, nil)
			var started workflows.CycleInput
			env.OnWorkflow(workflows.CycleWorkflowType, mock.Anything, mock.Anything).Return(func(_ workflow.Context, in workflows.CycleInput) (domain.Cycle, error) {
				started = in
				return domain.Cycle{}, nil
			})
			env.ExecuteWorkflow(workflows.OpenerWorkflowType, workflows.ScheduledCycle{Authority: "mintrud", YearOffset: 1, PlansDueDays: 20,
				QuarterlyReports: true, PriorityDirections: tc.configured})
			if tc.want == nil {
				var appErr *temporal.ApplicationError
				if err := env.GetWorkflowError(); !errors.As(err, &appErr) || !appErr.NonRetryable() {
					t.Fatalf("opener without directions: %v, want a non-retryable failure", err)
				}
				return
			}
			var res workflows.OpenResult
			if err := env.GetWorkflowResult(&res); err != nil {
				t.Fatal(err)
			}
			if res.WorkflowID != "planning-mintrud-2027" || !res.Opened || started.Year != 2027 || !slices.Equal(started.PriorityDirections, tc.want) ||
				started.PlansDue != (civil.Date{Year: 2026, Month: 12, Day: 29}) || started.OpenedBy != domain.SystemActor || started.Terms != workflows.DefaultPlanningTerms {
				t.Errorf("opened %+v with %+v", res, started)
			}
		})
	}
}
