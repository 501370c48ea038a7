package console

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/profdev/profdev/internal/app"
	"github.com/profdev/profdev/internal/calendar"
	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/internal/postgres"
)

// Issuing one certificate (ministry): the provider and programme chosen from the registry,
// the agency from the directory, the servant's fields checked as they are typed (the page's
// script) and again here, with the API's validator.

type issueView struct {
	Year     int
	Agencies []domain.Agency
	Offers   []offer
	FormKey  string
	Form     map[string]string
}

// offer is one programme of an admitted provider, as the select shows it.
type offer struct {
	Value, Label string
	Hours        int
	Price        float64
}

func (c *Console) issueForm(r *http.Request, year int) (issueView, error) {
	ctx, a := r.Context(), actorOf(r)
	if err := app.Require(a, domain.RoleMinistry); err != nil {
		return issueView{}, err
	}
	agencies, _, err := c.app.Agencies(ctx, a, "", postgres.Page{Limit: 500})
	if err != nil {
		return issueView{}, err
	}
	reg, err := c.app.PublicRegistry(ctx, a.Authority, year)
	if err != nil {
		return issueView{}, err
	}
	v := issueView{Year: year, Agencies: agencies, FormKey: newToken()}
	for _, p := range reg.Items {
		for _, pr := range p.Programmes {
			v.Offers = append(v.Offers, offer{Value: p.ProviderID + "|" + pr.Code, Label: p.Name + " — " + pr.Title + " (" + strconv.Itoa(pr.Hours) + " ч.)",
				Hours: pr.Hours, Price: pr.Price})
		}
	}
	return v, nil
}

func currentYear() int { return time.Now().In(calendar.Moscow).Year() }

func (c *Console) newCertificate(w http.ResponseWriter, r *http.Request) {
	year := currentYear()
	if y, err := strconv.Atoi(r.URL.Query().Get("year")); err == nil && domain.ValidYear(y) {
		year = y
	}
	v, err := c.issueForm(r, year)
	if err != nil {
		c.renderError(w, r, err)
		return
	}
	c.render(w, r, http.StatusOK, "issue", "Выдать сертификат", v, nil)
}

// certificateRequest reads the issue form into the request the API takes.
func (c *Console) certificateRequest(r *http.Request) (domain.CertificateRequest, error) {
	f := formOf(r)
	provider, programme, _ := strings.Cut(f.str("offer"), "|")
	req := domain.CertificateRequest{
		Servant: domain.Servant{ID: f.str("servant.id"), FullName: f.str("servant.full_name"), SNILS: f.str("servant.snils"),
			Email: f.str("servant.email"), Position: f.str("servant.position")},
		Agency:     domain.AgencyRef{ID: f.str("agency.id")},
		ProviderID: provider, ProgrammeCode: programme, Year: f.int("year"), Hours: f.int("hours"), Amount: f.float("amount"),
		StartBy: f.date("start_by"), EndBy: f.date("end_by"),
	}
	if req.Agency.ID != "" {
		agencies, _, err := c.app.Agencies(r.Context(), actorOf(r), "", postgres.Page{Limit: 500})
		if err != nil {
			return req, err
		}
		for _, ag := range agencies {
			if ag.ID == req.Agency.ID {
				req.Agency.Name = ag.Name
			}
		}
		if req.Agency.Name == "" {
			f.fields = append(f.fields, domain.FieldError{Field: "agency.id", Message: "unknown agency"})
		}
	}
	err := f.check(c.val.Struct(&req))
	if de := asDomain(err); de != nil {
		for i, fe := range de.Fields { // the form has one select for both
			if fe.Field == "provider_id" || fe.Field == "programme_code" {
				de.Fields[i].Field = "offer"
			}
		}
	}
	return req, err
}

func (c *Console) issueCertificate(w http.ResponseWriter, r *http.Request) {
	c.once(w, r, func() (string, error) {
		req, err := c.certificateRequest(r)
		if err != nil {
			return "", err
		}
		cert, err := c.app.IssueCertificate(r.Context(), actorOf(r), req)
		if err != nil {
			return "", err
		}
		c.flash(r, "Сертификат "+cert.Number+" выдан, подписан и направлен служащему.")
		return "/certificates/" + cert.Number, nil
	}, func(err error) {
		code := domain.ErrorCode(err)
		if code != domain.CodeInvalid && code != domain.CodeConflict {
			c.renderError(w, r, err)
			return
		}
		year, _ := strconv.Atoi(r.PostFormValue("year"))
		if !domain.ValidYear(year) {
			year = currentYear()
		}
		v, ferr := c.issueForm(r, year)
		if ferr != nil {
			c.renderError(w, r, ferr)
			return
		}
		v.Form = typedValues(r)
		c.render(w, r, statusOf(err), "issue", "Выдать сертификат", v, problemOf(err))
	})
}
