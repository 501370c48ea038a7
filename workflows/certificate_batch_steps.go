package workflows

import (
	"slices"

	"go.temporal.io/sdk/workflow"

	"github.com/profdev/profdev/internal/domain"
)

// How a batch learns and tells what happened to its items: each certificate of the batch
// signals it once issued or refused (SignalCertificateSettled); a certificate that an
// earlier attempt of the batch had started is asked to signal again
// (SignalReportSettlement); the batch query answers with every item of the current run.

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
