package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/profdev/profdev/internal/app"
	"github.com/profdev/profdev/internal/domain"
)

// The directory of organisations: authorities and agencies.

type putAgencyRequest struct {
	Name      string   `json:"name" validate:"required,max=500"`
	Authority string   `json:"authority" validate:"required,ident"`
	Region    string   `json:"region" validate:"required,max=100"`
	HREmails  []string `json:"hr_emails" validate:"max=100,dive,email"`
	HeadEmail string   `json:"head_email" validate:"omitempty,email"`
}

// putAgency registers or updates an agency of the caller's own authority.
func (s *Server) putAgency(c *gin.Context) {
	actor := actorOf(c)
	if err := app.Require(actor, domain.RoleMinistry); err != nil {
		fail(c, err)
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
	out, err := s.app.PutAgency(c.Request.Context(), actor, domain.Agency{
		ID: id, Name: req.Name, Authority: req.Authority, Region: req.Region,
		HREmails: req.HREmails, HeadEmail: req.HeadEmail,
	})
	respond(c, http.StatusOK, out, err)
}

// listAgencies lists agencies: a ministry user sees its own authority's, the operator any.
func (s *Server) listAgencies(c *gin.Context) {
	actor := actorOf(c)
	if err := app.Require(actor, domain.RoleMinistry, domain.RoleOperator); err != nil {
		fail(c, err)
		return
	}
	page, err := pageOf(c)
	if err != nil {
		fail(c, err)
		return
	}
	items, next, err := s.app.Agencies(c.Request.Context(), actor, c.Query("authority"), page)
	respond(c, http.StatusOK, list(items, next), err)
}

type putAuthorityRequest struct {
	Name   string   `json:"name" validate:"required,max=500"`
	Region string   `json:"region" validate:"required,max=100"`
	Emails []string `json:"emails" validate:"max=100,dive,email"`
}

// putAuthority lets a ministry user keep its own authority's record.
func (s *Server) putAuthority(c *gin.Context) {
	actor := actorOf(c)
	if err := app.Require(actor, domain.RoleMinistry); err != nil {
		fail(c, err)
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
	out, err := s.app.PutAuthority(c.Request.Context(), actor, domain.Authority{ID: id, Name: req.Name, Region: req.Region, Emails: req.Emails})
	respond(c, http.StatusOK, out, err)
}

// getAuthority shows an authority's record to any signed-in user; the staff addresses only
// to that authority's own users and operators.
func (s *Server) getAuthority(c *gin.Context) {
	id, err := pathIdent(c, "authority")
	if err != nil {
		fail(c, err)
		return
	}
	out, err := s.app.Authority(c.Request.Context(), actorOf(c), id)
	respond(c, http.StatusOK, out, err)
}
