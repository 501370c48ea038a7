package workflows_test

import (
	"context"
	"fmt"
	"testing"

	"cloud.google.com/go/civil"
	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/workflow"

	"github.com/profdev/profdev/activities"
	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/workflows"
)

// TestBatchRefusesAnUnreadableItem: an item that numbering refuses (it cannot be read) is
// accounted for as refused with its reason and gets no certificate, and the item beside it
// is issued. Before, such an item failed its whole chunk for good and the batch stood still.
func TestBatchRefusesAnUnreadableItem(t *testing.T) {
	e := newFlakyCertificateEnv(t, at(2026, 4, 20, 10, 0), func(f *fakeCertificateStore) activities.CertificateStore { return f })
	e.RegisterWorkflowWithOptions(workflows.CertificateBatch, workflow.RegisterOptions{Name: workflows.CertificateBatchWorkflowType})
	e.RegisterActivity(&activities.Batches{})
	const reason = "the item cannot be read: unexpected end of JSON input"
	e.OnActivity("NumberBatchItems", mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.ChunkInput) ([]activities.NumberedItem, error) {
		if in.From > 0 {
			return nil, nil
		}
		r := domain.CertificateRequest{
			Servant: domain.Servant{ID: "servant-0", FullName: "И. И. Иванов", Email: "s@x.test", Position: "консультант"}, Agency: domain.AgencyRef{ID: "agency-1", Name: "A"},
			ProviderID: "provider-1", ProgrammeCode: "PK-1", Year: 2026, Hours: 72, Amount: 1000,
			StartBy: civil.Date{Year: 2026, Month: 5, Day: 11}, EndBy: civil.Date{Year: 2026, Month: 7, Day: 31},
		}
		return []activities.NumberedItem{{Index: 0, Number: "MT-2026-000001", Request: &r}, {Index: 1, Refused: reason}}, nil
	})
	e.ExecuteWorkflow(workflows.CertificateBatchWorkflowType, workflows.BatchInput{BatchID: "b1", Authority: "mintrud", Region: "RU",
		IssuedBy: ministryUser, Terms: workflows.DefaultCertificateTerms, PublicBaseURL: "http://x"})
	if !e.IsWorkflowCompleted() || e.GetWorkflowError() != nil {
		t.Fatalf("batch completed %v, error %v", e.IsWorkflowCompleted(), e.GetWorkflowError())
	}
	var started int
	if err := e.GetWorkflowResult(&started); err != nil || started != 1 {
		t.Errorf("the batch started %d certificates (%v), want 1", started, err)
	}
	end, err := batchReport(e)
	if err != nil {
		t.Fatal(err)
	}
	want := workflows.BatchReport{Done: true, Tally: workflows.BatchTally{Issued: 1, Refused: 1}, Items: []workflows.BatchItemOutcome{
		{Index: 0, Number: "MT-2026-000001", Status: workflows.BatchItemIssued},
		{Index: 1, Status: workflows.BatchItemRefused, Code: domain.CodeInvalid, Reason: reason},
	}}
	if diff := cmp.Diff(want, end); diff != "" {
		t.Errorf("batch report mismatch (-want +got):\n%s", diff)
	}
}

// TestBatchSendsOneDigestPerAudience: a batch of three certificates for two agencies of one
// provider tells each agency's HR and the provider once, in a digest, while each servant
// gets their own email with the document and the feed of HR and the provider keeps one
// entry per certificate (the certificates' notices to them go to the feed only).
func TestBatchSendsOneDigestPerAudience(t *testing.T) {
	e := newFlakyCertificateEnv(t, at(2026, 4, 20, 10, 0), func(f *fakeCertificateStore) activities.CertificateStore { return f })
	e.RegisterWorkflowWithOptions(workflows.CertificateBatch, workflow.RegisterOptions{Name: workflows.CertificateBatchWorkflowType})
	e.RegisterActivity(&activities.Batches{})
	item := func(i int, agency string) activities.NumberedItem {
		r := domain.CertificateRequest{
			Servant: domain.Servant{ID: fmt.Sprintf("servant-%d", i), FullName: "И. И. Иванов", Email: fmt.Sprintf("s%d@x.test", i), Position: "консультант"},
			Agency:  domain.AgencyRef{ID: agency, Name: "A"}, ProviderID: "provider-1", ProgrammeCode: "PK-1", Year: 2026, Hours: 72, Amount: 1000,
			StartBy: civil.Date{Year: 2026, Month: 5, Day: 11}, EndBy: civil.Date{Year: 2026, Month: 7, Day: 31},
		}
		return activities.NumberedItem{Index: i, Number: fmt.Sprintf("MT-2026-00000%d", i+1), Request: &r}
	}
	e.OnActivity("NumberBatchItems", mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.ChunkInput) ([]activities.NumberedItem, error) {
		if in.From > 0 {
			return nil, nil
		}
		return []activities.NumberedItem{item(0, "agency-1"), item(1, "agency-1"), item(2, "agency-2")}, nil
	})
	e.ExecuteWorkflow(workflows.CertificateBatchWorkflowType, workflows.BatchInput{BatchID: "b1", Authority: "mintrud", Region: "RU",
		IssuedBy: ministryUser, Terms: workflows.DefaultCertificateTerms, PublicBaseURL: "http://x"})
	if !e.IsWorkflowCompleted() || e.GetWorkflowError() != nil {
		t.Fatalf("batch completed %v, error %v", e.IsWorkflowCompleted(), e.GetWorkflowError())
	}
	emails, feedOnly := map[string]int{}, map[string]int{}
	e.mu.Lock()
	for i, n := range e.notices {
		if n.Step != "issued" && n.Step != "issued_digest_0" && n.Step != "settled" {
			continue // the certificates live on, to their lapse, in the test's skipped time
		}
		if e.feedOnly[i] {
			feedOnly[n.Step+" "+n.Audience]++
		} else {
			emails[n.Step+" "+n.Audience]++
		}
	}
	e.mu.Unlock()
	wantEmails := map[string]int{
		"issued role:servant:servant-0": 1, "issued role:servant:servant-1": 1, "issued role:servant:servant-2": 1,
		"issued_digest_0 role:hr:agency-1": 1, "issued_digest_0 role:hr:agency-2": 1, "issued_digest_0 role:provider:provider-1": 1,
		"settled user:" + ministryUser.Sub: 1,
	}
	wantFeed := map[string]int{"issued role:hr:agency-1": 2, "issued role:hr:agency-2": 1, "issued role:provider:provider-1": 3}
	if diff := cmp.Diff(wantEmails, emails); diff != "" {
		t.Errorf("notices with email (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantFeed, feedOnly); diff != "" {
		t.Errorf("feed-only notices (-want +got):\n%s", diff)
	}
}

// batchReport asks the batch of e what its items came to.
func batchReport(e *certificateEnv) (workflows.BatchReport, error) {
	var r workflows.BatchReport
	v, err := e.QueryWorkflow(workflows.QueryBatch)
	if err == nil {
		err = v.Get(&r)
	}
	return r, err
}
