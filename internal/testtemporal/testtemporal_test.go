package testtemporal_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/profdev/profdev/internal/testtemporal"
)

var processKey = temporal.NewSearchAttributeKeyKeyword("ProfdevProcess")

func tagWorkflow(ctx workflow.Context, process string) error {
	if err := workflow.UpsertTypedSearchAttributes(ctx, processKey.ValueSet(process)); err != nil {
		return fmt.Errorf("upsert %s: %w", processKey.GetName(), err)
	}
	return nil
}

func TestUpsertedSearchAttributeIsQueryable(t *testing.T) {
	begin := time.Now()
	env := testtemporal.New(t, map[string]enumspb.IndexedValueType{
		processKey.GetName(): enumspb.INDEXED_VALUE_TYPE_KEYWORD,
	})
	t.Logf("New took %s", time.Since(begin).Round(time.Millisecond))
	if env.Namespace() == "" || env.HostPort() == "" {
		t.Fatalf("Namespace() = %q, HostPort() = %q; want both set", env.Namespace(), env.HostPort())
	}

	const taskQueue = "testtemporal"
	env.NewWorker(taskQueue, func(r worker.Registry) { r.RegisterWorkflow(tagWorkflow) })

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := env.Client()
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "tag-1", TaskQueue: taskQueue}, tagWorkflow, "proc-1")
	if err != nil {
		t.Fatalf("ExecuteWorkflow: %v", err)
	}
	if err := run.Get(ctx, nil); err != nil {
		t.Fatalf("workflow: %v", err)
	}

	// Visibility is updated asynchronously after the upsert.
	query := `ProfdevProcess = "proc-1"`
	for {
		resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
			Namespace: env.Namespace(),
			Query:     query,
		})
		if err != nil {
			t.Fatalf("ListWorkflow(%q): %v", query, err)
		}
		if n := len(resp.GetExecutions()); n > 0 {
			if id := resp.GetExecutions()[0].GetExecution().GetWorkflowId(); n != 1 || id != "tag-1" {
				t.Fatalf("ListWorkflow(%q) returned %d executions, first %q; want only tag-1", query, n, id)
			}
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("ListWorkflow(%q) never returned the workflow", query)
		case <-time.After(100 * time.Millisecond):
		}
	}
}
