package console

import (
	"net/http"
	"strings"

	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/internal/postgres"
)

// inboxShown is how many tasks the inbox page lists; the rest are counted.
const inboxShown = 50

type homeView struct {
	Tasks         []domain.Task
	Total         int
	Overdue       int
	Notifications []domain.Notification
	Applicant     bool
	Connections   []domain.Connection
}

// home is the inbox: what waits on the signed-in person, earliest due first, and the
// latest of their notification feed.
func (c *Console) home(w http.ResponseWriter, r *http.Request) {
	ctx, a := r.Context(), actorOf(r)
	v := homeView{}
	var err error
	if v.Tasks, v.Total, err = c.app.FirstTasks(ctx, a, inboxShown); err != nil && !domain.IsCode(err, domain.CodeForbidden) {
		c.renderError(w, r, err)
		return
	}
	if a.Role == domain.RoleApplicant {
		// Signed in, no role yet: their own connection requests, and the way to make one.
		v.Applicant = true
		if v.Connections, _, err = c.app.Connections(ctx, a, "", postgres.Page{Limit: 20}); err != nil {
			c.renderError(w, r, err)
			return
		}
	}
	for _, t := range v.Tasks {
		if t.Overdue {
			v.Overdue++
		}
	}
	if v.Notifications, _, err = c.app.Notifications(ctx, a, postgres.Page{Limit: 10}); err != nil {
		c.renderError(w, r, err)
		return
	}
	c.render(w, r, http.StatusOK, "home", "Входящие", v, nil)
}

type feedView struct {
	Items []domain.Notification
	Next  string
}

func (c *Console) notifications(w http.ResponseWriter, r *http.Request) {
	items, next, err := c.app.Notifications(r.Context(), actorOf(r), postgres.Page{Limit: 50, Cursor: r.URL.Query().Get("cursor")})
	if err != nil {
		c.renderError(w, r, err)
		return
	}
	c.render(w, r, http.StatusOK, "notifications", "Уведомления", feedView{Items: items, Next: next}, nil)
}

// search finds a record by what a person types: a certificate number, an application,
// nomination or connection ID, or a servant's name among the certificates in scope.
func (c *Console) search(w http.ResponseWriter, r *http.Request) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	ctx, a := r.Context(), actorOf(r)
	if q == "" {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	if _, err := c.app.Certificate(ctx, a, strings.ToUpper(q)); err == nil {
		http.Redirect(w, r, "/certificates/"+strings.ToUpper(q), http.StatusSeeOther)
		return
	}
	if _, err := c.app.Application(ctx, a, q); err == nil {
		http.Redirect(w, r, "/registry/applications/"+q, http.StatusSeeOther)
		return
	}
	if _, err := c.app.Nomination(ctx, a, q); err == nil {
		http.Redirect(w, r, "/reserve/nominations/"+q, http.StatusSeeOther)
		return
	}
	if _, err := c.app.Connection(ctx, a, q); err == nil {
		http.Redirect(w, r, "/connections/"+q, http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/certificates?name="+urlQueryEscape(q), http.StatusSeeOther)
}
