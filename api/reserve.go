package api

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/profdev/profdev/internal/document"
	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/internal/postgres"
	"github.com/profdev/profdev/workflows"
)

// The management reserve (резерв управленческих кадров), process 3: the authority's quotas,
// the agencies' nominations and their candidates, and the lists of seed 002's appendices.

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

// putReserveQuotas sets the list-2 quotas of an agency for a year (квоты, seed 002 item 12)
// and passes them to the agency's running nomination, whose validators enforce them.
func (s *Server) putReserveQuotas(c *gin.Context) {
	actor, ok := require(c, domain.RoleReserveAuthority)
	if !ok {
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
	ctx := c.Request.Context()
	if _, err := s.store.GetAgency(ctx, agency); err != nil {
		fail(c, err)
		return
	}
	q, err := s.store.PutReserveQuotas(ctx, domain.ReserveQuota{Authority: actor.Authority, Agency: agency, Year: year,
		ReserveQuotas: domain.ReserveQuotas{I: *req.I, II: *req.II, III: *req.III}, SetBy: actor})
	if err != nil {
		fail(c, err)
		return
	}
	// No nomination yet, or a closed one, has nothing to update: a new one reads the quotas
	// when it starts. Another failure is reported so that the caller retries the PUT.
	var n domain.Nomination
	err = s.update(ctx, workflows.NominationWorkflowID(actor.Authority, agency, year), workflows.UpdateSetQuotas,
		workflows.QuotaChange{Actor: actor, Quotas: q.ReserveQuotas}, &n)
	if err != nil && !closedProcess(err) {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, q)
}

type nominationRequest struct {
	Year      int    `json:"year" validate:"required,gte=2019,lte=2100"`
	Authority string `json:"authority" validate:"required,ident"`
}

// createNomination starts the agency's nomination for a year with one reserve authority.
func (s *Server) createNomination(c *gin.Context) {
	actor, ok := require(c, domain.RoleHR)
	if !ok {
		return
	}
	var req nominationRequest
	if err := s.bindJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	// Lists are formed for the year under way or the coming one (seed 002 item 9).
	if now := time.Now().In(workflows.Moscow).Year(); req.Year < now || req.Year > now+1 {
		fail(c, domain.Invalid("invalid request", domain.FieldError{Field: "year", Message: fmt.Sprintf("must be %d or %d", now, now+1)}))
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
	agency, err := s.store.GetAgency(ctx, actor.Agency)
	if domain.IsCode(err, domain.CodeNotFound) {
		err = domain.Conflict("agency %s is not in the directory: the ministry registers it before it nominates", actor.Agency)
	}
	if err != nil {
		fail(c, err)
		return
	}
	existing, _, err := s.store.ListNominations(ctx, postgres.NominationFilter{Agency: actor.Agency, Year: req.Year}, postgres.Page{Limit: 1})
	if err == nil && len(existing) > 0 {
		err = domain.Conflict("agency %s already has nomination %s for %d", actor.Agency, existing[0].ID, req.Year)
	}
	if err != nil {
		fail(c, err)
		return
	}
	in := workflows.NominationInput{Authority: authority.ID, Region: authority.Region, Agency: agency.ID,
		AgencyName: agency.Name, Year: req.Year, CreatedBy: actor}
	id := workflows.NominationWorkflowID(in.Authority, in.Agency, in.Year)
	var n domain.Nomination
	err = s.startWithUpdate(ctx, client.StartWorkflowOptions{
		ID:                       id,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		TypedSearchAttributes: temporal.NewSearchAttributes(
			workflows.AttrProcess.ValueSet(workflows.ProcessReserveNomination), workflows.AttrAuthority.ValueSet(in.Authority),
			workflows.AttrAgency.ValueSet(in.Agency), workflows.AttrYear.ValueSet(int64(in.Year))),
	}, workflows.NominationWorkflowType, in, workflows.UpdateNominationSnapshot, actor, &n)
	if domain.IsCode(err, domain.CodeConflict) {
		err = domain.Conflict("agency %s already has nomination %s for %d", actor.Agency, id, req.Year)
	}
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, n)
}

// loadNomination returns the nomination if the caller may see it; otherwise 404.
func (s *Server) loadNomination(c *gin.Context, actor domain.Actor) (domain.Nomination, bool) {
	id := c.Param("id")
	if !workflowIDRE.MatchString(id) {
		fail(c, domain.NotFound("nomination"))
		return domain.Nomination{}, false
	}
	n, err := s.store.GetNomination(c.Request.Context(), id)
	if err == nil && !inScope(actor, Owner{Authority: n.Authority, Agency: n.Agency}) {
		err = domain.NotFound("nomination " + id)
	}
	if err != nil {
		fail(c, err)
		return n, false
	}
	return n, true
}

// loadCandidate returns the nomination and the candidate of the path; otherwise 404.
func (s *Server) loadCandidate(c *gin.Context, actor domain.Actor) (domain.Nomination, domain.ReserveCandidate, bool) {
	n, ok := s.loadNomination(c, actor)
	if !ok {
		return n, domain.ReserveCandidate{}, false
	}
	cand, found := n.Candidate(c.Param("cid"))
	if !found {
		fail(c, domain.NotFound("candidate "+c.Param("cid")))
	}
	return n, cand, found
}

func (s *Server) listNominations(c *gin.Context) {
	actor, ok := require(c, domain.RoleHR, domain.RoleAgencyHead, domain.RoleReserveAuthority, domain.RoleOperator)
	if !ok {
		return
	}
	f := postgres.NominationFilter{Authority: c.Query("authority"), Agency: c.Query("agency"), Status: c.Query("status")}
	switch actor.Role {
	case domain.RoleHR, domain.RoleAgencyHead:
		if f.Agency != "" && f.Agency != actor.Agency {
			fail(c, domain.Forbidden("the agency's own nominations only"))
			return
		}
		f.Agency = actor.Agency
	case domain.RoleReserveAuthority:
		if f.Authority != "" && f.Authority != actor.Authority {
			fail(c, domain.Forbidden("the nominations to %s only", actor.Authority))
			return
		}
		f.Authority = actor.Authority
	}
	var fields []domain.FieldError
	switch domain.NominationStatus(f.Status) {
	case "", domain.NominationDraft, domain.NominationApproved, domain.NominationSubmitted, domain.NominationUnderReview, domain.NominationDecided:
	default:
		fields = append(fields, domain.FieldError{Field: "status", Message: "must be one of: draft, approved, submitted, under_review, decided"})
	}
	if raw := c.Query("year"); raw != "" {
		if y, err := strconv.Atoi(raw); err != nil || y < 2019 || y > 2100 {
			fields = append(fields, domain.FieldError{Field: "year", Message: "must be a year from 2019 to 2100"})
		} else {
			f.Year = y
		}
	}
	limit, cursor, err := pageFrom(c)
	if err != nil {
		fail(c, err)
		return
	}
	if len(fields) > 0 {
		fail(c, domain.Invalid("invalid query", fields...))
		return
	}
	items, next, err := s.store.ListNominations(c.Request.Context(), f, postgres.Page{Limit: limit, Cursor: cursor})
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, list(items, next))
}

// nominationView is a nomination with its timeline.
type nominationView struct {
	domain.Nomination
	History []domain.Event `json:"history"`
}

func (s *Server) getNomination(c *gin.Context) {
	actor, ok := require(c, domain.RoleHR, domain.RoleAgencyHead, domain.RoleReserveAuthority, domain.RoleOperator)
	if !ok {
		return
	}
	n, ok := s.loadNomination(c, actor)
	if !ok {
		return
	}
	history, err := s.store.Timeline(c.Request.Context(), n.ID)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, nominationView{Nomination: n, History: history})
}

// nominationUpdate runs a step of the nomination's workflow and answers with its result.
func (s *Server) nominationUpdate(c *gin.Context, n domain.Nomination, update string, arg any, status int, out any) {
	if s.runStep(c, n.WorkflowID, update, arg, out, domain.Conflict("nomination %s is closed: its year %d is over", n.ID, n.Year)) {
		c.JSON(status, out)
	}
}

// checkCandidate checks a candidate's data against the nomination's year, naming
// every missing or wrong field; an omitted list or category keeps the candidate's own.
func (s *Server) checkCandidate(c *gin.Context, dst *domain.CandidateData, year int, current *domain.ReserveCandidate) bool {
	if current != nil {
		if dst.List == "" {
			dst.List = current.List
		}
		if dst.Category == "" {
			dst.Category = current.Category
		}
	}
	if fields := dst.Check(year); len(fields) > 0 {
		fail(c, domain.Invalid("invalid candidate", fields...))
		return false
	}
	return true
}

func (s *Server) addReserveCandidate(c *gin.Context) {
	actor, ok := require(c, domain.RoleHR)
	if !ok {
		return
	}
	n, ok := s.loadNomination(c, actor)
	if !ok {
		return
	}
	var req domain.CandidateData
	if err := s.bindJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	if s.checkCandidate(c, &req, n.Year, nil) {
		var out domain.ReserveCandidate
		s.nominationUpdate(c, n, workflows.UpdateAddCandidate, workflows.CandidateStep{Actor: actor, Data: req}, http.StatusCreated, &out)
	}
}

// editReserveCandidate replaces a candidate's data: before submission, while a correction is
// requested (without sending it back yet), or to keep an included candidate's data current.
func (s *Server) editReserveCandidate(c *gin.Context) {
	actor, ok := require(c, domain.RoleHR)
	if !ok {
		return
	}
	n, cand, ok := s.loadCandidate(c, actor)
	if !ok {
		return
	}
	var req domain.CandidateData
	if err := s.bindJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	if s.checkCandidate(c, &req, n.Year, &cand) {
		var out domain.ReserveCandidate
		s.nominationUpdate(c, n, workflows.UpdateEditCandidate, workflows.CandidateStep{Actor: actor, CandidateID: cand.ID, Data: req}, http.StatusOK, &out)
	}
}

func (s *Server) removeReserveCandidate(c *gin.Context) {
	actor, ok := require(c, domain.RoleHR)
	if !ok {
		return
	}
	n, cand, ok := s.loadCandidate(c, actor)
	if !ok {
		return
	}
	var out domain.Nomination
	s.nominationUpdate(c, n, workflows.UpdateRemoveCandidate, workflows.CandidateStep{Actor: actor, CandidateID: cand.ID}, http.StatusOK, &out)
}

// approveNomination is the head's approval of the lists (согласование с "первым лицом").
func (s *Server) approveNomination(c *gin.Context) {
	actor, ok := require(c, domain.RoleAgencyHead)
	if !ok {
		return
	}
	if n, ok := s.loadNomination(c, actor); ok {
		var out domain.Nomination
		s.nominationUpdate(c, n, workflows.UpdateApproveNomination, actor, http.StatusOK, &out)
	}
}

func (s *Server) submitNomination(c *gin.Context) {
	actor, ok := require(c, domain.RoleHR)
	if !ok {
		return
	}
	if n, ok := s.loadNomination(c, actor); ok {
		var out domain.Nomination
		s.nominationUpdate(c, n, workflows.UpdateSubmitNomination, actor, http.StatusOK, &out)
	}
}

type candidateDecisionRequest struct {
	Decision string `json:"decision" validate:"required,oneof=admit not_admitted correction"`
	Reason   string `json:"reason" validate:"required_unless=Decision admit,max=2000"`
}

func (s *Server) decideReserveCandidate(c *gin.Context) {
	actor, ok := require(c, domain.RoleReserveAuthority)
	if !ok {
		return
	}
	n, cand, ok := s.loadCandidate(c, actor)
	if !ok {
		return
	}
	var req candidateDecisionRequest
	if err := s.bindJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	var out domain.ReserveCandidate
	s.nominationUpdate(c, n, workflows.UpdateDecideCandidate,
		workflows.CandidateDecision{Actor: actor, CandidateID: cand.ID, Decision: req.Decision, Reason: req.Reason}, http.StatusOK, &out)
}

// correctionRequest is the corrected candidate: its data as it should now stand.
type correctionRequest struct {
	domain.CandidateData
	Comment string `json:"comment" validate:"max=2000"`
}

func (s *Server) correctReserveCandidate(c *gin.Context) {
	actor, ok := require(c, domain.RoleHR)
	if !ok {
		return
	}
	n, cand, ok := s.loadCandidate(c, actor)
	if !ok {
		return
	}
	var req correctionRequest
	if err := s.bindJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	if s.checkCandidate(c, &req.CandidateData, n.Year, &cand) {
		var out domain.ReserveCandidate
		s.nominationUpdate(c, n, workflows.UpdateCorrectCandidate,
			workflows.CandidateStep{Actor: actor, CandidateID: cand.ID, Data: req.CandidateData, Comment: req.Comment}, http.StatusOK, &out)
	}
}

type selectionResultRequest struct {
	Included *bool  `json:"included" validate:"required"`
	Category string `json:"category" validate:"omitempty,oneof=I II III"`
}

func (s *Server) recordSelectionResult(c *gin.Context) {
	actor, ok := require(c, domain.RoleReserveAuthority)
	if !ok {
		return
	}
	n, cand, ok := s.loadCandidate(c, actor)
	if !ok {
		return
	}
	var req selectionResultRequest
	if err := s.bindJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	var out domain.ReserveCandidate
	s.nominationUpdate(c, n, workflows.UpdateRecordSelection, workflows.SelectionResult{Actor: actor, CandidateID: cand.ID,
		Included: *req.Included, Category: domain.ReserveCategory(req.Category)}, http.StatusOK, &out)
}

// nominationLists renders lists 1 and 2 as in appendices 1 and 2 of seed 002: printable HTML,
// or CSV for a spreadsheet (UTF-8 with a byte order mark, ';' between fields).
func (s *Server) nominationLists(c *gin.Context) {
	actor, ok := require(c, domain.RoleHR, domain.RoleAgencyHead, domain.RoleReserveAuthority)
	if !ok {
		return
	}
	n, ok := s.loadNomination(c, actor)
	if !ok {
		return
	}
	format := c.DefaultQuery("format", "html")
	if format != "csv" && format != "html" {
		fail(c, domain.Invalid("invalid query", domain.FieldError{Field: "format", Message: "must be one of: csv, html"}))
		return
	}
	// The lists name the participant in full, as the directory holds it today.
	name := n.AgencyName
	a, err := s.store.GetAgency(c.Request.Context(), n.Agency)
	if err == nil {
		name = a.Name
	} else if !domain.IsCode(err, domain.CodeNotFound) {
		fail(c, err)
		return
	}
	n.AgencyName = name
	var body []byte
	if format == "csv" {
		if body, err = document.ReserveListsCSV(n); err != nil {
			fail(c, err)
			return
		}
		c.Header("Content-Disposition", fmt.Sprintf(`attachment; filename="reserve-lists-%s-%d.csv"`, n.Agency, n.Year))
		c.Data(http.StatusOK, "text/csv; charset=utf-8", body)
		return
	}
	if body, err = document.ReserveListsHTML(n); err != nil {
		fail(c, err)
		return
	}
	c.Data(http.StatusOK, "text/html; charset=utf-8", body)
}
