package app

import (
	"context"

	"cloud.google.com/go/civil"
	"github.com/profdev/profdev/internal/domain"
)

// InboxStore is what the inbox and overview read.
type InboxStore interface {
	Tasks(ctx context.Context, actor domain.Actor, today civil.Date) ([]domain.Task, error)
	Overview(ctx context.Context, agency string) (domain.AgencyOverview, error)
}
