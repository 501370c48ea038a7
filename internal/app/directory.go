package app

import (
	"context"

	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/internal/postgres"
)

// DirectoryStore is the directory of organisations: agencies and authorities.
type DirectoryStore interface {
	PutAgency(ctx context.Context, a domain.Agency) (domain.Agency, error)
	GetAgency(ctx context.Context, id string) (domain.Agency, error)
	ListAgencies(ctx context.Context, authority string, page postgres.Page) ([]domain.Agency, string, error)
	PutAuthority(ctx context.Context, a domain.Authority) (domain.Authority, error)
	GetAuthority(ctx context.Context, id string) (domain.Authority, error)
}
