package faulttest

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/profdev/profdev/internal/app"
)

// batchSize is the number of certificates each fault's batch issues (FAULTTEST_BATCH).
func batchSize() int {
	if v, err := strconv.Atoi(os.Getenv("FAULTTEST_BATCH")); err == nil && v > 0 {
		return v
	}
	return 40
}

// tally is what a batch left behind, counted where it landed: rows in profdev's PostgreSQL
// and messages on the SMTP server. An email is a recipient and a Message-ID; copies beyond
// the first are duplicates, except resends: copies of an email the relay had accepted just
// before the worker was killed, whose record as sent died with the worker (internal/notify
// says why no sender can close that window), resent under the same Message-ID.
type tally struct {
	certificates, issued, signatures        int
	duplicateRows                           int // certificates per servant beyond one
	servantEmails, hrEmails, providerEmails int // distinct emails to each party
	duplicateEmails                         int
	resentAfterKill                         int
	missingServants                         int      // servants without their email
	duplicated                              []string // what each duplicate was, for a failure
}

// resend says whether a copy of an email accepted at again, first accepted at first, is the
// killed worker's email resent by its replacement: first accepted in the moments before the
// kill or before the replacement polled (a message the killed worker wrote may be accepted
// a moment after it died), again after.
func (w *world) resend(first, again time.Time) bool {
	k := w.killed
	return !k.at.IsZero() && first.After(k.at.Add(-resendWindow)) && first.Before(k.replaced) && again.After(k.replaced)
}

// resendWindow is how long before the kill an email may have been accepted for its copy to
// count as a resend: only emails in flight when the worker died qualify.
const resendWindow = 2 * time.Second

func (w *world) count(n int) (tally, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var c tally
	err := w.store.Pool().QueryRow(ctx, `
		SELECT count(*), count(*) FILTER (WHERE status = 'issued'), count(*) - count(DISTINCT servant_id),
		       (SELECT count(*) FROM certificate_documents d JOIN certificates c2 ON c2.number = d.number
		         WHERE c2.agency_id = $1 AND d.seq = 0 AND d.signature IS NOT NULL)
		  FROM certificates WHERE agency_id = $1`, w.party.agency).
		Scan(&c.certificates, &c.issued, &c.duplicateRows, &c.signatures)
	if err != nil {
		return c, err
	}
	first := map[string]time.Time{}
	servants := map[string]bool{}
	for _, m := range w.smtp.Messages() {
		for _, to := range m.To {
			party := &c.servantEmails
			switch {
			case to == w.party.hrEmail:
				party = &c.hrEmails
			case to == w.party.providerEmail:
				party = &c.providerEmails
			case strings.HasSuffix(to, "@faults.gov.test"):
				servants[to] = true
			default:
				continue
			}
			key := to + "|" + m.Header.Get("Message-Id")
			at, seen := first[key]
			switch {
			case !seen:
				first[key] = m.Received
				*party++
			case w.resend(at, m.Received):
				c.resentAfterKill++
			default:
				c.duplicateEmails++
				c.duplicated = append(c.duplicated, fmt.Sprintf("%s first accepted %s, again %s", key,
					at.Format("15:04:05.000"), m.Received.Format("15:04:05.000")))
			}
		}
	}
	for i := range n {
		if !servants[w.party.servantEmail(i)] {
			c.missingServants++
		}
	}
	return c, nil
}

// digests is what HR and the provider receive for one batch of the world's one agency and
// provider: one digest email each, listing the batch's certificates (each servant gets their
// own email with the document).
const digests = 1

// complete says whether every one of n certificates is issued, signed and mailed to its
// servant, and the batch's digests have gone to HR and the provider.
func (c tally) complete(n int) bool {
	return c.issued >= n && c.signatures >= n && c.servantEmails >= n && c.hrEmails >= digests && c.providerEmails >= digests
}

// exact says whether everything happened exactly once.
func (c tally) exact(n int) bool {
	return c.certificates == n && c.issued == n && c.signatures == n && c.duplicateRows == 0 && c.servantEmails == n &&
		c.hrEmails == digests && c.providerEmails == digests && c.duplicateEmails == 0 && c.missingServants == 0
}

func (c tally) duplicates() int { return c.duplicateRows + c.duplicateEmails }

func (c tally) String() string {
	return fmt.Sprintf("certificates %d (issued %d), signatures %d, emails servant %d / hr %d / provider %d, duplicates: rows %d, emails %d, resent after the kill %d, servants without email %d",
		c.certificates, c.issued, c.signatures, c.servantEmails, c.hrEmails, c.providerEmails, c.duplicateRows, c.duplicateEmails,
		c.resentAfterKill, c.missingServants)
}

// submit issues a batch of n certificates through the application layer, as
// POST /certificates/batch does, and returns its ID.
func (w *world) submit(n int) string {
	w.t.Helper()
	entries := make([]app.BatchEntry, n)
	for i := range entries {
		entries[i].Request = w.party.request(i)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r, err := w.app.IssueBatch(ctx, w.ministry, entries)
	if err != nil {
		w.t.Fatalf("issue a batch of %d: %v", n, err)
	}
	if r.Accepted != n {
		w.t.Fatalf("batch accepted %d of %d: %+v", r.Accepted, n, r.Rejected)
	}
	return r.BatchID
}

// batchStatus is app.Service.Batch: GET /certificates/batches/{id}.
func (w *world) batchStatus(id string) (app.BatchStatus, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return w.app.Batch(ctx, w.ministry, id)
}

// result is what one fault's batch came to.
type result struct {
	fault            string
	n                int
	tally            tally
	status           app.BatchStatus
	closedBadly      int
	lasted, recovery time.Duration
}

func (r result) String() string {
	c := r.tally
	return fmt.Sprintf("FAULT %-26s n=%d issued=%d signed=%d emails servant=%d hr=%d provider=%d duplicates=%d resent_after_kill=%d failed_workflows=%d "+
		"batch issued=%d refused=%d waiting=%d complete=%v | fault lasted %.1fs, recovered %.1fs after it ended",
		r.fault, r.n, c.issued, c.signatures, c.servantEmails, c.hrEmails, c.providerEmails, c.duplicates(), c.resentAfterKill, r.closedBadly,
		r.status.Issued, r.status.Refused, r.status.Waiting, r.status.Complete, r.lasted.Seconds(), r.recovery.Seconds())
}

// runFault issues a batch of n, strikes with fault once a quarter is issued, and waits,
// bounded by limit after the fault's end, for every certificate, signature and email. fault
// returns when the fault is over. Then it holds the batch to exactly once.
func (w *world) runFault(t *testing.T, name string, n int, limit time.Duration, fault func() (healed time.Time)) result {
	t.Helper()
	began := time.Now()
	id := w.submit(n)
	w.waitIssued(t, id, n/4, 2*time.Minute)
	c, _ := w.count(n)
	struck := time.Now()
	t.Logf("%s: striking %.1fs after the batch began: %v", name, struck.Sub(began).Seconds(), c)
	healed := fault()
	r := result{fault: name, n: n, lasted: healed.Sub(struck)}
	if c, err := w.count(n); err == nil {
		t.Logf("%s: the fault ended after %.1fs: %v", name, r.lasted.Seconds(), c)
		if c.complete(n) {
			t.Errorf("%s: the batch was complete when the fault ended: the fault missed it", name)
		}
	}

	deadline := healed.Add(limit)
	lastCheck := time.Now()
	for {
		c, err := w.count(n)
		st, serr := w.batchStatus(id)
		if err == nil && serr == nil && c.complete(n) && st.Complete {
			r.recovery = time.Since(healed)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not complete %v after the fault ended: %v (count error: %v); batch %+v (error: %v)\n%s",
				name, limit, c, err, st, serr, w.diagnose(id))
		}
		if time.Since(lastCheck) > 5*time.Second {
			lastCheck = time.Now()
			if bad := w.closedWorkflows(); len(bad) > 0 {
				t.Fatalf("%s: workflows closed without completing: %s\n%s", name, strings.Join(bad, "; "), w.diagnose(id))
			}
		}
		time.Sleep(250 * time.Millisecond)
	}

	// A late duplicate would show after a pause.
	time.Sleep(2 * time.Second)
	var err error
	if r.tally, err = w.count(n); err != nil {
		t.Fatal(err)
	}
	if !r.tally.exact(n) {
		t.Errorf("%s: not exactly once for %d certificates: %v\n%s", name, n, r.tally, strings.Join(r.tally.duplicated, "\n"))
	}
	if r.status, err = w.batchStatus(id); err != nil {
		t.Fatal(err)
	}
	if st := r.status; !st.Complete || st.Accepted != n || st.Issued != n || st.Refused != 0 || st.Waiting != 0 || len(st.Unissued) != 0 {
		t.Errorf("%s: the batch's status does not account for every item as issued: %+v", name, st)
	}
	w.awaitBatchWorkflow(t, id)
	bad := w.closedWorkflows()
	r.closedBadly = len(bad)
	if len(bad) > 0 {
		t.Errorf("%s: workflows closed without completing: %s", name, strings.Join(bad, "; "))
	}
	fmt.Println(r)
	return r
}

// waitIssued waits until at least want certificates of the batch are issued.
func (w *world) waitIssued(t *testing.T, id string, want int, limit time.Duration) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		if c, err := w.count(0); err == nil && c.issued >= want {
			return
		}
		if time.Now().After(deadline) {
			c, err := w.count(0)
			t.Fatalf("fewer than %d issued within %v before any fault: %v (%v)\n%s", want, limit, c, err, w.diagnose(id))
		}
		time.Sleep(20 * time.Millisecond)
	}
}
