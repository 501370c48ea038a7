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

// NumberedItem is a batch item with the certificate number it is issued under.
type NumberedItem struct {
	Index   int                       `json:"index"`
	Number  string                    `json:"number"`
	Request domain.CertificateRequest `json:"request"`
}

// NumberBatchItems allocates numbers to the next items. Numbers are claimed under the batch
// and item index, so a retried chunk gets the same numbers and issues nothing twice.
func (a *Batches) NumberBatchItems(ctx context.Context, in ChunkInput) ([]NumberedItem, error) {
	items, err := a.Store.BatchItems(ctx, in.BatchID, in.From, in.Limit)
	if err != nil {
		return nil, err
	}
	out := make([]NumberedItem, 0, len(items))
	for _, it := range items {
		var req domain.CertificateRequest
		if err := json.Unmarshal(it.Request, &req); err != nil {
			return nil, domain.Invalid(fmt.Sprintf("batch %s item %d is unreadable: %v", in.BatchID, it.Index, err))
		}
		number, err := a.Store.AllocateCertificateNumber(ctx, in.Authority, req.Year, fmt.Sprintf("batch:%s:%d", in.BatchID, it.Index))
		if err != nil {
			return nil, err
		}
		if err := a.Store.SetBatchItemResult(ctx, in.BatchID, it.Index, number, ""); err != nil {
			return nil, err
		}
		out = append(out, NumberedItem{Index: it.Index, Number: number, Request: req})
	}
	return out, nil
}
