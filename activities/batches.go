package activities

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/profdev/profdev/internal/domain"
)

// BatchStore is what batch issuance needs from storage.
type BatchStore interface {
	BatchItems(ctx context.Context, batchID string, from, limit int) ([]domain.BatchItem, error)
	AllocateCertificateNumber(ctx context.Context, authority string, year int, claimKey string) (string, error)
	SetBatchItemResult(ctx context.Context, batchID string, index int, number, errMsg string) error
	RefuseBatchItem(ctx context.Context, batchID, number string, code domain.Code, reason string) error
	SettledBatchItems(ctx context.Context, batchID string, indexes []int) ([]domain.SettledBatchItem, error)
}

// BatchRefusal says why the certificate numbered for a batch item could not be issued. Code
// is the refusal's; certificates born before level 2 (workflows/born.go) send none.
type BatchRefusal struct {
	BatchID string      `json:"batch_id"`
	Number  string      `json:"number"`
	Code    domain.Code `json:"code,omitempty"`
	Reason  string      `json:"reason"`
}

// RefuseBatchItem records a refusal against its batch item, so that the batch's status
// accounts for the item; recording it again changes nothing.
func (a *Batches) RefuseBatchItem(ctx context.Context, in BatchRefusal) error {
	return a.Store.RefuseBatchItem(ctx, in.BatchID, in.Number, in.Code, in.Reason)
}

// SettlementInput asks which of a batch's items still waiting (their indexes, ascending) are
// settled now. Asking for these only keeps each read's answer, which the batch's history
// records, to what is new: an item refused early is not repeated at every later read.
type SettlementInput struct {
	BatchID string `json:"batch_id"`
	Waiting []int  `json:"waiting"`
}

// Settlement is what of the items asked for is settled: the indexes of the items whose
// certificate is issued, as runs (first and last index) of items consecutive among those
// asked for, and the refused items. Runs keep the answer small, since certificates are issued
// roughly in the order they started; a run may span an index not asked for (an item settled
// before), which the batch leaves as it was.
type Settlement struct {
	Issued  [][2]int                  `json:"issued,omitempty"`
	Refused []domain.SettledBatchItem `json:"refused,omitempty"`
}

// BatchSettlement reads which items of a batch's run are settled; the batch workflow (born
// at level 2) reads it instead of waiting for each certificate to signal it.
func (a *Batches) BatchSettlement(ctx context.Context, in SettlementInput) (Settlement, error) {
	items, err := a.Store.SettledBatchItems(ctx, in.BatchID, in.Waiting)
	if err != nil {
		return Settlement{}, err
	}
	var out Settlement
	// pos is the position of the item among those asked for; last, that of the issued item
	// that ends the last run (read only once there is a run).
	var last, pos int
	for _, it := range items {
		for pos < len(in.Waiting) && in.Waiting[pos] < it.Index {
			pos++
		}
		switch n := len(out.Issued); {
		case it.Refused:
			out.Refused = append(out.Refused, it)
		case n > 0 && last == pos-1:
			out.Issued[n-1][1], last = it.Index, pos
		default:
			out.Issued, last = append(out.Issued, [2]int{it.Index, it.Index}), pos
		}
	}
	return out, nil
}

// Batches number the items of a batch issuance; the batch workflow starts their workflows.
type Batches struct {
	Store BatchStore
}

// ChunkInput asks for the next items of a batch.
type ChunkInput struct {
	BatchID   string `json:"batch_id"`
	Authority string `json:"authority"`
	From      int    `json:"from"`
	Limit     int    `json:"limit"`
}

// NumberedItem is a batch item with the certificate number it is issued under, or one that
// is refused instead: Refused says why, and it has no number, request or certificate.
type NumberedItem struct {
	Index   int                        `json:"index"`
	Number  string                     `json:"number"`
	Request *domain.CertificateRequest `json:"request,omitempty"`
	Refused string                     `json:"refused,omitempty"`
}

// NumberBatchItems allocates numbers to the next items. Numbers are claimed under the batch
// and item index, so a retried chunk gets the same numbers and issues nothing twice. An item
// that cannot be read (stored by an older release, say) is refused with the reason, recorded
// against it, and the others go ahead: one bad item must not hold up the items around it.
func (a *Batches) NumberBatchItems(ctx context.Context, in ChunkInput) ([]NumberedItem, error) {
	items, err := a.Store.BatchItems(ctx, in.BatchID, in.From, in.Limit)
	if err != nil {
		return nil, err
	}
	out := make([]NumberedItem, 0, len(items))
	for _, it := range items {
		var req domain.CertificateRequest
		if err := json.Unmarshal(it.Request, &req); err != nil {
			reason := fmt.Sprintf("the item cannot be read: %v", err)
			if err := a.Store.SetBatchItemResult(ctx, in.BatchID, it.Index, "", reason); err != nil {
				return nil, err
			}
			out = append(out, NumberedItem{Index: it.Index, Refused: reason})
			continue
		}
		number, err := a.Store.AllocateCertificateNumber(ctx, in.Authority, req.Year, fmt.Sprintf("batch:%s:%d", in.BatchID, it.Index))
		if err != nil {
			return nil, err
		}
		if err := a.Store.SetBatchItemResult(ctx, in.BatchID, it.Index, number, ""); err != nil {
			return nil, err
		}
		out = append(out, NumberedItem{Index: it.Index, Number: number, Request: &req})
	}
	return out, nil
}
