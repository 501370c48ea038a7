//go:build topology

package deploy

import (
	"context"
	"fmt"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/converter"
)

// upgradeChange is the GetVersion change ID of the upgradetest build
// (workflows/upgrade_step_upgradetest.go).
const upgradeChange = "upgradetest-noop-step"

// rollingUpgrade replaces the workers one by one with the upgradetest build while a batch
// runs; every certificate must finish exactly once, those that passed the changed point on
// the new build carry its version marker, those that passed it before do not, and every one
// of them replays on the new build (a stack-trace query makes a worker replay it).
func (tp *topology) rollingUpgrade(t *testing.T, n int) faultResult {
	t.Helper()
	name := "rolling upgrade of workers"
	r := tp.runFault(t, name, "upgrade", n, 0, func() time.Time {
		p := tp.parties["upgrade"]
		tp.workers[0].stop(20 * time.Second)
		tp.startWorker(0, tp.upgradeBin)
		fmt.Printf("%s: worker-1 runs the upgradetest build; %d issued\n", name, tp.issued(p))
		tp.waitIssued(t, p, n*3/5, 2*time.Minute, name+": three fifths issued with mixed workers")
		tp.workers[1].stop(20 * time.Second)
		tp.startWorker(1, tp.upgradeBin)
		fmt.Printf("%s: worker-2 runs the upgradetest build; %d issued\n", name, tp.issued(p))
		return time.Now()
	})

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	rows, err := tp.pool.Query(ctx, `SELECT workflow_id FROM certificates WHERE agency_id = $1 ORDER BY number`, tp.parties["upgrade"].agency)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	marked, unmarked, replayed := 0, 0, 0
	for _, id := range ids {
		if hasVersionMarker(ctx, t, tp, id) {
			marked++
		} else {
			unmarked++
		}
	}
	// Replay on the new build: the workers' caches were emptied by the restarts, so each
	// query is answered by replaying the whole history. A sample keeps it short.
	step := max(1, len(ids)/20)
	for i := 0; i < len(ids); i += step {
		if _, err := tp.tc.QueryWorkflow(ctx, ids[i], "", "__stack_trace"); err != nil {
			t.Errorf("%s does not replay on the upgradetest build: %v", ids[i], err)
			continue
		}
		replayed++
	}
	fmt.Printf("%s: %d certificates passed the changed step on the new build (version marker), %d before it; %d histories replayed on the new build\n",
		name, marked, unmarked, replayed)
	if marked == 0 || unmarked == 0 {
		t.Errorf("%s: %d certificates with the version marker and %d without; want both, or the upgrade was not rolling", name, marked, unmarked)
	}
	r.note += fmt.Sprintf("; new-build marker %d, old %d, replayed %d", marked, unmarked, replayed)
	return r
}

func hasVersionMarker(ctx context.Context, t *testing.T, tp *topology, id string) bool {
	it := tp.tc.GetWorkflowHistory(ctx, id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			t.Fatalf("history of %s: %v", id, err)
		}
		m := ev.GetMarkerRecordedEventAttributes()
		if m == nil || m.MarkerName != "Version" {
			continue
		}
		var change string
		if p, ok := m.Details["change-id"]; ok {
			_ = converter.GetDefaultDataConverter().FromPayloads(p, &change)
		}
		if change == upgradeChange {
			return true
		}
	}
	return false
}

// capacity issues ten times the daily peak of a large regional deployment in one batch
// (deploy/README.md, "Capacity": 60 certificates on its busiest day) and prints the rate
// reached, from which the federal figures are extrapolated.
func (tp *topology) capacity(t *testing.T) {
	t.Helper()
	n := envInt("TOPOLOGY_CAPACITY", 600)
	p := tp.seedParty("capacity")
	tp.parties["capacity"] = p
	start := time.Now()
	id := tp.submitBatch(p, 0, n)
	submitted := time.Since(start)
	stopLoad := tp.readLoad(p, id)
	r := tp.awaitBatch(t, "capacity", p, n, 1, start, start, 8*time.Minute)
	okReads, badReads := stopLoad()
	rate := float64(n) / r.done.Seconds()
	mails := r.tally.servantEmails + r.tally.hrEmails + r.tally.providerEmails
	fmt.Printf("\ncapacity: %d certificates (10x the large regional daily peak) issued, signed, stored, mailed to each servant"+
		" and in one digest to HR and the provider in %.1fs: %.2f certificates/s, %d emails (%.1f/s); batch accepted in %.2fs;"+
		" reads during the run ok %d, failed %d\n",
		n, r.done.Seconds(), rate, mails, float64(mails)/r.done.Seconds(), submitted.Seconds(), okReads, badReads)
	fmt.Printf("capacity: at this rate 10x the federal daily peak (19,200) takes %.0f min\n", 19200/rate/60)
	tp.actionsPerCertificate(t, p)
}

// actionsPerCertificate prints the history of one issued certificate by event type: the
// workflow starts and Temporal actions that the capacity figures in the README rest on.
func (tp *topology) actionsPerCertificate(t *testing.T, p party) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var id string
	if err := tp.pool.QueryRow(ctx, `SELECT workflow_id FROM certificates WHERE agency_id = $1 LIMIT 1`, p.agency).Scan(&id); err != nil {
		t.Fatal(err)
	}
	byType := map[string]int{}
	total := 0
	it := tp.tc.GetWorkflowHistory(ctx, id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		byType[ev.EventType.String()]++
		total++
	}
	fmt.Printf("history of one issued certificate (%s), %d events so far: %v\n", id, total, byType)
}
