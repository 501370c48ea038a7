package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"

	"github.com/gin-gonic/gin"

	"github.com/profdev/profdev/internal/app"
	"github.com/profdev/profdev/internal/document"
	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/internal/postgres"
)

// The management reserve (резерв управленческих кадров), process 3: the authority's quotas,
// the agencies' nominations and their candidates, and the lists of seed 002's appendices.
// The steps themselves are internal/app's (reserve.go, reserve_candidates.go).

func (s *Server) reserveRoutes(authed *gin.RouterGroup) {
	authed.PUT("/reserve/quotas/:year/:agency", s.putReserveQuotas)
	authed.POST("/reserve/nominations", s.idempotent(s.createNomination))
	authed.GET("/reserve/nominations", s.listNominations)
	authed.GET("/reserve/nominations/:id", s.getNomination)
	authed.GET("/reserve/nominations/:id/lists", s.nominationLists)
	authed.POST("/reserve/nominations/:id/approval", s.idempotent(s.approveNomination))
	authed.POST("/reserve/nominations/:id/submission", s.idempotent(s.submitNomination))
	authed.POST("/reserve/nominations/:id/candidates", s.idempotent(s.addReserveCandidate))
	authed.PUT("/reserve/nominations/:id/candidates/:cid", s.editReserveCandidate)
	authed.DELETE("/reserve/nominations/:id/candidates/:cid", s.removeReserveCandidate)
	authed.POST("/reserve/nominations/:id/candidates/:cid/decision", s.idempotent(s.decideReserveCandidate))
	authed.POST("/reserve/nominations/:id/candidates/:cid/correction", s.idempotent(s.correctReserveCandidate))
	authed.POST("/reserve/nominations/:id/candidates/:cid/selection-result", s.idempotent(s.recordSelectionResult))
}

type reserveQuotaRequest struct {
	I   *int `json:"I" validate:"required,gte=0,lte=10000"`
	II  *int `json:"II" validate:"required,gte=0,lte=10000"`
	III *int `json:"III" validate:"required,gte=0,lte=10000"`
}

// putReserveQuotas sets the list-2 quotas of an agency for a year (квоты); the role is
// checked before the path and the body are read.
func (s *Server) putReserveQuotas(c *gin.Context) {
	actor := actorOf(c)
	if err := app.Require(actor, domain.RoleReserveAuthority); err != nil {
		fail(c, err)
		return
	}
	year, err := pathYear(c)
	if err != nil {
		fail(c, err)
		return
	}
	agency, err := pathIdent(c, "agency")
	if err != nil {
		fail(c, err)
		return
	}
	var req reserveQuotaRequest
	if err := s.bindJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	q, err := s.app.SetReserveQuotas(c.Request.Context(), actor, agency, year, domain.ReserveQuotas{I: *req.I, II: *req.II, III: *req.III})
	respond(c, http.StatusOK, q, err)
}

type nominationRequest struct {
	Year      int    `json:"year" validate:"required"`
	Authority string `json:"authority" validate:"required,ident"`
}

// Check refuses a year profdev never accepts; which years a nomination may be formed for
// is the application layer's rule.
func (r *nominationRequest) Check() []domain.FieldError {
	if r.Year != 0 && !domain.ValidYear(r.Year) {
		return []domain.FieldError{{Field: "year", Message: domain.YearMessage}}
	}
	return nil
}

// createNomination starts the agency's nomination for a year; the role is checked before
// the body is read.
func (s *Server) createNomination(c *gin.Context) {
	actor := actorOf(c)
	if err := app.Require(actor, domain.RoleHR); err != nil {
		fail(c, err)
		return
	}
	var req nominationRequest
	if err := s.bindJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	n, err := s.app.CreateNomination(c.Request.Context(), actor, req.Year, req.Authority)
	respond(c, http.StatusCreated, n, err)
}

// nominationStatuses are the values ?status= may take.
var nominationStatuses = []domain.NominationStatus{domain.NominationDraft, domain.NominationApproved,
	domain.NominationSubmitted, domain.NominationUnderReview, domain.NominationDecided}

// nominationFilter reads the query of the nominations list, naming every bad parameter.
func nominationFilter(c *gin.Context) (postgres.NominationFilter, error) {
	f := postgres.NominationFilter{Authority: c.Query("authority"), Agency: c.Query("agency"), Status: c.Query("status")}
	var fields []domain.FieldError
	if f.Status != "" && !slices.Contains(nominationStatuses, domain.NominationStatus(f.Status)) {
		fields = append(fields, domain.FieldError{Field: "status", Message: "must be one of: draft, approved, submitted, under_review, decided"})
	}
	year, err := queryYear(c)
	var bad *domain.Error
	if errors.As(err, &bad) {
		fields = append(fields, bad.Fields...)
	}
	f.Year = year
	if len(fields) > 0 {
		return f, domain.Invalid("invalid query", fields...)
	}
	return f, nil
}

func (s *Server) listNominations(c *gin.Context) {
	f, err := nominationFilter(c)
	page, pageErr := pageOf(c)
	if pageErr != nil { // a bad page is reported alone, as it always was
		err = pageErr
	}
	if err != nil {
		fail(c, err)
		return
	}
	items, next, err := s.app.Nominations(c.Request.Context(), actorOf(c), f, page)
	respond(c, http.StatusOK, list(items, next), err)
}

// nominationView is a nomination with its timeline.
type nominationView = app.NominationView

func (s *Server) getNomination(c *gin.Context) {
	v, err := s.app.NominationWithHistory(c.Request.Context(), actorOf(c), c.Param("id"))
	respond(c, http.StatusOK, v, err)
}

// nominationLists renders lists 1 and 2 as in appendices 1 and 2 of seed 002: printable HTML,
// or CSV for a spreadsheet. The role and the scope are checked before the format.
func (s *Server) nominationLists(c *gin.Context) {
	n, err := s.app.ReserveLists(c.Request.Context(), actorOf(c), c.Param("id"))
	if err != nil {
		fail(c, err)
		return
	}
	switch format := c.DefaultQuery("format", "html"); format {
	case "csv":
		body, err := document.ReserveListsCSV(n)
		if err != nil {
			fail(c, err)
			return
		}
		c.Header("Content-Disposition", fmt.Sprintf(`attachment; filename="reserve-lists-%s-%d.csv"`, n.Agency, n.Year))
		c.Data(http.StatusOK, "text/csv; charset=utf-8", body)
	case "html":
		body, err := document.ReserveListsHTML(n)
		if err != nil {
			fail(c, err)
			return
		}
		c.Data(http.StatusOK, "text/html; charset=utf-8", body)
	default:
		fail(c, domain.Invalid("invalid query", domain.FieldError{Field: "format", Message: "must be one of: csv, html"}))
	}
}

// nominationStep binds the body of a step on a nomination or one of its candidates and runs
// it: the role, the scope and the candidate are checked before the body is read, so a
// stranger learns nothing from a 400.
func nominationStep[T any](s *Server, c *gin.Context, role domain.Role, body any, status int,
	run func(ctx context.Context, a domain.Actor, id, cid string) (T, error)) {
	ctx, actor, id, cid := c.Request.Context(), actorOf(c), c.Param("id"), c.Param("cid")
	if err := s.app.MayTakeNominationStep(ctx, actor, id, cid, role); err != nil {
		fail(c, err)
		return
	}
	if err := s.bindJSON(c, body); err != nil {
		fail(c, err)
		return
	}
	out, err := run(ctx, actor, id, cid)
	respond(c, status, out, err)
}

func (s *Server) addReserveCandidate(c *gin.Context) {
	var req domain.CandidateData
	nominationStep(s, c, domain.RoleHR, &req, http.StatusCreated, func(ctx context.Context, a domain.Actor, id, _ string) (domain.ReserveCandidate, error) {
		return s.app.AddCandidate(ctx, a, id, req)
	})
}

func (s *Server) editReserveCandidate(c *gin.Context) {
	var req domain.CandidateData
	nominationStep(s, c, domain.RoleHR, &req, http.StatusOK, func(ctx context.Context, a domain.Actor, id, cid string) (domain.ReserveCandidate, error) {
		return s.app.EditCandidate(ctx, a, id, cid, req)
	})
}

func (s *Server) removeReserveCandidate(c *gin.Context) {
	n, err := s.app.RemoveCandidate(c.Request.Context(), actorOf(c), c.Param("id"), c.Param("cid"))
	respond(c, http.StatusOK, n, err)
}

func (s *Server) approveNomination(c *gin.Context) {
	n, err := s.app.ApproveNomination(c.Request.Context(), actorOf(c), c.Param("id"))
	respond(c, http.StatusOK, n, err)
}

func (s *Server) submitNomination(c *gin.Context) {
	n, err := s.app.SubmitNomination(c.Request.Context(), actorOf(c), c.Param("id"))
	respond(c, http.StatusOK, n, err)
}

type candidateDecisionRequest struct {
	Decision string `json:"decision" validate:"required,oneof=admit not_admitted correction"`
	Reason   string `json:"reason" validate:"required_unless=Decision admit,max=2000"`
}

func (s *Server) decideReserveCandidate(c *gin.Context) {
	var req candidateDecisionRequest
	nominationStep(s, c, domain.RoleReserveAuthority, &req, http.StatusOK, func(ctx context.Context, a domain.Actor, id, cid string) (domain.ReserveCandidate, error) {
		return s.app.DecideCandidate(ctx, a, id, cid, req.Decision, req.Reason)
	})
}

// correctionRequest is the corrected candidate: its data as it should now stand.
type correctionRequest struct {
	domain.CandidateData
	Comment string `json:"comment" validate:"max=2000"`
}

func (s *Server) correctReserveCandidate(c *gin.Context) {
	var req correctionRequest
	nominationStep(s, c, domain.RoleHR, &req, http.StatusOK, func(ctx context.Context, a domain.Actor, id, cid string) (domain.ReserveCandidate, error) {
		return s.app.CorrectCandidate(ctx, a, id, cid, req.CandidateData, req.Comment)
	})
}

type selectionResultRequest struct {
	Included *bool  `json:"included" validate:"required"`
	Category string `json:"category" validate:"omitempty,oneof=I II III"`
}

func (s *Server) recordSelectionResult(c *gin.Context) {
	var req selectionResultRequest
	nominationStep(s, c, domain.RoleReserveAuthority, &req, http.StatusOK, func(ctx context.Context, a domain.Actor, id, cid string) (domain.ReserveCandidate, error) {
		return s.app.RecordSelection(ctx, a, id, cid, *req.Included, domain.ReserveCategory(req.Category))
	})
}
