package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/profdev/profdev/internal/app"
	"github.com/profdev/profdev/internal/domain"
)

// The task inbox and the agency overview, computed from the read models of every process.

func (s *Server) inboxRoutes(authed *gin.RouterGroup) {
	authed.GET("/tasks", s.tasks)
	authed.GET("/agencies/:agency/overview", s.agencyOverview)
}

// tasks lists what waits on the caller, earliest due first.
func (s *Server) tasks(c *gin.Context) {
	items, err := s.app.Tasks(c.Request.Context(), actorOf(c))
	respond(c, http.StatusOK, list(items, ""), err)
}

// agencyOverview gives HR of the agency, the ministry it belongs to, and operators the
// agency's counts by process and status and its overdue items.
func (s *Server) agencyOverview(c *gin.Context) {
	actor := actorOf(c)
	if err := app.Require(actor, domain.RoleHR, domain.RoleMinistry, domain.RoleOperator); err != nil {
		fail(c, err)
		return
	}
	agency, err := pathIdent(c, "agency")
	if err != nil {
		fail(c, err)
		return
	}
	out, err := s.app.AgencyOverview(c.Request.Context(), actor, agency)
	respond(c, http.StatusOK, out, err)
}
