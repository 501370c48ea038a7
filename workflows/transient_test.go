package workflows_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"cloud.google.com/go/civil"
	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/profdev/profdev/activities"
	"github.com/profdev/profdev/internal/calendar"
	"github.com/profdev/profdev/internal/domain"
	pworker "github.com/profdev/profdev/worker"
	"github.com/profdev/profdev/workflows"
)

// What an operator saw when PostgreSQL stopped for 20 seconds during a batch.
var errConnRefused = errors.New("dial tcp 127.0.0.1:5432: connect: connection refused")

// outage fails the first n calls of each named operation with a connection error, counting
// every call; a store, signer or calendar under test consults it.
type outage struct {
	mu    sync.Mutex
	n     int
	calls map[string]int
}

func newOutage(n int) *outage { return &outage{n: n, calls: map[string]int{}} }

func (o *outage) call(op string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.calls[op]++
	if o.calls[op] <= o.n {
		return errConnRefused
	}
	return nil
}

func (o *outage) count(op string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.calls[op]
}

// flakyCertificateStore is the certificate fake with an outage in front of the database
// calls of the issue (all local activities) and of the signer.
type flakyCertificateStore struct {
	*fakeCertificateStore
	down *outage
}

func (f *flakyCertificateStore) ProgrammeForCertificate(ctx context.Context, a, p, c string, y int) (domain.Programme, error) {
	if err := f.down.call("programme"); err != nil {
		return domain.Programme{}, err
	}
	return f.fakeCertificateStore.ProgrammeForCertificate(ctx, a, p, c, y)
}

func (f *flakyCertificateStore) Sign(ctx context.Context, doc []byte, at time.Time) ([]byte, error) {
	if err := f.down.call("sign"); err != nil {
		return nil, err
	}
	return f.fakeCertificateStore.Sign(ctx, doc, at)
}

func (f *flakyCertificateStore) SaveCertificate(ctx context.Context, c domain.Certificate, ev domain.Event) error {
	if err := f.down.call("save " + ev.Action); err != nil {
		return err
	}
	return f.fakeCertificateStore.SaveCertificate(ctx, c, ev)
}

// newFlakyCertificateEnv is newCertificateEnv with store failing n times at each step.
func newFlakyCertificateEnv(t *testing.T, start time.Time, store func(*fakeCertificateStore) activities.CertificateStore) *certificateEnv {
	t.Helper()
	var s testsuite.WorkflowTestSuite
	e := &certificateEnv{TestWorkflowEnvironment: s.NewTestWorkflowEnvironment()}
	// The product's workers classify activity errors in one interceptor; so does this one.
	e.SetWorkerOptions(sdkworker.Options{Interceptors: pworker.Interceptors()})
	e.SetStartTime(start)
	e.RegisterWorkflowWithOptions(workflows.Certificate, workflow.RegisterOptions{Name: workflows.CertificateWorkflowType})
	e.RegisterActivity(&activities.Calendar{Regions: calendar.NewRegions(calendar.Russia(), nil)})
	fake := &fakeCertificateStore{env: e}
	st := store(fake)
	signer, _ := st.(activities.DocumentSigner)
	if signer == nil {
		signer = fake
	}
	e.RegisterActivity(&activities.Certificates{Store: st, Signer: signer, Notifier: fake})
	e.RegisterActivity(&activities.Notifications{Notifier: fake})
	return e
}

// TestIssueOutlastsADatabaseOutage: preparing, signing and saving the certificate each fail
// five times with a connection error, more than the three local attempts; each step then
// runs as a regular activity, which retries until the database is back, and the certificate
// is issued (and, never enrolled, lapses in the end) instead of failing.
func TestIssueOutlastsADatabaseOutage(t *testing.T) {
	down := newOutage(5)
	e := newFlakyCertificateEnv(t, at(2026, 4, 20, 10, 0), func(f *fakeCertificateStore) activities.CertificateStore {
		return &flakyCertificateStore{fakeCertificateStore: f, down: down}
	})
	var answer error
	issued := false
	e.RegisterDelayedCallback(func() {
		e.UpdateWorkflow(workflows.UpdateCertificateIssued, "issued", &testsuite.TestUpdateCallback{
			OnReject: func(err error) { t.Errorf("issued rejected: %v", err) }, OnAccept: func() {},
			OnComplete: func(v any, err error) { answer, issued = err, v != nil },
		}, ministryUser)
	}, time.Second)
	e.ExecuteWorkflow(workflows.CertificateWorkflowType, certificateInput(civil.Date{Year: 2026, Month: 5, Day: 11}, civil.Date{Year: 2026, Month: 7, Day: 31}))
	c := e.result(t)
	if answer != nil || !issued {
		t.Errorf("issued update answered %v", answer)
	}
	if c.Status != domain.CertificateLapsed || c.IssuedAt == nil {
		t.Errorf("status %s issued_at %v: want issued, then lapsed", c.Status, c.IssuedAt)
	}
	for _, op := range []string{"programme", "sign", "save issued"} {
		if n := down.count(op); n != 6 {
			t.Errorf("%s called %d times, want 6 (3 local attempts, then 3 regular ones)", op, n)
		}
	}
	if diff := cmp.Diff([]string{"issued", "enrolment_reminder", "lapsed"}, e.actions); diff != "" {
		t.Errorf("steps mismatch (-want +got):\n%s", diff)
	}
}

// missingProgrammeStore refuses the request as the registry does: the programme is not there.
type missingProgrammeStore struct {
	*fakeCertificateStore
	calls int
}

func (f *missingProgrammeStore) ProgrammeForCertificate(context.Context, string, string, string, int) (domain.Programme, error) {
	f.calls++
	return domain.Programme{}, domain.NotFound("programme PK-1 of provider-1 for 2026")
}

// TestMissingProgrammeRefusesTheCertificate: a not_found no retry can fix is tried once,
// and the certificate ends refused with its reason; the workflow completes, it does not fail.
func TestMissingProgrammeRefusesTheCertificate(t *testing.T) {
	var store *missingProgrammeStore
	e := newFlakyCertificateEnv(t, at(2026, 4, 20, 10, 0), func(f *fakeCertificateStore) activities.CertificateStore {
		store = &missingProgrammeStore{fakeCertificateStore: f}
		return store
	})
	var answer error
	e.RegisterDelayedCallback(func() {
		e.UpdateWorkflow(workflows.UpdateCertificateIssued, "issued", &testsuite.TestUpdateCallback{
			OnReject: func(err error) { t.Errorf("issued rejected: %v", err) }, OnAccept: func() {},
			OnComplete: func(_ any, err error) { answer = err },
		}, ministryUser)
	}, 0)
	e.ExecuteWorkflow(workflows.CertificateWorkflowType, certificateInput(civil.Date{Year: 2026, Month: 5, Day: 11}, civil.Date{Year: 2026, Month: 7, Day: 31}))
	c := e.result(t)
	var appErr *temporal.ApplicationError
	if !errors.As(answer, &appErr) || appErr.Type() != string(domain.CodeNotFound) {
		t.Fatalf("issued update answered %v, want the not_found refusal", answer)
	}
	if c.Status != domain.CertificateIssuing || c.IssuedAt != nil || len(e.actions) != 0 {
		t.Errorf("refused certificate: status %s issued_at %v steps %v", c.Status, c.IssuedAt, e.actions)
	}
	if store.calls != 1 {
		t.Errorf("the registry was asked %d times, want once", store.calls)
	}
}

// TestCalendarOutageDelaysTheReviewOnly: the calendar local activity fails five times (a
// worker overloaded past its timeout) before the admission's first deadline is computed; the
// deadline is computed by the regular activity and the application goes on to its decision.
func TestCalendarOutageDelaysTheReviewOnly(t *testing.T) {
	down := newOutage(5)
	real := &activities.Calendar{Regions: calendar.NewRegions(calendar.Russia(), nil)}
	e := newAdmissionEnvWith(t, at(2026, 4, 30, 10, 0), func(e *admissionEnv) {
		e.RegisterActivityWithOptions(func(ctx context.Context, in activities.WorkingDaysInput) (activities.WorkingDaysResult, error) {
			if err := down.call("calendar"); err != nil {
				return activities.WorkingDaysResult{}, err
			}
			return real.AddWorkingDays(ctx, in)
		}, activity.RegisterOptions{Name: "AddWorkingDays"})
	})
	e.decideAt(t, at(2026, 5, 8, 11, 0), workflows.ApplicationDecision{Actor: ministryUser, Decision: workflows.DecisionReject, Reasons: []string{"не соответствует"}})
	e.ExecuteWorkflow(workflows.AdmissionWorkflowType, admissionInput())
	app := e.result(t)
	if app.ReviewDue == nil || *app.ReviewDue != (civil.Date{Year: 2026, Month: 5, Day: 6}) {
		t.Errorf("review_due = %v, want 2026-05-06", app.ReviewDue)
	}
	if app.Status != domain.ApplicationRejected {
		t.Errorf("status %s, want rejected", app.Status)
	}
	if n := down.count("calendar"); n < 6 {
		t.Errorf("the calendar was asked %d times, want at least 6: five failures, then the deadlines", n)
	}
}

// batchStore refuses one programme for good and lets the other through after an outage.
type batchStore struct {
	*fakeCertificateStore
	down *outage
}

func (f *batchStore) ProgrammeForCertificate(ctx context.Context, a, p, code string, y int) (domain.Programme, error) {
	if code == "PK-GONE" {
		return domain.Programme{}, domain.NotFound("programme PK-GONE of provider-1 for 2026")
	}
	if err := f.down.call("programme"); err != nil {
		return domain.Programme{}, err
	}
	return f.fakeCertificateStore.ProgrammeForCertificate(ctx, a, p, code, y)
}

// TestBatchAccountsForEveryItem: of a batch's two items, one waits out a database outage
// (ten failures: its certificate's issue retries for minutes) and one is refused for good.
// While the first is waiting the batch says so and does not finish; it ends with one issued
// and one refused with its reason, and tells the issuer.
func TestBatchAccountsForEveryItem(t *testing.T) {
	down := newOutage(10)
	e := newFlakyCertificateEnv(t, at(2026, 4, 20, 10, 0), func(f *fakeCertificateStore) activities.CertificateStore {
		return &batchStore{fakeCertificateStore: f, down: down}
	})
	e.RegisterWorkflowWithOptions(workflows.CertificateBatch, workflow.RegisterOptions{Name: workflows.CertificateBatchWorkflowType})
	e.RegisterActivity(&activities.Batches{})
	var refusals []activities.BatchRefusal
	e.OnActivity("RefuseBatchItem", mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.BatchRefusal) error {
		refusals = append(refusals, in)
		return nil
	})
	defer func() {
		if len(refusals) != 1 || refusals[0].Number != "MT-2026-000002" || refusals[0].Reason == "" {
			t.Errorf("refusals recorded against the batch = %+v, want the refused item's, with its reason", refusals)
		}
	}()
	item := func(i int, code string) activities.NumberedItem {
		r := domain.CertificateRequest{
			Servant: domain.Servant{ID: fmt.Sprintf("servant-%d", i), FullName: "И. И. Иванов", Email: "s@x.test", Position: "консультант"}, Agency: domain.AgencyRef{ID: "agency-1", Name: "A"},
			ProviderID: "provider-1", ProgrammeCode: code, Year: 2026, Hours: 72, Amount: 1000,
			StartBy: civil.Date{Year: 2026, Month: 5, Day: 11}, EndBy: civil.Date{Year: 2026, Month: 7, Day: 31},
		}
		return activities.NumberedItem{Index: i, Number: fmt.Sprintf("MT-2026-00000%d", i+1), Request: &r}
	}
	e.OnActivity("NumberBatchItems", mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.ChunkInput) ([]activities.NumberedItem, error) {
		if in.From > 0 {
			return nil, nil
		}
		return []activities.NumberedItem{item(0, "PK-1"), item(1, "PK-GONE")}, nil
	})
	var during workflows.BatchReport
	e.RegisterDelayedCallback(func() {
		var err error
		if during, err = batchReport(e); err != nil {
			t.Errorf("query during the outage: %v", err)
		}
	}, 30*time.Second)
	e.ExecuteWorkflow(workflows.CertificateBatchWorkflowType, workflows.BatchInput{BatchID: "b1", Authority: "mintrud", Region: "RU",
		IssuedBy: ministryUser, Terms: workflows.DefaultCertificateTerms, PublicBaseURL: "http://x"})
	if !e.IsWorkflowCompleted() || e.GetWorkflowError() != nil {
		t.Fatalf("batch completed %v, error %v", e.IsWorkflowCompleted(), e.GetWorkflowError())
	}
	wantDuring := workflows.BatchTally{Issued: 0, Refused: 1, Waiting: 1}
	if diff := cmp.Diff(wantDuring, during.Tally); diff != "" || during.Done {
		t.Errorf("tally during the outage mismatch (-want +got):\n%s (done %v)", diff, during.Done)
	}
	end, err := batchReport(e)
	if err != nil {
		t.Fatal(err)
	}
	want := workflows.BatchReport{Done: true, Tally: workflows.BatchTally{Issued: 1, Refused: 1}, Items: []workflows.BatchItemOutcome{
		{Index: 0, Number: "MT-2026-000001", Status: workflows.BatchItemIssued},
		{Index: 1, Number: "MT-2026-000002", Status: workflows.BatchItemRefused, Code: domain.CodeNotFound, Reason: "programme PK-GONE of provider-1 for 2026 not found"},
	}}
	if diff := cmp.Diff(want, end); diff != "" {
		t.Errorf("batch report mismatch (-want +got):\n%s", diff)
	}
	if n := len(e.at("settled", "user:m1")); n != 1 {
		t.Errorf("the issuer was told %d times that the batch is done, want once", n)
	}
}
