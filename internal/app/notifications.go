package app

import (
	"context"

	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/internal/postgres"
)

// Notifications is the actor's feed (уведомления), newest first: what is addressed to the
// actor in person or to the actor's role within the actor's scope. Everyone signed in has a
// feed, so no role is refused; the store reads the actor's own addresses only.
func (s *Service) Notifications(ctx context.Context, actor domain.Actor, page postgres.Page) ([]domain.Notification, string, error) {
	return s.store.ListNotifications(ctx, actor, page)
}
