package app

import (
	"context"

	"github.com/profdev/profdev/internal/domain"
)

// ChangeByID finds a change request by its ID alone (an inbox item names only that), with
// the same checks as Change: a change of an organisation outside the actor's scope is not
// found.
func (s *Service) ChangeByID(ctx context.Context, actor domain.Actor, id string) (domain.ChangeRequest, error) {
	return s.change(ctx, actor, "", id)
}
