package activities

import (
	"context"
	"time"

	"github.com/profdev/profdev/internal/domain"
)

// ConnectionStore is what the connection activities need from storage (process 5).
type ConnectionStore interface {
	SaveConnection(ctx context.Context, c domain.Connection, ev domain.Event) error
	EnterPeople(ctx context.Context, e domain.PeopleEntry) ([]domain.Invitation, error)
	SaveChange(ctx context.Context, c domain.ChangeRequest, ev domain.Event) error
	ApplyChange(ctx context.Context, c domain.ChangeRequest, actor domain.Actor, at time.Time) ([]domain.Invitation, error)
}

// Connections keeps connection requests, change requests and the registry of authorised
// people in step with their workflows; every write is keyed by the step, so a retry writes
// nothing new.
type Connections struct {
	Store ConnectionStore
}

// ConnectionStep is a connection request after a step, and the step.
type ConnectionStep struct {
	Connection domain.Connection `json:"connection"`
	Event      domain.Event      `json:"event"`
}

// SaveConnection records a connection request step.
func (a *Connections) SaveConnection(ctx context.Context, in ConnectionStep) error {
	return a.Store.SaveConnection(ctx, in.Connection, in.Event)
}

// EnterPeople enters an accepted request's people in the registry, invited.
func (a *Connections) EnterPeople(ctx context.Context, in domain.PeopleEntry) ([]domain.Invitation, error) {
	return a.Store.EnterPeople(ctx, in)
}

// ChangeStep is a change request after a step, and the step.
type ChangeStep struct {
	Change domain.ChangeRequest `json:"change"`
	Event  domain.Event         `json:"event"`
}

// SaveChange records a change request step.
func (a *Connections) SaveChange(ctx context.Context, in ChangeStep) error {
	return a.Store.SaveChange(ctx, in.Change, in.Event)
}

// ApplyChangeInput is an applied change request, who applied it and when.
type ApplyChangeInput struct {
	Change domain.ChangeRequest `json:"change"`
	Actor  domain.Actor         `json:"actor"`
	At     time.Time            `json:"at"`
}

// ApplyChange makes a change take effect in the registry.
func (a *Connections) ApplyChange(ctx context.Context, in ApplyChangeInput) ([]domain.Invitation, error) {
	return a.Store.ApplyChange(ctx, in.Change, in.Actor, in.At)
}
