package console

import (
	"net/http"
	"net/url"
	"sort"

	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/internal/postgres"
)

// HR's agency dashboard: the certificates of the agency's servants by status, its
// nominations, plans and quarterly reports, and what is overdue, each with a link to its
// list or record. The ministry and operators may open any agency's with ?agency=.

type countRow struct {
	Status, Label, Href string
	Count               int
}

type agencyView struct {
	Agency       string
	Certificates []countRow
	Total        int
	Others       []struct {
		Title string
		Rows  []countRow
	}
	Overdue     []domain.Task
	OverdueCert []domain.Certificate
}

// certificateOrder is the order of a certificate's life, as the dashboard lists statuses.
var certificateOrder = []string{"issued", "enrolled", "completed", "partially_completed", "failed_attestation", "expelled", "annulled", "lapsed"}

func (c *Console) agencyPage(w http.ResponseWriter, r *http.Request) {
	ctx, a := r.Context(), actorOf(r)
	agency := a.Agency
	if q := r.URL.Query().Get("agency"); q != "" && a.Role != domain.RoleHR {
		agency = q
	}
	o, err := c.app.AgencyOverview(ctx, a, agency)
	if err != nil {
		c.renderError(w, r, err)
		return
	}
	overdue := true
	certs, _, err := c.app.Certificates(ctx, a, postgres.CertificateFilter{Agency: agency, Overdue: &overdue}, postgres.Page{Limit: 20})
	if err != nil {
		c.renderError(w, r, err)
		return
	}
	v := agencyView{Agency: agency, Overdue: o.Overdue, OverdueCert: certs}
	scope := ""
	if a.Role != domain.RoleHR {
		scope = "&agency=" + url.QueryEscape(agency)
	}
	for _, s := range certificateOrder {
		if n := o.Counts["certificates"][s]; n > 0 {
			v.Certificates = append(v.Certificates, countRow{Status: s, Label: statusLabel(s), Count: n, Href: "/certificates?status=" + s + scope})
			v.Total += n
		}
	}
	for _, p := range []struct{ key, title, href string }{
		{"reserve_nominations", "Представления в кадровый резерв", "/reserve/nominations"},
		{"planning_plans", "Планы мероприятий", "/planning"},
		{"quarterly_reports", "Квартальные отчёты", "/planning"},
	} {
		var rows []countRow
		for s, n := range o.Counts[p.key] {
			rows = append(rows, countRow{Status: s, Label: agencyCountLabel(s), Count: n, Href: p.href})
		}
		sort.Slice(rows, func(i, j int) bool { return rows[i].Status < rows[j].Status })
		v.Others = append(v.Others, struct {
			Title string
			Rows  []countRow
		}{p.title, rows})
	}
	c.render(w, r, http.StatusOK, "agency", "Орган: сводка", v, nil)
}

func agencyCountLabel(s string) string {
	switch s {
	case "on_time":
		return "В срок"
	case "late":
		return "С опозданием"
	}
	return statusLabel(s)
}
