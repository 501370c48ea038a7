package console

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/internal/validate"
)

// The annual planning cycle (process 4): one page per person showing the current cycle of
// their authority (phase, deadlines, who has submitted) and the steps of their role: the
// ministry opens the cycle and accepts or returns plans; HR and providers submit their plan
// of events; HR sends the quarterly report with the reserve usage form. The steps' handlers
// are in planning_steps.go.

func (c *Console) planningRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /planning", c.signedIn(c.planningPage))
	mux.HandleFunc("POST /planning/cycles", c.signedIn(c.openCycle))
	mux.HandleFunc("POST /planning/{year}/plans", c.signedIn(c.submitPlan))
	mux.HandleFunc("POST /planning/{year}/plans/{plan}/decision", c.signedIn(c.decidePlan))
	mux.HandleFunc("POST /planning/{year}/quarterly-reports", c.signedIn(c.submitReport))
}

// planEventRows is how many event rows the plan form offers; rows left without a title are
// not sent, and a plan with more events is sent through the API.
const planEventRows = 5

type planningView struct {
	Year, ThisYear int
	Authority      string
	Years          []int
	Found          bool // the cycle is open (or closed) for the year
	Cycle          domain.Cycle
	Plans          []domain.Plan
	Reports        []domain.QuarterlyReport
	Mine           *domain.CycleParticipant // the person's organisation among the participants
	MyPlan         *domain.Plan
	Steps          map[string]bool
	Rows           []int
	Form           map[string]string
	FormKey        string
}

func (c *Console) planningPage(w http.ResponseWriter, r *http.Request) {
	year, _ := strconv.Atoi(r.URL.Query().Get("year"))
	c.showPlanning(w, r, year, r.URL.Query().Get("authority"), http.StatusOK, nil, nil)
}

// showPlanning renders the cycle of the authority (the person's own by default) for the year
// (this one by default), with the steps the cycle's state allows the person.
func (c *Console) showPlanning(w http.ResponseWriter, r *http.Request, year int, authority string, status int, prob *problem, typed map[string]string) {
	ctx, a := r.Context(), actorOf(r)
	this := currentYear()
	if !domain.ValidYear(year) {
		year = this
	}
	if authority != "" && !validate.Ident(authority) {
		c.renderError(w, r, domain.NotFound("planning cycle"))
		return
	}
	authority, err := c.app.CycleAuthority(ctx, a, authority)
	if err != nil {
		c.renderError(w, r, err)
		return
	}
	v := planningView{Year: year, ThisYear: this, Authority: authority, Years: []int{this, this + 1}, Steps: map[string]bool{},
		Form: typed, FormKey: newToken()}
	for i := range planEventRows {
		v.Rows = append(v.Rows, i)
	}
	cv, err := c.app.Cycle(ctx, a, authority, year)
	switch {
	case err == nil:
		v.Found, v.Cycle, v.Plans, v.Reports = true, cv.Cycle, cv.Plans, cv.Reports
	case domain.IsCode(err, domain.CodeNotFound):
	default:
		c.renderError(w, r, err)
		return
	}
	open := v.Found && v.Cycle.Status == domain.CycleOpen
	switch a.Role {
	case domain.RoleMinistry:
		v.Steps["open"] = !v.Found && a.Authority == authority && (year == this || year == this+1)
		v.Steps["decide"] = open && a.Authority == authority
	case domain.RoleHR, domain.RoleProvider:
		kind, id := domain.ParticipantAgency, a.Agency
		if a.Role == domain.RoleProvider {
			kind, id = domain.ParticipantProvider, a.Provider
		}
		if v.Found {
			v.Mine, _ = v.Cycle.Participant(kind, id)
		}
		for i := range v.Plans {
			if v.Plans[i].ParticipantKind == kind && v.Plans[i].ParticipantID == id {
				v.MyPlan = &v.Plans[i]
			}
		}
		v.Steps["submit"] = open && v.Mine != nil && (v.MyPlan == nil || v.MyPlan.Status == domain.PlanReturned)
		v.Steps["report"] = open && v.Mine != nil && a.Role == domain.RoleHR && v.Cycle.QuarterlyReports
	}
	if v.Form == nil {
		v.Form = map[string]string{"year": strconv.Itoa(year), "quarterly_reports": "1"}
	}
	c.render(w, r, status, "planning", "Планирование на "+strconv.Itoa(year)+" год", v, prob)
}

// Words of the planning pages.
var (
	phaseLabels = map[string]string{"planning": "Сбор планов", "implementation": "Исполнение планов", "closed": "Завершён"}
	eventKinds  = []struct{ Value, Label string }{
		{"qualification_upgrade", "Повышение квалификации"}, {"retraining", "Профессиональная переподготовка"},
		{"certificate_training", "Обучение по образовательному сертификату"}, {"seminar", "Семинар"},
		{"conference", "Конференция"}, {"internship", "Стажировка"}, {"other", "Другое"},
	}
	reportFigures = []struct{ Name, Label string }{
		{"events_held", "Проведено мероприятий"}, {"participants_trained", "Обучено служащих"}, {"certificates_used", "Использовано сертификатов"},
	}
)

func init() {
	funcs["phase"] = func(v any) string {
		s := fmt.Sprint(v)
		if l, ok := phaseLabels[s]; ok {
			return l
		}
		return s
	}
	funcs["eventKinds"] = func() []struct{ Value, Label string } { return eventKinds }
	funcs["eventKind"] = func(k string) string {
		for _, e := range eventKinds {
			if e.Value == k {
				return e.Label
			}
		}
		return k
	}
	funcs["reportFigures"] = func() []struct{ Name, Label string } { return reportFigures }
	funcs["quarters"] = func() []int { return []int{1, 2, 3, 4} }
	funcs["itoa"] = strconv.Itoa
	funcs["hasInt"] = func(xs []int, x int) bool {
		for _, v := range xs {
			if v == x {
				return true
			}
		}
		return false
	}
	for k, v := range map[string]string{
		"priority_directions": "Приоритетные направления", "plans_due": "Срок представления планов",
		"quarterly_reports": "Квартальные отчёты", "reasons": "Причины возврата", "quarter": "Квартал",
		"events": "Мероприятия плана", "reserve_form.comment": "Комментарий к форме резерва",
	} {
		if _, taken := fieldLabels[k]; !taken {
			fieldLabels[k] = v
		}
	}
	for k, v := range map[string]string{"cycle_opened": "Открыт цикл планирования", "plan_accepted": "План принят",
		"plan_returned": "План возвращён на доработку", "plan_resubmitted": "План представлен повторно"} {
		if _, taken := actionLabels[k]; !taken {
			actionLabels[k] = v
		}
	}
	ruMessages = append(ruMessages, []struct{ en, ru string }{
		{"must be from 20", "укажите дату в пределах года цикла, не раньше сегодняшней"},
		{"must be at least 0", "число не может быть отрицательным"},
		{"must be at least", "слишком маленькое значение"},
		{"must be at most", "слишком большое значение"},
	}...)
}
