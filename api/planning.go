package api

import (
	"fmt"
	"net/http"
	"time"

	"cloud.google.com/go/civil"
	"github.com/gin-gonic/gin"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/workflows"
)

// The annual planning cycle (планирование), process 4: the ministry opens a cycle, agencies
// and providers submit plans that the ministry accepts or returns, agencies report every
// quarter, and the year's consolidated summary is read from the read models.

func (s *Server) planningRoutes(authed *gin.RouterGroup) {
	authed.POST("/planning/cycles", s.idempotent(s.openCycle))
	authed.GET("/planning/cycles/:year", s.getCycle)
	authed.POST("/planning/cycles/:year/plans", s.idempotent(s.submitPlan))
	authed.POST("/planning/cycles/:year/plans/:plan_id/decision", s.idempotent(s.decidePlan))
	authed.POST("/planning/cycles/:year/quarterly-reports", s.idempotent(s.submitQuarterlyReport))
	authed.GET("/planning/cycles/:year/summary", s.planningSummary)
}

type cycleRequest struct {
	Year               int       `json:"year" validate:"required,gte=2019,lte=2100"`
	Authority          string    `json:"authority" validate:"required,ident"`
	PriorityDirections []string  `json:"priority_directions" validate:"required,min=1,max=50,dive,required,max=500"`
	PlansDue           dateField `json:"plans_due"`
	QuarterlyReports   *bool     `json:"quarterly_reports" validate:"required"`
}

func (r cycleRequest) Check() []domain.FieldError { return r.PlansDue.check("plans_due") }

// openCycle opens the authority's cycle for a year and announces its priority directions.
func (s *Server) openCycle(c *gin.Context) {
	actor, ok := require(c, domain.RoleMinistry)
	if !ok {
		return
	}
	var req cycleRequest
	if err := s.bindJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	if req.Authority != actor.Authority {
		fail(c, domain.Forbidden("you act for authority %s, not %s", actor.Authority, req.Authority))
		return
	}
	today := civil.DateOf(time.Now().In(workflows.Moscow))
	var fields []domain.FieldError
	if req.Year < today.Year || req.Year > today.Year+1 {
		fields = append(fields, domain.FieldError{Field: "year", Message: fmt.Sprintf("must be %d or %d", today.Year, today.Year+1)})
	}
	if yearEnd := (civil.Date{Year: req.Year, Month: time.December, Day: 31}); req.PlansDue.Before(today) || req.PlansDue.After(yearEnd) {
		fields = append(fields, domain.FieldError{Field: "plans_due", Message: fmt.Sprintf("must be from %s to %s", today, yearEnd)})
	}
	if len(fields) > 0 {
		fail(c, domain.Invalid("invalid request", fields...))
		return
	}
	ctx := c.Request.Context()
	authority, err := s.store.GetAuthority(ctx, req.Authority)
	if domain.IsCode(err, domain.CodeNotFound) {
		err = domain.Invalid("invalid request", domain.FieldError{Field: "authority", Message: "no such authority in the directory"})
	}
	if err != nil {
		fail(c, err)
		return
	}
	in := workflows.CycleInput{Authority: authority.ID, Region: authority.Region, Year: req.Year, PriorityDirections: req.PriorityDirections,
		PlansDue: req.PlansDue.Date, QuarterlyReports: *req.QuarterlyReports, OpenedBy: actor, Terms: s.cfg.PlanningTerms}
	id := workflows.CycleWorkflowID(in.Authority, in.Year)
	var cycle domain.Cycle
	err = s.startWithUpdate(ctx, client.StartWorkflowOptions{
		ID:                       id,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		TypedSearchAttributes: temporal.NewSearchAttributes(workflows.AttrProcess.ValueSet(workflows.ProcessPlanningCycle),
			workflows.AttrAuthority.ValueSet(in.Authority), workflows.AttrYear.ValueSet(int64(in.Year))),
	}, workflows.CycleWorkflowType, in, workflows.UpdateCycleSnapshot, actor, &cycle)
	if domain.IsCode(err, domain.CodeConflict) {
		err = domain.Conflict("the planning cycle of %s for %d is already open", in.Authority, in.Year)
	}
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, cycleView{Cycle: withoutEmails(cycle), Plans: []domain.Plan{}, Reports: []domain.QuarterlyReport{}})
}

// cycleView is a cycle with the plans and reports the caller may read.
type cycleView struct {
	domain.Cycle
	Plans   []domain.Plan            `json:"plans"`
	Reports []domain.QuarterlyReport `json:"reports"`
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

// cycleAuthority is the authority whose cycle the caller asks for: the query's, or by default
// the caller's own (a ministry's) or its agency's (HR and heads).
func (s *Server) cycleAuthority(c *gin.Context, actor domain.Actor) (string, error) {
	if a := c.Query("authority"); a != "" {
		if !identRE.MatchString(a) {
			return "", domain.Invalid("invalid query", domain.FieldError{Field: "authority", Message: "not an identifier"})
		}
		return a, nil
	}
	switch actor.Role {
	case domain.RoleMinistry, domain.RoleReserveAuthority:
		return actor.Authority, nil
	case domain.RoleHR, domain.RoleAgencyHead:
		if ag, err := s.store.GetAgency(c.Request.Context(), actor.Agency); err == nil {
			return ag.Authority, nil
		}
	}
	return "", domain.Invalid("invalid query", domain.FieldError{Field: "authority", Message: "required"})
}

// getCycle shows a cycle to any signed-in user: its phase, deadlines and who has submitted;
// the plans and reports in it are shown to the ministry and operators in full, and to an
// agency or provider as far as they are its own.
func (s *Server) getCycle(c *gin.Context) {
	actor := actorOf(c)
	year, err := pathYear(c)
	if err != nil {
		fail(c, err)
		return
	}
	authority, err := s.cycleAuthority(c, actor)
	if err != nil {
		fail(c, err)
		return
	}
	ctx := c.Request.Context()
	cycle, err := s.store.GetCycle(ctx, authority, year)
	if err != nil {
		fail(c, err)
		return
	}
	view := cycleView{Cycle: withoutEmails(cycle), Plans: []domain.Plan{}, Reports: []domain.QuarterlyReport{}}
	plans, err := s.store.CyclePlans(ctx, cycle.ID)
	if err != nil {
		fail(c, err)
		return
	}
	reports, err := s.store.CycleReports(ctx, cycle.ID)
	if err != nil {
		fail(c, err)
		return
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
	c.JSON(http.StatusOK, view)
}

// ownsPlan reports whether the actor speaks for the participant.
func ownsPlan(a domain.Actor, kind domain.ParticipantKind, id string) bool {
	if kind == domain.ParticipantProvider {
		return a.Role == domain.RoleProvider && a.Provider == id
	}
	return a.Role == domain.RoleHR && a.Agency == id
}

type plannedEventRequest struct {
	Title          string `json:"title" validate:"required,max=500"`
	Direction      string `json:"direction" validate:"required,max=500"`
	Kind           string `json:"kind" validate:"required,oneof=qualification_upgrade retraining certificate_training seminar conference internship other"`
	PlannedQuarter int    `json:"planned_quarter" validate:"required,gte=1,lte=4"`
	Participants   int    `json:"participants" validate:"gte=0,lte=100000"`
	Central        *bool  `json:"central" validate:"required"`
}

type planRequest struct {
	Authority string                `json:"authority" validate:"required,ident"`
	Events    []plannedEventRequest `json:"events" validate:"required,min=1,max=1000,dive"`
}

func (r planRequest) events() []domain.PlannedEvent {
	out := make([]domain.PlannedEvent, len(r.Events))
	for i, e := range r.Events {
		out[i] = domain.PlannedEvent{Title: e.Title, Direction: e.Direction, Kind: e.Kind, PlannedQuarter: e.PlannedQuarter,
			Participants: e.Participants, Central: *e.Central}
	}
	return out
}

// participantRequest is a plan or report body: it names the authority whose cycle it goes to.
type participantRequest interface{ cycleAuthority() string }

func (r *planRequest) cycleAuthority() string   { return r.Authority }
func (r *reportRequest) cycleAuthority() string { return r.Authority }

// bindParticipantStep reads a plan or report submission: the caller's role, the cycle's
// year, the body, and the caller's organisation among the cycle's participants. It writes
// the error response and reports false when any of them fails.
func (s *Server) bindParticipantStep(c *gin.Context, req participantRequest, roles ...domain.Role) (domain.Actor, int, domain.CycleParticipant, bool) {
	actor, ok := require(c, roles...)
	if !ok {
		return actor, 0, domain.CycleParticipant{}, false
	}
	year, err := pathYear(c)
	if err == nil {
		err = s.bindJSON(c, req)
	}
	var p domain.CycleParticipant
	if err == nil {
		p, err = s.participantOf(c, actor, req.cycleAuthority(), year)
	}
	if err != nil {
		fail(c, err)
		return actor, year, p, false
	}
	return actor, year, p, true
}

// participantOf finds the caller's organisation among the authority's planning
// participants; one outside it is told the cycle does not exist.
func (s *Server) participantOf(c *gin.Context, actor domain.Actor, authority string, year int) (domain.CycleParticipant, error) {
	kind, id := domain.ParticipantAgency, actor.Agency
	if actor.Role == domain.RoleProvider {
		kind, id = domain.ParticipantProvider, actor.Provider
	}
	ctx := c.Request.Context()
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

// submitPlan takes an agency's or provider's plan: the first submission goes to the cycle,
// which starts the plan's review; a plan returned for rework goes back to its review.
func (s *Server) submitPlan(c *gin.Context) {
	var req planRequest
	actor, year, p, ok := s.bindParticipantStep(c, &req, domain.RoleHR, domain.RoleProvider)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	planID := workflows.PlanWorkflowID(req.Authority, year, p.Kind, p.ID)
	existing, err := s.store.GetPlan(ctx, planID)
	var plan domain.Plan
	switch {
	case err == nil && existing.Status != domain.PlanReturned:
		fail(c, domain.Conflict("plan %s is already %s; only a plan returned for rework is submitted again", planID, existing.Status))
	case err == nil:
		if s.runStep(c, existing.WorkflowID, workflows.UpdateResubmitPlan, workflows.PlanResubmission{Actor: actor, Events: req.events()}, &plan,
			domain.Conflict("the review of plan %s has ended: its year is over", planID)) {
			c.JSON(http.StatusOK, plan)
		}
	case domain.IsCode(err, domain.CodeNotFound):
		if s.runStep(c, workflows.CycleWorkflowID(req.Authority, year), workflows.UpdateSubmitPlan,
			workflows.PlanSubmission{Actor: actor, Participant: p, Events: req.events()}, &plan,
			domain.Conflict("the planning cycle of %s for %d is closed", req.Authority, year)) {
			c.JSON(http.StatusCreated, plan)
		}
	default:
		fail(c, err)
	}
}

type planDecisionRequest struct {
	Decision string   `json:"decision" validate:"required,oneof=accept return"`
	Reasons  []string `json:"reasons" validate:"required_if=Decision return,max=50,dive,required,max=2000"`
}

// decidePlan is the ministry's accept or return of a plan of its cycle.
func (s *Server) decidePlan(c *gin.Context) {
	actor, ok := require(c, domain.RoleMinistry)
	if !ok {
		return
	}
	year, err := pathYear(c)
	if err != nil {
		fail(c, err)
		return
	}
	var req planDecisionRequest
	if err := s.bindJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	id := c.Param("plan_id")
	if !workflowIDRE.MatchString(id) {
		fail(c, domain.NotFound("plan"))
		return
	}
	plan, err := s.store.GetPlan(c.Request.Context(), id)
	if err == nil && (plan.Authority != actor.Authority || plan.Year != year) {
		err = domain.NotFound("plan " + id)
	}
	if err != nil {
		fail(c, err)
		return
	}
	var out domain.Plan
	if s.runStep(c, plan.WorkflowID, workflows.UpdateDecidePlan, workflows.PlanDecision{Actor: actor, Decision: req.Decision, Reasons: req.Reasons}, &out,
		domain.Conflict("plan %s is %s: its review has ended", id, plan.Status)) {
		c.JSON(http.StatusOK, out)
	}
}

type categoryCountsRequest struct {
	I   int `json:"I" validate:"gte=0,lte=100000"`
	II  int `json:"II" validate:"gte=0,lte=100000"`
	III int `json:"III" validate:"gte=0,lte=100000"`
}

type reserveFormRequest struct {
	InReserve categoryCountsRequest `json:"in_reserve"`
	Appointed int                   `json:"appointed" validate:"gte=0,lte=100000"`
	Excluded  int                   `json:"excluded" validate:"gte=0,lte=100000"`
	Vacancies int                   `json:"vacancies" validate:"gte=0,lte=100000"`
	Trained   int                   `json:"trained" validate:"gte=0,lte=100000"`
	Comment   string                `json:"comment" validate:"max=4000"`
}

type reportRequest struct {
	Authority   string              `json:"authority" validate:"required,ident"`
	Quarter     int                 `json:"quarter" validate:"required,gte=1,lte=4"`
	Figures     map[string]float64  `json:"figures" validate:"required,max=200,dive,keys,required,max=100,endkeys,gte=0"`
	ReserveForm *reserveFormRequest `json:"reserve_form" validate:"required"`
}

// submitQuarterlyReport takes an agency's quarterly report with its reserve usage form
// (Единая форма); one after the due date is accepted with on_time false.
func (s *Server) submitQuarterlyReport(c *gin.Context) {
	var req reportRequest
	actor, year, p, ok := s.bindParticipantStep(c, &req, domain.RoleHR)
	if !ok {
		return
	}
	f := req.ReserveForm
	sub := workflows.ReportSubmission{Actor: actor, Participant: p, Quarter: req.Quarter, Figures: req.Figures,
		ReserveForm: domain.ReserveForm{InReserve: domain.CategoryCounts(f.InReserve), Appointed: f.Appointed,
			Excluded: f.Excluded, Vacancies: f.Vacancies, TrainedCount: f.Trained, Comment: f.Comment}}
	var out domain.QuarterlyReport
	if s.runStep(c, workflows.CycleWorkflowID(req.Authority, year), workflows.UpdateSubmitReport, sub, &out,
		domain.Conflict("the planning cycle of %s for %d is closed", req.Authority, year)) {
		c.JSON(http.StatusCreated, out)
	}
}

// planningSummary gives the ministry (its own authority) and operators the consolidated
// figures of a year (сводная информация), as JSON or CSV.
func (s *Server) planningSummary(c *gin.Context) {
	actor, ok := require(c, domain.RoleMinistry, domain.RoleOperator)
	if !ok {
		return
	}
	year, err := pathYear(c)
	if err != nil {
		fail(c, err)
		return
	}
	authority, err := s.cycleAuthority(c, actor)
	if err == nil && actor.Role == domain.RoleMinistry && authority != actor.Authority {
		err = domain.NotFound("planning cycle of " + authority)
	}
	format := c.DefaultQuery("format", "json")
	if err == nil && format != "json" && format != "csv" {
		err = domain.Invalid("invalid query", domain.FieldError{Field: "format", Message: "must be json or csv"})
	}
	if err != nil {
		fail(c, err)
		return
	}
	sum, err := s.store.PlanningSummary(c.Request.Context(), authority, year)
	if err != nil {
		fail(c, err)
		return
	}
	if format == "json" {
		c.JSON(http.StatusOK, sum)
		return
	}
	c.Header("Content-Disposition", fmt.Sprintf(`attachment; filename="summary-%s-%d.csv"`, authority, year))
	c.Status(http.StatusOK)
	c.Header("Content-Type", "text/csv; charset=utf-8")
	if err := sum.WriteCSV(c.Writer); err != nil {
		s.log.Error().Err(err).Msg("writing the summary CSV")
	}
}
