package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/profdev/profdev/internal/app"
	"github.com/profdev/profdev/internal/domain"
)

// Operators (read-only everywhere): find workflows through Temporal visibility, and read a
// workflow's raw history next to its domain timeline.

func (s *Server) opsRoutes(authed *gin.RouterGroup) {
	authed.GET("/ops/workflows", s.listWorkflows)
	authed.GET("/ops/workflows/:workflow_id/history", s.workflowHistory)
}

// workflowSummary is one row of the operators' list.
type workflowSummary = app.WorkflowSummary

func (s *Server) listWorkflows(c *gin.Context) {
	actor := actorOf(c)
	if err := app.Require(actor, domain.RoleOperator); err != nil {
		fail(c, err)
		return
	}
	f := app.WorkflowFilter{Type: c.Query("type"), Process: c.Query("process"), Status: c.Query("status"), Query: c.Query("query")}
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
	items, next, err := s.app.Workflows(c.Request.Context(), actor, f, page)
	respond(c, http.StatusOK, list(items, next), err)
}

// workflowHistory returns the raw history events of a workflow's latest run and the domain
// timeline recorded for its subject (who did what, when).
func (s *Server) workflowHistory(c *gin.Context) {
	out, err := s.app.WorkflowHistory(c.Request.Context(), actorOf(c), c.Param("workflow_id"))
	respond(c, http.StatusOK, out, err)
}
