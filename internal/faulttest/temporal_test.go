package faulttest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/converter"

	"github.com/profdev/profdev/workflows"
)

// closedWorkflows names every workflow that closed without completing (failed, timed out,
// terminated, cancelled), with the failure that ended it; none may.
func (w *world) closedWorkflows() []string {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var out []string
	var token []byte
	for {
		resp, err := w.temporal.Client().ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
			Namespace: w.temporal.Namespace(), PageSize: 100, NextPageToken: token,
			Query: "ExecutionStatus != 'Running' AND ExecutionStatus != 'Completed'",
		})
		if err != nil {
			return append(out, "list workflows: "+err.Error())
		}
		for _, e := range resp.Executions {
			out = append(out, fmt.Sprintf("%s %s (%s)", e.Execution.WorkflowId, e.Status, w.lastFailure(ctx, e.Execution.WorkflowId)))
		}
		if token = resp.NextPageToken; len(token) == 0 {
			return out
		}
	}
}

// awaitBatchWorkflow waits, bounded, for the batch workflow to complete: it does once every
// item is accounted for and the issuer is told.
func (w *world) awaitBatchWorkflow(t *testing.T, id string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	run := w.temporal.Client().GetWorkflow(ctx, workflows.CertificateBatchWorkflowID(id), "")
	var started int
	if err := run.Get(ctx, &started); err != nil {
		t.Errorf("the batch workflow did not complete: %v", err)
	}
}

// diagnose tells why a batch is stuck: for the first of its items without an issued
// certificate, what their workflows wait for and the last failure in each history.
func (w *world) diagnose(id string) string {
	st, err := w.batchStatus(id)
	if err != nil {
		return "batch status: " + err.Error()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var b strings.Builder
	fmt.Fprintf(&b, "batch %s: issued %d, refused %d, waiting %d of %d\n", id, st.Issued, st.Refused, st.Waiting, st.Accepted)
	shown := 0
	for _, it := range st.Unissued {
		if it.Number == "" || shown == 5 {
			continue
		}
		shown++
		wid := workflows.CertificateWorkflowID(it.Number)
		fmt.Fprintf(&b, "  %s (%s): %s\n", wid, it.State, w.lastFailure(ctx, wid))
		d, err := w.temporal.Client().DescribeWorkflowExecution(ctx, wid, "")
		if err != nil {
			fmt.Fprintf(&b, "    describe: %v\n", err)
			continue
		}
		for _, pa := range d.PendingActivities {
			fmt.Fprintf(&b, "    pending %s attempt %d state %s: %s\n", pa.ActivityType.GetName(), pa.Attempt, pa.State, pa.LastFailure.GetMessage())
		}
	}
	d, err := w.temporal.Client().DescribeWorkflowExecution(ctx, workflows.CertificateBatchWorkflowID(id), "")
	if err == nil {
		fmt.Fprintf(&b, "  batch workflow %s, %d pending activities\n", d.WorkflowExecutionInfo.GetStatus(), len(d.PendingActivities))
	}
	return b.String()
}

// lastFailure names the last failure in a workflow's history: an activity (local or not),
// a workflow task, or the workflow itself.
func (w *world) lastFailure(ctx context.Context, id string) string {
	out := "no failure in the history"
	it := w.temporal.Client().GetWorkflowHistory(ctx, id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	scheduled := map[int64]string{}
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			return err.Error()
		}
		if a := ev.GetActivityTaskScheduledEventAttributes(); a != nil {
			scheduled[ev.EventId] = a.ActivityType.GetName()
		}
		if a := ev.GetActivityTaskFailedEventAttributes(); a != nil {
			out = fmt.Sprintf("activity %s failed: %s", scheduled[a.ScheduledEventId], a.Failure.GetMessage())
		}
		if a := ev.GetActivityTaskTimedOutEventAttributes(); a != nil {
			out = fmt.Sprintf("activity %s timed out: %s", scheduled[a.ScheduledEventId], a.Failure.GetMessage())
		}
		if a := ev.GetWorkflowTaskFailedEventAttributes(); a != nil {
			out = fmt.Sprintf("workflow task failed (%s): %s", a.Cause, a.Failure.GetMessage())
		}
		if m := ev.GetMarkerRecordedEventAttributes(); m != nil && m.MarkerName == "LocalActivity" && m.Failure != nil {
			var data struct {
				ActivityType string
				Attempt      int
			}
			if d, ok := m.Details["data"]; ok {
				_ = converter.GetDefaultDataConverter().FromPayloads(d, &data)
			}
			out = fmt.Sprintf("local activity %s failed after %d attempts: %s", data.ActivityType, data.Attempt, m.Failure.GetMessage())
		}
		if a := ev.GetWorkflowExecutionFailedEventAttributes(); a != nil {
			out = "workflow failed: " + a.Failure.GetMessage()
		}
	}
	return out
}
