package workflows

import (
	"slices"
	"sort"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/profdev/profdev/activities"
	"github.com/profdev/profdev/internal/domain"
)

// How often a batch born at level 2 reads its settlement (see above).
const (
	settlementFirstRead = time.Second
	settlementMaxRead   = 10 * time.Minute
)

// How a batch learns and tells what happened to its items: each certificate of the batch
// signals it once issued or refused (SignalCertificateSettled); a certificate that an
// earlier attempt of the batch had started is asked to signal again
// (SignalReportSettlement); the batch query answers with every item of the current run.
//
// A batch born at level 2 (born.go) reads instead, on a timer, which of its run's items are
// settled: the certificate's issued step and a refusal are in PostgreSQL before a
// certificate would have signalled, so the batch learns the same, without a signal, a
// workflow task of its own or one of the certificate's per item. It reads at once, then
// after settlementFirstRead, waiting twice as long each time nothing changed, up to
// settlementMaxRead (an item held up for a day by an outage costs the batch about 900
// history events), and the first wait again once something did.

// Names of the batch's signals and query.
const (
	SignalCertificateSettled = "certificate_settled"
	SignalReportSettlement   = "report_settlement"
	QueryBatch               = "batch"
)

// CertificateSettled is what a certificate of a batch reports: issued, or refused with the
// code and reason of the refusal.
type CertificateSettled struct {
	Number string      `json:"number"`
	Issued bool        `json:"issued"`
	Code   domain.Code `json:"code,omitempty"`
	Reason string      `json:"reason,omitempty"`
}

func (w *batch) registerHandlers(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, QueryBatch, func() (BatchReport, error) {
		return BatchReport{Items: w.items, Tally: w.total(), Done: w.done}, nil
	}); err != nil {
		return err
	}
	if w.reads {
		return nil
	}
	reports := workflow.GetSignalChannel(ctx, SignalCertificateSettled)
	workflow.Go(ctx, func(ctx workflow.Context) {
		for {
			var s CertificateSettled
			reports.Receive(ctx, &s)
			w.settle(s)
		}
	})
	return nil
}

// settle records a certificate's report; a repeated one, or one of another run's item,
// changes nothing.
func (w *batch) settle(s CertificateSettled) {
	i := slices.IndexFunc(w.items, func(it BatchItemOutcome) bool { return it.Number == s.Number })
	if i < 0 || w.items[i].Status != BatchItemWaiting {
		return
	}
	if s.Issued {
		w.items[i].Status = BatchItemIssued
		return
	}
	w.items[i].Status, w.items[i].Code, w.items[i].Reason = BatchItemRefused, s.Code, s.Reason
}

// askAgain asks an item's certificate to report again.
func (w *batch) askAgain(ctx workflow.Context, number string) {
	if err := workflow.SignalExternalWorkflow(ctx, CertificateWorkflowID(number), "", SignalReportSettlement, nil).Get(ctx, nil); err != nil {
		workflow.GetLogger(ctx).Error("certificate not asked to report", "number", number, "error", err)
	}
}

// awaitSettlement waits until every item of the run is issued or refused: signalled by the
// certificates, or read from PostgreSQL by a batch that reads (see above).
func (w *batch) awaitSettlement(ctx workflow.Context) error {
	if !w.reads {
		return workflow.Await(ctx, func() bool { return w.tally().Waiting == 0 })
	}
	lctx := withLocalActivity(ctx, 10*time.Second)
	wait := settlementFirstRead
	for {
		in := activities.SettlementInput{BatchID: w.in.BatchID, Waiting: w.waiting()}
		var s activities.Settlement
		if err := runLocal(lctx, batchActivities.BatchSettlement, in, &s); err != nil {
			return ownStep(ctx, "reading the items' settlement", err)
		}
		if w.settleRead(s) {
			wait = settlementFirstRead
		} else {
			wait = min(2*wait, settlementMaxRead)
		}
		if w.tally().Waiting == 0 {
			return nil
		}
		if err := workflow.Sleep(ctx, wait); err != nil {
			return err
		}
	}
}

// waiting lists the indexes of the run's items still waiting, ascending.
func (w *batch) waiting() []int {
	var out []int
	for _, it := range w.items {
		if it.Status == BatchItemWaiting {
			out = append(out, it.Index)
		}
	}
	return out
}

// settleRead records what a read of the settlement found and says whether an item of the run
// changed: items in its issued runs are issued, its refused ones refused; an item already
// settled stays as it is.
func (w *batch) settleRead(s activities.Settlement) bool {
	changed := false
	for i := range w.items {
		it := &w.items[i]
		if it.Status != BatchItemWaiting {
			continue
		}
		r := sort.Search(len(s.Issued), func(r int) bool { return s.Issued[r][1] >= it.Index })
		if r < len(s.Issued) && s.Issued[r][0] <= it.Index {
			it.Status, changed = BatchItemIssued, true
		}
	}
	for _, ref := range s.Refused {
		i := slices.IndexFunc(w.items, func(it BatchItemOutcome) bool { return it.Index == ref.Index })
		if i < 0 || w.items[i].Status != BatchItemWaiting {
			continue
		}
		w.items[i].Status, w.items[i].Code, w.items[i].Reason = BatchItemRefused, ref.Code, ref.Reason
		changed = true
	}
	return changed
}
