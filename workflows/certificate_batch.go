package workflows

import (
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/profdev/profdev/activities"
	"github.com/profdev/profdev/internal/domain"
)

// Batch issuance: the accepted items of POST /certificates/batch wait in PostgreSQL; this
// workflow numbers them a chunk at a time and starts one certificate workflow each (as
// abandoned children: each certificate lives on its own). Retries and restarts resume
// where they stopped and issue nothing twice: numbers are claimed per item, and a
// certificate's workflow ID is its number.
//
// The batch takes no updates and keeps no clock; each certificate sends its own notices.

// CertificateBatchWorkflowType names the batch workflow.
const CertificateBatchWorkflowType = "CertificateBatch"

// CertificateBatchWorkflowID is the workflow ID of a batch.
func CertificateBatchWorkflowID(batchID string) string { return "certificate-batch-" + batchID }

// BatchInput describes a batch; From is where a continued run resumes.
type BatchInput struct {
	BatchID       string           `json:"batch_id"`
	Authority     string           `json:"authority"`
	Region        string           `json:"region"`
	IssuedBy      domain.Actor     `json:"issued_by"`
	Terms         CertificateTerms `json:"terms"`
	PublicBaseURL string           `json:"public_base_url"`
	From          int              `json:"from"`
}

const (
	batchChunk  = 100
	batchPerRun = 1000 // items per run before continuing as new, to keep history bounded
)

var batchActivities *activities.Batches

// CertificateBatch issues a batch.
func CertificateBatch(ctx workflow.Context, in BatchInput) (int, error) {
	ctx = withActivities(ctx)
	started := 0
	for {
		var items []activities.NumberedItem
		if err := workflow.ExecuteActivity(ctx, batchActivities.NumberBatchItems,
			activities.ChunkInput{BatchID: in.BatchID, Authority: in.Authority, From: in.From, Limit: batchChunk}).Get(ctx, &items); err != nil {
			return started, err
		}
		if len(items) == 0 {
			return started, nil
		}
		futures := make([]workflow.ChildWorkflowFuture, 0, len(items))
		for _, it := range items {
			cin := NewCertificateInput(it.Request, it.Number, in.Authority, in.Region, in.IssuedBy, in.Terms, in.PublicBaseURL, in.BatchID)
			futures = append(futures, workflow.ExecuteChildWorkflow(workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
				WorkflowID:            CertificateWorkflowID(it.Number),
				ParentClosePolicy:     enumspb.PARENT_CLOSE_POLICY_ABANDON,
				WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
				WorkflowRunTimeout:    0,
				TypedSearchAttributes: temporal.NewSearchAttributes(AttrProcess.ValueSet(ProcessCertificate),
					AttrAuthority.ValueSet(in.Authority), AttrAgency.ValueSet(it.Request.Agency.ID), AttrProvider.ValueSet(it.Request.ProviderID)),
			}), CertificateWorkflowType, cin))
		}
		for _, f := range futures {
			if err := f.GetChildWorkflowExecution().Get(ctx, nil); err != nil && !temporal.IsWorkflowExecutionAlreadyStartedError(err) {
				return started, err
			}
			started++
		}
		in.From = items[len(items)-1].Index + 1
		if started >= batchPerRun {
			return started, workflow.NewContinueAsNewError(ctx, CertificateBatchWorkflowType, in)
		}
	}
}
