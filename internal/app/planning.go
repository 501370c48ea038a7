package app

import (
	"context"

	"github.com/profdev/profdev/internal/domain"
)

// PlanningStore is what the planning endpoints read outside the workflows.
type PlanningStore interface {
	GetCycle(ctx context.Context, authority string, year int) (domain.Cycle, error)
	GetPlan(ctx context.Context, id string) (domain.Plan, error)
	CyclePlans(ctx context.Context, cycleID string) ([]domain.Plan, error)
	CycleReports(ctx context.Context, cycleID string) ([]domain.QuarterlyReport, error)
	PlanningParticipant(ctx context.Context, authority string, kind domain.ParticipantKind, id string) (domain.CycleParticipant, error)
	PlanningSummary(ctx context.Context, authority string, year int) (domain.PlanningSummary, error)
}
