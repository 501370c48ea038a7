package api

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// listNotifications shows the caller's feed, newest first: what is addressed to the caller
// in person or to the caller's role within the caller's scope.
func (s *Server) listNotifications(c *gin.Context) {
	page, err := pageOf(c)
	if err != nil {
		fail(c, err)
		return
	}
	items, next, err := s.app.Notifications(c.Request.Context(), actorOf(c), page)
	respond(c, http.StatusOK, list(items, next), err)
}
