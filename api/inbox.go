package api

import (
	"net/http"
	"time"

	"cloud.google.com/go/civil"
	"github.com/gin-gonic/gin"

	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/workflows"
)

// The task inbox and the agency overview, computed from the read models of every process.

func (s *Server) inboxRoutes(authed *gin.RouterGroup) {
	authed.GET("/tasks", s.tasks)
	authed.GET("/agencies/:agency/overview", s.agencyOverview)
}

// tasks lists what waits on the caller, earliest due first.
func (s *Server) tasks(c *gin.Context) {
	actor := actorOf(c)
	items, err := s.store.Tasks(c.Request.Context(), actor, civil.DateOf(time.Now().In(workflows.Moscow)))
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, list(items, ""))
}

// agencyOverview gives HR of the agency, the ministry it belongs to, and operators the
// agency's counts by process and status and its overdue items.
func (s *Server) agencyOverview(c *gin.Context) {
	actor, ok := require(c, domain.RoleHR, domain.RoleMinistry, domain.RoleOperator)
	if !ok {
		return
	}
	agency, err := pathIdent(c, "agency")
	if err != nil {
		fail(c, err)
		return
	}
	ctx := c.Request.Context()
	switch actor.Role {
	case domain.RoleHR:
		if actor.Agency != agency {
			fail(c, domain.NotFound("agency "+agency))
			return
		}
	case domain.RoleMinistry:
		a, err := s.store.GetAgency(ctx, agency)
		if err == nil && a.Authority != actor.Authority {
			err = domain.NotFound("agency " + agency)
		}
		if err != nil {
			fail(c, err)
			return
		}
	}
	o, err := s.store.Overview(ctx, agency)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, o)
}
