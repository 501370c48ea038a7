package console

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/profdev/profdev/internal/document"
	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/internal/postgres"
)

// The management reserve (process 3): the nominations list, the nomination page with lists
// 1 and 2 grouped by category, the quota counters and each role's steps (HR proposes and
// submits, the head approves, the reserve authority sets quotas, reviews candidate by
// candidate and records the selection), and the lists printed as HTML or CSV. The
// candidate editor and the per-candidate steps are in reserve_candidates.go.

func (c *Console) reserveRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /reserve/nominations", c.signedIn(c.nominationList))
	mux.HandleFunc("POST /reserve/nominations", c.signedIn(c.createNomination))
	mux.HandleFunc("GET /reserve/nominations/{id}", c.signedIn(c.nominationPage))
	mux.HandleFunc("GET /reserve/nominations/{id}/lists", c.signedIn(c.nominationLists))
	mux.HandleFunc("POST /reserve/nominations/{id}/{step}", c.signedIn(c.nominationStep))
	c.candidateRoutes(mux)
}

type nominationListView struct {
	Items   []domain.Nomination
	Next    string
	Create  bool // HR may start its agency's nomination
	Years   []int
	FormKey string
	Form    map[string]string
}

func (c *Console) nominationList(w http.ResponseWriter, r *http.Request) {
	c.showNominationList(w, r, http.StatusOK, nil, nil)
}

func (c *Console) showNominationList(w http.ResponseWriter, r *http.Request, status int, prob *problem, typed map[string]string) {
	ctx, a := r.Context(), actorOf(r)
	items, next, err := c.app.Nominations(ctx, a, postgres.NominationFilter{}, postgres.Page{Limit: 50, Cursor: r.URL.Query().Get("cursor")})
	if err != nil {
		c.renderError(w, r, err)
		return
	}
	// An agency has one nomination a year: the form offers only the years still without one.
	y := currentYear()
	v := nominationListView{Items: items, Next: next, FormKey: newToken(), Form: typed}
	for _, year := range []int{y, y + 1} {
		taken := false
		for _, n := range items {
			taken = taken || n.Year == year
		}
		if !taken {
			v.Years = append(v.Years, year)
		}
	}
	v.Create = a.Role == domain.RoleHR && len(v.Years) > 0
	if v.Form == nil {
		// The agency's own authority is where its nomination usually goes.
		auth, _ := c.app.CycleAuthority(ctx, a, "")
		v.Form = map[string]string{"authority": auth}
	}
	c.render(w, r, status, "reserve_nominations", "Кадровый резерв", v, prob)
}

// nominationForm is the form that starts a nomination, checked as the API checks its body.
type nominationForm struct {
	Year      int    `json:"year" validate:"required"`
	Authority string `json:"authority" validate:"required,ident"`
}

func (c *Console) createNomination(w http.ResponseWriter, r *http.Request) {
	c.once(w, r, func() (string, error) {
		f := formOf(r)
		req := nominationForm{Year: f.int("year"), Authority: f.str("authority")}
		if err := f.check(c.val.Struct(&req)); err != nil {
			return "", err
		}
		n, err := c.app.CreateNomination(r.Context(), actorOf(r), req.Year, req.Authority)
		if err != nil {
			return "", err
		}
		c.flash(r, fmt.Sprintf("Представление на %d год создано. Добавьте кандидатов в списки 1 и 2.", n.Year))
		return "/reserve/nominations/" + n.ID, nil
	}, func(err error) {
		if code := domain.ErrorCode(err); code != domain.CodeInvalid && code != domain.CodeConflict {
			c.renderError(w, r, err)
			return
		}
		c.showNominationList(w, r, statusOf(err), problemOf(err), typedValues(r))
	})
}

// categoryGroup is one category of one list, with the quota counter for list 2.
type categoryGroup struct {
	Category   domain.ReserveCategory
	Title      string
	Candidates []domain.ReserveCandidate
	Used       int
	Quota      int
	Over       bool
}

type reserveList struct {
	List   domain.ReserveList
	Title  string
	Groups []categoryGroup
	Quotas bool // list 2 is held to the quotas; list 1 is not (seed 002 item 12)
}

// nominationView is the nomination page: the lists, the timeline, and which steps the
// nomination's state allows the person. The workflow's validators stay the gate: this only
// spares people forms that would be refused.
type nominationView struct {
	N        domain.Nomination
	Lists    []reserveList
	Timeline []domain.Event
	Steps    map[string]bool
	Form     map[string]string
	FormKey  string
}

func groupLists(n domain.Nomination) []reserveList {
	lists := []reserveList{
		{List: domain.ListRepeat, Title: "Список 1: рекомендованные повторно"},
		{List: domain.ListNew, Title: "Список 2: рекомендованные впервые", Quotas: true},
	}
	for i := range lists {
		for _, cat := range domain.ReserveCategories {
			g := categoryGroup{Category: cat, Title: cat.Title(), Quota: n.Quotas.For(cat)}
			for _, cand := range n.Candidates {
				if cand.List == lists[i].List && cand.Category == cat {
					g.Candidates = append(g.Candidates, cand)
				}
			}
			g.Used = len(g.Candidates)
			g.Over = lists[i].Quotas && g.Used > g.Quota
			lists[i].Groups = append(lists[i].Groups, g)
		}
	}
	return lists
}

func nominationSteps(n domain.Nomination, a domain.Actor) map[string]bool {
	s := map[string]bool{}
	drafting := n.Status == domain.NominationDraft || n.Status == domain.NominationApproved
	switch a.Role {
	case domain.RoleHR:
		s["add"] = drafting
		s["edit"] = drafting
		s["submission"] = n.Status == domain.NominationApproved
	case domain.RoleAgencyHead:
		s["approval"] = n.Status == domain.NominationDraft && len(n.Candidates) > 0
	case domain.RoleReserveAuthority:
		s["quotas"] = n.Status != domain.NominationDecided
		s["decide"] = true
	}
	s["lists"] = a.Role != domain.RoleOperator
	return s
}

func (c *Console) nominationPage(w http.ResponseWriter, r *http.Request) {
	c.showNomination(w, r, http.StatusOK, nil, nil)
}

func (c *Console) showNomination(w http.ResponseWriter, r *http.Request, status int, prob *problem, typed map[string]string) {
	ctx, a := r.Context(), actorOf(r)
	nv, err := c.app.NominationWithHistory(ctx, a, r.PathValue("id"))
	if err != nil {
		c.renderError(w, r, err)
		return
	}
	n := nv.Nomination
	v := nominationView{N: n, Lists: groupLists(n), Timeline: nv.History, Steps: nominationSteps(n, a), Form: typed, FormKey: newToken()}
	if v.Form == nil {
		v.Form = map[string]string{"I": strconv.Itoa(n.Quotas.I), "II": strconv.Itoa(n.Quotas.II), "III": strconv.Itoa(n.Quotas.III)}
	}
	c.render(w, r, status, "reserve_nomination", fmt.Sprintf("Представление в резерв на %d год", n.Year), v, prob)
}

// nominationLists prints lists 1 and 2 as seed 002's appendices, with the renderers the JSON
// API uses, so that the console's copy is the same document.
func (c *Console) nominationLists(w http.ResponseWriter, r *http.Request) {
	n, err := c.app.ReserveLists(r.Context(), actorOf(r), r.PathValue("id"))
	if err != nil {
		c.renderError(w, r, err)
		return
	}
	switch r.URL.Query().Get("format") {
	case "csv":
		body, err := document.ReserveListsCSV(n)
		if err != nil {
			c.renderError(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="reserve-lists-%s-%d.csv"`, n.Agency, n.Year))
		_, _ = w.Write(body)
	case "", "html":
		body, err := document.ReserveListsHTML(n)
		if err != nil {
			c.renderError(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
		_, _ = w.Write(body)
	default:
		c.renderError(w, r, domain.NotFound("format"))
	}
}

// quotaForm is the reserve authority's list-2 quotas, bounded as the API bounds them.
type quotaForm struct {
	I   *int `json:"I" validate:"required,gte=0,lte=10000"`
	II  *int `json:"II" validate:"required,gte=0,lte=10000"`
	III *int `json:"III" validate:"required,gte=0,lte=10000"`
}

// nominationStep carries out a step on the whole nomination; a refusal shows the page again
// with the reason.
func (c *Console) nominationStep(w http.ResponseWriter, r *http.Request) {
	ctx, a, id := r.Context(), actorOf(r), r.PathValue("id")
	var done string
	var err error
	switch r.PathValue("step") {
	case "approval":
		_, err = c.app.ApproveNomination(ctx, a, id)
		done = "Списки согласованы. Кадровая служба может направить их в уполномоченный орган."
	case "submission":
		_, err = c.app.SubmitNomination(ctx, a, id)
		done = "Списки направлены в уполномоченный орган на рассмотрение."
	case "quotas":
		var n domain.Nomination
		if n, err = c.app.Nomination(ctx, a, id); err != nil {
			break
		}
		f := formOf(r)
		q := quotaForm{I: optInt(f, "I"), II: optInt(f, "II"), III: optInt(f, "III")}
		if err = f.check(c.val.Struct(&q)); err == nil {
			_, err = c.app.SetReserveQuotas(ctx, a, n.Agency, n.Year, domain.ReserveQuotas{I: *q.I, II: *q.II, III: *q.III})
		}
		done = "Квоты списка 2 установлены."
	default:
		c.renderError(w, r, domain.NotFound("page"))
		return
	}
	c.afterNominationStep(w, r, err, done, "")
}

// afterNominationStep shows the confirmation, or the page again with the reason and what
// the person typed. A step on one candidate (cid) returns the person to that candidate, and
// its field errors are named after the candidate, since the page holds one form for each.
func (c *Console) afterNominationStep(w http.ResponseWriter, r *http.Request, err error, done, cid string) {
	if err != nil {
		if code := domain.ErrorCode(err); code == domain.CodeNotFound || code == domain.CodeForbidden || code == domain.CodeUnavailable || code == domain.CodeInternal {
			c.renderError(w, r, err)
			return
		}
		p := problemOf(err)
		if cid != "" {
			for i := range p.Fields {
				p.Fields[i].Field = cid + "." + p.Fields[i].Field
				p.Fields[i].Label = cid + ", " + strings.ToLower(p.Fields[i].Label)
			}
		}
		c.showNomination(w, r, statusOf(err), p, typedValues(r))
		return
	}
	c.flash(r, done)
	target := "/reserve/nominations/" + r.PathValue("id")
	if cid != "" {
		target += "#candidate-" + cid
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// optInt reads a number that may be left empty (nil), so that "required" can tell an empty
// field from a zero.
func optInt(f *form, name string) *int {
	if f.str(name) == "" {
		return nil
	}
	n := f.int(name)
	return &n
}
