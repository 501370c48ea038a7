package app

import (
	"context"
	"time"

	"cloud.google.com/go/civil"

	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/workflows"
)

// The task inbox (what waits on whom) and the agency overview, computed from the read
// models of every process.

// InboxStore is what the inbox and overview read.
type InboxStore interface {
	Tasks(ctx context.Context, actor domain.Actor, today civil.Date) ([]domain.Task, error)
	TasksUpTo(ctx context.Context, actor domain.Actor, today civil.Date, limit int) ([]domain.Task, int, error)
	Overview(ctx context.Context, agency string) (domain.AgencyOverview, error)
}

// Tasks lists what waits on the actor, earliest due first, with today taken in Moscow, where
// the deadlines are counted. Every role has an inbox, so no role is refused; the store
// answers from the actor's own scope.
func (s *Service) Tasks(ctx context.Context, actor domain.Actor) ([]domain.Task, error) {
	return s.store.Tasks(ctx, actor, civil.DateOf(time.Now().In(workflows.Moscow)))
}

// FirstTasks is the start of the actor's inbox, earliest due first, and how many tasks wait
// in all: what a page shows of an inbox that may hold thousands.
func (s *Service) FirstTasks(ctx context.Context, actor domain.Actor, limit int) ([]domain.Task, int, error) {
	return s.store.TasksUpTo(ctx, actor, civil.DateOf(time.Now().In(workflows.Moscow)), limit)
}

// AgencyOverview is an agency's counts by process and status and its overdue items, for HR
// of the agency, the ministry it belongs to and operators; any other agency is not found.
func (s *Service) AgencyOverview(ctx context.Context, actor domain.Actor, agency string) (domain.AgencyOverview, error) {
	if err := Require(actor, domain.RoleHR, domain.RoleMinistry, domain.RoleOperator); err != nil {
		return domain.AgencyOverview{}, err
	}
	switch actor.Role {
	case domain.RoleHR:
		if actor.Agency != agency {
			return domain.AgencyOverview{}, domain.NotFound("agency " + agency)
		}
	case domain.RoleMinistry:
		a, err := s.store.GetAgency(ctx, agency)
		if err == nil && a.Authority != actor.Authority {
			err = domain.NotFound("agency " + agency)
		}
		if err != nil {
			return domain.AgencyOverview{}, err
		}
	}
	return s.store.Overview(ctx, agency)
}
