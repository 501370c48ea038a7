package activities

import (
	"context"

	"github.com/profdev/profdev/internal/domain"
)

// PlanningStore is what the planning cycle's activities need from storage.
type PlanningStore interface {
	PlanningParticipants(ctx context.Context, authority string) ([]domain.CycleParticipant, error)
	LatestPriorityDirections(ctx context.Context, authority string, year int) ([]string, error)
	GetAuthority(ctx context.Context, id string) (domain.Authority, error)
	SaveCycle(ctx context.Context, c domain.Cycle, ev domain.Event) error
	SavePlan(ctx context.Context, p domain.Plan, ev domain.Event) error
	SaveQuarterlyReport(ctx context.Context, r domain.QuarterlyReport, c domain.Cycle, ev domain.Event) error
}

// Planning keeps the planning cycle's read models (планирование) in step with its workflows
// and tells a new cycle who takes part. Every write is keyed by the workflow's step number,
// so a retry writes nothing new.
type Planning struct {
	Store PlanningStore
}

// CycleStep is a cycle as it stands after a step, and the step.
type CycleStep struct {
	Cycle domain.Cycle `json:"cycle"`
	Event domain.Event `json:"event"`
}

// SaveCycle records a cycle step.
func (a *Planning) SaveCycle(ctx context.Context, in CycleStep) error {
	return a.Store.SaveCycle(ctx, in.Cycle, in.Event)
}

// PlanStep is a plan as it stands after a step, and the step.
type PlanStep struct {
	Plan  domain.Plan  `json:"plan"`
	Event domain.Event `json:"event"`
}

// SavePlan records a plan step.
func (a *Planning) SavePlan(ctx context.Context, in PlanStep) error {
	return a.Store.SavePlan(ctx, in.Plan, in.Event)
}

// ReportStep is a quarterly report, the cycle after it, and the step.
type ReportStep struct {
	Report domain.QuarterlyReport `json:"report"`
	Cycle  domain.Cycle           `json:"cycle"`
	Event  domain.Event           `json:"event"`
}

// SaveQuarterlyReport records a quarterly report with its cycle.
func (a *Planning) SaveQuarterlyReport(ctx context.Context, in ReportStep) error {
	return a.Store.SaveQuarterlyReport(ctx, in.Report, in.Cycle, in.Event)
}

// PlanningParticipants lists who a new cycle of the authority expects a plan from: the
// agencies in the directory and the providers admitted to its registry.
func (a *Planning) PlanningParticipants(ctx context.Context, authority string) ([]domain.CycleParticipant, error) {
	return a.Store.PlanningParticipants(ctx, authority)
}

// CycleDefaultsQuery asks what a scheduled cycle of the authority starts with.
type CycleDefaultsQuery struct {
	Authority string `json:"authority"`
	Year      int    `json:"year"`
}

// CycleDefaults is the region of the authority's calendar and the priority directions of
// its latest cycle, which a scheduled cycle announces again until the ministry changes them.
type CycleDefaults struct {
	Region     string   `json:"region"`
	Directions []string `json:"directions"`
}

// LoadCycleDefaults reads the defaults of a scheduled cycle; an authority missing from the
// directory is not_found, which no retry fixes.
func (a *Planning) LoadCycleDefaults(ctx context.Context, in CycleDefaultsQuery) (CycleDefaults, error) {
	auth, err := a.Store.GetAuthority(ctx, in.Authority)
	if err != nil {
		return CycleDefaults{}, err
	}
	dirs, err := a.Store.LatestPriorityDirections(ctx, in.Authority, in.Year)
	return CycleDefaults{Region: auth.Region, Directions: dirs}, err
}
