package app

import (
	"context"

	"github.com/profdev/profdev/internal/domain"
)

// Declaration returns one declaration of programmes if the actor may see it: the ministry
// of its authority, the provider that declared it, an operator; any other is not found.
// The ministry reads it before deciding it, the provider to follow the decision.
func (s *Service) Declaration(ctx context.Context, actor domain.Actor, id string) (domain.Declaration, error) {
	if err := Require(actor, ApplicationReaders...); err != nil {
		return domain.Declaration{}, err
	}
	if !recordID.MatchString(id) {
		return domain.Declaration{}, domain.NotFound("declaration")
	}
	d, err := s.store.GetDeclaration(ctx, id)
	if err == nil && !InScope(actor, Owner{Authority: d.Authority, Provider: d.ProviderID}) {
		err = domain.NotFound("declaration " + id)
	}
	return d, err
}
