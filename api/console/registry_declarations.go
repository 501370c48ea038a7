package console

import (
	"net/http"
	"regexp"
	"strconv"

	"github.com/profdev/profdev/internal/app"
	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/workflows"
)

// A provider's yearly declaration of programmes (сведения о программах на год) and the
// ministry's decision on it; and the programme rows that the application, resubmission
// and declaration forms share.

func (c *Console) declarationRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /registry/declarations/new", c.signedIn(c.newDeclaration))
	mux.HandleFunc("POST /registry/declarations", c.signedIn(c.declare))
	mux.HandleFunc("GET /registry/declarations/{id}", c.signedIn(c.declarationPage))
	mux.HandleFunc("POST /registry/declarations/{id}/decision", c.signedIn(c.decideDeclaration))
}

// registryFormView is the form of an application, a resubmission or a declaration.
type registryFormView struct {
	Mode, Action, Heading, Button string
	Fixed                         bool     // the authority and the year are the application's
	Reasons                       []string // why the application was returned
	Rows                          []int
	FormKey                       string
	Form                          map[string]string
}

// minProgrammeRows is how many programme rows a form offers; empty rows are ignored, and
// a form shown again keeps every row the person filled.
const minProgrammeRows = 3

// maxProgrammeRows bounds the rows read from a form (the API's limit).
const maxProgrammeRows = 200

var programmeKey = regexp.MustCompile(`^programmes\[(\d+)\]\.`)

func programmeRows(typed map[string]string) []int {
	n := minProgrammeRows
	for k, v := range typed {
		if m := programmeKey.FindStringSubmatch(k); m != nil && v != "" {
			if i, _ := strconv.Atoi(m[1]); i+2 > n && i < maxProgrammeRows {
				n = i + 2 // one empty row after the last filled
			}
		}
	}
	rows := make([]int, n)
	for i := range rows {
		rows[i] = i
	}
	return rows
}

var programmeFields = []string{"code", "title", "kind", "hours", "format", "price"}

// readProgrammes reads the filled programme rows, and for each the form row it came from,
// so that the validator's errors point at the row the person sees.
func readProgrammes(f *form) ([]domain.Programme, []int) {
	var progs []domain.Programme
	var rows []int
	for i := 0; i < maxProgrammeRows; i++ {
		k := "programmes[" + strconv.Itoa(i) + "]."
		empty := true
		for _, name := range programmeFields {
			if f.str(k+name) != "" {
				empty = false
			}
		}
		if empty {
			continue
		}
		progs = append(progs, domain.Programme{Code: f.str(k + "code"), Title: f.str(k + "title"),
			Kind: domain.ProgrammeKind(f.str(k + "kind")), Hours: f.int(k + "hours"), Format: f.str(k + "format"), Price: f.float(k + "price")})
		rows = append(rows, i)
	}
	return progs, rows
}

// rowFields renames the validator's programmes[n] (n-th filled row) to the form row's
// index; "no programmes" points at the first row.
func rowFields(err error, rows []int) error {
	de := asDomain(err)
	if de == nil {
		return err
	}
	for i, fe := range de.Fields {
		if fe.Field == "programmes" {
			de.Fields[i].Field = "programmes[0].code"
			continue
		}
		if m := programmeKey.FindStringSubmatch(fe.Field); m != nil {
			if n, _ := strconv.Atoi(m[1]); n < len(rows) {
				de.Fields[i].Field = "programmes[" + strconv.Itoa(rows[n]) + "]." + fe.Field[len(m[0]):]
			}
		}
	}
	return err
}

// declarationForm is a declaration as the API takes it. The authority may be left empty
// when the provider is in one registry only.
type declarationForm struct {
	Authority  string             `json:"authority" validate:"omitempty,ident"`
	Year       int                `json:"year" validate:"required,year"`
	Programmes []domain.Programme `json:"programmes" validate:"required,min=1,max=200,dive"`
}

func (d *declarationForm) Check() []domain.FieldError {
	return domain.UniqueProgrammeCodes(d.Programmes)
}

func declareView(typed map[string]string) registryFormView {
	if typed == nil {
		typed = map[string]string{"year": strconv.Itoa(currentYear() + 1)}
	}
	return registryFormView{Mode: "declare", Action: "/registry/declarations", Heading: "Сведения о программах на год",
		Button: "Направить сведения", Rows: programmeRows(typed), FormKey: newToken(), Form: typed}
}

func (c *Console) newDeclaration(w http.ResponseWriter, r *http.Request) {
	if err := app.Require(actorOf(r), domain.RoleProvider); err != nil {
		c.renderError(w, r, err)
		return
	}
	c.render(w, r, http.StatusOK, "registry_form", "Сведения о программах на год", declareView(nil), nil)
}

func (c *Console) declare(w http.ResponseWriter, r *http.Request) {
	ctx, a := r.Context(), actorOf(r)
	if err := app.Require(a, domain.RoleProvider); err != nil {
		c.renderError(w, r, err)
		return
	}
	c.once(w, r, func() (string, error) {
		f := formOf(r)
		d := declarationForm{Authority: f.str("authority"), Year: f.int("year")}
		var rows []int
		d.Programmes, rows = readProgrammes(f)
		if err := f.check(rowFields(c.val.Struct(&d), rows)); err != nil {
			return "", err
		}
		out, err := c.app.DeclareProgrammes(ctx, a, a.Provider, d.Authority, d.Year, d.Programmes)
		if err != nil {
			return "", err
		}
		c.flash(r, "Сведения о программах на "+strconv.Itoa(out.Year)+" год направлены в министерство.")
		return "/registry/declarations/" + out.ID, nil
	}, func(err error) {
		if domain.IsCode(err, domain.CodeNotFound) { // not in that registry: the form, saying so
			err = domain.Invalid("invalid request", domain.FieldError{Field: "authority", Message: "the provider is not in this registry"})
		}
		c.refusedStep(w, r, err, func(p *problem) {
			c.render(w, r, statusOf(err), "registry_form", "Сведения о программах на год", declareView(typedValues(r)), p)
		})
	})
}

type declarationPageView struct {
	D      domain.Declaration
	Decide bool
	Form   map[string]string
}

func (c *Console) declarationPage(w http.ResponseWriter, r *http.Request) {
	c.showDeclaration(w, r, http.StatusOK, nil, nil)
}

func (c *Console) showDeclaration(w http.ResponseWriter, r *http.Request, status int, prob *problem, typed map[string]string) {
	ctx, a := r.Context(), actorOf(r)
	d, err := c.app.Declaration(ctx, a, r.PathValue("id"))
	if err != nil {
		c.renderError(w, r, err)
		return
	}
	v := declarationPageView{D: d, Form: typed, Decide: a.Role == domain.RoleMinistry && d.Status == domain.DeclarationUnderReview}
	c.render(w, r, status, "registry_declaration", "Сведения о программах на "+strconv.Itoa(d.Year)+" год", v, prob)
}

func (c *Console) decideDeclaration(w http.ResponseWriter, r *http.Request) {
	ctx, a, id := r.Context(), actorOf(r), r.PathValue("id")
	provider := r.PostFormValue("provider") // the app checks that the declaration is this provider's
	if err := c.app.MayDecideDeclaration(ctx, a, provider, id); err != nil {
		c.renderError(w, r, err)
		return
	}
	d, err := c.readDecision(r, []string{workflows.DecisionAccept, workflows.DecisionReturn})
	var out domain.Declaration
	if err == nil {
		out, err = c.app.DecideDeclaration(ctx, a, provider, id, d.Decision, d.Reasons)
	}
	if err != nil {
		c.refusedStep(w, r, err, func(p *problem) { c.showDeclaration(w, r, statusOf(err), p, typedValues(r)) })
		return
	}
	c.flash(r, "Решение принято: сведения о программах на "+strconv.Itoa(out.Year)+" год — "+statusLabel(out.Status)+".")
	http.Redirect(w, r, "/registry/declarations/"+id, http.StatusSeeOther)
}
