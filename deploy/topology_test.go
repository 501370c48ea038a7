//go:build topology

package deploy

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/converter"
)

// TestTopology runs the production topology on this machine (`make topology`): PostgreSQL
// for Temporal and another for profdev, `profdev temporal` on the first, two workers and two
// APIs from the built binary, a real SMTP server. Each fault strikes during a certificate
// batch; each batch must end with every certificate, signature and email exactly once.
// Then workers of a build with a versioned workflow change replace the current ones while
// certificates run, and a batch of ten times the federal daily peak measures capacity.
// Every wait is bounded: the whole run stays well under 15 minutes on 2 cores.
func TestTopology(t *testing.T) {
	began := time.Now()
	tp := startTopology(t)
	t.Cleanup(func() {
		if t.Failed() {
			tp.dumpLogs()
		}
	})
	fmt.Printf("\ntopology up in %v: temporal %s (PostgreSQL :%d), profdev PostgreSQL :%d, workers 2, APIs %v, SMTP %s\n\n",
		time.Since(began).Round(100*time.Millisecond), tp.temporalAddr, tp.pgTemporal.Port(), tp.pgProfdev.Port(), tp.apiAddrs, tp.smtp.Addr())
	n := envInt("TOPOLOGY_BATCH", 100)
	var results []faultResult
	// TOPOLOGY_PHASES (e.g. "db,upgrade") runs some phases only, for a developer chasing one;
	// CI runs them all.
	want := func(phase string) bool {
		v := os.Getenv("TOPOLOGY_PHASES")
		return v == "" || slices.Contains(strings.Split(v, ","), phase)
	}

	if want("kill") {
		results = append(results, tp.runFault(t, "kill -9 worker-1", "kill", n, 0, func() time.Time {
			tp.workers[0].kill()
			return time.Now()
		}))
		tp.startWorker(0, tp.bin) // the supervisor's restart, before the next fault
	}
	if want("temporal") {
		results = append(results, tp.runFault(t, "restart Temporal server", "temporal", n, 0, func() time.Time {
			tp.temporal.stop(30 * time.Second)
			tp.startTemporal()
			return time.Now()
		}))
	}
	const singles = 20
	if want("api") {
		results = append(results, tp.runFault(t, "restart api-1 under requests", "api", n, singles, func() time.Time {
			var wg sync.WaitGroup
			wg.Add(1)
			go func() { // single certificates over both replicas while one restarts
				defer wg.Done()
				p := tp.parties["api"]
				for i := range singles {
					body, _ := json.Marshal(p.item(n + i))
					status, resp, err := tp.api.do("POST", "/api/v1/certificates", body, fmt.Sprintf("single-%s-%d", p.tag, i))
					if err != nil || (status != http.StatusCreated && status != http.StatusOK) {
						t.Errorf("POST /certificates %d: %d %v %s", i, status, err, resp)
					}
					time.Sleep(100 * time.Millisecond)
				}
			}()
			time.Sleep(300 * time.Millisecond)
			tp.apis[0].stop(20 * time.Second)
			tp.startAPI(0)
			healed := time.Now()
			wg.Wait()
			return healed
		}))
	}
	if want("db") {
		results = append(results, tp.runFault(t, "stop profdev PostgreSQL 20 s", "db", n, 0, func() time.Time {
			tp.stopProfdevDB()
			time.Sleep(20 * time.Second)
			tp.startProfdevDB()
			return time.Now()
		}))
	}
	if want("upgrade") {
		results = append(results, tp.rollingUpgrade(t, n))
	}

	fmt.Printf("\n%-30s %6s %6s %6s %6s %6s %6s %6s %9s %9s %9s\n", "fault", "certs", "signed", "servnt", "hr", "provdr", "dups", "reqerr", "resumed", "stall", "done")
	for _, r := range results {
		fmt.Println(r)
	}

	if want("capacity") {
		tp.capacity(t)
	}
	tp.checkWorkflowStarts(t)
	fmt.Printf("\ntopology test took %v\n", time.Since(began).Round(time.Second))
}

type faultResult struct {
	name                         string
	tally                        tally
	resumed, stall, done, before time.Duration
	reqErrors                    int64
	note                         string
}

func (r faultResult) String() string {
	c := r.tally
	return fmt.Sprintf("%-30s %6d %6d %6d %6d %6d %6d %6d %8.1fs %8.1fs %8.1fs  %s",
		r.name, c.issued, c.signatures, c.servantEmails, c.hrEmails, c.providerEmails, c.duplicateRows+c.duplicateEmails,
		r.reqErrors, r.resumed.Seconds(), r.stall.Seconds(), r.done.Seconds(), r.note)
}

// runFault issues a batch of n certificates (plus extra ones the fault itself requests),
// strikes with fault once a quarter is issued, and waits, bounded, for all of them.
// fault returns when the fault has ended: the time to recover is measured from there.
func (tp *topology) runFault(t *testing.T, name, tag string, n, extra int, fault func() time.Time) faultResult {
	t.Helper()
	p := tp.seedParty(tag)
	if tp.parties == nil {
		tp.parties = map[string]party{}
	}
	tp.parties[tag] = p
	errs0 := tp.api.failed.Load()
	start := time.Now()
	batchID := tp.submitBatch(p, 0, n)
	stopLoad := tp.readLoad(p, batchID)
	tp.waitIssued(t, p, n/4, 2*time.Minute, name+": a quarter issued before the fault")
	struck := time.Now()
	before := struck.Sub(start)
	fmt.Printf("%s: %d of %d issued after %v; striking\n", name, tp.issued(p), n, before.Round(100*time.Millisecond))
	healed := fault()
	// HR and the provider get the batch's digest, and one email per certificate issued on
	// its own during the fault.
	r := tp.awaitBatch(t, name, p, n+extra, 1+extra, struck, healed, 3*time.Minute)
	okReads, badReads := stopLoad()
	r.before = before
	r.reqErrors = tp.api.failed.Load() - errs0
	r.note = strings.TrimPrefix(r.note+"; ", "; ") + fmt.Sprintf("fault lasted %.1fs; reads ok %d, failed %d", healed.Sub(struck).Seconds(), okReads, badReads)
	return r
}

// awaitBatch waits until all n certificates of the party are complete and HR and the
// provider have their mails emails, then recounts after a pause (a late duplicate would
// show there) and holds them to exactly once.
func (tp *topology) awaitBatch(t *testing.T, name string, p party, n, mails int, struck, healed time.Time, limit time.Duration) faultResult {
	t.Helper()
	r := faultResult{name: name}
	last, lastChange, lastCheck := -1, time.Now(), time.Now()
	deadline := healed.Add(limit)
	for {
		c, err := tp.count(p, n)
		now := time.Now()
		if err == nil {
			if c.issued != last {
				if last >= 0 && r.resumed == 0 && now.After(healed) {
					r.resumed = now.Sub(healed)
				}
				if now.After(struck) && last >= 0 {
					r.stall = max(r.stall, now.Sub(lastChange))
				}
				last, lastChange = c.issued, now
			}
			if c.complete(n, mails) {
				break
			}
		}
		if now.After(deadline) {
			t.Fatalf("%s: not complete %v after the fault ended: %v (count error: %v)\n%s", name, limit, c, err, tp.failedCertificates(p))
		}
		// A failed Certificate workflow is never retried: the batch cannot complete. Say why
		// and go on with the next phase (the test has failed).
		if now.Sub(lastCheck) > 5*time.Second {
			lastCheck = now
			if failed := tp.failedCertificates(p); failed != "" {
				c, _ := tp.count(p, n)
				r.tally, r.done, r.note = c, time.Since(struck), "FAILED: Certificate workflows failed"
				t.Errorf("%s: not exactly once, certificate workflows failed: %v\n%s", name, c, failed)
				return r
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	r.done = time.Since(struck)
	if r.resumed == 0 {
		r.resumed = max(0, lastChange.Sub(healed))
	}
	time.Sleep(2 * time.Second)
	c, err := tp.count(p, n)
	if err != nil {
		t.Fatal(err)
	}
	r.tally = c
	if !c.exact(n, mails) {
		t.Errorf("%s: not exactly once for %d certificates: %v", name, n, c)
	}
	fmt.Printf("%s: %v; done %.1fs after the fault\n", name, c, r.done.Seconds())
	return r
}

func (tp *topology) issued(p party) int {
	c, _ := tp.count(p, 0)
	return c.issued
}

func (tp *topology) waitIssued(t *testing.T, p party, want int, limit time.Duration, what string) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for tp.issued(p) < want {
		if time.Now().After(deadline) {
			t.Fatalf("%s: only %d within %v\n%s", what, tp.issued(p), limit, tp.failedCertificates(p))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// failedCertificates describes the party's Certificate workflows that closed without
// completing, with the activity whose failure ended each: "" when there are none.
func (tp *topology) failedCertificates(p party) string {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := tp.tc.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
		Namespace: topologyNamespace, PageSize: 5,
		Query: fmt.Sprintf("WorkflowType = 'Certificate' AND ProfdevAgency = '%s' AND ExecutionStatus != 'Running' AND ExecutionStatus != 'Completed'", p.agency),
	})
	if err != nil {
		return "" // Temporal may be the piece that is down; the deadline still bounds the wait
	}
	if len(resp.Executions) == 0 {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Certificate workflows of %s closed without completing (first %d):\n", p.agency, len(resp.Executions))
	for _, e := range resp.Executions {
		fmt.Fprintf(&b, "  %s %s: %s\n", e.Execution.WorkflowId, e.Status, lastFailure(ctx, tp, e.Execution.WorkflowId))
	}
	return b.String()
}

// lastFailure names the last failed activity (local or not) in a history and its error.
func lastFailure(ctx context.Context, tp *topology, id string) string {
	out := "no failed activity in the history"
	it := tp.tc.GetWorkflowHistory(ctx, id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
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
		if a := ev.GetWorkflowExecutionFailedEventAttributes(); a != nil && out == "no failed activity in the history" {
			out = "workflow failed: " + a.Failure.GetMessage()
		}
	}
	return out
}

// checkWorkflowStarts holds Temporal to exactly once too: one Certificate workflow per
// certificate row. Workflows that failed (reported by their phase already) are set aside
// with the rows they wrote before failing.
func (tp *topology) checkWorkflowStarts(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var wfs int64
	var failed []string
	deadline := time.Now().Add(20 * time.Second) // visibility lags the history a little
	var rows, failedRows int64
	for {
		resp, err := tp.tc.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{Namespace: topologyNamespace, Query: "WorkflowType = 'Certificate'"})
		if err != nil {
			t.Fatal(err)
		}
		wfs, failed = resp.Count, nil
		var token []byte
		for {
			page, err := tp.tc.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Namespace: topologyNamespace, PageSize: 1000,
				NextPageToken: token, Query: "WorkflowType = 'Certificate' AND ExecutionStatus = 'Failed'"})
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range page.Executions {
				failed = append(failed, e.Execution.WorkflowId)
			}
			if token = page.NextPageToken; len(token) == 0 {
				break
			}
		}
		if err := tp.pool.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE workflow_id = ANY($1)) FROM certificates`, failed).Scan(&rows, &failedRows); err != nil {
			t.Fatal(err)
		}
		if wfs-int64(len(failed)) == rows-failedRows || time.Now().After(deadline) {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	fmt.Printf("Certificate workflows in Temporal: %d (%d failed, %d of them with a row), certificate rows in PostgreSQL: %d\n", wfs, len(failed), failedRows, rows)
	if wfs-int64(len(failed)) != rows-failedRows {
		t.Errorf("%d Certificate workflows that did not fail for %d certificate rows of theirs", wfs-int64(len(failed)), rows-failedRows)
	}
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}
