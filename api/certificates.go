package api

import (
	"context"
	"fmt"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/internal/postgres"
	"github.com/profdev/profdev/workflows"
)

// The educational certificate (process 1).

// CertificateStore is what the certificate endpoints read.
type CertificateStore interface {
	AllocateCertificateNumber(ctx context.Context, authority string, year int, claimKey string) (string, error)
	ProgrammeForCertificate(ctx context.Context, authority, providerID, code string, year int) (domain.Programme, error)
	GetCertificate(ctx context.Context, number string) (domain.Certificate, error)
	ListCertificates(ctx context.Context, f postgres.CertificateFilter, page postgres.Page) ([]domain.Certificate, string, error)
	GetDocument(ctx context.Context, number string, seq int) (domain.Document, error)
	VerifyCertificate(ctx context.Context, number string) (domain.Verification, error)
	SigningChains(ctx context.Context) ([]byte, error)
	CreateBatch(ctx context.Context, b domain.Batch, items []domain.BatchItem) error
	GetBatch(ctx context.Context, id string) (domain.Batch, error)
	BatchProgress(ctx context.Context, batchID string) (map[string]int, error)
}

func (s *Server) certificateRoutes(authed, public *gin.RouterGroup) {
	authed.POST("/certificates", s.idempotent(s.issueCertificate))
	authed.POST("/certificates/batch", s.idempotent(s.issueBatch))
	authed.GET("/certificates/batches/:batch_id", s.getBatch)
	authed.GET("/certificates", s.listCertificates)
	authed.GET("/certificates/:id", s.getCertificate)
	authed.GET("/certificates/:id/document", s.certificateDocument)
	authed.GET("/certificates/:id/signature", s.certificateSignature)
	authed.GET("/certificates/:id/history", s.certificateHistory)
	authed.POST("/certificates/:id/enrolment", s.idempotent(s.reportEnrolment))
	authed.POST("/certificates/:id/outcome", s.idempotent(s.reportOutcome))
	authed.POST("/certificates/:id/annulment", s.idempotent(s.annulCertificate))
	authed.POST("/certificates/:id/duplicates", s.idempotent(s.duplicateCertificate))
	authed.POST("/certificates/:id/quality-survey", s.idempotent(s.rateCertificate))
	public.GET("/certificates/:number/verification", s.verifyCertificate)
	public.GET("/signing-certificates", s.signingCertificates)
}

var certificateReaders = []domain.Role{domain.RoleMinistry, domain.RoleHR, domain.RoleProvider, domain.RoleServant, domain.RoleOperator}

func (s *Server) issueCertificate(c *gin.Context) {
	actor, ok := require(c, domain.RoleMinistry)
	if !ok {
		return
	}
	var req domain.CertificateRequest
	if err := s.bindJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	ctx := c.Request.Context()
	// Refuse at once what the workflow would refuse: a clear 409 without spending a number.
	if _, err := s.store.ProgrammeForCertificate(ctx, actor.Authority, req.ProviderID, req.ProgrammeCode, req.Year); err != nil {
		fail(c, err)
		return
	}
	region := s.authorityRegion(ctx, actor.Authority)
	number, err := s.store.AllocateCertificateNumber(ctx, actor.Authority, req.Year, "request:"+uuid.NewString())
	if err != nil {
		fail(c, err)
		return
	}
	in := workflows.NewCertificateInput(req, number, actor.Authority, region, actor, s.cfg.CertificateTerms, s.cfg.PublicBaseURL, "")
	var out domain.Certificate
	err = s.startWithUpdate(ctx, client.StartWorkflowOptions{
		ID:                       workflows.CertificateWorkflowID(number),
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		TypedSearchAttributes: temporal.NewSearchAttributes(workflows.AttrProcess.ValueSet(workflows.ProcessCertificate),
			workflows.AttrAuthority.ValueSet(actor.Authority), workflows.AttrAgency.ValueSet(req.Agency.ID),
			workflows.AttrProvider.ValueSet(req.ProviderID)),
	}, workflows.CertificateWorkflowType, in, workflows.UpdateCertificateIssued, actor, &out)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, certificateView(out))
}

// authorityRegion is the region whose calendar counts for an authority ("" is federal).
func (s *Server) authorityRegion(ctx context.Context, authority string) string {
	if a, err := s.store.GetAuthority(ctx, authority); err == nil {
		return a.Region
	}
	return ""
}

// view is a certificate as the API shows it: id is the number.
type view struct {
	ID string `json:"id"`
	domain.Certificate
}

func certificateView(c domain.Certificate) view { return view{ID: c.Number, Certificate: c} }

// loadCertificate returns the certificate if the caller may see it; otherwise 404.
func (s *Server) loadCertificate(c *gin.Context, actor domain.Actor) (domain.Certificate, bool) {
	number := c.Param("id")
	cert, err := s.store.GetCertificate(c.Request.Context(), number)
	if err == nil && (cert.Status == domain.CertificateIssuing ||
		!inScope(actor, Owner{Authority: cert.Authority, Agency: cert.Agency.ID, Provider: cert.ProviderID, Servant: cert.Servant.ID})) {
		err = domain.NotFound("certificate " + number)
	}
	if err != nil {
		fail(c, err)
		return cert, false
	}
	return cert, true
}

func (s *Server) listCertificates(c *gin.Context) {
	actor, ok := require(c, certificateReaders...)
	if !ok {
		return
	}
	f := postgres.CertificateFilter{Agency: c.Query("agency"), Provider: c.Query("provider"), Servant: c.Query("servant"),
		Status: c.Query("status"), Number: c.Query("number")}
	if y := c.Query("year"); y != "" {
		n, err := strconv.Atoi(y)
		if err != nil || n < 2019 || n > 2100 {
			fail(c, domain.Invalid("invalid query", domain.FieldError{Field: "year", Message: "must be a year from 2019 to 2100"}))
			return
		}
		f.Year = n
	}
	if raw := c.Query("overdue"); raw != "" {
		v, err := strconv.ParseBool(raw)
		if err != nil {
			fail(c, domain.Invalid("invalid query", domain.FieldError{Field: "overdue", Message: "must be true or false"}))
			return
		}
		f.Overdue = &v
	}
	// Scope: the caller's own claim always wins over the query; asking for another scope is 403.
	scope := func(field, own string, target *string) bool {
		if *target != "" && *target != own {
			fail(c, domain.Forbidden("the caller sees the certificates of %s %s only", field, own))
			return false
		}
		*target = own
		return true
	}
	switch actor.Role {
	case domain.RoleMinistry:
		f.Authority = actor.Authority
	case domain.RoleHR:
		ok = scope("agency", actor.Agency, &f.Agency)
	case domain.RoleProvider:
		ok = scope("provider", actor.Provider, &f.Provider)
	case domain.RoleServant:
		ok = scope("servant", actor.Servant, &f.Servant)
	}
	if !ok {
		return
	}
	limit, cursor, err := pageFrom(c)
	if err != nil {
		fail(c, err)
		return
	}
	items, next, err := s.store.ListCertificates(c.Request.Context(), f, postgres.Page{Limit: limit, Cursor: cursor})
	if err != nil {
		fail(c, err)
		return
	}
	views := make([]view, len(items))
	for i, it := range items {
		views[i] = certificateView(it)
	}
	c.JSON(http.StatusOK, list(views, next))
}

func (s *Server) getCertificate(c *gin.Context) {
	actor, ok := require(c, certificateReaders...)
	if !ok {
		return
	}
	if cert, ok := s.loadCertificate(c, actor); ok {
		c.JSON(http.StatusOK, certificateView(cert))
	}
}

func (s *Server) certificateDocument(c *gin.Context) { s.serveDocument(c, false) }

func (s *Server) certificateSignature(c *gin.Context) { s.serveDocument(c, true) }

// serveDocument serves the latest document (the newest duplicate) or its detached signature.
func (s *Server) serveDocument(c *gin.Context, signature bool) {
	actor, ok := require(c, certificateReaders...)
	if !ok {
		return
	}
	cert, ok := s.loadCertificate(c, actor)
	if !ok {
		return
	}
	doc, err := s.store.GetDocument(c.Request.Context(), cert.Number, -1)
	if err != nil {
		fail(c, err)
		return
	}
	c.Header("X-Document-SHA256", doc.SHA256)
	if signature {
		if doc.Signature == nil {
			fail(c, domain.Conflict("the document of certificate %s is not signed yet", cert.Number))
			return
		}
		c.Header("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.pdf.sig"`, cert.Number))
		c.Data(http.StatusOK, "application/pkcs7-signature", doc.Signature)
		return
	}
	c.Header("Content-Disposition", fmt.Sprintf(`inline; filename="%s.pdf"`, cert.Number))
	c.Data(http.StatusOK, "application/pdf", doc.PDF)
}

func (s *Server) certificateHistory(c *gin.Context) {
	actor, ok := require(c, certificateReaders...)
	if !ok {
		return
	}
	cert, ok := s.loadCertificate(c, actor)
	if !ok {
		return
	}
	events, err := s.store.Timeline(c.Request.Context(), cert.Number)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"id": cert.Number, "timeline": events})
}

// certificateStep runs one user step as an update on the certificate's workflow.
func (s *Server) certificateStep(c *gin.Context, role domain.Role, body any, update string, arg func(domain.Actor) any) {
	actor, ok := require(c, certificateReaders...)
	if !ok {
		return
	}
	cert, ok := s.loadCertificate(c, actor)
	if !ok {
		return
	}
	if actor.Role != role && !(update == workflows.UpdateRate && actor.Role == domain.RoleHR) {
		fail(c, domain.Forbidden("this step is for the %s of the certificate", role))
		return
	}
	if err := s.bindJSON(c, body); err != nil {
		fail(c, err)
		return
	}
	var out domain.Certificate
	if s.runStep(c, cert.WorkflowID, update,
		arg(actor), &out,
		domain.Conflict("certificate %s is %s: its process has ended", cert.Number, cert.Status)) {
		c.JSON(http.StatusOK, certificateView(out))
	}
}

type enrolmentRequest struct {
	EnrolledOn  dateField `json:"enrolled_on"`
	StartedOn   dateField `json:"started_on"`
	OrderNumber string    `json:"order_number" validate:"required,max=100"`
}

func (r *enrolmentRequest) Check() []domain.FieldError {
	return append(r.EnrolledOn.check("enrolled_on"), r.StartedOn.check("started_on")...)
}

func (s *Server) reportEnrolment(c *gin.Context) {
	var req enrolmentRequest
	s.certificateStep(c, domain.RoleProvider, &req, workflows.UpdateEnrol, func(a domain.Actor) any {
		return workflows.EnrolmentReport{Actor: a, Enrolment: domain.Enrolment{EnrolledOn: req.EnrolledOn.Date, StartedOn: req.StartedOn.Date, OrderNumber: req.OrderNumber}}
	})
}

type outcomeRequest struct {
	Outcome        string    `json:"outcome" validate:"required,oneof=completed failed_attestation partially_completed expelled"`
	FinishedOn     dateField `json:"finished_on"`
	DocumentNumber string    `json:"document_number" validate:"required_if=Outcome completed,max=100"`
	HoursCompleted int       `json:"hours_completed" validate:"required_if=Outcome partially_completed,gte=0"`
}

func (r *outcomeRequest) Check() []domain.FieldError { return r.FinishedOn.check("finished_on") }

func (s *Server) reportOutcome(c *gin.Context) {
	var req outcomeRequest
	s.certificateStep(c, domain.RoleProvider, &req, workflows.UpdateReportOutcome, func(a domain.Actor) any {
		return workflows.OutcomeReport{Actor: a, Outcome: domain.Outcome{Outcome: domain.CertificateStatus(req.Outcome),
			FinishedOn: req.FinishedOn.Date, DocumentNumber: req.DocumentNumber, HoursCompleted: req.HoursCompleted}}
	})
}

type reasonRequest struct {
	Reason string `json:"reason" validate:"required,max=2000"`
}

func (s *Server) annulCertificate(c *gin.Context) {
	var req reasonRequest
	s.certificateStep(c, domain.RoleMinistry, &req, workflows.UpdateAnnul, func(a domain.Actor) any {
		return workflows.AuthorityStep{Actor: a, Reason: req.Reason}
	})
}

func (s *Server) duplicateCertificate(c *gin.Context) {
	var req reasonRequest
	s.certificateStep(c, domain.RoleMinistry, &req, workflows.UpdateDuplicate, func(a domain.Actor) any {
		return workflows.AuthorityStep{Actor: a, Reason: req.Reason}
	})
}

type ratingRequest struct {
	Score   int    `json:"score" validate:"required,gte=1,lte=5"`
	Comment string `json:"comment" validate:"max=4000"`
}

func (s *Server) rateCertificate(c *gin.Context) {
	var req ratingRequest
	s.certificateStep(c, domain.RoleServant, &req, workflows.UpdateRate, func(a domain.Actor) any {
		return workflows.RatingReport{Actor: a, Rating: domain.Rating{Score: req.Score, Comment: req.Comment}}
	})
}

// verifyCertificate is the public check of a certificate number: no token, no personal data.
func (s *Server) verifyCertificate(c *gin.Context) {
	v, err := s.store.VerifyCertificate(c.Request.Context(), c.Param("number"))
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, v)
}

// signingCertificates is the PEM bundle a verifier needs (signing certificates and CAs).
func (s *Server) signingCertificates(c *gin.Context) {
	pem, err := s.store.SigningChains(c.Request.Context())
	if err != nil {
		fail(c, err)
		return
	}
	if len(pem) == 0 {
		fail(c, domain.Errorf(domain.CodeUnavailable, "no signing certificate has been published yet: start a worker"))
		return
	}
	c.Data(http.StatusOK, "application/x-pem-file", pem)
}
