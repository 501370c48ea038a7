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
// From version 1 the batch also accounts for every item: each certificate reports to it once
// it is issued or refused (or, born at level 2, the batch reads that from PostgreSQL), and a
// run ends (completes, or continues as new) only once every item it started is accounted
// for; an item whose certificate is still being issued (say, waiting for the database) keeps
// it waiting. certificate_batch_steps.go holds the signals
// and the query through which it learns and tells each item's state, and
// certificate_batch_notices.go what the issuer is told at the end. The batch keeps no clock.

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
	// Tally counts what earlier runs accounted for; nil in the first run.
	Tally *BatchTally `json:"tally,omitempty"`
	// Born is the level of changes the batch was started at (born.go); 0 before levels
	// existed. A run continued as new keeps it.
	Born BornLevel `json:"born,omitempty"`
}

// BatchTally counts a batch's items by what happened to them.
type BatchTally struct {
	Issued  int `json:"issued"`
	Refused int `json:"refused"`
	Waiting int `json:"waiting"`
}

// What happened to a batch item.
const (
	BatchItemWaiting = "waiting" // its certificate is started, not yet issued or refused
	BatchItemIssued  = "issued"
	BatchItemRefused = "refused" // with the code and reason of the refusal
)

// BatchItemOutcome is one item of a batch's current run and what happened to it.
type BatchItemOutcome struct {
	Index  int         `json:"index"`
	Number string      `json:"number"`
	Status string      `json:"status"`
	Code   domain.Code `json:"code,omitempty"`
	Reason string      `json:"reason,omitempty"`
}

// BatchReport is what the batch query answers: the current run's items and the tally of the
// whole batch so far.
type BatchReport struct {
	Items []BatchItemOutcome `json:"items"`
	Tally BatchTally         `json:"tally"`
	Done  bool               `json:"done"` // every item of the batch is issued or refused
}

const (
	batchChunk  = 100
	batchPerRun = 1000 // items per run before continuing as new, to keep history bounded
)

var batchActivities *activities.Batches

// CertificateBatch issues a batch and returns the number of certificates it started.
func CertificateBatch(ctx workflow.Context, in BatchInput) (int, error) {
	ctx = withActivities(ctx)
	// Version 1 waits for every item to be issued or refused, and reports each; before it,
	// the batch completed once its certificates had started, and a certificate that then
	// failed was accounted for nowhere. Runs started before keep that path on replay.
	if changeVersion(ctx, in.Born, "batch-accounts-items", 1) == workflow.DefaultVersion {
		return startBatch(ctx, in)
	}
	w := &batch{in: in, notes: newNotifier(ctx), runFrom: in.From, ofItem: map[string]digestItem{}}
	if in.Tally != nil {
		w.before = *in.Tally
	}
	// Born at level 2, the batch reads which items are settled from PostgreSQL, on a timer,
	// and its certificates do not signal it (certificate_batch_steps.go).
	w.reads = changeVersion(ctx, in.Born, "batch-reads-settlement", 1) == 1
	if err := w.registerHandlers(ctx); err != nil {
		return 0, err
	}
	// Version 1 tells HR and the provider of the run's certificates in one email each once
	// they are all issued or refused (the certificates' own notices to them go to the feed
	// only); runs started before keep one email per certificate.
	w.digest = changeVersion(ctx, in.Born, "batch-digest", 1) == 1
	started, more := 0, false
	for !more {
		var items []activities.NumberedItem
		if err := workflow.ExecuteActivity(ctx, batchActivities.NumberBatchItems,
			activities.ChunkInput{BatchID: in.BatchID, Authority: in.Authority, From: w.in.From, Limit: batchChunk}).Get(ctx, &items); err != nil {
			return started, ownStep(ctx, "numbering the items", err)
		}
		if len(items) == 0 {
			break
		}
		// The items are known before their certificates start, so that no report finds an
		// item it does not know. An item refused at numbering (it cannot be read) is
		// accounted for at once and gets no certificate; no recorded history has one, since
		// such an item used to fail the whole chunk, so the commands of running batches stay
		// as they were.
		for _, it := range items {
			o := BatchItemOutcome{Index: it.Index, Number: it.Number, Status: BatchItemWaiting}
			if it.Refused != "" {
				o.Status, o.Code, o.Reason = BatchItemRefused, domain.CodeInvalid, it.Refused
			} else if it.Request != nil {
				w.ofItem[it.Number] = digestItem{Agency: it.Request.Agency.ID, Provider: it.Request.ProviderID,
					Servant: it.Request.Servant.ID, Programme: it.Request.ProgrammeCode, StartBy: it.Request.StartBy}
			}
			w.items = append(w.items, o)
		}
		numbered := toIssue(items)
		futures := w.startChunk(ctx, numbered)
		for i, f := range futures {
			err := f.GetChildWorkflowExecution().Get(ctx, nil)
			if temporal.IsWorkflowExecutionAlreadyStartedError(err) {
				// Started by an earlier attempt, which it may have reported to: ask again (a
				// batch that reads its settlement finds it in PostgreSQL instead).
				if !w.reads {
					w.askAgain(ctx, numbered[i].Number)
				}
			} else if err != nil {
				return started, ownStep(ctx, "starting certificate "+numbered[i].Number, err)
			}
			started++
		}
		w.in.From = items[len(items)-1].Index + 1
		more = started >= batchPerRun
	}
	if err := w.awaitSettlement(ctx); err != nil {
		return started, err
	}
	if w.digest {
		for _, r := range w.digestNotices() {
			w.notes.send(ctx, r)
		}
	}
	if more {
		w.notes.wait(ctx)
		next, tally := w.in, w.total()
		next.Tally = &tally
		return started, workflow.NewContinueAsNewError(ctx, CertificateBatchWorkflowType, next)
	}
	w.done = true
	w.notes.send(ctx, w.settledNotice())
	w.notes.wait(ctx)
	return started, nil
}

// batch is a run of a batch issuance.
type batch struct {
	in     BatchInput
	before BatchTally // accounted for by earlier runs
	items  []BatchItemOutcome
	done   bool
	notes  *notifier
	// digest: this run's HR and providers get one email each for its certificates;
	// runFrom is where the run began (it names the run's digests), ofItem what a digest
	// says of each certificate.
	digest  bool
	runFrom int
	ofItem  map[string]digestItem
	// reads: the batch reads its items' settlement instead of being signalled.
	reads bool
}

// toIssue are the items that get a certificate: all but those refused at numbering.
func toIssue(items []activities.NumberedItem) []activities.NumberedItem {
	out := make([]activities.NumberedItem, 0, len(items))
	for _, it := range items {
		if it.Refused == "" && it.Request != nil {
			out = append(out, it)
		}
	}
	return out
}

// startChunk starts one certificate workflow per item, as abandoned children.
func (w *batch) startChunk(ctx workflow.Context, items []activities.NumberedItem) []workflow.ChildWorkflowFuture {
	futures := make([]workflow.ChildWorkflowFuture, 0, len(items))
	for _, it := range items {
		futures = append(futures, w.startCertificate(ctx, it))
	}
	return futures
}

func (w *batch) startCertificate(ctx workflow.Context, it activities.NumberedItem) workflow.ChildWorkflowFuture {
	in := w.in
	cin := NewCertificateInput(*it.Request, it.Number, in.Authority, in.Region, in.IssuedBy, in.Terms, in.PublicBaseURL, in.BatchID)
	cin.Digest = w.digest
	// A batch's certificates are born at the batch's level, not this build's: how an item
	// reports to its batch is one of the changes a level fixes, so both sides must agree.
	cin.Born = in.Born
	return workflow.ExecuteChildWorkflow(workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		WorkflowID:            CertificateWorkflowID(it.Number),
		ParentClosePolicy:     enumspb.PARENT_CLOSE_POLICY_ABANDON,
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowRunTimeout:    0,
		TypedSearchAttributes: temporal.NewSearchAttributes(AttrProcess.ValueSet(ProcessCertificate),
			AttrAuthority.ValueSet(in.Authority), AttrAgency.ValueSet(it.Request.Agency.ID), AttrProvider.ValueSet(it.Request.ProviderID)),
	}), CertificateWorkflowType, cin)
}

// tally counts this run's items.
func (w *batch) tally() BatchTally {
	var t BatchTally
	for _, it := range w.items {
		switch it.Status {
		case BatchItemIssued:
			t.Issued++
		case BatchItemRefused:
			t.Refused++
		default:
			t.Waiting++
		}
	}
	return t
}

// total counts the batch's items so far, earlier runs included.
func (w *batch) total() BatchTally {
	t := w.tally()
	t.Issued += w.before.Issued
	t.Refused += w.before.Refused
	return t
}

// startBatch is the batch before version 1: it starts the certificates and completes.
func startBatch(ctx workflow.Context, in BatchInput) (int, error) {
	started := 0
	for {
		var items []activities.NumberedItem
		if err := workflow.ExecuteActivity(ctx, batchActivities.NumberBatchItems,
			activities.ChunkInput{BatchID: in.BatchID, Authority: in.Authority, From: in.From, Limit: batchChunk}).Get(ctx, &items); err != nil {
			return started, ownStep(ctx, "numbering the items", err)
		}
		if len(items) == 0 {
			return started, nil
		}
		w := &batch{in: in}
		futures := w.startChunk(ctx, toIssue(items))
		for _, f := range futures {
			if err := f.GetChildWorkflowExecution().Get(ctx, nil); err != nil && !temporal.IsWorkflowExecutionAlreadyStartedError(err) {
				return started, ownStep(ctx, "starting a certificate", err)
			}
			started++
		}
		in.From = items[len(items)-1].Index + 1
		if started >= batchPerRun {
			return started, workflow.NewContinueAsNewError(ctx, CertificateBatchWorkflowType, in)
		}
	}
}
