package app

import (
	"context"
	"fmt"
	"time"

	"cloud.google.com/go/civil"
	"github.com/profdev/profdev/internal/calendar"
	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/workflows"
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

// The annual planning cycle (планирование), process 4: the ministry opens a cycle, agencies
// and providers submit plans that the ministry accepts or returns, agencies report every
// quarter, and the ministry reads the year's consolidated figures (сводная информация).

// CycleOpening is the ministry's request to open its cycle for a year.
type CycleOpening struct {
	Year               int
	Authority          string
	PriorityDirections []string
	PlansDue           civil.Date
	QuarterlyReports   bool
}

// CycleView is a cycle with the plans and reports the actor may read.
type CycleView struct {
	domain.Cycle
	Plans   []domain.Plan            `json:"plans"`
	Reports []domain.QuarterlyReport `json:"reports"`
}

// OpenCycle opens the authority's cycle for a year and announces its priority directions
// (приоритетные направления); the year is this one or the next, plans are due within it.
func (s *Service) OpenCycle(ctx context.Context, actor domain.Actor, req CycleOpening) (CycleView, error) {
	if err := Require(actor, domain.RoleMinistry); err != nil {
		return CycleView{}, err
	}
	if req.Authority != actor.Authority {
		return CycleView{}, domain.Forbidden("you act for authority %s, not %s", actor.Authority, req.Authority)
	}
	today := civil.DateOf(time.Now().In(calendar.Moscow))
	var fields []domain.FieldError
	if req.Year < today.Year || req.Year > today.Year+1 {
		fields = append(fields, domain.FieldError{Field: "year", Message: fmt.Sprintf("must be %d or %d", today.Year, today.Year+1)})
	}
	if yearEnd := (civil.Date{Year: req.Year, Month: time.December, Day: 31}); req.PlansDue.Before(today) || req.PlansDue.After(yearEnd) {
		fields = append(fields, domain.FieldError{Field: "plans_due", Message: fmt.Sprintf("must be from %s to %s", today, yearEnd)})
	}
	if len(fields) > 0 {
		return CycleView{}, domain.Invalid("invalid request", fields...)
	}
	authority, err := s.store.GetAuthority(ctx, req.Authority)
	if domain.IsCode(err, domain.CodeNotFound) {
		err = domain.Invalid("invalid request", domain.FieldError{Field: "authority", Message: "no such authority in the directory"})
	}
	if err != nil {
		return CycleView{}, err
	}
	in := workflows.CycleInput{Authority: authority.ID, Region: authority.Region, Year: req.Year, PriorityDirections: req.PriorityDirections,
		PlansDue: req.PlansDue, QuarterlyReports: req.QuarterlyReports, OpenedBy: actor, Terms: s.cfg.PlanningTerms}
	var cycle domain.Cycle
	err = s.start(ctx, Start{
		ID: workflows.CycleWorkflowID(in.Authority, in.Year), Workflow: workflows.CycleWorkflowType, Input: in,
		Process: workflows.ProcessPlanningCycle, Authority: in.Authority, Year: in.Year,
	}, workflows.UpdateCycleSnapshot, actor, &cycle)
	if domain.IsCode(err, domain.CodeConflict) {
		err = domain.Conflict("the planning cycle of %s for %d is already open", in.Authority, in.Year)
	}
	return CycleView{Cycle: withoutEmails(cycle), Plans: []domain.Plan{}, Reports: []domain.QuarterlyReport{}}, err
}

// withoutEmails drops the participants' contacts, which only the workflow needs.
func withoutEmails(c domain.Cycle) domain.Cycle {
	ps := make([]domain.CycleParticipant, len(c.Participants))
	for i, p := range c.Participants {
		p.Emails = nil
		ps[i] = p
	}
	c.Participants = ps
	return c
}

// CycleAuthority is the authority whose cycle the actor asks for: the one asked, or by
// default the actor's own (a ministry's) or its agency's (HR and heads).
func (s *Service) CycleAuthority(ctx context.Context, actor domain.Actor, asked string) (string, error) {
	if asked != "" {
		return asked, nil
	}
	switch actor.Role {
	case domain.RoleMinistry, domain.RoleReserveAuthority:
		return actor.Authority, nil
	case domain.RoleHR, domain.RoleAgencyHead:
		if ag, err := s.store.GetAgency(ctx, actor.Agency); err == nil {
			return ag.Authority, nil
		}
	}
	return "", domain.Invalid("invalid query", domain.FieldError{Field: "authority", Message: "required"})
}

// Cycle shows a cycle to anyone signed in: its phase, deadlines and who has submitted; the
// plans and reports in it are shown to the ministry and operators in full, and to an agency
// or provider as far as they are its own.
func (s *Service) Cycle(ctx context.Context, actor domain.Actor, authority string, year int) (CycleView, error) {
	cycle, err := s.store.GetCycle(ctx, authority, year)
	if err != nil {
		return CycleView{}, err
	}
	view := CycleView{Cycle: withoutEmails(cycle), Plans: []domain.Plan{}, Reports: []domain.QuarterlyReport{}}
	plans, err := s.store.CyclePlans(ctx, cycle.ID)
	if err != nil {
		return CycleView{}, err
	}
	reports, err := s.store.CycleReports(ctx, cycle.ID)
	if err != nil {
		return CycleView{}, err
	}
	all := actor.Role == domain.RoleOperator || (actor.Role == domain.RoleMinistry && actor.Authority == authority)
	for _, p := range plans {
		if all || ownsPlan(actor, p.ParticipantKind, p.ParticipantID) {
			view.Plans = append(view.Plans, p)
		}
	}
	for _, r := range reports {
		if all || ownsPlan(actor, domain.ParticipantAgency, r.Agency) {
			view.Reports = append(view.Reports, r)
		}
	}
	return view, nil
}

// ownsPlan reports whether the actor speaks for the participant.
func ownsPlan(a domain.Actor, kind domain.ParticipantKind, id string) bool {
	if kind == domain.ParticipantProvider {
		return a.Role == domain.RoleProvider && a.Provider == id
	}
	return a.Role == domain.RoleHR && a.Agency == id
}

// participantOf finds the actor's organisation among the authority's planning participants;
// one outside it is told the cycle does not exist.
func (s *Service) participantOf(ctx context.Context, actor domain.Actor, authority string, year int) (domain.CycleParticipant, error) {
	kind, id := domain.ParticipantAgency, actor.Agency
	if actor.Role == domain.RoleProvider {
		kind, id = domain.ParticipantProvider, actor.Provider
	}
	p, err := s.store.PlanningParticipant(ctx, authority, kind, id)
	if domain.IsCode(err, domain.CodeNotFound) {
		return p, domain.NotFound(fmt.Sprintf("planning cycle of %s for %d", authority, year))
	}
	if err != nil {
		return p, err
	}
	_, err = s.store.GetCycle(ctx, authority, year)
	return p, err
}

// PlanRoles may submit plans: an agency's HR and a provider.
var PlanRoles = []domain.Role{domain.RoleHR, domain.RoleProvider}

// SubmitPlan takes an agency's or provider's plan: the first submission goes to the cycle,
// which starts the plan's review (created is true); a plan returned for rework goes back to
// its review.
func (s *Service) SubmitPlan(ctx context.Context, actor domain.Actor, authority string, year int, events []domain.PlannedEvent) (plan domain.Plan, created bool, err error) {
	if err := Require(actor, PlanRoles...); err != nil {
		return plan, false, err
	}
	p, err := s.participantOf(ctx, actor, authority, year)
	if err != nil {
		return plan, false, err
	}
	planID := workflows.PlanWorkflowID(authority, year, p.Kind, p.ID)
	existing, err := s.store.GetPlan(ctx, planID)
	switch {
	case err == nil && existing.Status != domain.PlanReturned:
		return plan, false, domain.Conflict("plan %s is already %s; only a plan returned for rework is submitted again", planID, existing.Status)
	case err == nil:
		err = s.step(ctx, existing.WorkflowID, workflows.UpdateResubmitPlan, workflows.PlanResubmission{Actor: actor, Events: events}, &plan,
			domain.Conflict("the review of plan %s has ended: its year is over", planID))
		return plan, false, err
	case domain.IsCode(err, domain.CodeNotFound):
		err = s.step(ctx, workflows.CycleWorkflowID(authority, year), workflows.UpdateSubmitPlan,
			workflows.PlanSubmission{Actor: actor, Participant: p, Events: events}, &plan,
			domain.Conflict("the planning cycle of %s for %d is closed", authority, year))
		return plan, true, err
	}
	return plan, false, err
}

// DecidePlan is the ministry's accept or return (with reasons) of a plan of its cycle.
func (s *Service) DecidePlan(ctx context.Context, actor domain.Actor, year int, planID, decision string, reasons []string) (domain.Plan, error) {
	if err := Require(actor, domain.RoleMinistry); err != nil {
		return domain.Plan{}, err
	}
	plan, err := s.store.GetPlan(ctx, planID)
	if err == nil && (plan.Authority != actor.Authority || plan.Year != year) {
		err = domain.NotFound("plan " + planID)
	}
	if err != nil {
		return domain.Plan{}, err
	}
	var out domain.Plan
	err = s.step(ctx, plan.WorkflowID, workflows.UpdateDecidePlan, workflows.PlanDecision{Actor: actor, Decision: decision, Reasons: reasons}, &out,
		domain.Conflict("plan %s is %s: its review has ended", planID, plan.Status))
	return out, err
}

// QuarterlyReport is an agency's report for a quarter with its reserve usage form (Единая форма).
type QuarterlyReport struct {
	Quarter     int
	Figures     map[string]float64
	ReserveForm domain.ReserveForm
}

// SubmitQuarterlyReport takes an agency's quarterly report; one after the due date is
// accepted with on_time false.
func (s *Service) SubmitQuarterlyReport(ctx context.Context, actor domain.Actor, authority string, year int, r QuarterlyReport) (domain.QuarterlyReport, error) {
	if err := Require(actor, domain.RoleHR); err != nil {
		return domain.QuarterlyReport{}, err
	}
	p, err := s.participantOf(ctx, actor, authority, year)
	if err != nil {
		return domain.QuarterlyReport{}, err
	}
	sub := workflows.ReportSubmission{Actor: actor, Participant: p, Quarter: r.Quarter, Figures: r.Figures, ReserveForm: r.ReserveForm}
	var out domain.QuarterlyReport
	err = s.step(ctx, workflows.CycleWorkflowID(authority, year), workflows.UpdateSubmitReport, sub, &out,
		domain.Conflict("the planning cycle of %s for %d is closed", authority, year))
	return out, err
}

// SummaryRoles may read the year's consolidated figures.
var SummaryRoles = []domain.Role{domain.RoleMinistry, domain.RoleOperator}

// PlanningSummary gives the ministry (its own authority) and operators the consolidated
// figures of a year (сводная информация).
func (s *Service) PlanningSummary(ctx context.Context, actor domain.Actor, authority string, year int) (domain.PlanningSummary, error) {
	if err := Require(actor, SummaryRoles...); err != nil {
		return domain.PlanningSummary{}, err
	}
	if actor.Role == domain.RoleMinistry && authority != actor.Authority {
		return domain.PlanningSummary{}, domain.NotFound("planning cycle of " + authority)
	}
	return s.store.PlanningSummary(ctx, authority, year)
}
