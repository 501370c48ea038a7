package console

import (
	"net/http"
	"sort"
	"strconv"

	"github.com/profdev/profdev/internal/app"
	"github.com/profdev/profdev/internal/domain"
)

// The year's summary for the ministry: certificates issued, completed and annulled per
// agency and per provider, and the quality survey's scores. The figures are the planning
// summary's (app.PlanningSummary), which adds up the counters the database keeps in step
// with every certificate, so the page costs some hundreds of rows, not a year's
// certificates. Bars are SVG shapes sized by attributes, one length in every column so
// that they compare: the CSP allows no inline style, and no script is needed.

func (c *Console) summaryRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /summary", c.signedIn(c.summary))
}

// summaryRow is one agency or provider with its figures and their bars' lengths (percent
// of the largest figure of the table, so that the longest bar fills its cell).
type summaryRow struct {
	ID, Name                       string
	Issued, Completed, Annulled    int
	IssuedP, CompletedP, AnnulledP int
}

type qualityRow struct {
	Name, Detail string
	Ratings      int
	Average      float64
	P            int // the average's share of the top score, 5
}

type summaryView struct {
	Year, Authority string
	Years           []int
	Totals          domain.CertificateCounts
	ByAgency        []summaryRow
	ByProvider      []summaryRow
	Providers       []qualityRow
	Programmes      []qualityRow
	Operator        bool
}

func (c *Console) summary(w http.ResponseWriter, r *http.Request) {
	ctx, a := r.Context(), actorOf(r)
	if err := app.Require(a, app.SummaryRoles...); err != nil {
		c.renderError(w, r, err)
		return
	}
	q := r.URL.Query()
	year := currentYear()
	authority := a.Authority
	if a.Role == domain.RoleOperator { // operators see every authority, one at a time
		authority = q.Get("authority")
	}
	v := summaryView{Authority: authority, Operator: a.Role == domain.RoleOperator}
	for y := currentYear() + 1; y >= currentYear()-4; y-- {
		v.Years = append(v.Years, y)
	}
	if y := q.Get("year"); y != "" {
		n, err := strconv.Atoi(y)
		if err != nil || !domain.ValidYear(n) { // the filter again, saying what to fix
			v.Year, v.Authority = strconv.Itoa(year), ""
			c.render(w, r, http.StatusBadRequest, "summary", "Сводка за год", v, problemOf(domain.Invalid("invalid filter",
				domain.FieldError{Field: "year", Message: domain.YearMessage})))
			return
		}
		year = n
	}
	v.Year = strconv.Itoa(year)
	if authority == "" {
		c.render(w, r, http.StatusOK, "summary", "Сводка за год", v, nil)
		return
	}
	s, err := c.app.PlanningSummary(ctx, a, authority, year)
	if err != nil {
		c.renderError(w, r, err)
		return
	}
	v.Totals = s.Certificates.Totals
	v.ByAgency = summaryRows(s.Certificates.ByAgency)
	v.ByProvider = summaryRows(s.Certificates.ByProvider)
	names := map[string]string{}
	for _, g := range s.Certificates.ByProvider {
		names[g.ID] = g.Name
	}
	for _, p := range s.QualityByProvider {
		v.Providers = append(v.Providers, qualityRow{Name: nameOr(names[p.ProviderID], p.ProviderID), Ratings: p.Ratings, Average: p.Average, P: int(p.Average * 20)})
	}
	for _, p := range s.Quality {
		v.Programmes = append(v.Programmes, qualityRow{Name: nameOr(p.ProgrammeTitle, p.ProgrammeCode), Detail: nameOr(names[p.ProviderID], p.ProviderID),
			Ratings: p.Ratings, Average: p.Average, P: int(p.Average * 20)})
	}
	c.render(w, r, http.StatusOK, "summary", "Сводка за "+v.Year+" год", v, nil)
}

func nameOr(name, id string) string {
	if name != "" {
		return name
	}
	return id
}

func summaryRows(groups []domain.CertificateGroup) []summaryRow {
	top := 0
	for _, g := range groups {
		top = max(top, g.Issued)
	}
	rows := make([]summaryRow, 0, len(groups))
	for _, g := range groups {
		rows = append(rows, summaryRow{ID: g.ID, Name: nameOr(g.Name, g.ID), Issued: g.Issued, Completed: g.Completed, Annulled: g.Annulled,
			IssuedP: barLength(g.Issued, top), CompletedP: barLength(g.Completed, top), AnnulledP: barLength(g.Annulled, top)})
	}
	// The most issued first: the bars then read as a ranking.
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].Issued > rows[j].Issued })
	return rows
}

// barLength is n's share of top in percent; a figure above zero always shows a sliver.
func barLength(n, top int) int {
	if n <= 0 || top <= 0 {
		return 0
	}
	return max(n*100/top, 1)
}
