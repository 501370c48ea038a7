package app

import (
	"context"

	"github.com/profdev/profdev/internal/domain"
)

// ChangeByID finds a change request by its ID alone (an inbox item names only that), with
// the same checks as Change: a change of an organisation outside the actor's scope is not
// found.
func (s *Service) ChangeByID(ctx context.Context, actor domain.Actor, id string) (domain.ChangeRequest, error) {
	if err := Require(actor, domain.RoleOrgAdmin, domain.RoleMinistry, domain.RoleOperator); err != nil {
		return domain.ChangeRequest{}, err
	}
	c, err := s.store.GetChange(ctx, id)
	if err != nil {
		return domain.ChangeRequest{}, domain.NotFound("change request " + id)
	}
	return s.Change(ctx, actor, c.Organisation, id)
}
