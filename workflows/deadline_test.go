package workflows_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/civil"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/profdev/profdev/activities"
	"github.com/profdev/profdev/internal/calendar"
	"github.com/profdev/profdev/internal/testtemporal"
	"github.com/profdev/profdev/workflows"
)

// The probe starts from Friday 2026-05-08: one working day later is Tuesday 2026-05-12 in
// the federal calendar, but Wednesday 2026-05-13 once a regional holiday falls on the 12th.
var (
	probeFrom        = civil.Date{Year: 2026, Month: 5, Day: 8}
	federalDeadline  = civil.Date{Year: 2026, Month: 5, Day: 12}
	regionalHoliday  = civil.Date{Year: 2026, Month: 5, Day: 12}
	recordedHistory  = filepath.Join("testdata", "deadline_probe.history.json")
	probeWorkflowID  = "deadline-probe"
	probeTaskQueue   = "deadline-probe"
	changedCalendars = calendar.NewRegions(calendar.Russia(), map[string][]civil.Date{"region-x": {regionalHoliday}})
	federalCalendars = calendar.NewRegions(calendar.Russia(), nil)
)

// deadlineProbe decides its next step by the deadline, as a process workflow does: the
// deadline comes from WorkingDaysAfter, so it is read back from history on replay.
func deadlineProbe(ctx workflow.Context) (string, error) {
	res, err := workflows.WorkingDaysAfter(ctx, probeFrom, 1, "region-x")
	if err != nil {
		return "", err
	}
	return branchOn(ctx, res.Date)
}

// naiveCalendar is what naiveDeadlineProbe wrongly reads from workflow code.
var naiveCalendar = calendar.Russia()

// naiveDeadlineProbe is the anti-pattern: it consults the calendar data directly, so a
// replay after the data changed takes the other branch.
func naiveDeadlineProbe(ctx workflow.Context) (string, error) {
	return branchOn(ctx, naiveCalendar.AddWorkingDays(probeFrom, 1))
}

func branchOn(ctx workflow.Context, due civil.Date) (string, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 10 * time.Second})
	var out string
	if due == federalDeadline {
		err := workflow.ExecuteActivity(ctx, "ProbeOnTuesday").Get(ctx, &out)
		return due.String() + " " + out, err
	}
	err := workflow.ExecuteActivity(ctx, "ProbeOnWednesday").Get(ctx, &out)
	return due.String() + " " + out, err
}

func registerProbe(r worker.Registry, cals *calendar.Regions) {
	r.RegisterWorkflow(deadlineProbe)
	r.RegisterWorkflow(naiveDeadlineProbe)
	r.RegisterActivity(&activities.Calendar{Regions: cals})
	r.RegisterActivityWithOptions(func(context.Context) (string, error) { return "tuesday", nil }, activityName("ProbeOnTuesday"))
	r.RegisterActivityWithOptions(func(context.Context) (string, error) { return "wednesday", nil }, activityName("ProbeOnWednesday"))
}

// runProbe runs a probe workflow to completion on a real Temporal server with the federal
// calendar and returns its result and history.
func runProbe(t *testing.T, env *testtemporal.Env, wf any, id string) (string, *historypb.History) {
	t.Helper()
	return runWorkflow(t, env, federalCalendars, wf, id)
}

// runProbeWith runs deadlineProbe on a worker whose calendar data is cals.
func runProbeWith(t *testing.T, env *testtemporal.Env, cals *calendar.Regions, id string) (string, *historypb.History) {
	t.Helper()
	return runWorkflow(t, env, cals, deadlineProbe, id)
}

func runWorkflow(t *testing.T, env *testtemporal.Env, cals *calendar.Regions, wf any, id string) (string, *historypb.History) {
	t.Helper()
	queue := probeTaskQueue + "-" + id
	env.NewWorker(queue, func(r worker.Registry) { registerProbe(r, cals) })
	ctx := context.Background()
	run, err := env.Client().ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: queue}, wf)
	if err != nil {
		t.Fatal(err)
	}
	var result string
	if err := run.Get(ctx, &result); err != nil {
		t.Fatal(err)
	}
	hist := &historypb.History{}
	it := env.Client().GetWorkflowHistory(ctx, id, run.GetRunID(), false, 0)
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		hist.Events = append(hist.Events, e)
	}
	return result, hist
}

// replay replays a history with today's workflow code. The replayer runs no activity, local
// ones included: their results come from the markers in the history. So the calendar data
// the worker would have now does not enter the replay at all, which is the point.
func replay(t *testing.T, hist *historypb.History) error {
	t.Helper()
	r := worker.NewWorkflowReplayer()
	r.RegisterWorkflow(deadlineProbe)
	r.RegisterWorkflow(naiveDeadlineProbe)
	return r.ReplayWorkflowHistory(nil, hist)
}

func TestDeadlinesReplayIdenticallyAfterTheCalendarChanges(t *testing.T) {
	env := testtemporal.New(t, nil)

	result, hist := runProbe(t, env, deadlineProbe, probeWorkflowID)
	if result != "2026-05-12 tuesday" {
		t.Fatalf("probe result = %q, want the federal deadline", result)
	}
	// A worker started now with new calendar data computes the other date...
	fresh, _ := runProbeWith(t, env, changedCalendars, probeWorkflowID+"-fresh")
	if fresh != "2026-05-13 wednesday" {
		t.Fatalf("new workflow with changed data = %q, want the regional deadline", fresh)
	}
	// ...yet the recorded run replays with its own deadline.
	if err := replay(t, hist); err != nil {
		t.Fatalf("replay after the calendar data changed: %v", err)
	}

	// The same check catches a workflow that reads the calendar in workflow code.
	_, naiveHist := runProbe(t, env, naiveDeadlineProbe, probeWorkflowID+"-naive")
	naiveCalendar = calendar.Russia().WithExtraHolidays(regionalHoliday)
	t.Cleanup(func() { naiveCalendar = calendar.Russia() })
	err := replay(t, naiveHist)
	if err == nil || !strings.Contains(strings.ToLower(err.Error()), "nondetermin") {
		t.Fatalf("naive replay after the data changed: err = %v, want a nondeterminism error", err)
	}

	if os.Getenv("PROFDEV_RECORD_HISTORIES") == "1" {
		b, err := protojson.MarshalOptions{Indent: "  "}.Marshal(hist)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(recordedHistory, b, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("recorded %s", recordedHistory)
	}
}

// TestRecordedDeadlineHistoryReplays replays the history recorded in testdata/ (by running
// the test above with PROFDEV_RECORD_HISTORIES=1) against today's code and a changed calendar.
func TestRecordedDeadlineHistoryReplays(t *testing.T) {
	b, err := os.ReadFile(recordedHistory)
	if err != nil {
		t.Fatalf("recorded history missing (record it with PROFDEV_RECORD_HISTORIES=1): %v", err)
	}
	hist := &historypb.History{}
	if err := protojson.Unmarshal(b, hist); err != nil {
		t.Fatal(err)
	}
	if len(hist.Events) == 0 {
		t.Fatal("recorded history is empty")
	}
	if err := replay(t, hist); err != nil {
		var panicErr interface{ StackTrace() string }
		if errors.As(err, &panicErr) {
			t.Log(panicErr.StackTrace())
		}
		t.Fatalf("replay of %s: %v", recordedHistory, err)
	}
}
