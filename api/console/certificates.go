package console

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/internal/postgres"
)

// The educational certificate (process 1): the list, the record page with its timeline and
// the steps the state allows the person, issuing one, and the document.

func (c *Console) certificateRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /certificates", c.signedIn(c.certificateList))
	mux.HandleFunc("GET /certificates/new", c.signedIn(c.newCertificate))
	mux.HandleFunc("POST /certificates", c.signedIn(c.issueCertificate))
	mux.HandleFunc("GET /certificates/{number}", c.signedIn(c.certificatePage))
	// {part} rather than "document": a pattern with the literal would conflict with the
	// batch page's GET /certificates/batches/{id} (both match /certificates/batches/document).
	mux.HandleFunc("GET /certificates/{number}/{part}", c.signedIn(c.certificateDocument))
	mux.HandleFunc("POST /certificates/{number}/{step}", c.signedIn(c.certificateStep))
}

type certificateListView struct {
	Items  []domain.Certificate
	Next   string
	Filter postgres.CertificateFilter
	Query  string // the filter as a query string, for the CSV link and the next page
	Agency bool   // the agency filter is offered (ministry, operator)
}

func listFilter(r *http.Request) (postgres.CertificateFilter, error) {
	q := r.URL.Query()
	f := postgres.CertificateFilter{Status: q.Get("status"), Number: strings.ToUpper(strings.TrimSpace(q.Get("number"))),
		Agency: q.Get("agency"), Name: q.Get("name")}
	if y := q.Get("year"); y != "" {
		n, err := strconv.Atoi(y)
		if err != nil || !domain.ValidYear(n) {
			return f, domain.Invalid("invalid filter", domain.FieldError{Field: "year", Message: domain.YearMessage})
		}
		f.Year = n
	}
	if f.Status != "" {
		if _, ok := statusLabels[f.Status]; !ok {
			return f, domain.Invalid("invalid filter", domain.FieldError{Field: "status", Message: "unknown status"})
		}
	}
	if q.Get("overdue") == "1" {
		t := true
		f.Overdue = &t
	}
	return f, nil
}

func (c *Console) certificateList(w http.ResponseWriter, r *http.Request) {
	ctx, a := r.Context(), actorOf(r)
	f, err := listFilter(r)
	if err != nil {
		c.renderError(w, r, err)
		return
	}
	if r.URL.Query().Get("format") == "csv" {
		c.certificateCSV(w, r, f)
		return
	}
	items, next, err := c.app.Certificates(ctx, a, f, postgres.Page{Limit: 50, Cursor: r.URL.Query().Get("cursor")})
	if err != nil {
		c.renderError(w, r, err)
		return
	}
	q := r.URL.Query()
	q.Del("cursor")
	q.Del("format")
	v := certificateListView{Items: items, Next: next, Filter: f, Query: q.Encode(),
		Agency: a.Role == domain.RoleMinistry || a.Role == domain.RoleOperator}
	c.render(w, r, http.StatusOK, "certificates", "Сертификаты", v, nil)
}

// certificateCSV exports every certificate the filter finds (in the person's scope), page
// by page, as CSV that a spreadsheet opens in Russian (UTF-8 with BOM, semicolons).
func (c *Console) certificateCSV(w http.ResponseWriter, r *http.Request, f postgres.CertificateFilter) {
	ctx, a := r.Context(), actorOf(r)
	first, next, err := c.app.Certificates(ctx, a, f, postgres.Page{Limit: 500})
	if err != nil {
		c.renderError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="certificates.csv"`)
	_, _ = w.Write([]byte("\ufeff"))
	cw := csv.NewWriter(w)
	cw.Comma = ';'
	_ = cw.Write([]string{"Номер", "Статус", "Служащий", "Орган", "Организация", "Программа", "Часов", "Стоимость", "Начать до", "Завершить до", "Выдан"})
	page := first
	for {
		for _, it := range page {
			_ = cw.Write([]string{it.Number, statusLabel(it.Status), it.Servant.FullName, it.Agency.Name, it.ProviderID, it.Programme.Code,
				strconv.Itoa(it.Hours), strconv.FormatFloat(it.Amount, 'f', 2, 64), formatDate(it.StartBy), formatDate(it.EndBy), formatDate(it.IssuedAt)})
		}
		if next == "" {
			break
		}
		if page, next, err = c.app.Certificates(ctx, a, f, postgres.Page{Limit: 500, Cursor: next}); err != nil {
			break // the rows written stay; the log says why the rest is missing
		}
	}
	cw.Flush()
	if err != nil {
		c.log.Warn().Err(err).Msg("console: certificate export cut short")
	}
}

// certificateView is the record page: the certificate, its timeline and the forms of the
// steps the state allows the person.
type certificateView struct {
	C        domain.Certificate
	Timeline []domain.Event
	Steps    map[string]bool
	FormKey  string
	Form     map[string]string // what the person typed into a refused form, shown again
}

func (c *Console) certificatePage(w http.ResponseWriter, r *http.Request) {
	c.showCertificate(w, r, http.StatusOK, nil, nil)
}

func (c *Console) showCertificate(w http.ResponseWriter, r *http.Request, status int, prob *problem, typed map[string]string) {
	ctx, a := r.Context(), actorOf(r)
	cert, err := c.app.Certificate(ctx, a, r.PathValue("number"))
	if err != nil {
		c.renderError(w, r, err)
		return
	}
	timeline, err := c.app.CertificateTimeline(ctx, a, cert.Number)
	if err != nil {
		c.renderError(w, r, err)
		return
	}
	v := certificateView{C: cert, Timeline: timeline, Steps: certificateSteps(cert, a), FormKey: newToken(), Form: typed}
	c.render(w, r, status, "certificate", "Сертификат "+cert.Number, v, prob)
}

// certificateSteps are the steps whose forms the page shows: those of the person's role that
// the certificate's status allows. The workflow's update validators remain the gate; this
// only spares people forms that would be refused.
func certificateSteps(cert domain.Certificate, a domain.Actor) map[string]bool {
	s := map[string]bool{}
	switch a.Role {
	case domain.RoleProvider:
		s["enrolment"] = cert.Status == domain.CertificateIssued
		s["outcome"] = cert.Status == domain.CertificateEnrolled
	case domain.RoleMinistry:
		s["annulment"] = cert.Status == domain.CertificateIssued || cert.Status == domain.CertificateEnrolled
		s["duplicates"] = cert.Status != domain.CertificateAnnulled && cert.Status != domain.CertificateLapsed
	case domain.RoleServant, domain.RoleHR:
		s["quality-survey"] = cert.Status.HasOutcome()
	}
	s["document"] = cert.Status != domain.CertificateIssuing
	return s
}

func (c *Console) certificateDocument(w http.ResponseWriter, r *http.Request) {
	if r.PathValue("part") != "document" {
		c.renderError(w, r, domain.NotFound("page"))
		return
	}
	number := r.PathValue("number")
	doc, err := c.app.CertificateDocument(r.Context(), actorOf(r), number, false)
	if err != nil {
		c.renderError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`inline; filename="%s.pdf"`, number))
	w.Header().Set("X-Document-SHA256", doc.SHA256)
	_, _ = w.Write(doc.PDF)
}

// certificateStep carries out one step posted from the record page; a refusal shows the
// page again with the reason and what the person typed.
func (c *Console) certificateStep(w http.ResponseWriter, r *http.Request) {
	ctx, a, number := r.Context(), actorOf(r), r.PathValue("number")
	f := formOf(r)
	var done string
	var err error
	switch r.PathValue("step") {
	case "enrolment":
		e := domain.Enrolment{EnrolledOn: f.date("enrolled_on"), StartedOn: f.date("started_on"), OrderNumber: f.str("order_number")}
		if err = f.check(requireFields(f, "enrolled_on", "started_on", "order_number")); err == nil {
			_, err = c.app.ReportEnrolment(ctx, a, number, e)
		}
		done = "Сведения о зачислении приняты."
	case "outcome":
		o := domain.Outcome{Outcome: domain.CertificateStatus(f.str("outcome")), FinishedOn: f.date("finished_on"),
			DocumentNumber: f.str("document_number"), HoursCompleted: f.int("hours_completed")}
		if err = f.check(requireFields(f, "outcome", "finished_on")); err == nil {
			_, err = c.app.ReportOutcome(ctx, a, number, o)
		}
		done = "Результат обучения принят."
	case "annulment":
		if err = f.check(requireFields(f, "reason", "confirm")); err == nil {
			_, err = c.app.Annul(ctx, a, number, f.str("reason"))
		}
		done = "Сертификат аннулирован."
	case "duplicates":
		if err = f.check(requireFields(f, "reason")); err == nil {
			_, err = c.app.Duplicate(ctx, a, number, f.str("reason"))
		}
		done = "Дубликат сертификата подписан и направлен служащему."
	case "quality-survey":
		rating := domain.Rating{Score: f.int("score"), Comment: f.str("comment")}
		if err = f.check(requireFields(f, "score")); err == nil {
			_, err = c.app.Rate(ctx, a, number, rating)
		}
		done = "Спасибо! Ваша оценка учтена."
	default:
		c.renderError(w, r, domain.NotFound("page"))
		return
	}
	if err != nil {
		if code := domain.ErrorCode(err); code == domain.CodeNotFound || code == domain.CodeUnavailable || code == domain.CodeInternal {
			c.renderError(w, r, err)
			return
		}
		c.showCertificate(w, r, statusOf(err), problemOf(err), typedValues(r))
		return
	}
	c.flash(r, done)
	http.Redirect(w, r, "/certificates/"+number, http.StatusSeeOther)
}

// requireFields is the "required" check of a step's form fields, named as the API names them.
func requireFields(f *form, names ...string) error {
	var fields []domain.FieldError
	for _, n := range names {
		if f.str(n) == "" {
			fields = append(fields, domain.FieldError{Field: n, Message: "required"})
		}
	}
	if len(fields) == 0 {
		return nil
	}
	return domain.Invalid("invalid request", fields...)
}

func typedValues(r *http.Request) map[string]string {
	out := map[string]string{}
	for k, v := range r.PostForm {
		if k != "csrf" && k != "form_key" && len(v) > 0 {
			out[k] = v[0]
		}
	}
	return out
}
