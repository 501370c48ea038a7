package app

import (
	"context"

	"github.com/profdev/profdev/internal/domain"
)

// BatchItemsStore reads the items of a batch one page at a time.
type BatchItemsStore interface {
	BatchItems(ctx context.Context, batchID string, from, limit int) ([]domain.BatchItem, error)
}

// BatchContents is what a batch was made of: the items refused when it was checked (by
// index, with the reason) and the accepted items from index From on, each with the number
// of its certificate once it has one. BatchStatus counts; this names, so that a page can
// link each item to its certificate.
type BatchContents struct {
	BatchID  string                  `json:"batch_id"`
	Rejected []domain.BatchRejection `json:"rejected"`
	Items    []domain.BatchItem      `json:"items"`
}

// BatchItems returns the contents of one of the actor's authority's batches: its refused
// items and up to limit accepted items from index from on.
func (s *Service) BatchItems(ctx context.Context, actor domain.Actor, id string, from, limit int) (BatchContents, error) {
	if err := Require(actor, domain.RoleMinistry); err != nil {
		return BatchContents{}, err
	}
	b, err := s.store.GetBatch(ctx, id)
	if err == nil && b.Authority != actor.Authority {
		err = domain.NotFound("batch " + id)
	}
	if err != nil {
		return BatchContents{}, err
	}
	if limit <= 0 || limit > maxUnissuedShown {
		limit = maxUnissuedShown
	}
	items, err := s.store.BatchItems(ctx, b.ID, from, limit)
	if err != nil {
		return BatchContents{}, err
	}
	if items == nil {
		items = []domain.BatchItem{}
	}
	return BatchContents{BatchID: b.ID, Rejected: b.Rejected, Items: items}, nil
}
