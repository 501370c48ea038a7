package main

import (
	"context"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/civil"
	"github.com/rs/zerolog"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"

	"github.com/profdev/profdev/internal/app"
	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/internal/postgres"
	"github.com/profdev/profdev/workflows"
)

// What a certificate costs in Temporal: its history events and the actions among them, as
// Temporal Cloud bills them (a workflow start, each activity, each local activity and other
// marker, timer, signal received or sent, accepted update, search-attribute upsert, child
// start and continue-as-new), counted in the recorded history; an activity's retries each
// cost an action too but leave no event of their own, so the count is a floor.

// billable are the history events that are Temporal Cloud actions.
var billable = map[enumspb.EventType]bool{
	enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:                           true,
	enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:                              true,
	enumspb.EVENT_TYPE_MARKER_RECORDED:                                      true,
	enumspb.EVENT_TYPE_TIMER_STARTED:                                        true,
	enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:                          true,
	enumspb.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED:         true,
	enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:                   true,
	enumspb.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:                    true,
	enumspb.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED:             true,
	enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW:                  true,
	enumspb.EVENT_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED: true,
}

// historyCost counts the events and actions of a workflow over all its runs (continue-as-new
// chains them: each run's start names the run before).
func historyCost(ctx context.Context, b *testing.B, tc client.Client, id string) (events, actions int) {
	runID := ""
	for {
		previous := ""
		it := tc.GetWorkflowHistory(ctx, id, runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		for it.HasNext() {
			ev, err := it.Next()
			if err != nil {
				b.Fatalf("history of %s: %v", id, err)
			}
			events++
			if billable[ev.EventType] {
				actions++
			}
			if a := ev.GetWorkflowExecutionStartedEventAttributes(); a != nil {
				previous = a.GetContinuedExecutionRunId()
			}
		}
		if previous == "" {
			return events, actions
		}
		runID = previous
	}
}

// certificateLifecycle takes one certificate of the batch from issue to outcome (the provider
// reports enrolment, then completion) and counts what its history and its share of the
// batch's history cost.
func certificateLifecycle(ctx context.Context, b *testing.B, db *postgres.DB, tc client.Client, batchID string, n int) (certEvents, certActions int, perItemEvents, perItemActions float64) {
	var number string
	if err := db.Pool().QueryRow(ctx, `SELECT number FROM certificates WHERE status = 'issued' ORDER BY number LIMIT 1`).Scan(&number); err != nil {
		b.Fatal(err)
	}
	svc := app.New(app.Config{}, db, tc, zerolog.Nop())
	provider := domain.Actor{Sub: "bench-provider", Role: domain.RoleProvider, Provider: "provider-a"}
	today := civil.DateOf(time.Now().In(workflows.Moscow))
	if _, err := svc.ReportEnrolment(ctx, provider, number, domain.Enrolment{EnrolledOn: today, StartedOn: today, OrderNumber: "1-к"}); err != nil {
		b.Fatalf("enrol %s: %v", number, err)
	}
	if _, err := svc.ReportOutcome(ctx, provider, number, domain.Outcome{Outcome: domain.CertificateCompleted, FinishedOn: today,
		DocumentNumber: "УД-1"}); err != nil {
		b.Fatalf("outcome of %s: %v", number, err)
	}
	certEvents, certActions = historyCost(ctx, b, tc, workflows.CertificateWorkflowID(number))
	be, ba := historyCost(ctx, b, tc, workflows.CertificateBatchWorkflowID(batchID))
	return certEvents, certActions, float64(be) / float64(n), float64(ba) / float64(n)
}

// rssMB is this process's resident set size in MB (Linux /proc), after a garbage collection
// that returns the freed memory to the system.
func rssMB(b *testing.B) float64 {
	debug.FreeOSMemory()
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
			if err != nil {
				b.Fatal(err)
			}
			return float64(kb) / 1024
		}
	}
	b.Fatal("no VmRSS in /proc/self/status")
	return 0
}

// memory is the bench process's RSS around the open certificate workflows, in MB.
type memory struct {
	idle, open, purged float64
	// cachedKB is what an open workflow costs while the worker's sticky cache holds it;
	// restKB what it costs once evicted (the server's caches, warmed pools: an upper bound).
	cachedKB, restKB float64
	cacheSize        int
}

// stickyCacheSize is the SDK's default size of the worker's cache of workflows (the worker
// does not change it): past it, a workflow is evicted and replayed on its next task.
const stickyCacheSize = 10000

// workerMB is what open workflows add to the worker: the cache holds at most cacheSize of
// them, and an evicted one costs the worker nothing until its next step replays it.
func (m memory) workerMB(open int) float64 {
	return float64(min(open, m.cacheSize)) * m.cachedKB / 1024
}

// openMemory measures the RSS with n certificate workflows open, then again once the
// worker's cache of them is emptied (the SDK empties it only with the worker stopped, so *w
// is stopped and replaced by a new one from start).
func openMemory(b *testing.B, w *sdkworker.Worker, start func() sdkworker.Worker, idle float64, n int) memory {
	m := memory{idle: idle, open: rssMB(b), cacheSize: stickyCacheSize}
	(*w).Stop()
	sdkworker.PurgeStickyWorkflowCache()
	m.purged = rssMB(b)
	*w = start()
	if err := (*w).Start(); err != nil {
		b.Fatal(err)
	}
	m.cachedKB = max(0, m.open-m.purged) * 1024 / float64(n)
	m.restKB = max(0, m.purged-m.idle) * 1024 / float64(n)
	return m
}
