package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/internal/postgres"
)

type putAgencyRequest struct {
	Name      string   `json:"name" validate:"required,max=500"`
	Authority string   `json:"authority" validate:"required,ident"`
	Region    string   `json:"region" validate:"required,max=100"`
	HREmails  []string `json:"hr_emails" validate:"max=100,dive,email"`
	HeadEmail string   `json:"head_email" validate:"omitempty,email"`
}

// putAgency registers or updates an agency of the caller's own authority.
func (s *Server) putAgency(c *gin.Context) {
	actor, ok := require(c, domain.RoleMinistry)
	if !ok {
		return
	}
	id, err := pathIdent(c, "agency")
	if err != nil {
		fail(c, err)
		return
	}
	var req putAgencyRequest
	if err := s.bindJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	if req.Authority != actor.Authority {
		fail(c, domain.Forbidden("a ministry user of %s registers agencies of %s only", actor.Authority, actor.Authority))
		return
	}
	existing, err := s.store.GetAgency(c.Request.Context(), id)
	switch {
	case err == nil && existing.Authority != actor.Authority:
		// Another authority's agency: as far as this caller knows, it does not exist.
		fail(c, domain.NotFound("agency "+id))
		return
	case err != nil && !domain.IsCode(err, domain.CodeNotFound):
		fail(c, err)
		return
	}
	out, err := s.store.PutAgency(c.Request.Context(), domain.Agency{
		ID: id, Name: req.Name, Authority: req.Authority, Region: req.Region,
		HREmails: req.HREmails, HeadEmail: req.HeadEmail,
	})
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, out)
}

// listAgencies lists agencies: a ministry user sees its own authority's, the operator any.
func (s *Server) listAgencies(c *gin.Context) {
	actor, ok := require(c, domain.RoleMinistry, domain.RoleOperator)
	if !ok {
		return
	}
	authority := c.Query("authority")
	if actor.Role == domain.RoleMinistry {
		if authority != "" && authority != actor.Authority {
			fail(c, domain.Forbidden("a ministry user of %s lists the agencies of %s only", actor.Authority, actor.Authority))
			return
		}
		authority = actor.Authority
	}
	limit, cursor, err := pageFrom(c)
	if err != nil {
		fail(c, err)
		return
	}
	items, next, err := s.store.ListAgencies(c.Request.Context(), authority, postgres.Page{Limit: limit, Cursor: cursor})
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, list(items, next))
}

type putAuthorityRequest struct {
	Name   string   `json:"name" validate:"required,max=500"`
	Region string   `json:"region" validate:"required,max=100"`
	Emails []string `json:"emails" validate:"max=100,dive,email"`
}

// putAuthority lets a ministry user keep its own authority's record.
func (s *Server) putAuthority(c *gin.Context) {
	actor, ok := require(c, domain.RoleMinistry)
	if !ok {
		return
	}
	id, err := pathIdent(c, "authority")
	if err != nil {
		fail(c, err)
		return
	}
	var req putAuthorityRequest
	if err := s.bindJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	if id != actor.Authority {
		fail(c, domain.Forbidden("a ministry user of %s keeps the record of %s only", actor.Authority, actor.Authority))
		return
	}
	out, err := s.store.PutAuthority(c.Request.Context(), domain.Authority{ID: id, Name: req.Name, Region: req.Region, Emails: req.Emails})
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, out)
}

// getAuthority shows an authority's record to any signed-in user: names and regions are
// public facts; the staff addresses are shown only to that authority's own users and operators.
func (s *Server) getAuthority(c *gin.Context) {
	actor := actorOf(c)
	id, err := pathIdent(c, "authority")
	if err != nil {
		fail(c, err)
		return
	}
	out, err := s.store.GetAuthority(c.Request.Context(), id)
	if err != nil {
		fail(c, err)
		return
	}
	if actor.Role != domain.RoleOperator && actor.Authority != id {
		out.Emails = nil
	}
	c.JSON(http.StatusOK, out)
}
