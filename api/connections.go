package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/workflows"
)

// Connecting organisations and their authorised people (process 5).

func (s *Server) connectionRoutes(authed *gin.RouterGroup) {
	authed.POST("/connections", s.idempotent(s.submitConnection))
	authed.GET("/connections", s.listConnections)
	authed.GET("/connections/:id", s.getConnection)
	authed.POST("/connections/:id/decision", s.idempotent(s.decideConnection))
	authed.POST("/connections/:id/resubmission", s.idempotent(s.resubmitConnection))
	authed.POST("/invitations/:code", s.idempotent(s.acceptInvitation))
	authed.GET("/organisations/:org/people", s.listPeople)
	authed.PUT("/organisations/:org/people/:person_id/role", s.setPersonRole)
	authed.POST("/organisations/:org/changes", s.idempotent(s.submitChange))
	authed.GET("/organisations/:org/changes/:change_id", s.getChange)
	authed.POST("/organisations/:org/changes/:change_id/decision", s.idempotent(s.decideChange))
}

// applicantRoutes are what a signed-in person with no role yet may reach (the registry's
// answer for a subject it does not know).
var applicantRoutes = map[string]bool{
	"POST /api/v1/connections":                  true,
	"GET /api/v1/connections":                   true,
	"GET /api/v1/connections/:id":               true,
	"POST /api/v1/connections/:id/resubmission": true,
	"POST /api/v1/invitations/:code":            true,
}

func (s *Server) submitConnection(c *gin.Context) {
	var req domain.ConnectionRequest
	if err := s.bindJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	out, err := s.app.SubmitConnection(c.Request.Context(), actorOf(c), req)
	respond(c, http.StatusCreated, out, err)
}

func (s *Server) listConnections(c *gin.Context) {
	page, err := pageOf(c)
	if err != nil {
		fail(c, err)
		return
	}
	items, next, err := s.app.Connections(c.Request.Context(), actorOf(c), c.Query("status"), page)
	respond(c, http.StatusOK, list(items, next), err)
}

func (s *Server) getConnection(c *gin.Context) {
	out, err := s.app.Connection(c.Request.Context(), actorOf(c), c.Param("id"))
	respond(c, http.StatusOK, out, err)
}

type connectionDecisionRequest struct {
	Decision string   `json:"decision" validate:"required,oneof=accept return"`
	Reasons  []string `json:"reasons" validate:"max=50,dive,required,max=2000"`
}

func (s *Server) decideConnection(c *gin.Context) {
	var req connectionDecisionRequest
	if err := s.bindJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	if req.Decision == workflows.DecisionReturn && len(req.Reasons) == 0 {
		fail(c, domain.Invalid("a return gives its reasons", domain.FieldError{Field: "reasons", Message: "required to return a request"}))
		return
	}
	out, err := s.app.DecideConnection(c.Request.Context(), actorOf(c), c.Param("id"),
		workflows.ConnectionDecision{Decision: req.Decision, Reasons: req.Reasons})
	respond(c, http.StatusOK, out, err)
}

func (s *Server) resubmitConnection(c *gin.Context) {
	var req domain.ConnectionRequest
	if err := s.bindJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	out, err := s.app.ResubmitConnection(c.Request.Context(), actorOf(c), c.Param("id"), req)
	respond(c, http.StatusOK, out, err)
}

func (s *Server) acceptInvitation(c *gin.Context) {
	out, err := s.app.AcceptInvitation(c.Request.Context(), actorOf(c), c.Param("code"))
	respond(c, http.StatusOK, out, err)
}

func (s *Server) listPeople(c *gin.Context) {
	org, err := pathIdent(c, "org")
	if err != nil {
		fail(c, err)
		return
	}
	page, err := pageOf(c)
	if err != nil {
		fail(c, err)
		return
	}
	items, next, err := s.app.People(c.Request.Context(), actorOf(c), org, c.Query("status"), page)
	respond(c, http.StatusOK, list(items, next), err)
}

type roleRequest struct {
	Role domain.Role `json:"role" validate:"required,oneof=hr agency_head provider org_admin"`
}

func (s *Server) setPersonRole(c *gin.Context) {
	var req roleRequest
	if err := s.bindJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	out, err := s.app.SetPersonRole(c.Request.Context(), actorOf(c), c.Param("org"), c.Param("person_id"), req.Role)
	respond(c, http.StatusOK, out, err)
}

func (s *Server) submitChange(c *gin.Context) {
	var req domain.ChangeRequestBody
	if err := s.bindJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	out, err := s.app.SubmitChange(c.Request.Context(), actorOf(c), c.Param("org"), req)
	respond(c, http.StatusCreated, out, err)
}

func (s *Server) getChange(c *gin.Context) {
	out, err := s.app.Change(c.Request.Context(), actorOf(c), c.Param("org"), c.Param("change_id"))
	respond(c, http.StatusOK, out, err)
}

type changeDecisionRequest struct {
	Decision string   `json:"decision" validate:"required,oneof=apply return"`
	Reasons  []string `json:"reasons" validate:"max=50,dive,required,max=2000"`
}

func (s *Server) decideChange(c *gin.Context) {
	var req changeDecisionRequest
	if err := s.bindJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	if req.Decision == workflows.DecisionReturn && len(req.Reasons) == 0 {
		fail(c, domain.Invalid("a return gives its reasons", domain.FieldError{Field: "reasons", Message: "required to return a change request"}))
		return
	}
	out, err := s.app.DecideChange(c.Request.Context(), actorOf(c), c.Param("org"), c.Param("change_id"),
		workflows.ChangeDecision{Decision: req.Decision, Reasons: req.Reasons})
	respond(c, http.StatusOK, out, err)
}
