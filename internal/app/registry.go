package app

import (
	"context"

	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/internal/postgres"
)

// RegistryStore is what the registry endpoints read.
type RegistryStore interface {
	GetApplication(ctx context.Context, id string) (domain.Application, error)
	ListApplications(ctx context.Context, f postgres.ApplicationFilter, page postgres.Page) ([]domain.Application, string, error)
	Timeline(ctx context.Context, subjectID string) ([]domain.Event, error)
	WorkflowTimeline(ctx context.Context, workflowID string) ([]domain.Event, error)
	GetMembership(ctx context.Context, providerID, authority string) (domain.Membership, error)
	ProviderMemberships(ctx context.Context, providerID string) ([]domain.Membership, error)
	GetDeclaration(ctx context.Context, id string) (domain.Declaration, error)
	PublicRegistry(ctx context.Context, authority string, year int) ([]domain.PublicProvider, error)
}
