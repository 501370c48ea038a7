package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/profdev/profdev/internal/postgres"
)

// listNotifications shows the caller's feed, newest first: what is addressed to the caller
// in person or to the caller's role within the caller's scope.
func (s *Server) listNotifications(c *gin.Context) {
	limit, cursor, err := pageFrom(c)
	if err != nil {
		fail(c, err)
		return
	}
	items, next, err := s.store.ListNotifications(c.Request.Context(), actorOf(c), postgres.Page{Limit: limit, Cursor: cursor})
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, list(items, next))
}
