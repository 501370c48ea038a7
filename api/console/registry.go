package console

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/profdev/profdev/internal/app"
	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/internal/postgres"
	"github.com/profdev/profdev/workflows"
)

// The provider registry (process 2) in the console: the ministry's list of applications
// and its decision on each; the provider's application, its resubmission when returned,
// and its yearly declarations of programmes (registry_declarations.go).

func (c *Console) registryRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /registry/applications", c.signedIn(c.applicationList))
	mux.HandleFunc("GET /registry/applications/new", c.signedIn(c.newApplication))
	mux.HandleFunc("POST /registry/applications", c.signedIn(c.apply))
	mux.HandleFunc("GET /registry/applications/{id}", c.signedIn(c.applicationPage))
	mux.HandleFunc("POST /registry/applications/{id}/decision", c.signedIn(c.decideApplication))
	mux.HandleFunc("GET /registry/applications/{id}/resubmission", c.signedIn(c.resubmissionForm))
	mux.HandleFunc("POST /registry/applications/{id}/resubmission", c.signedIn(c.resubmit))
	c.declarationRoutes(mux)
}

var applicationStatuses = []string{"under_review", "returned", "admitted", "rejected", "lapsed"}

type applicationListView struct {
	Items    []domain.Application
	Next     string
	Status   string
	Statuses []string
	Provider bool
}

func (c *Console) applicationList(w http.ResponseWriter, r *http.Request) {
	ctx, a := r.Context(), actorOf(r)
	q := r.URL.Query()
	f := postgres.ApplicationFilter{Status: q.Get("status")}
	if f.Status != "" && !contains(applicationStatuses, f.Status) {
		c.renderError(w, r, domain.Invalid("invalid filter", domain.FieldError{Field: "status", Message: "unknown status"}))
		return
	}
	items, next, err := c.app.Applications(ctx, a, f, postgres.Page{Limit: 50, Cursor: q.Get("cursor")})
	if err != nil {
		c.renderError(w, r, err)
		return
	}
	v := applicationListView{Items: items, Next: next, Status: f.Status, Statuses: applicationStatuses, Provider: a.Role == domain.RoleProvider}
	c.render(w, r, http.StatusOK, "registry_list", "Реестр: заявки", v, nil)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

type applicationPageView struct {
	A        app.ApplicationView
	Decide   bool // the ministry may decide it now
	Resubmit bool // the provider may correct and resubmit it now
	Form     map[string]string
}

func (c *Console) applicationPage(w http.ResponseWriter, r *http.Request) {
	c.showApplication(w, r, http.StatusOK, nil, nil)
}

// showApplication is the application's page, with the reason of a refused decision and
// what the person typed when there is one.
func (c *Console) showApplication(w http.ResponseWriter, r *http.Request, status int, prob *problem, typed map[string]string) {
	ctx, a := r.Context(), actorOf(r)
	view, err := c.app.Application(ctx, a, r.PathValue("id"))
	if err != nil {
		c.renderError(w, r, err)
		return
	}
	v := applicationPageView{A: view, Form: typed,
		Decide:   a.Role == domain.RoleMinistry && view.Status == domain.ApplicationUnderReview,
		Resubmit: a.Role == domain.RoleProvider && view.Status == domain.ApplicationReturned}
	c.render(w, r, status, "registry_application", "Заявка "+view.Provider.Name, v, prob)
}

// reasonsOf reads the reasons textarea: one reason per line, blank lines ignored.
func reasonsOf(s string) []string {
	var out []string
	for _, line := range strings.Split(s, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			out = append(out, line)
		}
	}
	return out
}

// decisionForm is a decision as the API takes it, validated by the same rules.
type decisionForm struct {
	Decision string   `json:"decision" validate:"required"`
	Reasons  []string `json:"reasons" validate:"max=50,dive,required,max=2000"`
}

var applicationDecisions = []string{workflows.DecisionAdmit, workflows.DecisionReturn, workflows.DecisionReject}

// readDecision reads and checks a decision form against the decisions the step allows.
func (c *Console) readDecision(r *http.Request, allowed []string) (decisionForm, error) {
	f := formOf(r)
	d := decisionForm{Decision: f.str("decision"), Reasons: reasonsOf(f.v.Get("reasons"))}
	if d.Decision != "" && !contains(allowed, d.Decision) {
		f.fields = append(f.fields, domain.FieldError{Field: "decision", Message: "must be one of: " + strings.Join(allowed, ", ")})
	}
	return d, f.check(c.val.Struct(&d))
}

func (c *Console) decideApplication(w http.ResponseWriter, r *http.Request) {
	ctx, a, id := r.Context(), actorOf(r), r.PathValue("id")
	// Role and scope first, so that a stranger learns nothing from the form's errors.
	if err := c.app.MayTakeApplicationStep(ctx, a, id, domain.RoleMinistry); err != nil {
		c.renderError(w, r, err)
		return
	}
	d, err := c.readDecision(r, applicationDecisions)
	var out domain.Application
	if err == nil {
		out, err = c.app.DecideApplication(ctx, a, id, d.Decision, d.Reasons)
	}
	if err != nil {
		c.refusedStep(w, r, err, func(p *problem) { c.showApplication(w, r, statusOf(err), p, typedValues(r)) })
		return
	}
	c.flash(r, "Решение принято: заявка «"+out.Provider.Name+"» — "+statusLabel(out.Status)+".")
	http.Redirect(w, r, "/registry/applications/"+id, http.StatusSeeOther)
}

// refusedStep shows a refused step on its own page (bad input 400, an illegal step 409, in
// words), and anything else (not found, unavailable) as the console's error page.
func (c *Console) refusedStep(w http.ResponseWriter, r *http.Request, err error, show func(*problem)) {
	switch domain.ErrorCode(err) {
	case domain.CodeInvalid, domain.CodeConflict:
		p := problemOf(err)
		if de := asDomain(err); de != nil && domain.ErrorCode(err) == domain.CodeConflict {
			p.Message = registryReason(de.Message)
		}
		show(p)
	default:
		c.renderError(w, r, err)
	}
}

// applicationForm is an application (and a resubmission) as the API takes it, validated by
// the same rules: the provider's details and programmes carry their tags in domain.
type applicationForm struct {
	Authority  string                 `json:"authority" validate:"required,ident"`
	Year       int                    `json:"year" validate:"required,year"`
	Provider   domain.ProviderDetails `json:"provider"`
	Programmes []domain.Programme     `json:"programmes" validate:"required,min=1,max=200,dive"`
}

func (a *applicationForm) Check() []domain.FieldError {
	return domain.UniqueProgrammeCodes(a.Programmes)
}

func (c *Console) readApplication(r *http.Request) (applicationForm, error) {
	f := formOf(r)
	in := applicationForm{Authority: f.str("authority"), Year: f.int("year"), Provider: domain.ProviderDetails{
		Name: f.str("provider.name"), INN: f.str("provider.inn"), OGRN: f.str("provider.ogrn"), LicenseNumber: f.str("provider.license_number"),
		Address: f.str("provider.address"), Email: f.str("provider.email"), Phone: f.str("provider.phone")}}
	var rows []int
	in.Programmes, rows = readProgrammes(f)
	return in, f.check(rowFields(c.val.Struct(&in), rows))
}

func (c *Console) newApplication(w http.ResponseWriter, r *http.Request) {
	if err := app.Require(actorOf(r), domain.RoleProvider); err != nil {
		c.renderError(w, r, err)
		return
	}
	c.render(w, r, http.StatusOK, "registry_form", "Заявка на включение в реестр", applyView(nil), nil)
}

func applyView(typed map[string]string) registryFormView {
	if typed == nil {
		typed = map[string]string{"year": strconv.Itoa(currentYear())}
	}
	return registryFormView{Mode: "apply", Action: "/registry/applications", Heading: "Заявка на включение в реестр",
		Button: "Подать заявку", Rows: programmeRows(typed), FormKey: newToken(), Form: typed}
}

func (c *Console) apply(w http.ResponseWriter, r *http.Request) {
	ctx, a := r.Context(), actorOf(r)
	if err := app.Require(a, domain.RoleProvider); err != nil {
		c.renderError(w, r, err)
		return
	}
	c.once(w, r, func() (string, error) {
		in, err := c.readApplication(r)
		if err != nil {
			return "", err
		}
		out, err := c.app.Apply(ctx, a, app.Submission{Authority: in.Authority, Year: in.Year, Provider: in.Provider, Programmes: in.Programmes})
		if err != nil {
			return "", err
		}
		c.flash(r, "Заявка подана. Министерство рассмотрит её до "+formatDate(out.ReviewDue)+".")
		return "/registry/applications/" + out.ID, nil
	}, func(err error) {
		c.refusedStep(w, r, err, func(p *problem) {
			c.render(w, r, statusOf(err), "registry_form", "Заявка на включение в реестр", applyView(typedValues(r)), p)
		})
	})
}

// resubmitView is the resubmission form, filled with the application as it stands (or as
// the person typed it): the authority and the year stay those of the application.
func resubmitView(av app.ApplicationView, typed map[string]string) registryFormView {
	if typed == nil {
		typed = map[string]string{"provider.name": av.Provider.Name, "provider.inn": av.Provider.INN, "provider.ogrn": av.Provider.OGRN,
			"provider.license_number": av.Provider.LicenseNumber, "provider.address": av.Provider.Address,
			"provider.email": av.Provider.Email, "provider.phone": av.Provider.Phone}
		for i, p := range av.Programmes {
			k := "programmes[" + strconv.Itoa(i) + "]."
			typed[k+"code"], typed[k+"title"], typed[k+"kind"], typed[k+"format"] = p.Code, p.Title, string(p.Kind), p.Format
			typed[k+"hours"], typed[k+"price"] = strconv.Itoa(p.Hours), strconv.FormatFloat(p.Price, 'f', -1, 64)
		}
	}
	typed["authority"], typed["year"] = av.Authority, strconv.Itoa(av.Year)
	return registryFormView{Mode: "resubmit", Action: "/registry/applications/" + av.ID + "/resubmission",
		Heading: "Исправить и подать заявку повторно", Button: "Подать повторно", Fixed: true, Reasons: av.Reasons,
		Rows: programmeRows(typed), FormKey: newToken(), Form: typed}
}

func (c *Console) resubmissionForm(w http.ResponseWriter, r *http.Request) {
	ctx, a, id := r.Context(), actorOf(r), r.PathValue("id")
	if err := c.app.MayTakeApplicationStep(ctx, a, id, domain.RoleProvider); err != nil {
		c.renderError(w, r, err)
		return
	}
	av, err := c.app.Application(ctx, a, id)
	if err != nil {
		c.renderError(w, r, err)
		return
	}
	if av.Status != domain.ApplicationReturned {
		c.renderStatus(w, r, http.StatusConflict, "Действие сейчас невозможно", "Повторно подать можно только заявку, возвращённую на доработку. Эта заявка: "+statusLabel(av.Status)+".")
		return
	}
	c.render(w, r, http.StatusOK, "registry_form", "Повторная подача заявки", resubmitView(av, nil), nil)
}

func (c *Console) resubmit(w http.ResponseWriter, r *http.Request) {
	ctx, a, id := r.Context(), actorOf(r), r.PathValue("id")
	if err := c.app.MayTakeApplicationStep(ctx, a, id, domain.RoleProvider); err != nil {
		c.renderError(w, r, err)
		return
	}
	in, err := c.readApplication(r)
	if err == nil {
		_, err = c.app.Resubmit(ctx, a, id, app.Submission{Authority: in.Authority, Year: in.Year, Provider: in.Provider, Programmes: in.Programmes})
	}
	if err != nil {
		c.refusedStep(w, r, err, func(p *problem) {
			av, aerr := c.app.Application(ctx, a, id)
			if aerr != nil {
				c.renderError(w, r, aerr)
				return
			}
			c.render(w, r, statusOf(err), "registry_form", "Повторная подача заявки", resubmitView(av, typedValues(r)), p)
		})
		return
	}
	c.flash(r, "Заявка подана повторно и снова на рассмотрении.")
	http.Redirect(w, r, "/registry/applications/"+id, http.StatusSeeOther)
}
