package console

import (
	"net/http"

	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/internal/postgres"
	"github.com/profdev/profdev/workflows"
)

// Connecting organisations and their authorised people (process 5): the ministry's review
// of a connection request, the invitation a person accepts on first sign-in, and the
// registry of an organisation's people with the block an org_admin asks and the ministry
// applies (the person is signed out on their next click).

func (c *Console) connectionRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /connections", c.signedIn(c.connectionList))
	mux.HandleFunc("GET /connections/{id}", c.signedIn(c.connectionPage))
	mux.HandleFunc("POST /connections/{id}/decision", c.signedIn(c.decideConnection))
	mux.HandleFunc("GET /invitations/{code}", c.signedIn(c.invitationPage))
	mux.HandleFunc("POST /invitations/{code}", c.signedIn(c.acceptInvitation))
	mux.HandleFunc("GET /organisations/{org}/people", c.signedIn(c.peoplePage))
	mux.HandleFunc("POST /organisations/{org}/changes", c.signedIn(c.submitBlock))
	mux.HandleFunc("GET /organisations/{org}/changes/{id}", c.signedIn(c.changePage))
	mux.HandleFunc("POST /organisations/{org}/changes/{id}/decision", c.signedIn(c.decideChange))
}

type connectionListView struct {
	Items  []domain.Connection
	Next   string
	Status string
}

func (c *Console) connectionList(w http.ResponseWriter, r *http.Request) {
	status := r.URL.Query().Get("status")
	items, next, err := c.app.Connections(r.Context(), actorOf(r), status, postgres.Page{Limit: 50, Cursor: r.URL.Query().Get("cursor")})
	if err != nil {
		c.renderError(w, r, err)
		return
	}
	c.render(w, r, http.StatusOK, "connections", "Заявки на подключение", connectionListView{Items: items, Next: next, Status: status}, nil)
}

type connectionView struct {
	C        domain.Connection
	Decide   bool
	Resubmit bool // returned, and the person may correct it: the applicant, or a clerk with a new letter
	FormKey  string
}

func (c *Console) connectionPage(w http.ResponseWriter, r *http.Request) {
	c.showConnection(w, r, http.StatusOK, nil)
}

func (c *Console) showConnection(w http.ResponseWriter, r *http.Request, status int, prob *problem) {
	a := actorOf(r)
	conn, err := c.app.Connection(r.Context(), a, r.PathValue("id"))
	if err != nil {
		c.renderError(w, r, err)
		return
	}
	v := connectionView{C: conn, Decide: a.Role == domain.RoleMinistry && conn.Status == domain.ConnectionUnderReview,
		Resubmit: conn.Status == domain.ConnectionReturned && (a.Role == domain.RoleApplicant || a.Role == domain.RoleMinistry)}
	c.render(w, r, status, "connection", "Заявка на подключение "+conn.Organisation.Name, v, prob)
}

func (c *Console) decideConnection(w http.ResponseWriter, r *http.Request) {
	f := formOf(r)
	d := workflows.ConnectionDecision{Decision: f.str("decision"), Reasons: reasonsOf(f.v.Get("reasons"))}
	_, err := c.app.DecideConnection(r.Context(), actorOf(r), r.PathValue("id"), d)
	if err != nil {
		c.stepRefused(w, r, err, func(p *problem) { c.showConnection(w, r, statusOf(err), p) })
		return
	}
	if d.Decision == "accept" {
		c.flash(r, "Заявка принята: уполномоченные лица внесены в реестр и получат приглашения.")
	} else {
		c.flash(r, "Заявка возвращена на доработку.")
	}
	http.Redirect(w, r, "/connections/"+r.PathValue("id"), http.StatusSeeOther)
}

// stepRefused shows a refused step on its own page when the person can act on the reason
// (bad input, a state that does not allow it), and the error page otherwise.
func (c *Console) stepRefused(w http.ResponseWriter, r *http.Request, err error, onPage func(*problem)) {
	switch domain.ErrorCode(err) {
	case domain.CodeInvalid, domain.CodeConflict, domain.CodeForbidden:
		onPage(problemOf(err))
	default:
		c.renderError(w, r, err)
	}
}

func (c *Console) invitationPage(w http.ResponseWriter, r *http.Request) {
	c.render(w, r, http.StatusOK, "invitation", "Приглашение", r.PathValue("code"), nil)
}

func (c *Console) acceptInvitation(w http.ResponseWriter, r *http.Request) {
	p, err := c.app.AcceptInvitation(r.Context(), actorOf(r), r.PathValue("code"))
	if err != nil {
		c.renderError(w, r, err)
		return
	}
	// The registry now says who the person is: the next request takes the role from it.
	if err := c.signIn(r.Context(), p.Actor(actorOf(r).Sub, actorOf(r).Name)); err != nil {
		c.renderError(w, r, err)
		return
	}
	c.flash(r, "Приглашение принято: доступ открыт.")
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

type peopleView struct {
	Org    string
	People []domain.Person
	Block  bool // the person may ask to block (org_admin of the organisation)
}

func (c *Console) peoplePage(w http.ResponseWriter, r *http.Request) {
	c.showPeople(w, r, http.StatusOK, nil)
}

func (c *Console) showPeople(w http.ResponseWriter, r *http.Request, status int, prob *problem) {
	a, org := actorOf(r), r.PathValue("org")
	people, _, err := c.app.People(r.Context(), a, org, r.URL.Query().Get("status"), postgres.Page{Limit: 200})
	if err != nil {
		c.renderError(w, r, err)
		return
	}
	v := peopleView{Org: org, People: people, Block: a.Role == domain.RoleOrgAdmin}
	c.render(w, r, status, "people", "Уполномоченные лица организации", v, prob)
}

// submitBlock is the org_admin's report that a person no longer acts for the organisation.
func (c *Console) submitBlock(w http.ResponseWriter, r *http.Request) {
	f := formOf(r)
	body := domain.ChangeRequestBody{Kind: domain.ChangeKind(f.str("kind")), PersonID: f.str("person_id"), Reason: f.str("reason"), OccurredOn: f.date("occurred_on")}
	err := f.check(c.val.Struct(&body))
	var ch domain.ChangeRequest
	if err == nil {
		ch, err = c.app.SubmitChange(r.Context(), actorOf(r), r.PathValue("org"), body)
	}
	if err != nil {
		c.stepRefused(w, r, err, func(p *problem) { c.showPeople(w, r, statusOf(err), p) })
		return
	}
	c.flash(r, "Сведения направлены в министерство.")
	http.Redirect(w, r, "/organisations/"+ch.Organisation+"/changes/"+ch.ID, http.StatusSeeOther)
}

type changeView struct {
	C      domain.ChangeRequest
	Decide bool
}

func (c *Console) changePage(w http.ResponseWriter, r *http.Request) {
	c.showChange(w, r, http.StatusOK, nil)
}

func (c *Console) showChange(w http.ResponseWriter, r *http.Request, status int, prob *problem) {
	a := actorOf(r)
	ch, err := c.app.Change(r.Context(), a, r.PathValue("org"), r.PathValue("id"))
	if err != nil {
		c.renderError(w, r, err)
		return
	}
	v := changeView{C: ch, Decide: a.Role == domain.RoleMinistry && ch.Status == domain.ChangeUnderReview}
	c.render(w, r, status, "change", "Изменение сведений об уполномоченных лицах", v, prob)
}

func (c *Console) decideChange(w http.ResponseWriter, r *http.Request) {
	f := formOf(r)
	d := workflows.ChangeDecision{Decision: f.str("decision"), Reasons: reasonsOf(f.v.Get("reasons"))}
	if _, err := c.app.DecideChange(r.Context(), actorOf(r), r.PathValue("org"), r.PathValue("id"), d); err != nil {
		c.stepRefused(w, r, err, func(p *problem) { c.showChange(w, r, statusOf(err), p) })
		return
	}
	c.flash(r, "Решение принято.")
	http.Redirect(w, r, "/organisations/"+r.PathValue("org")+"/changes/"+r.PathValue("id"), http.StatusSeeOther)
}
