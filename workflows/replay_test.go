package workflows_test

import (
	"os"
	"path/filepath"
	"testing"

	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/worker"
	"google.golang.org/protobuf/encoding/protojson"

	pworker "github.com/profdev/profdev/worker"
)

// TestRecordedHistoriesReplay replays, against today's workflow code as the worker registers
// it, every process history recorded on a real server by the API's end-to-end tests
// (re-record with PROFDEV_RECORD_HISTORIES=1): a change that would break running workflows
// fails here unless it is behind workflow.GetVersion.
func TestRecordedHistoriesReplay(t *testing.T) {
	for _, file := range []string{
		"admission.history.json",      // apply, return, resubmit, admit
		"certificate.history.json",    // issue, enrol, complete, two ratings, a duplicate
		"reserve.history.json",        // lists, approval, submission, decisions with a correction, selection
		"planning_cycle.history.json", // open, two plans (children), a late Q1 and an on-time Q4 report
		"planning_plan.history.json",  // submitted, returned, resubmitted, accepted
		"connection.history.json",     // submitted, returned, resubmitted, accepted, two sign-ins, connected
	} {
		t.Run(file, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("testdata", file))
			if err != nil {
				t.Fatalf("recorded history missing: %v", err)
			}
			hist := &historypb.History{}
			if err := protojson.Unmarshal(b, hist); err != nil {
				t.Fatal(err)
			}
			r := worker.NewWorkflowReplayer()
			pworker.RegisterWorkflows(r)
			if err := r.ReplayWorkflowHistory(nil, hist); err != nil {
				t.Fatalf("replay: %v", err)
			}
		})
	}
}
