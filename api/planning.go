package api

import (
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/profdev/profdev/internal/app"
	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/internal/validate"
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
	Year               int       `json:"year" validate:"required,year"`
	Authority          string    `json:"authority" validate:"required,ident"`
	PriorityDirections []string  `json:"priority_directions" validate:"required,min=1,max=50,dive,required,max=500"`
	PlansDue           dateField `json:"plans_due"`
	QuarterlyReports   *bool     `json:"quarterly_reports" validate:"required"`
}

func (r cycleRequest) Check() []domain.FieldError { return r.PlansDue.check("plans_due") }

// openCycle opens the authority's cycle for a year and announces its priority directions.
func (s *Server) openCycle(c *gin.Context) {
	if err := app.Require(actorOf(c), domain.RoleMinistry); err != nil {
		fail(c, err)
		return
	}
	var req cycleRequest
	if err := s.bindJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	out, err := s.app.OpenCycle(c.Request.Context(), actorOf(c), app.CycleOpening{Year: req.Year, Authority: req.Authority,
		PriorityDirections: req.PriorityDirections, PlansDue: req.PlansDue.Date, QuarterlyReports: *req.QuarterlyReports})
	respond(c, http.StatusCreated, out, err)
}

// cycleAuthority is the authority whose cycle the caller asks for: ?authority=, or the
// caller's own by default.
func (s *Server) cycleAuthority(c *gin.Context, actor domain.Actor) (string, error) {
	a := c.Query("authority")
	if a != "" && !validate.Ident(a) {
		return "", domain.Invalid("invalid query", domain.FieldError{Field: "authority", Message: "not an identifier"})
	}
	return s.app.CycleAuthority(c.Request.Context(), actor, a)
}

// getCycle shows a cycle to any signed-in user, with what of it the caller may read.
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
	view, err := s.app.Cycle(c.Request.Context(), actor, authority, year)
	respond(c, http.StatusOK, view, err)
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

// bindParticipantStep reads a plan or report submission after checking the caller's role:
// the cycle's year and the body. It writes the error response and reports false on failure.
func (s *Server) bindParticipantStep(c *gin.Context, req participantRequest, roles ...domain.Role) (int, bool) {
	err := app.Require(actorOf(c), roles...)
	var year int
	if err == nil {
		year, err = pathYear(c)
	}
	if err == nil {
		err = s.bindJSON(c, req)
	}
	if err != nil {
		fail(c, err)
		return 0, false
	}
	return year, true
}

// submitPlan takes an agency's or provider's plan, or a returned plan submitted again.
func (s *Server) submitPlan(c *gin.Context) {
	var req planRequest
	year, ok := s.bindParticipantStep(c, &req, app.PlanRoles...)
	if !ok {
		return
	}
	plan, created, err := s.app.SubmitPlan(c.Request.Context(), actorOf(c), req.Authority, year, req.events())
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	respond(c, status, plan, err)
}

type planDecisionRequest struct {
	Decision string   `json:"decision" validate:"required,oneof=accept return"`
	Reasons  []string `json:"reasons" validate:"required_if=Decision return,max=50,dive,required,max=2000"`
}

// decidePlan is the ministry's accept or return of a plan of its cycle.
func (s *Server) decidePlan(c *gin.Context) {
	if err := app.Require(actorOf(c), domain.RoleMinistry); err != nil {
		fail(c, err)
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
	out, err := s.app.DecidePlan(c.Request.Context(), actorOf(c), year, id, req.Decision, req.Reasons)
	respond(c, http.StatusOK, out, err)
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
	year, ok := s.bindParticipantStep(c, &req, domain.RoleHR)
	if !ok {
		return
	}
	f := req.ReserveForm
	out, err := s.app.SubmitQuarterlyReport(c.Request.Context(), actorOf(c), req.Authority, year, app.QuarterlyReport{
		Quarter: req.Quarter, Figures: req.Figures,
		ReserveForm: domain.ReserveForm{InReserve: domain.CategoryCounts(f.InReserve), Appointed: f.Appointed,
			Excluded: f.Excluded, Vacancies: f.Vacancies, TrainedCount: f.Trained, Comment: f.Comment}})
	respond(c, http.StatusCreated, out, err)
}

// planningSummary gives the ministry (its own authority) and operators the consolidated
// figures of a year (сводная информация), as JSON or CSV.
func (s *Server) planningSummary(c *gin.Context) {
	actor := actorOf(c)
	if err := app.Require(actor, app.SummaryRoles...); err != nil {
		fail(c, err)
		return
	}
	year, err := pathYear(c)
	if err != nil {
		fail(c, err)
		return
	}
	authority, err := s.cycleAuthority(c, actor)
	format := c.DefaultQuery("format", "json")
	if err == nil && format != "json" && format != "csv" {
		err = domain.Invalid("invalid query", domain.FieldError{Field: "format", Message: "must be json or csv"})
	}
	if err != nil {
		fail(c, err)
		return
	}
	sum, err := s.app.PlanningSummary(c.Request.Context(), actor, authority, year)
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
