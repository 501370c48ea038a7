package app

import (
	"context"

	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/internal/postgres"
)

// ReserveStore is what the reserve endpoints read and write outside the workflows.
type ReserveStore interface {
	PutReserveQuotas(ctx context.Context, q domain.ReserveQuota) (domain.ReserveQuota, error)
	GetNomination(ctx context.Context, id string) (domain.Nomination, error)
	ListNominations(ctx context.Context, f postgres.NominationFilter, page postgres.Page) ([]domain.Nomination, string, error)
}
