package workflows_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"cloud.google.com/go/civil"
	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/workflow"

	"github.com/profdev/profdev/activities"
	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/workflows"
)

// settlements is batch storage as PostgreSQL would answer a batch born at level 2: the
// certificates whose issued step is saved (issue), the refusals recorded, and the settlement
// of a run's items, numbered by number. Numbering itself is not kept (NumberBatchItems is
// the tests' own).
type settlements struct {
	activities.BatchStore
	number  func(index int) string
	mu      sync.Mutex
	issued  map[string]bool
	refused map[string]activities.BatchRefusal
	reads   int
}

func newSettlements(number func(int) string) *settlements {
	return &settlements{number: number, issued: map[string]bool{}, refused: map[string]activities.BatchRefusal{}}
}

// issue records a certificate's saved step; only the issued step settles it.
func (s *settlements) issue(number, action string) {
	if action == "issued" {
		s.mu.Lock()
		s.issued[number] = true
		s.mu.Unlock()
	}
}

func (s *settlements) RefuseBatchItem(_ context.Context, batchID, number string, code domain.Code, reason string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refused[number] = activities.BatchRefusal{BatchID: batchID, Number: number, Code: code, Reason: reason}
	return nil
}

func (s *settlements) SettledBatchItems(_ context.Context, _ string, indexes []int) ([]domain.SettledBatchItem, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reads++
	var out []domain.SettledBatchItem
	for _, i := range indexes {
		n := s.number(i)
		if r, ok := s.refused[n]; ok {
			out = append(out, domain.SettledBatchItem{Index: i, Number: n, Refused: true, Code: r.Code, Reason: r.Reason})
		} else if s.issued[n] {
			out = append(out, domain.SettledBatchItem{Index: i, Number: n})
		}
	}
	return out, nil
}

// settlementStore is the certificate fake of a batch's test, telling settlements of each
// step it saves.
type settlementStore struct {
	*batchStore
	settled *settlements
}

func (f *settlementStore) SaveCertificate(ctx context.Context, c domain.Certificate, ev domain.Event) error {
	f.settled.issue(c.Number, ev.Action)
	return f.batchStore.SaveCertificate(ctx, c, ev)
}

func batchItemNumber(i int) string { return fmt.Sprintf("MT-2026-%06d", i+1) }

func batchItem(i int, code string) activities.NumberedItem {
	r := domain.CertificateRequest{
		Servant: domain.Servant{ID: fmt.Sprintf("servant-%d", i), FullName: "И. И. Иванов", Email: "s@x.test", Position: "консультант"}, Agency: domain.AgencyRef{ID: "agency-1", Name: "A"},
		ProviderID: "provider-1", ProgrammeCode: code, Year: 2026, Hours: 72, Amount: 1000,
		StartBy: civil.Date{Year: 2026, Month: 5, Day: 11}, EndBy: civil.Date{Year: 2026, Month: 7, Day: 31},
	}
	return activities.NumberedItem{Index: i, Number: batchItemNumber(i), Request: &r}
}

// TestBornBatchReadsItsSettlement: a batch born at this build's level learns what happened
// to its items only by reading it (it listens to no signal, and its certificates send none).
// Of two items, one waits out a database outage of about nine minutes and one is refused for good;
// while the first waits the batch says so, reading less often the longer nothing changes; it
// ends with one issued and one refused with its code and reason, and tells the issuer once.
func TestBornBatchReadsItsSettlement(t *testing.T) {
	down := newOutage(12)
	settled := newSettlements(batchItemNumber)
	e := newFlakyCertificateEnv(t, at(2026, 4, 20, 10, 0), func(f *fakeCertificateStore) activities.CertificateStore {
		return &settlementStore{batchStore: &batchStore{fakeCertificateStore: f, down: down}, settled: settled}
	})
	e.RegisterWorkflowWithOptions(workflows.CertificateBatch, workflow.RegisterOptions{Name: workflows.CertificateBatchWorkflowType})
	e.RegisterActivity(&activities.Batches{Store: settled})
	e.OnActivity("NumberBatchItems", mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.ChunkInput) ([]activities.NumberedItem, error) {
		if in.From > 0 {
			return nil, nil
		}
		return []activities.NumberedItem{batchItem(0, "PK-1"), batchItem(1, "PK-GONE")}, nil
	})
	var during workflows.BatchReport
	var readsDuring int
	e.RegisterDelayedCallback(func() {
		var err error
		if during, err = batchReport(e); err != nil {
			t.Errorf("query during the outage: %v", err)
		}
		settled.mu.Lock()
		readsDuring = settled.reads
		settled.mu.Unlock()
	}, 5*time.Minute)
	e.ExecuteWorkflow(workflows.CertificateBatchWorkflowType, workflows.BatchInput{BatchID: "b1", Authority: "mintrud", Region: "RU",
		IssuedBy: ministryUser, Terms: workflows.DefaultCertificateTerms, PublicBaseURL: "http://x", Born: workflows.BornNow})
	if !e.IsWorkflowCompleted() || e.GetWorkflowError() != nil {
		t.Fatalf("batch completed %v, error %v", e.IsWorkflowCompleted(), e.GetWorkflowError())
	}
	// The outage lasts twelve attempts of one item's issue, about nine minutes; in its first
	// five the batch has read about ten times, not once a second.
	if diff := cmp.Diff(workflows.BatchTally{Issued: 0, Refused: 1, Waiting: 1}, during.Tally); diff != "" || during.Done {
		t.Errorf("tally during the outage mismatch (-want +got):\n%s (done %v)", diff, during.Done)
	}
	if readsDuring < 3 || readsDuring > 15 {
		t.Errorf("the batch read its settlement %d times in five minutes, want a few (waiting longer while nothing changes)", readsDuring)
	}
	end, err := batchReport(e)
	if err != nil {
		t.Fatal(err)
	}
	want := workflows.BatchReport{Done: true, Tally: workflows.BatchTally{Issued: 1, Refused: 1}, Items: []workflows.BatchItemOutcome{
		{Index: 0, Number: batchItemNumber(0), Status: workflows.BatchItemIssued},
		{Index: 1, Number: batchItemNumber(1), Status: workflows.BatchItemRefused, Code: domain.CodeNotFound, Reason: "programme PK-GONE of provider-1 for 2026 not found"},
	}}
	if diff := cmp.Diff(want, end); diff != "" {
		t.Errorf("batch report mismatch (-want +got):\n%s", diff)
	}
	if n := len(e.at("settled", "user:m1")); n != 1 {
		t.Errorf("the issuer was told %d times that the batch is done, want once", n)
	}
}
