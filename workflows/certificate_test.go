package workflows_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"cloud.google.com/go/civil"
	"github.com/google/go-cmp/cmp"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/profdev/profdev/activities"
	"github.com/profdev/profdev/internal/calendar"
	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/internal/notify"
	"github.com/profdev/profdev/workflows"
)

// certificateEnv runs the certificate workflow with time skipping and the real calendar;
// storage, signing and mail are recorded instead of performed.
type certificateEnv struct {
	*testsuite.TestWorkflowEnvironment
	mu       sync.Mutex
	notices  []notice
	feedOnly []bool // by notice: sent to the feed only
	actions  []string
}

func newCertificateEnv(t *testing.T, start time.Time) *certificateEnv {
	t.Helper()
	var s testsuite.WorkflowTestSuite
	e := &certificateEnv{TestWorkflowEnvironment: s.NewTestWorkflowEnvironment()}
	e.SetStartTime(start)
	e.RegisterWorkflowWithOptions(workflows.Certificate, workflow.RegisterOptions{Name: workflows.CertificateWorkflowType})
	e.RegisterActivity(&activities.Calendar{Regions: calendar.NewRegions(calendar.Russia(), nil)})
	fake := &fakeCertificateStore{env: e}
	e.RegisterActivity(&activities.Certificates{Store: fake, Signer: fake, Notifier: fake})
	e.RegisterActivity(&activities.Notifications{Notifier: fake})
	return e
}

// fakeCertificateStore stands in for PostgreSQL, the signer and the mail server in these
// unit tests: the real activity code runs over it and it records what was stored and sent.
type fakeCertificateStore struct{ env *certificateEnv }

func (f *fakeCertificateStore) ProgrammeForCertificate(context.Context, string, string, string, int) (domain.Programme, error) {
	return domain.Programme{Code: "PK-1", Title: "Программа", Kind: domain.QualificationUpgrade, Hours: 72, Format: "blended", Price: 1000}, nil
}
func (f *fakeCertificateStore) GetCertificateParties(context.Context, string, string) (domain.CertificateParties, error) {
	return domain.CertificateParties{IssuerName: "Минтруд России", ProviderName: "Центр", ProviderEmail: "p@x.test"}, nil
}
func (f *fakeCertificateStore) RegisterCertificate(context.Context, domain.Certificate, domain.Event) error {
	return nil
}
func (f *fakeCertificateStore) SaveCertificate(_ context.Context, _ domain.Certificate, ev domain.Event) error {
	f.env.mu.Lock()
	defer f.env.mu.Unlock()
	f.env.actions = append(f.env.actions, ev.Action)
	return nil
}
func (f *fakeCertificateStore) SaveDocument(_ context.Context, d domain.Document) (domain.Document, error) {
	return d, nil
}
func (f *fakeCertificateStore) SaveSignature(_ context.Context, n string, seq int, der []byte, alg string, at time.Time) (domain.Document, error) {
	return domain.Document{Number: n, Seq: seq, SHA256: "abc", Signature: der, Algorithm: alg, SignedAt: &at}, nil
}
func (f *fakeCertificateStore) GetDocument(_ context.Context, n string, seq int) (domain.Document, error) {
	return domain.Document{Number: n, Seq: seq, PDF: []byte("%PDF"), SHA256: "abc"}, nil
}
func (f *fakeCertificateStore) SaveRating(context.Context, domain.Certificate, domain.Actor, domain.Rating, domain.Event) error {
	return nil
}
func (f *fakeCertificateStore) Sign(context.Context, []byte, time.Time) ([]byte, error) {
	return []byte{0x30}, nil
}
func (f *fakeCertificateStore) Algorithm() string { return "test" }
func (f *fakeCertificateStore) Notify(_ context.Context, r notify.Request) (notify.Result, error) {
	f.env.mu.Lock()
	defer f.env.mu.Unlock()
	f.env.notices = append(f.env.notices, notice{Step: r.Step, Audience: r.Audience.Key(), At: f.env.Now().In(workflows.Moscow)})
	f.env.feedOnly = append(f.env.feedOnly, r.FeedOnly)
	return notify.Result{}, nil
}

func (e *certificateEnv) at(step, audience string) []time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []time.Time
	for _, n := range e.notices {
		if n.Step == step && (audience == "" || n.Audience == audience) {
			out = append(out, n.At)
		}
	}
	return out
}

func certificateInput(startBy, endBy civil.Date) workflows.CertificateInput {
	req := domain.CertificateRequest{
		Servant: domain.Servant{ID: "servant-1", FullName: "И. И. Иванов", Email: "s@x.test", Position: "консультант"}, Agency: domain.AgencyRef{ID: "agency-1", Name: "A"},
		ProviderID: "provider-1", ProgrammeCode: "PK-1", Year: 2026, Hours: 72, Amount: 1000, StartBy: startBy, EndBy: endBy,
	}
	return workflows.NewCertificateInput(req, "MT-2026-000001", "mintrud", "RU", ministryUser, workflows.DefaultCertificateTerms, "http://x", "")
}

func (e *certificateEnv) result(t *testing.T) domain.Certificate {
	t.Helper()
	if !e.IsWorkflowCompleted() {
		t.Fatal("workflow did not complete")
	}
	if err := e.GetWorkflowError(); err != nil {
		t.Fatalf("workflow error: %v", err)
	}
	var c domain.Certificate
	if err := e.GetWorkflowResult(&c); err != nil {
		t.Fatal(err)
	}
	return c
}

var timeEq = cmp.Comparer(time.Time.Equal)

// TestCertificateLapsesWithoutEnrolment: start_by is Monday 11 May 2026, a day off after the
// Victory Day holiday. Three working days before it are 6, 7 and 8 May, so the reminder goes
// at 09:00 on Wednesday 6 May; with no enrolment the certificate lapses at the end of 11 May.
func TestCertificateLapsesWithoutEnrolment(t *testing.T) {
	e := newCertificateEnv(t, at(2026, 4, 20, 10, 0))
	e.ExecuteWorkflow(workflows.CertificateWorkflowType, certificateInput(civil.Date{Year: 2026, Month: 5, Day: 11}, civil.Date{Year: 2026, Month: 7, Day: 31}))
	c := e.result(t)
	if c.Status != domain.CertificateLapsed {
		t.Fatalf("status = %s, want lapsed", c.Status)
	}
	if diff := cmp.Diff([]time.Time{at(2026, 5, 6, 9, 0)}, e.at("enrolment_reminder", "role:provider:provider-1"), timeEq); diff != "" {
		t.Errorf("enrolment reminder mismatch (-want +got):\n%s", diff)
	}
	lapse := at(2026, 5, 12, 0, 0)
	if diff := cmp.Diff([]time.Time{lapse, lapse, lapse}, e.at("lapsed", ""), timeEq); diff != "" {
		t.Errorf("lapse notices (servant, HR, provider) mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"issued", "enrolment_reminder", "lapsed"}, e.actions); diff != "" {
		t.Errorf("steps mismatch (-want +got):\n%s", diff)
	}
}

// TestOutcomeEscalatesWhenLate: enrolled, end_by Friday 30 October 2026; the outcome is due 10
// working days later, Monday 16 November (4 November is a holiday); the provider is reminded
// two working days before (Thursday 12 November, 09:00) and the ministry is alerted at the end
// of 16 November, with the certificate flagged overdue until the outcome comes.
func TestOutcomeEscalatesWhenLate(t *testing.T) {
	e := newCertificateEnv(t, at(2026, 9, 1, 10, 0))
	provider := domain.Actor{Sub: "p", Role: domain.RoleProvider, Provider: "provider-1"}
	e.RegisterDelayedCallback(func() {
		e.UpdateWorkflow(workflows.UpdateEnrol, "enrol", &testsuite.TestUpdateCallback{OnReject: func(err error) { t.Errorf("enrol rejected: %v", err) }, OnComplete: func(any, error) {}},
			workflows.EnrolmentReport{Actor: provider, Enrolment: domain.Enrolment{EnrolledOn: civil.Date{Year: 2026, Month: 9, Day: 2}, StartedOn: civil.Date{Year: 2026, Month: 9, Day: 7}, OrderNumber: "1"}})
	}, 24*time.Hour)
	e.RegisterDelayedCallback(func() {
		e.UpdateWorkflow(workflows.UpdateReportOutcome, "outcome", &testsuite.TestUpdateCallback{OnReject: func(err error) { t.Errorf("outcome rejected: %v", err) }, OnComplete: func(any, error) {}},
			workflows.OutcomeReport{Actor: provider, Outcome: domain.Outcome{Outcome: domain.CertificateExpelled, FinishedOn: civil.Date{Year: 2026, Month: 10, Day: 1}}})
	}, at(2026, 11, 20, 12, 0).Sub(at(2026, 9, 1, 10, 0)))
	e.ExecuteWorkflow(workflows.CertificateWorkflowType, certificateInput(civil.Date{Year: 2026, Month: 9, Day: 15}, civil.Date{Year: 2026, Month: 10, Day: 30}))
	c := e.result(t)
	if c.OutcomeDue == nil || *c.OutcomeDue != (civil.Date{Year: 2026, Month: 11, Day: 16}) {
		t.Errorf("outcome_due = %v, want 2026-11-16", c.OutcomeDue)
	}
	if diff := cmp.Diff([]time.Time{at(2026, 11, 12, 9, 0)}, e.at("outcome_reminder", ""), timeEq); diff != "" {
		t.Errorf("outcome reminder mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]time.Time{at(2026, 11, 17, 0, 0)}, e.at("outcome_overdue", "role:ministry:mintrud"), timeEq); diff != "" {
		t.Errorf("escalation mismatch (-want +got):\n%s", diff)
	}
	if c.Status != domain.CertificateExpelled || c.Overdue {
		t.Errorf("final = %s overdue=%v, want expelled and no longer overdue", c.Status, c.Overdue)
	}
	if diff := cmp.Diff([]string{"issued", "enrolled", "outcome_reminder", "outcome_overdue", "outcome_reported", "survey_closed"}, e.actions); diff != "" {
		t.Errorf("steps mismatch (-want +got):\n%s", diff)
	}
}
