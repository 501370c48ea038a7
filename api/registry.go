package api

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/profdev/profdev/internal/app"
	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/internal/postgres"
	"github.com/profdev/profdev/internal/validate"
)

// The provider registry (process 2): applications, programme declarations, exclusion and
// the public registry. Each handler binds and validates its input, calls one step of
// internal/app and writes the answer.

func (s *Server) registryRoutes(authed, public *gin.RouterGroup) {
	authed.POST("/registry/applications", s.idempotent(s.createApplication))
	authed.GET("/registry/applications", s.listApplications)
	authed.GET("/registry/applications/:id", s.getApplication)
	authed.POST("/registry/applications/:id/decision", s.idempotent(s.decideApplication))
	authed.POST("/registry/applications/:id/resubmission", s.idempotent(s.resubmitApplication))
	authed.POST("/registry/providers/:provider_id/programmes", s.idempotent(s.declareProgrammes))
	authed.POST("/registry/providers/:provider_id/programmes/:declaration_id/decision", s.idempotent(s.decideDeclaration))
	authed.POST("/registry/providers/:provider_id/exclusion", s.idempotent(s.exclusion))
	public.GET("/registry", s.publicRegistry)
}

// applicationRequest is the body of an application and of a resubmission.
type applicationRequest struct {
	Authority  string                 `json:"authority" validate:"required,ident"`
	Year       int                    `json:"year" validate:"required"`
	Provider   domain.ProviderDetails `json:"provider"`
	Programmes []domain.Programme     `json:"programmes" validate:"required,min=1,max=200,dive"`
}

// Check refuses a year out of range and repeated programme codes within one application.
func (r *applicationRequest) Check() []domain.FieldError {
	return append(yearField(r.Year), domain.UniqueProgrammeCodes(r.Programmes)...)
}

func (r *applicationRequest) submission() app.Submission {
	return app.Submission{Authority: r.Authority, Year: r.Year, Provider: r.Provider, Programmes: r.Programmes}
}

// Check refuses a year out of range and repeated programme codes within one declaration.
func (r *declarationRequest) Check() []domain.FieldError {
	return append(yearField(r.Year), domain.UniqueProgrammeCodes(r.Programmes)...)
}

// yearField checks a required year in a body; a missing one is the required tag's to report.
func yearField(year int) []domain.FieldError {
	if year != 0 && !domain.ValidYear(year) {
		return []domain.FieldError{{Field: "year", Message: domain.YearMessage}}
	}
	return nil
}

// applicationView is an application with its timeline.
type applicationView = app.ApplicationView

func (s *Server) createApplication(c *gin.Context) {
	actor := actorOf(c)
	if err := app.Require(actor, domain.RoleProvider); err != nil {
		fail(c, err)
		return
	}
	var req applicationRequest
	if err := s.bindJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	out, err := s.app.Apply(c.Request.Context(), actor, req.submission())
	respond(c, http.StatusCreated, out, err)
}

var applicationStatuses = []domain.ApplicationStatus{domain.ApplicationUnderReview, domain.ApplicationReturned,
	domain.ApplicationAdmitted, domain.ApplicationRejected, domain.ApplicationLapsed}

func (s *Server) listApplications(c *gin.Context) {
	actor := actorOf(c)
	if err := app.Require(actor, app.ApplicationReaders...); err != nil {
		fail(c, err)
		return
	}
	f := postgres.ApplicationFilter{Authority: c.Query("authority"), Status: c.Query("status")}
	if err := oneOf("status", f.Status, applicationStatuses); err != nil {
		fail(c, err)
		return
	}
	var err error
	if f.Overdue, err = queryBool(c, "overdue"); err != nil {
		fail(c, err)
		return
	}
	page, err := pageOf(c)
	if err != nil {
		fail(c, err)
		return
	}
	items, next, err := s.app.Applications(c.Request.Context(), actor, f, page)
	respond(c, http.StatusOK, list(items, next), err)
}

// oneOf checks an optional query value against the values it may take.
func oneOf[T ~string](field, v string, allowed []T) error {
	if v == "" {
		return nil
	}
	names := make([]string, len(allowed))
	for i, a := range allowed {
		if string(a) == v {
			return nil
		}
		names[i] = string(a)
	}
	return domain.Invalid("invalid query", domain.FieldError{Field: field, Message: "must be one of: " + strings.Join(names, ", ")})
}

func (s *Server) getApplication(c *gin.Context) {
	out, err := s.app.Application(c.Request.Context(), actorOf(c), c.Param("id"))
	respond(c, http.StatusOK, out, err)
}

type applicationDecisionRequest struct {
	Decision string   `json:"decision" validate:"required,oneof=admit return reject"`
	Reasons  []string `json:"reasons" validate:"max=50,dive,required,max=2000"`
}

// applicationStep checks the role and the scope of a step on an application before its
// body is read, so a stranger learns nothing from a 400; then binds the body.
func (s *Server) applicationStep(c *gin.Context, role domain.Role, body any) bool {
	if err := s.app.MayTakeApplicationStep(c.Request.Context(), actorOf(c), c.Param("id"), role); err != nil {
		fail(c, err)
		return false
	}
	if err := s.bindJSON(c, body); err != nil {
		fail(c, err)
		return false
	}
	return true
}

func (s *Server) decideApplication(c *gin.Context) {
	var req applicationDecisionRequest
	if !s.applicationStep(c, domain.RoleMinistry, &req) {
		return
	}
	out, err := s.app.DecideApplication(c.Request.Context(), actorOf(c), c.Param("id"), req.Decision, req.Reasons)
	respond(c, http.StatusOK, out, err)
}

func (s *Server) resubmitApplication(c *gin.Context) {
	var req applicationRequest
	if !s.applicationStep(c, domain.RoleProvider, &req) {
		return
	}
	out, err := s.app.Resubmit(c.Request.Context(), actorOf(c), c.Param("id"), req.submission())
	respond(c, http.StatusOK, out, err)
}

type declarationRequest struct {
	Authority  string             `json:"authority" validate:"omitempty,ident"`
	Year       int                `json:"year" validate:"required"`
	Programmes []domain.Programme `json:"programmes" validate:"required,min=1,max=200,dive"`
}

func (s *Server) declareProgrammes(c *gin.Context) {
	actor := actorOf(c)
	if err := app.Require(actor, domain.RoleProvider); err != nil {
		fail(c, err)
		return
	}
	var req declarationRequest
	if err := s.bindJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	out, err := s.app.DeclareProgrammes(c.Request.Context(), actor, c.Param("provider_id"), req.Authority, req.Year, req.Programmes)
	respond(c, http.StatusCreated, out, err)
}

type declarationDecisionRequest struct {
	Decision string   `json:"decision" validate:"required,oneof=accept return"`
	Reasons  []string `json:"reasons" validate:"max=50,dive,required,max=2000"`
}

func (s *Server) decideDeclaration(c *gin.Context) {
	ctx, actor, provider, id := c.Request.Context(), actorOf(c), c.Param("provider_id"), c.Param("declaration_id")
	if err := s.app.MayDecideDeclaration(ctx, actor, provider, id); err != nil {
		fail(c, err)
		return
	}
	var req declarationDecisionRequest
	if err := s.bindJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	out, err := s.app.DecideDeclaration(ctx, actor, provider, id, req.Decision, req.Reasons)
	respond(c, http.StatusOK, out, err)
}

type exclusionRequest struct {
	Reason    string `json:"reason" validate:"required,max=2000"`
	Authority string `json:"authority" validate:"omitempty,ident"`
}

// exclusion is the provider's request for exclusion (заявление об исключении) or the
// ministry's decision to exclude.
func (s *Server) exclusion(c *gin.Context) {
	actor := actorOf(c)
	if err := app.Require(actor, domain.RoleProvider, domain.RoleMinistry); err != nil {
		fail(c, err)
		return
	}
	var req exclusionRequest
	if err := s.bindJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	out, err := s.app.Exclusion(c.Request.Context(), actor, c.Param("provider_id"), req.Authority, req.Reason)
	respond(c, http.StatusOK, out, err)
}

// publicRegistry is the public registry: no token, no personal data beyond what a provider
// publishes about itself.
func (s *Server) publicRegistry(c *gin.Context) {
	var fields []domain.FieldError
	authority := c.Query("authority")
	if !validate.Ident(authority) {
		fields = append(fields, domain.FieldError{Field: "authority", Message: "required: the authority whose registry to list"})
	}
	year, err := queryYear(c)
	if err != nil {
		fields = append(fields, domain.FieldError{Field: "year", Message: domain.YearMessage})
	}
	if len(fields) > 0 {
		fail(c, domain.Invalid("invalid query", fields...))
		return
	}
	out, err := s.app.PublicRegistry(c.Request.Context(), authority, year)
	respond(c, http.StatusOK, out, err)
}
