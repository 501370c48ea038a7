package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/internal/postgres"
	"github.com/profdev/profdev/workflows"
)

// The provider registry (process 2): applications, programme declarations, exclusion and
// the public registry.

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
	Year       int                    `json:"year" validate:"required,gte=2019,lte=2100"`
	Provider   domain.ProviderDetails `json:"provider"`
	Programmes []domain.Programme     `json:"programmes" validate:"required,min=1,max=200,dive"`
}

// Check refuses repeated programme codes within one application.
func (r *applicationRequest) Check() []domain.FieldError { return uniqueCodes(r.Programmes) }

// Check refuses repeated programme codes within one declaration.
func (r *declarationRequest) Check() []domain.FieldError { return uniqueCodes(r.Programmes) }

func uniqueCodes(progs []domain.Programme) []domain.FieldError {
	var out []domain.FieldError
	seen := map[string]bool{}
	for i, p := range progs {
		if p.Code != "" && seen[p.Code] {
			out = append(out, domain.FieldError{Field: "programmes[" + strconv.Itoa(i) + "].code", Message: "repeats an earlier programme's code"})
		}
		seen[p.Code] = true
	}
	return out
}

// applicationView is an application with its timeline.
type applicationView struct {
	domain.Application
	History []domain.Event `json:"history"`
}

func (s *Server) createApplication(c *gin.Context) {
	actor, ok := require(c, domain.RoleProvider)
	if !ok {
		return
	}
	var req applicationRequest
	if err := s.bindJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	ctx := c.Request.Context()
	authority, err := s.store.GetAuthority(ctx, req.Authority)
	if domain.IsCode(err, domain.CodeNotFound) {
		fail(c, domain.Invalid("invalid request", domain.FieldError{Field: "authority", Message: "no such authority in the directory"}))
		return
	}
	if err != nil {
		fail(c, err)
		return
	}
	if m, err := s.store.GetMembership(ctx, actor.Provider, req.Authority); err == nil && m.Status != domain.MembershipExcluded {
		fail(c, domain.Conflict("provider %s is already in the registry of %s; declare programmes for a new year instead", actor.Provider, req.Authority))
		return
	} else if err != nil && !domain.IsCode(err, domain.CodeNotFound) {
		fail(c, err)
		return
	}
	for _, st := range []domain.ApplicationStatus{domain.ApplicationUnderReview, domain.ApplicationReturned} {
		open, _, err := s.store.ListApplications(ctx, postgres.ApplicationFilter{Authority: req.Authority, ProviderID: actor.Provider, Status: string(st)}, postgres.Page{Limit: 1})
		if err != nil {
			fail(c, err)
			return
		}
		if len(open) > 0 {
			fail(c, domain.Conflict("application %s of provider %s to %s is still %s", open[0].ID, actor.Provider, req.Authority, st))
			return
		}
	}
	id, err := uuid.NewV7()
	if err != nil {
		fail(c, err)
		return
	}
	in := workflows.AdmissionInput{
		ApplicationID: "app-" + id.String(), Authority: req.Authority, Region: authority.Region, Year: req.Year,
		ProviderID: actor.Provider, Provider: req.Provider, Programmes: req.Programmes, SubmittedBy: actor,
	}
	var app domain.Application
	err = s.startWithUpdate(ctx, client.StartWorkflowOptions{
		ID:                       workflows.AdmissionWorkflowID(in.ApplicationID),
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		TypedSearchAttributes: temporal.NewSearchAttributes(
			workflows.AttrProcess.ValueSet(workflows.ProcessAdmission), workflows.AttrAuthority.ValueSet(in.Authority),
			workflows.AttrProvider.ValueSet(in.ProviderID), workflows.AttrYear.ValueSet(int64(in.Year))),
	}, workflows.AdmissionWorkflowType, in, workflows.UpdateApplicationSnapshot, actor, &app)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, app)
}

// mayReadApplication: the authority's ministry users, the provider that applied, operators.
func mayReadApplication(a domain.Actor, app domain.Application) bool {
	return inScope(a, Owner{Authority: app.Authority, Provider: app.ProviderID})
}

// loadApplication returns the application if the caller may see it; otherwise 404.
func (s *Server) loadApplication(c *gin.Context, actor domain.Actor) (domain.Application, bool) {
	id, err := pathIdent(c, "id")
	if err != nil {
		fail(c, domain.NotFound("application"))
		return domain.Application{}, false
	}
	app, err := s.store.GetApplication(c.Request.Context(), id)
	if err == nil && !mayReadApplication(actor, app) {
		err = domain.NotFound("application " + id)
	}
	if err != nil {
		fail(c, err)
		return app, false
	}
	return app, true
}

func (s *Server) listApplications(c *gin.Context) {
	actor, ok := require(c, domain.RoleMinistry, domain.RoleProvider, domain.RoleOperator)
	if !ok {
		return
	}
	f := postgres.ApplicationFilter{Authority: c.Query("authority"), Status: c.Query("status")}
	switch actor.Role {
	case domain.RoleMinistry:
		if f.Authority != "" && f.Authority != actor.Authority {
			fail(c, domain.Forbidden("a ministry user of %s sees the applications to %s only", actor.Authority, actor.Authority))
			return
		}
		f.Authority = actor.Authority
	case domain.RoleProvider:
		f.ProviderID = actor.Provider
	}
	if f.Status != "" {
		switch domain.ApplicationStatus(f.Status) {
		case domain.ApplicationUnderReview, domain.ApplicationReturned, domain.ApplicationAdmitted, domain.ApplicationRejected, domain.ApplicationLapsed:
		default:
			fail(c, domain.Invalid("invalid query", domain.FieldError{Field: "status", Message: "must be one of: under_review, returned, admitted, rejected, lapsed"}))
			return
		}
	}
	if raw := c.Query("overdue"); raw != "" {
		v, err := strconv.ParseBool(raw)
		if err != nil {
			fail(c, domain.Invalid("invalid query", domain.FieldError{Field: "overdue", Message: "must be true or false"}))
			return
		}
		f.Overdue = &v
	}
	limit, cursor, err := pageFrom(c)
	if err != nil {
		fail(c, err)
		return
	}
	items, next, err := s.store.ListApplications(c.Request.Context(), f, postgres.Page{Limit: limit, Cursor: cursor})
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, list(items, next))
}

func (s *Server) getApplication(c *gin.Context) {
	actor, ok := require(c, domain.RoleMinistry, domain.RoleProvider, domain.RoleOperator)
	if !ok {
		return
	}
	app, ok := s.loadApplication(c, actor)
	if !ok {
		return
	}
	history, err := s.store.Timeline(c.Request.Context(), app.ID)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, applicationView{Application: app, History: history})
}

type applicationDecisionRequest struct {
	Decision string   `json:"decision" validate:"required,oneof=admit return reject"`
	Reasons  []string `json:"reasons" validate:"max=50,dive,required,max=2000"`
}

func (s *Server) decideApplication(c *gin.Context) {
	actor, ok := require(c, domain.RoleMinistry)
	if !ok {
		return
	}
	app, ok := s.loadApplication(c, actor)
	if !ok {
		return
	}
	var req applicationDecisionRequest
	if err := s.bindJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	if req.Decision != workflows.DecisionAdmit && len(req.Reasons) == 0 {
		fail(c, domain.Invalid("invalid request", domain.FieldError{Field: "reasons", Message: "required to " + req.Decision + " an application"}))
		return
	}
	var out domain.Application
	if s.runStep(c, app.WorkflowID, workflows.UpdateDecideApplication,
		workflows.ApplicationDecision{Actor: actor, Decision: req.Decision, Reasons: req.Reasons}, &out,
		domain.Conflict("application %s is %s: only an application under review can be decided", app.ID, app.Status)) {
		c.JSON(http.StatusOK, out)
	}
}

func (s *Server) resubmitApplication(c *gin.Context) {
	actor, ok := require(c, domain.RoleProvider)
	if !ok {
		return
	}
	app, ok := s.loadApplication(c, actor)
	if !ok {
		return
	}
	var req applicationRequest
	if err := s.bindJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	var fields []domain.FieldError
	if req.Authority != app.Authority {
		fields = append(fields, domain.FieldError{Field: "authority", Message: "cannot change on resubmission; apply anew instead"})
	}
	if req.Year != app.Year {
		fields = append(fields, domain.FieldError{Field: "year", Message: "cannot change on resubmission; apply anew instead"})
	}
	if len(fields) > 0 {
		fail(c, domain.Invalid("invalid request", fields...))
		return
	}
	var out domain.Application
	if s.runStep(c, app.WorkflowID, workflows.UpdateResubmitApplication,
		workflows.Resubmission{Actor: actor, Provider: req.Provider, Programmes: req.Programmes}, &out,
		domain.Conflict("application %s is %s: only a returned application can be resubmitted", app.ID, app.Status)) {
		c.JSON(http.StatusOK, out)
	}
}

type declarationRequest struct {
	Authority  string             `json:"authority" validate:"omitempty,ident"`
	Year       int                `json:"year" validate:"required,gte=2019,lte=2100"`
	Programmes []domain.Programme `json:"programmes" validate:"required,min=1,max=200,dive"`
}

// providerMembership finds the membership a provider's request is about: the authority
// named in the body, or the only one the provider has.
func (s *Server) providerMembership(c *gin.Context, actor domain.Actor, authority string) (domain.Membership, bool) {
	providerID := c.Param("provider_id")
	if providerID != actor.Provider {
		fail(c, domain.NotFound("provider "+providerID))
		return domain.Membership{}, false
	}
	ctx := c.Request.Context()
	if authority != "" {
		m, err := s.store.GetMembership(ctx, providerID, authority)
		if err != nil {
			fail(c, err)
			return m, false
		}
		return m, true
	}
	ms, err := s.store.ProviderMemberships(ctx, providerID)
	if err != nil {
		fail(c, err)
		return domain.Membership{}, false
	}
	switch len(ms) {
	case 0:
		fail(c, domain.NotFound("registry membership of provider "+providerID))
		return domain.Membership{}, false
	case 1:
		return ms[0], true
	}
	fail(c, domain.Invalid("invalid request", domain.FieldError{Field: "authority", Message: "required: the provider is in the registries of several authorities"}))
	return domain.Membership{}, false
}

func (s *Server) declareProgrammes(c *gin.Context) {
	actor, ok := require(c, domain.RoleProvider)
	if !ok {
		return
	}
	var req declarationRequest
	if err := s.bindJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	m, ok := s.providerMembership(c, actor, req.Authority)
	if !ok {
		return
	}
	var out domain.Declaration
	if s.runStep(c, m.WorkflowID, workflows.UpdateDeclareProgrammes,
		workflows.DeclareProgrammes{Actor: actor, Year: req.Year, Programmes: req.Programmes}, &out,
		domain.Conflict("provider %s is %s in the registry of %s", m.ProviderID, m.Status, m.Authority)) {
		c.JSON(http.StatusCreated, out)
	}
}

type declarationDecisionRequest struct {
	Decision string   `json:"decision" validate:"required,oneof=accept return"`
	Reasons  []string `json:"reasons" validate:"max=50,dive,required,max=2000"`
}

func (s *Server) decideDeclaration(c *gin.Context) {
	actor, ok := require(c, domain.RoleMinistry)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	decl, err := s.store.GetDeclaration(ctx, c.Param("declaration_id"))
	if err == nil && (decl.ProviderID != c.Param("provider_id") || decl.Authority != actor.Authority) {
		err = domain.NotFound("declaration " + c.Param("declaration_id"))
	}
	if err != nil {
		fail(c, err)
		return
	}
	var req declarationDecisionRequest
	if err := s.bindJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	if req.Decision == workflows.DecisionReturn && len(req.Reasons) == 0 {
		fail(c, domain.Invalid("invalid request", domain.FieldError{Field: "reasons", Message: "required to return a declaration"}))
		return
	}
	m, err := s.store.GetMembership(ctx, decl.ProviderID, decl.Authority)
	if err != nil {
		fail(c, err)
		return
	}
	var out domain.Declaration
	if s.runStep(c, m.WorkflowID, workflows.UpdateDecideDeclaration,
		workflows.DeclarationDecision{Actor: actor, DeclarationID: decl.ID, Decision: req.Decision, Reasons: req.Reasons}, &out,
		domain.Conflict("provider %s is %s: its declarations are closed", m.ProviderID, m.Status)) {
		c.JSON(http.StatusOK, out)
	}
}

type exclusionRequest struct {
	Reason    string `json:"reason" validate:"required,max=2000"`
	Authority string `json:"authority" validate:"omitempty,ident"`
}

// exclusion is the provider's request for exclusion (заявление об исключении) or the
// ministry's decision to exclude.
func (s *Server) exclusion(c *gin.Context) {
	actor, ok := require(c, domain.RoleProvider, domain.RoleMinistry)
	if !ok {
		return
	}
	var req exclusionRequest
	if err := s.bindJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	var (
		m      domain.Membership
		update = workflows.UpdateRequestExclusion
	)
	if actor.Role == domain.RoleProvider {
		if m, ok = s.providerMembership(c, actor, req.Authority); !ok {
			return
		}
	} else {
		if req.Authority != "" && req.Authority != actor.Authority {
			fail(c, domain.Forbidden("a ministry user of %s excludes from the registry of %s only", actor.Authority, actor.Authority))
			return
		}
		var err error
		if m, err = s.store.GetMembership(c.Request.Context(), c.Param("provider_id"), actor.Authority); err != nil {
			fail(c, err)
			return
		}
		update = workflows.UpdateExclude
	}
	var out domain.Membership
	if s.runStep(c, m.WorkflowID, update,
		workflows.ExclusionStep{Actor: actor, Reason: req.Reason}, &out,
		domain.Conflict("provider %s is already excluded from the registry of %s", m.ProviderID, m.Authority)) {
		c.JSON(http.StatusOK, out)
	}
}

// publicRegistry is the public registry: no token, no personal data beyond what a provider
// publishes about itself.
func (s *Server) publicRegistry(c *gin.Context) {
	var fields []domain.FieldError
	authority := c.Query("authority")
	if !identRE.MatchString(authority) {
		fields = append(fields, domain.FieldError{Field: "authority", Message: "required: the authority whose registry to list"})
	}
	year, err := strconv.Atoi(c.Query("year"))
	if c.Query("year") == "" {
		year = time.Now().Year()
	} else if err != nil || year < 2019 || year > 2100 {
		fields = append(fields, domain.FieldError{Field: "year", Message: "must be a year from 2019 to 2100"})
	}
	if len(fields) > 0 {
		fail(c, domain.Invalid("invalid query", fields...))
		return
	}
	items, err := s.store.PublicRegistry(c.Request.Context(), authority, year)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"authority": authority, "year": year, "items": items, "next_cursor": ""})
}
