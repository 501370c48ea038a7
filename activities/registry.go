package activities

import (
	"context"

	"github.com/profdev/profdev/internal/domain"
)

// RegistryStore is what the registry activities need from storage.
type RegistryStore interface {
	SaveApplication(ctx context.Context, a domain.Application, ev domain.Event) error
	EnterRegistry(ctx context.Context, a domain.Admission) error
	SaveMembership(ctx context.Context, m domain.Membership, ev domain.Event) error
	SaveDeclaration(ctx context.Context, d domain.Declaration, workflowID string, ev domain.Event) error
}

// Registry keeps the provider registry's read models in step with its workflows. Every
// write is keyed by the workflow's step number, so a retry writes nothing new.
type Registry struct {
	Store RegistryStore
}

// ApplicationStep is an application as it stands after a step, and the step.
type ApplicationStep struct {
	Application domain.Application `json:"application"`
	Event       domain.Event       `json:"event"`
}

// SaveApplication records an application step.
func (a *Registry) SaveApplication(ctx context.Context, in ApplicationStep) error {
	return a.Store.SaveApplication(ctx, in.Application, in.Event)
}

// EnterRegistry puts an admitted provider and its programmes in the registry.
func (a *Registry) EnterRegistry(ctx context.Context, in domain.Admission) error {
	return a.Store.EnterRegistry(ctx, in)
}

// MembershipStep is a provider's standing after a step, and the step.
type MembershipStep struct {
	Membership domain.Membership `json:"membership"`
	Event      domain.Event      `json:"event"`
}

// SaveMembership records a change of a provider's standing.
func (a *Registry) SaveMembership(ctx context.Context, in MembershipStep) error {
	return a.Store.SaveMembership(ctx, in.Membership, in.Event)
}

// DeclarationStep is a programme declaration after a step, and the step.
type DeclarationStep struct {
	Declaration domain.Declaration `json:"declaration"`
	WorkflowID  string             `json:"workflow_id"`
	Event       domain.Event       `json:"event"`
}

// SaveDeclaration records a declaration step; an accepted one enters the registry.
func (a *Registry) SaveDeclaration(ctx context.Context, in DeclarationStep) error {
	return a.Store.SaveDeclaration(ctx, in.Declaration, in.WorkflowID, in.Event)
}
