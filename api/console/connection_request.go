package console

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/profdev/profdev/internal/app"
	"github.com/profdev/profdev/internal/domain"
)

// The connection request form (process 5): an applicant signed in with no role yet asks for
// their organisation to be connected, naming its authorised people; a ministry clerk
// registers the same request from a letter (its number and date). A returned request is
// corrected on the same form and sent again. The form's field names are the API's, so the
// validator's and the workflow's errors land beside the fields they name.

// maxPeopleRows bounds the rows of people the form shows; the API takes up to 200.
const maxPeopleRows = 50

func (c *Console) connectionRequestRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /connections/new", c.signedIn(c.newConnection))
	mux.HandleFunc("POST /connections", c.signedIn(c.submitConnection))
	mux.HandleFunc("GET /connections/{id}/resubmission", c.signedIn(c.connectionResubmissionForm))
	mux.HandleFunc("POST /connections/{id}/resubmission", c.signedIn(c.resubmitConnection))
	mux.HandleFunc("GET /changes/{id}", c.signedIn(c.changeByID))
	mux.HandleFunc("GET /organisation/people", c.signedIn(c.ownPeople))
}

// changeByID leads an inbox item, which names a change request by its ID, to its page under
// its organisation.
func (c *Console) changeByID(w http.ResponseWriter, r *http.Request) {
	ch, err := c.app.ChangeByID(r.Context(), actorOf(r), r.PathValue("id"))
	if err != nil {
		c.renderError(w, r, err)
		return
	}
	http.Redirect(w, r, "/organisations/"+ch.Organisation+"/changes/"+ch.ID, http.StatusSeeOther)
}

// ownPeople is the registry page of the signed-in org_admin's organisation.
func (c *Console) ownPeople(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	if err := app.Require(a, domain.RoleOrgAdmin); err != nil {
		c.renderError(w, r, err)
		return
	}
	http.Redirect(w, r, "/organisations/"+a.Scope()+"/people", http.StatusSeeOther)
}

// inputField is one input of the form, as the template draws it.
type inputField struct {
	Name, Label, Hint, Type, Value, Error, Autocomplete string
	Options                                             []option
}

type option struct{ Value, Label string }

// personRows are the people's fieldsets: their fields by row.
type personRow struct {
	Index  int
	Fields []inputField
}

type connectionFormView struct {
	Action, Submit string
	Letter         bool // a ministry clerk registers a letter
	Organisation   []inputField
	LetterFields   []inputField
	People         []personRow
	FormKey        string
}

var orgKinds = []option{{"agency", "Государственный орган"}, {"provider", "Образовательная организация"},
	{"municipality", "Орган местного самоуправления"}, {"regional_body", "Орган субъекта по управлению гражданской службой"}}

var personKinds = []option{{"official", "Уполномоченное должностное лицо (просмотр и контроль)"}, {"employee", "Уполномоченный сотрудник (ввод сведений)"}}

var personRoles = []option{{"hr", "Кадровая служба"}, {"agency_head", "Руководитель органа"}, {"provider", "Сотрудник образовательной организации"},
	{"org_admin", "Администратор организации"}}

// connectionForm builds the form from typed values (a re-shown form) and the problem's field
// errors; rows is how many people's fieldsets to show.
func (c *Console) connectionForm(r *http.Request, typed map[string]string, prob *problem, rows int) (connectionFormView, error) {
	a := actorOf(r)
	authorities, err := c.app.Authorities(r.Context())
	if err != nil {
		return connectionFormView{}, err
	}
	var auth []option
	for _, au := range authorities {
		if a.Role == domain.RoleMinistry && au.ID != a.Authority {
			continue
		}
		auth = append(auth, option{au.ID, au.Name})
	}
	in := func(name, label, hint, typ string, opts ...option) inputField {
		f := inputField{Name: name, Label: label, Hint: hint, Type: typ, Value: typed[name], Options: opts}
		if prob != nil {
			f.Error = prob.For(name)
		}
		return f
	}
	v := connectionFormView{Action: "/connections", Submit: "Направить заявку", Letter: a.Role == domain.RoleMinistry, FormKey: newToken()}
	v.Organisation = []inputField{
		in("authority", "Куда направить заявку", "Орган, который подключает организации", "select", auth...),
		in("organisation.kind", "Вид организации", "", "select", orgKinds...),
		in("organisation.name", "Полное наименование организации", "", "text"),
		in("organisation.id", "Код организации", "Латинские буквы, цифры, точка, дефис; например agency-77", "text"),
		in("organisation.inn", "ИНН", "10 цифр", "numeric"),
		in("organisation.ogrn", "ОГРН", "13 цифр", "numeric"),
		in("organisation.address", "Адрес", "", "text"),
		in("organisation.head.full_name", "ФИО руководителя", "Руководитель подписывает заявку", "text"),
		in("organisation.head.position", "Должность руководителя", "", "text"),
	}
	if v.Letter {
		v.LetterFields = []inputField{in("letter.number", "Номер письма", "", "text"), in("letter.date", "Дата письма", "", "date")}
	}
	for i := range rows {
		p := func(field string) string { return "people[" + strconv.Itoa(i) + "]." + field }
		row := personRow{Index: i + 1, Fields: []inputField{
			in(p("full_name"), "ФИО", "", "text"),
			in(p("position"), "Должность", "", "text"),
			in(p("email"), "Электронная почта", "На неё придёт приглашение", "email"),
			in(p("phone"), "Телефон", "+7 и 10 цифр", "tel"),
			in(p("kind"), "Вид полномочий", "", "select", personKinds...),
			in(p("role"), "Роль в системе", "Кадровая служба и руководитель — для органа; сотрудник — для образовательной организации", "select", personRoles...),
		}}
		row.Fields[0].Autocomplete, row.Fields[2].Autocomplete, row.Fields[3].Autocomplete = "off", "off", "off"
		v.People = append(v.People, row)
	}
	return v, nil
}

// peopleRows is how many people's rows the typed values fill, plus one more when asked.
func peopleRows(typed map[string]string, more bool) int {
	n := 1
	for k := range typed {
		if rest, ok := strings.CutPrefix(k, "people["); ok {
			if i, err := strconv.Atoi(rest[:max(0, strings.IndexByte(rest, ']'))]); err == nil && i+1 > n && i < maxPeopleRows {
				n = i + 1
			}
		}
	}
	if more && n < maxPeopleRows {
		n++
	}
	return n
}

func (c *Console) newConnection(w http.ResponseWriter, r *http.Request) {
	c.showConnectionForm(w, r, http.StatusOK, nil, map[string]string{}, 1, "", "")
}

func (c *Console) showConnectionForm(w http.ResponseWriter, r *http.Request, status int, prob *problem, typed map[string]string, rows int, action, submit string) {
	if err := app.Require(actorOf(r), domain.RoleApplicant, domain.RoleMinistry); err != nil {
		c.renderError(w, r, err)
		return
	}
	v, err := c.connectionForm(r, typed, prob, rows)
	if err != nil {
		c.renderError(w, r, err)
		return
	}
	title := "Заявка на подключение организации"
	if action != "" {
		v.Action, v.Submit, title = action, submit, "Доработка заявки на подключение"
	}
	c.render(w, r, status, "connection_new", title, v, prob)
}

// connectionRequestOf reads the posted form as the API reads its JSON body, and checks it
// with the API's validator.
func (c *Console) connectionRequestOf(r *http.Request) (domain.ConnectionRequest, error) {
	f := formOf(r)
	req := domain.ConnectionRequest{
		Authority: f.str("authority"),
		Organisation: domain.Organisation{Kind: domain.OrganisationKind(f.str("organisation.kind")), ID: f.str("organisation.id"),
			Name: f.str("organisation.name"), INN: f.str("organisation.inn"), OGRN: f.str("organisation.ogrn"),
			Address: f.str("organisation.address"),
			Head:    domain.OrganisationHead{FullName: f.str("organisation.head.full_name"), Position: f.str("organisation.head.position")}},
	}
	for i := range peopleRows(typedValues(r), false) {
		p := func(field string) string { return "people[" + strconv.Itoa(i) + "]." + field }
		d := domain.PersonDetails{FullName: f.str(p("full_name")), Position: f.str(p("position")), Email: f.str(p("email")),
			Phone: f.str(p("phone")), Kind: domain.PersonKind(f.str(p("kind"))), Role: domain.Role(f.str(p("role")))}
		if d == (domain.PersonDetails{}) && i > 0 {
			continue // a row left blank after the first means nothing
		}
		req.People = append(req.People, d)
	}
	if actorOf(r).Role == domain.RoleMinistry {
		req.Letter = &domain.Letter{Number: f.str("letter.number"), Date: f.date("letter.date")}
	}
	return req, f.check(c.val.Struct(&req))
}

func (c *Console) submitConnection(w http.ResponseWriter, r *http.Request) {
	typed := typedValues(r)
	if r.PostFormValue("more") != "" { // «добавить лицо»: the same form with one more row
		c.showConnectionForm(w, r, http.StatusOK, nil, typed, peopleRows(typed, true), "", "")
		return
	}
	c.once(w, r, func() (string, error) {
		req, err := c.connectionRequestOf(r)
		if err != nil {
			return "", err
		}
		conn, err := c.app.SubmitConnection(r.Context(), actorOf(r), req)
		if err != nil {
			return "", err
		}
		c.flash(r, "Заявка "+conn.ID+" направлена на рассмотрение. Срок рассмотрения — до "+formatDate(conn.ReviewDue)+".")
		return "/connections/" + conn.ID, nil
	}, func(err error) {
		c.stepRefused(w, r, err, func(p *problem) {
			c.showConnectionForm(w, r, statusOf(err), p, typed, peopleRows(typed, false), "", "")
		})
	})
}

// connectionResubmissionForm is the returned request on the same form, filled in with what it said.
func (c *Console) connectionResubmissionForm(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	conn, err := c.app.Connection(r.Context(), actorOf(r), id)
	if err != nil {
		c.renderError(w, r, err)
		return
	}
	if conn.Status != domain.ConnectionReturned {
		c.renderError(w, r, domain.Conflict("connection request %s is %s: only a returned request is corrected", id, conn.Status))
		return
	}
	typed := requestValues(conn)
	c.showConnectionForm(w, r, http.StatusOK, nil, typed, max(1, len(conn.People)), "/connections/"+id+"/resubmission", "Направить повторно")
}

// requestValues are a request's fields by form name.
func requestValues(conn domain.Connection) map[string]string {
	o := conn.Organisation
	v := map[string]string{"authority": conn.Authority, "organisation.kind": string(o.Kind), "organisation.id": o.ID,
		"organisation.name": o.Name, "organisation.inn": o.INN, "organisation.ogrn": o.OGRN, "organisation.address": o.Address,
		"organisation.head.full_name": o.Head.FullName, "organisation.head.position": o.Head.Position}
	for i, p := range conn.People {
		k := func(field string) string { return "people[" + strconv.Itoa(i) + "]." + field }
		v[k("full_name")], v[k("position")], v[k("email")], v[k("phone")] = p.FullName, p.Position, p.Email, p.Phone
		v[k("kind")], v[k("role")] = string(p.Kind), string(p.Role)
	}
	return v
}

func (c *Console) resubmitConnection(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	typed := typedValues(r)
	action := "/connections/" + id + "/resubmission"
	if r.PostFormValue("more") != "" {
		c.showConnectionForm(w, r, http.StatusOK, nil, typed, peopleRows(typed, true), action, "Направить повторно")
		return
	}
	req, err := c.connectionRequestOf(r)
	if err == nil {
		_, err = c.app.ResubmitConnection(r.Context(), actorOf(r), id, req)
	}
	if err != nil {
		c.stepRefused(w, r, err, func(p *problem) {
			c.showConnectionForm(w, r, statusOf(err), p, typed, peopleRows(typed, false), action, "Направить повторно")
		})
		return
	}
	c.flash(r, "Заявка доработана и снова направлена на рассмотрение.")
	http.Redirect(w, r, "/connections/"+id, http.StatusSeeOther)
}
