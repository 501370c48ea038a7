package api

import (
	"context"
	"fmt"
	"testing"
	"time"

	"cloud.google.com/go/civil"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/profdev/profdev/internal/domain"
	pworker "github.com/profdev/profdev/worker"
	"github.com/profdev/profdev/workflows"
)

// mustOverdueCycle starts region-64's cycle directly on Temporal with yesterday's plans
// deadline, as a cycle whose deadline has run out: the API refuses a past deadline.
func (a *testAPI) mustOverdueCycle(year int) {
	a.t.Helper()
	yesterday := civil.DateOf(time.Now().In(workflows.Moscow)).AddDays(-1)
	in := workflows.CycleInput{Authority: "region-64", Region: "RU", Year: year, PriorityDirections: []string{"Наставничество"},
		PlansDue: yesterday, OpenedBy: region64Ministry, Terms: workflows.DefaultPlanningTerms}
	_, err := a.tenv.Client().ExecuteWorkflow(context.Background(), client.StartWorkflowOptions{
		ID: workflows.CycleWorkflowID("region-64", year), TaskQueue: workflows.TaskQueue,
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
	}, workflows.CycleWorkflowType, in)
	if err != nil {
		a.t.Fatal(err)
	}
}

// TestPlanningScheduleOpensNextYearsCycle creates the yearly schedule twice (as two workers
// starting would), checks its next firing, and fires it: the opener opens the next year's
// cycle with the directions of the authority's latest cycle.
func TestPlanningScheduleOpensNextYearsCycle(t *testing.T) {
	a := mustAPI(t)
	a.mustProcesses()
	a.mustPlanningDirectory()
	ctx := context.Background()
	now := time.Now().In(workflows.Moscow)
	a.mustOverdueCycle(now.Year())
	eventually(t, 15*time.Second, "this year's cycle", func() bool {
		_, err := a.db.GetCycle(ctx, "region-64", now.Year())
		return err == nil
	})

	sched := pworker.PlanningSchedule{Authority: "region-64", Month: time.March, Day: 15,
		ScheduledCycle: workflows.ScheduledCycle{YearOffset: 1, PlansDueDays: 20, QuarterlyReports: true}}
	for range 2 {
		if err := pworker.EnsurePlanningSchedules(ctx, a.tenv.Client(), []pworker.PlanningSchedule{sched}); err != nil {
			t.Fatal(err)
		}
	}
	h := a.tenv.Client().ScheduleClient().GetHandle(ctx, workflows.PlanningScheduleID("region-64"))
	desc, err := h.Describe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	next := time.Date(now.Year(), time.March, 15, 6, 0, 0, 0, time.UTC)
	if !next.After(time.Now()) {
		next = next.AddDate(1, 0, 0)
	}
	if len(desc.Info.NextActionTimes) == 0 || !desc.Info.NextActionTimes[0].Equal(next) {
		t.Errorf("next firing %v, want %s", desc.Info.NextActionTimes, next)
	}
	// An outage longer than a timeout would end the opener with the cycle unopened.
	if a, ok := desc.Schedule.Action.(*client.ScheduleWorkflowAction); !ok || a.WorkflowExecutionTimeout != 0 || a.WorkflowRunTimeout != 0 {
		t.Errorf("the schedule's action %+v: want an opener without a timeout", desc.Schedule.Action)
	}

	if err := h.Trigger(ctx, client.ScheduleTriggerOptions{}); err != nil {
		t.Fatal(err)
	}
	var c domain.Cycle
	eventually(t, 20*time.Second, "next year's cycle opened by the schedule", func() bool {
		c, err = a.db.GetCycle(ctx, "region-64", now.Year()+1)
		return err == nil
	})
	if c.OpenedBy.Role != domain.SystemActor.Role || fmt.Sprint(c.PriorityDirections) != "[Наставничество]" || len(c.Quarters) != 4 || !c.PlansDue.After(civil.DateOf(now)) {
		t.Errorf("scheduled cycle = %+v", c)
	}
}
