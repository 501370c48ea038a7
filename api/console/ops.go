package console

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/profdev/profdev/internal/app"
	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/internal/postgres"
	"github.com/profdev/profdev/workflows"
)

// The operator's views, modelled on the Temporal Web UI: a list of workflows across
// processes whose filters are a Temporal list query (type, state, overdue, or a raw filter
// typed in), each linked to its page in the Temporal Web UI; and one workflow's history
// next to the domain timeline (who did what, when).

func (c *Console) opsRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /ops", c.signedIn(c.opsList))
	mux.HandleFunc("GET /ops/workflows/{id}", c.signedIn(c.opsWorkflow))
}

type opsListView struct {
	Items    []app.WorkflowSummary
	Next     string
	Filter   app.WorkflowFilter
	Overdue  bool
	Query    string // the filter as a query string, for the next page
	UI, NS   string
	Searched bool
}

// opsProcesses are the values the process filter offers: the processes' search attribute.
var opsProcesses = []struct{ Value, Label string }{
	{workflows.ProcessCertificate, "Сертификаты"}, {workflows.ProcessAdmission, "Включение в реестр"},
	{workflows.ProcessRegistryMembership, "Участие в реестре"}, {workflows.ProcessReserveNomination, "Кадровый резерв"},
	{workflows.ProcessPlanningCycle, "Цикл планирования"}, {workflows.ProcessPlanReview, "Рассмотрение планов"},
	{workflows.ProcessConnection, "Подключение организаций"}, {workflows.ProcessConnectionChange, "Изменения в реестре лиц"},
}

func (c *Console) opsList(w http.ResponseWriter, r *http.Request) {
	ctx, a := r.Context(), actorOf(r)
	q := r.URL.Query()
	f := app.WorkflowFilter{Type: strings.TrimSpace(q.Get("type")), Process: q.Get("process"), Status: strings.TrimSpace(q.Get("status")), Query: q.Get("query")}
	v := opsListView{Filter: f, Overdue: q.Get("overdue") == "1", UI: c.cfg.TemporalUIURL, NS: c.cfg.TemporalNamespace, Searched: len(q) > 0}
	if v.Overdue {
		f.Overdue = &v.Overdue
	}
	items, next, err := c.app.Workflows(ctx, a, f, postgres.Page{Limit: 50, Cursor: q.Get("cursor")})
	if err != nil {
		if domain.ErrorCode(err) != domain.CodeInvalid {
			c.renderError(w, r, err)
			return
		}
		// A filter Temporal refused: the page again, the reason beside the field, in words.
		c.render(w, r, http.StatusBadRequest, "ops", "Процессы", v, opsProblem(err))
		return
	}
	q.Del("cursor")
	v.Items, v.Next, v.Query = items, next, q.Encode()
	c.render(w, r, http.StatusOK, "ops", "Процессы", v, nil)
}

// opsProblem says what Temporal found wrong with a filter, keeping its own words after ours:
// an operator writing list filters needs the exact complaint.
func opsProblem(err error) *problem {
	p := problemOf(err)
	de := asDomain(err)
	if de == nil {
		return p
	}
	for i, fe := range de.Fields {
		if i >= len(p.Fields) {
			break
		}
		switch {
		case fe.Field == "query":
			detail := strings.TrimPrefix(fe.Message, "not a valid Temporal list filter: ")
			p.Fields[i].Message = "Temporal не принял этот фильтр. Проверьте имена полей, кавычки и операторы. Ответ Temporal: " + detail
		case fe.Field == "cursor":
			p.Fields[i].Message = "ссылка на следующую страницу устарела: начните поиск заново"
		case strings.HasPrefix(fe.Message, "letters, digits"):
			p.Fields[i].Message = "только латинские буквы, цифры, точка, дефис и подчёркивание"
		}
	}
	return p
}

// historyEvent is one event of the raw history, as the table shows it.
type historyEvent struct {
	ID, Type, Attributes string
	Time                 time.Time
}

type opsWorkflowView struct {
	H      app.WorkflowHistory
	Events []historyEvent
	UI, NS string
}

func (c *Console) opsWorkflow(w http.ResponseWriter, r *http.Request) {
	h, err := c.app.WorkflowHistory(r.Context(), actorOf(r), r.PathValue("id"))
	if err != nil {
		c.renderError(w, r, err)
		return
	}
	v := opsWorkflowView{H: h, UI: c.cfg.TemporalUIURL, NS: c.cfg.TemporalNamespace}
	for _, e := range h.Events {
		v.Events = append(v.Events, eventOf(e))
	}
	c.render(w, r, http.StatusOK, "ops_workflow", "Процесс "+h.WorkflowID, v, nil)
}

// eventOf reads one event of the history as Temporal's JSON encoding spells it: its number,
// time, type, and the attributes of its type (shortened: the Web UI has them in full).
func eventOf(e any) historyEvent {
	m, _ := e.(map[string]any)
	ev := historyEvent{ID: fmt.Sprint(m["eventId"]), Type: strings.TrimPrefix(fmt.Sprint(m["eventType"]), "EVENT_TYPE_")}
	if s, ok := m["eventTime"].(string); ok {
		ev.Time, _ = time.Parse(time.RFC3339Nano, s)
	}
	for k, val := range m {
		if strings.HasSuffix(k, "EventAttributes") {
			raw, _ := json.Marshal(val)
			ev.Attributes = string(raw)
			if len(ev.Attributes) > 600 {
				ev.Attributes = ev.Attributes[:600] + "…"
			}
		}
	}
	return ev
}

// workflowStatusLabels are Temporal's execution statuses, in words (their own, not a
// record's: "completed" here is a workflow that ended).
var workflowStatusLabels = map[string]string{
	"running": "Выполняется", "completed": "Завершён", "failed": "Сбой", "canceled": "Отменён",
	"terminated": "Прерван", "continuedasnew": "Продолжен новым запуском", "timedout": "Истекло время",
}

func init() {
	funcs["workflowStatus"] = func(s string) string {
		if l, ok := workflowStatusLabels[strings.ReplaceAll(s, "_", "")]; ok {
			return l
		}
		return s
	}
	funcs["opsProcesses"] = func() []struct{ Value, Label string } { return opsProcesses }
	funcs["pathEscape"] = url.PathEscape
}
