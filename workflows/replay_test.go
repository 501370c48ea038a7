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
// it, every process history recorded on a real server: the first ones by the API's end-to-end
// tests, the .v2 ones, one per process, by TestRecordProcessHistories after every process was
// put on the step skeleton (re-record either with PROFDEV_RECORD_HISTORIES=1; keep the old
// files, which stand for workflows still running). A change that would break running
// workflows fails here unless it is behind workflow.GetVersion.
func TestRecordedHistoriesReplay(t *testing.T) {
	for _, file := range []string{
		"admission.history.json",      // apply, return, resubmit, admit
		"certificate.history.json",    // issue, enrol, complete, two ratings, a duplicate
		"reserve.history.json",        // lists, approval, submission, decisions with a correction, selection
		"planning_cycle.history.json", // open, two plans (children), a late Q1 and an on-time Q4 report
		"planning_plan.history.json",  // submitted, returned, resubmitted, accepted
		// Recorded from the code cut on the step skeleton:
		"admission.v2.history.json",         // apply, return, resubmit, admit (starts the membership)
		"membership.v2.history.json",        // a declaration returned, another accepted, exclusion requested, excluded
		"certificate.v2.history.json",       // issue, enrol, complete, a rating, a duplicate
		"certificate_batch.v2.history.json", // two items numbered and started
		"reserve.v2.history.json",           // lists edited, approved, submitted; a correction; selection; new quotas
		"planning_cycle.v2.history.json",    // open, a plan (child), a quarterly report
		"planning_plan.v2.history.json",     // submitted, returned, resubmitted, accepted
		"planning_open.v2.history.json",     // the scheduled opening of next year's cycle
		// Recorded once a batch accounts for its items:
		"certificate_batch.v3.history.json",      // two items: one issued, one refused; waits for both, tells the issuer
		"certificate_batch_item.v3.history.json", // the refused item's certificate, reporting to its batch
		"connection.history.json",                // submitted, returned, resubmitted, accepted, two sign-ins, connected
		// Recorded once invitations are sent by SendInvitation, their codes out of the history:
		"connection.v2.history.json", // submitted, returned, resubmitted, accepted, two invitations, two sign-ins, connected
		// Recorded once certificates and batches are born at a level of changes (born.go):
		"certificate.v4.history.json",                   // issue, enrol, complete, a rating, a duplicate; no version markers
		"certificate_batch.v4.history.json",             // two items: one issued, one refused, with the batch's digests
		"certificate_batch_item_issued.v4.history.json", // the issued item's certificate
		"certificate_batch_item.v4.history.json",        // the refused item's certificate, reporting to its batch
		// Recorded at level 2, where a batch reads its items' settlement instead of being signalled:
		"certificate.v5.history.json",                   // issue (delivered in a local activity), enrol, complete, a rating, a duplicate
		"certificate_batch.v5.history.json",             // two items: one issued, one refused, read from storage; the digests
		"certificate_batch_item_issued.v5.history.json", // the issued item's certificate: one workflow task to be issued
		"certificate_batch_item.v5.history.json",        // the refused item's certificate, recording its refusal, signalling nothing
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
