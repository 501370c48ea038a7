package api

import (
	"context"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/internal/postgres"
)

// The educational certificate (process 1).

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

func (s *Server) issueCertificate(c *gin.Context) {
	var req domain.CertificateRequest
	if err := s.bindJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	out, err := s.app.IssueCertificate(c.Request.Context(), actorOf(c), req)
	respond(c, http.StatusCreated, certificateView(out), err)
}

// view is a certificate as the API shows it: id is the number.
type view struct {
	ID string `json:"id"`
	domain.Certificate
}

func certificateView(c domain.Certificate) view { return view{ID: c.Number, Certificate: c} }

func (s *Server) listCertificates(c *gin.Context) {
	f := postgres.CertificateFilter{Agency: c.Query("agency"), Provider: c.Query("provider"), Servant: c.Query("servant"),
		Status: c.Query("status"), Number: c.Query("number")}
	var err error
	if f.Year, err = queryYear(c); err != nil {
		fail(c, err)
		return
	}
	if f.Overdue, err = queryBool(c, "overdue"); err != nil {
		fail(c, err)
		return
	}
	page, err := pageOf(c)
	if err != nil {
		fail(c, err)
		return
	}
	items, next, err := s.app.Certificates(c.Request.Context(), actorOf(c), f, page)
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
	cert, err := s.app.Certificate(c.Request.Context(), actorOf(c), c.Param("id"))
	respond(c, http.StatusOK, certificateView(cert), err)
}

func (s *Server) certificateDocument(c *gin.Context) { s.serveDocument(c, false) }

func (s *Server) certificateSignature(c *gin.Context) { s.serveDocument(c, true) }

// serveDocument serves the latest document (the newest duplicate) or its detached signature.
func (s *Server) serveDocument(c *gin.Context, signature bool) {
	number := c.Param("id")
	doc, err := s.app.CertificateDocument(c.Request.Context(), actorOf(c), number, signature)
	if err != nil {
		fail(c, err)
		return
	}
	c.Header("X-Document-SHA256", doc.SHA256)
	if signature {
		c.Header("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.pdf.sig"`, number))
		c.Data(http.StatusOK, "application/pkcs7-signature", doc.Signature)
		return
	}
	c.Header("Content-Disposition", fmt.Sprintf(`inline; filename="%s.pdf"`, number))
	c.Data(http.StatusOK, "application/pdf", doc.PDF)
}

func (s *Server) certificateHistory(c *gin.Context) {
	number := c.Param("id")
	events, err := s.app.CertificateTimeline(c.Request.Context(), actorOf(c), number)
	respond(c, http.StatusOK, gin.H{"id": number, "timeline": events}, err)
}

// certificateStep binds the body of a step on a certificate and runs it: the role and the
// scope are checked before the body is read, so a stranger learns nothing from a 400.
func (s *Server) certificateStep(c *gin.Context, role domain.Role, body any, run func(ctx context.Context, a domain.Actor, number string) (domain.Certificate, error)) {
	ctx, actor, number := c.Request.Context(), actorOf(c), c.Param("id")
	if err := s.app.MayTakeCertificateStep(ctx, actor, number, role); err != nil {
		fail(c, err)
		return
	}
	if err := s.bindJSON(c, body); err != nil {
		fail(c, err)
		return
	}
	out, err := run(ctx, actor, number)
	respond(c, http.StatusOK, certificateView(out), err)
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
	s.certificateStep(c, domain.RoleProvider, &req, func(ctx context.Context, a domain.Actor, number string) (domain.Certificate, error) {
		return s.app.ReportEnrolment(ctx, a, number, domain.Enrolment{EnrolledOn: req.EnrolledOn.Date, StartedOn: req.StartedOn.Date, OrderNumber: req.OrderNumber})
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
	s.certificateStep(c, domain.RoleProvider, &req, func(ctx context.Context, a domain.Actor, number string) (domain.Certificate, error) {
		return s.app.ReportOutcome(ctx, a, number, domain.Outcome{Outcome: domain.CertificateStatus(req.Outcome),
			FinishedOn: req.FinishedOn.Date, DocumentNumber: req.DocumentNumber, HoursCompleted: req.HoursCompleted})
	})
}

type reasonRequest struct {
	Reason string `json:"reason" validate:"required,max=2000"`
}

func (s *Server) annulCertificate(c *gin.Context) {
	var req reasonRequest
	s.certificateStep(c, domain.RoleMinistry, &req, func(ctx context.Context, a domain.Actor, number string) (domain.Certificate, error) {
		return s.app.Annul(ctx, a, number, req.Reason)
	})
}

func (s *Server) duplicateCertificate(c *gin.Context) {
	var req reasonRequest
	s.certificateStep(c, domain.RoleMinistry, &req, func(ctx context.Context, a domain.Actor, number string) (domain.Certificate, error) {
		return s.app.Duplicate(ctx, a, number, req.Reason)
	})
}

type ratingRequest struct {
	Score   int    `json:"score" validate:"required,gte=1,lte=5"`
	Comment string `json:"comment" validate:"max=4000"`
}

func (s *Server) rateCertificate(c *gin.Context) {
	var req ratingRequest
	s.certificateStep(c, domain.RoleServant, &req, func(ctx context.Context, a domain.Actor, number string) (domain.Certificate, error) {
		return s.app.Rate(ctx, a, number, domain.Rating{Score: req.Score, Comment: req.Comment})
	})
}

// verifyCertificate is the public check of a certificate number: no token, no personal data.
func (s *Server) verifyCertificate(c *gin.Context) {
	v, err := s.app.VerifyCertificate(c.Request.Context(), c.Param("number"))
	respond(c, http.StatusOK, v, err)
}

// signingCertificates is the PEM bundle a verifier needs (signing certificates and CAs).
func (s *Server) signingCertificates(c *gin.Context) {
	pem, err := s.app.SigningChains(c.Request.Context())
	if err != nil {
		fail(c, err)
		return
	}
	c.Data(http.StatusOK, "application/x-pem-file", pem)
}
