package console

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/profdev/profdev/internal/app"
	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/workflows"
)

// The steps of the planning page. Each form is checked with the rules the API states for
// the same body (its struct tags, here again on the console's own form types), then handed
// to the one function of internal/app that takes the step.

type cycleForm struct {
	Year               int      `json:"year" validate:"required,year"`
	Authority          string   `json:"authority" validate:"required,ident"`
	PriorityDirections []string `json:"priority_directions" validate:"required,min=1,max=50,dive,required,max=500"`
}

type eventForm struct {
	Title          string `json:"title" validate:"required,max=500"`
	Direction      string `json:"direction" validate:"required,max=500"`
	Kind           string `json:"kind" validate:"required,oneof=qualification_upgrade retraining certificate_training seminar conference internship other"`
	PlannedQuarter int    `json:"planned_quarter" validate:"required,gte=1,lte=4"`
	Participants   int    `json:"participants" validate:"gte=0,lte=100000"`
}

type planForm struct {
	Authority string      `json:"authority" validate:"required,ident"`
	Events    []eventForm `json:"events" validate:"required,min=1,max=1000,dive"`
}

type planDecisionForm struct {
	Decision string   `json:"decision" validate:"required,oneof=accept return"`
	Reasons  []string `json:"reasons" validate:"required_if=Decision return,max=50,dive,required,max=2000"`
}

// reportForm is the quarterly report, flat: each field is named as its input is, so that an
// error points at the input.
type reportForm struct {
	Authority           string  `json:"authority" validate:"required,ident"`
	Quarter             int     `json:"quarter" validate:"required,gte=1,lte=4"`
	EventsHeld          float64 `json:"figures.events_held" validate:"gte=0"`
	ParticipantsTrained float64 `json:"figures.participants_trained" validate:"gte=0"`
	CertificatesUsed    float64 `json:"figures.certificates_used" validate:"gte=0"`
	I                   int     `json:"reserve_form.in_reserve.I" validate:"gte=0,lte=100000"`
	II                  int     `json:"reserve_form.in_reserve.II" validate:"gte=0,lte=100000"`
	III                 int     `json:"reserve_form.in_reserve.III" validate:"gte=0,lte=100000"`
	Appointed           int     `json:"reserve_form.appointed" validate:"gte=0,lte=100000"`
	Excluded            int     `json:"reserve_form.excluded" validate:"gte=0,lte=100000"`
	Vacancies           int     `json:"reserve_form.vacancies" validate:"gte=0,lte=100000"`
	Trained             int     `json:"reserve_form.trained" validate:"gte=0,lte=100000"`
	Comment             string  `json:"reserve_form.comment" validate:"max=4000"`
}

// lines splits a textarea into its non-empty lines: one priority direction, or one reason,
// a line.
func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// planningRefused shows the planning page again with the reason and what was typed.
func (c *Console) planningRefused(w http.ResponseWriter, r *http.Request, year int, err error, prefix string) {
	if code := domain.ErrorCode(err); code != domain.CodeInvalid && code != domain.CodeConflict {
		c.renderError(w, r, err)
		return
	}
	p := problemOf(err)
	for i := range p.Fields {
		if prefix != "" {
			p.Fields[i].Field = prefix + "." + p.Fields[i].Field
		}
	}
	c.showPlanning(w, r, year, r.PostFormValue("authority"), statusOf(err), p, typedValues(r))
}

func pathYearOf(r *http.Request) (int, error) {
	y, err := strconv.Atoi(r.PathValue("year"))
	if err != nil || !domain.ValidYear(y) {
		return 0, domain.NotFound("planning cycle")
	}
	return y, nil
}

func (c *Console) openCycle(w http.ResponseWriter, r *http.Request) {
	// The role is checked before the form is read: another role learns nothing from a 400.
	if err := app.Require(actorOf(r), domain.RoleMinistry); err != nil {
		c.renderError(w, r, err)
		return
	}
	f := formOf(r)
	year := f.int("year")
	c.once(w, r, func() (string, error) {
		req := cycleForm{Year: year, Authority: actorOf(r).Authority, PriorityDirections: lines(f.str("priority_directions"))}
		due := f.date("plans_due")
		if err := f.check(joinInvalid(c.val.Struct(&req), requireFields(f, "plans_due"))); err != nil {
			return "", err
		}
		_, err := c.app.OpenCycle(r.Context(), actorOf(r), app.CycleOpening{Year: req.Year, Authority: req.Authority,
			PriorityDirections: req.PriorityDirections, PlansDue: due, QuarterlyReports: f.str("quarterly_reports") == "1"})
		if err != nil {
			return "", err
		}
		c.flash(r, fmt.Sprintf("Цикл планирования на %d год открыт. Органы и организации получили уведомление о приоритетных направлениях.", req.Year))
		return fmt.Sprintf("/planning?year=%d", req.Year), nil
	}, func(err error) { c.planningRefused(w, r, year, err, "") })
}

func (c *Console) submitPlan(w http.ResponseWriter, r *http.Request) {
	year, err := pathYearOf(r)
	if err != nil {
		c.renderError(w, r, err)
		return
	}
	if err := app.Require(actorOf(r), app.PlanRoles...); err != nil {
		c.renderError(w, r, err)
		return
	}
	f := formOf(r)
	req := planForm{Authority: f.str("authority")}
	var central []bool
	for i := range planEventRows {
		p := fmt.Sprintf("events[%d].", i)
		if f.str(p+"title") == "" && f.str(p+"direction") == "" {
			continue // a row left empty is not an event
		}
		req.Events = append(req.Events, eventForm{Title: f.str(p + "title"), Direction: f.str(p + "direction"), Kind: f.str(p + "kind"),
			PlannedQuarter: f.int(p + "planned_quarter"), Participants: f.int(p + "participants")})
		central = append(central, f.str(p+"central") == "1")
	}
	if err := f.check(c.val.Struct(&req)); err != nil {
		c.planningRefused(w, r, year, err, "")
		return
	}
	events := make([]domain.PlannedEvent, len(req.Events))
	for i, e := range req.Events {
		events[i] = domain.PlannedEvent{Title: e.Title, Direction: e.Direction, Kind: e.Kind, PlannedQuarter: e.PlannedQuarter,
			Participants: e.Participants, Central: central[i]}
	}
	if _, _, err := c.app.SubmitPlan(r.Context(), actorOf(r), req.Authority, year, events); err != nil {
		c.planningRefused(w, r, year, err, "")
		return
	}
	c.flash(r, fmt.Sprintf("План мероприятий на %d год направлен на рассмотрение.", year))
	http.Redirect(w, r, fmt.Sprintf("/planning?year=%d&authority=%s", year, req.Authority), http.StatusSeeOther)
}

func (c *Console) decidePlan(w http.ResponseWriter, r *http.Request) {
	year, err := pathYearOf(r)
	if err != nil {
		c.renderError(w, r, err)
		return
	}
	if err := app.Require(actorOf(r), domain.RoleMinistry); err != nil {
		c.renderError(w, r, err)
		return
	}
	planID := r.PathValue("plan")
	if !workflowIDShape(planID) {
		c.renderError(w, r, domain.NotFound("plan"))
		return
	}
	f := formOf(r)
	d := planDecisionForm{Decision: f.str("decision"), Reasons: lines(f.str("reasons"))}
	if err := f.check(c.val.Struct(&d)); err != nil {
		c.planningRefused(w, r, year, err, planID)
		return
	}
	plan, err := c.app.DecidePlan(r.Context(), actorOf(r), year, planID, d.Decision, d.Reasons)
	if err != nil {
		c.planningRefused(w, r, year, err, planID)
		return
	}
	done := "План " + plan.ParticipantName + " принят."
	if d.Decision == workflows.PlanReturn {
		done = "План " + plan.ParticipantName + " возвращён на доработку."
		if plan.ResubmitDue != nil {
			done += " Срок доработки: " + formatDate(*plan.ResubmitDue) + "."
		}
	}
	c.flash(r, done)
	http.Redirect(w, r, fmt.Sprintf("/planning?year=%d#plan-%s", year, planID), http.StatusSeeOther)
}

func (c *Console) submitReport(w http.ResponseWriter, r *http.Request) {
	year, err := pathYearOf(r)
	if err != nil {
		c.renderError(w, r, err)
		return
	}
	if err := app.Require(actorOf(r), domain.RoleHR); err != nil {
		c.renderError(w, r, err)
		return
	}
	f := formOf(r)
	req := reportForm{Authority: f.str("authority"), Quarter: f.int("quarter")}
	fg, rf := &req, &req
	fg.EventsHeld, fg.ParticipantsTrained, fg.CertificatesUsed = f.float("figures.events_held"), f.float("figures.participants_trained"), f.float("figures.certificates_used")
	rf.I, rf.II, rf.III = f.int("reserve_form.in_reserve.I"), f.int("reserve_form.in_reserve.II"), f.int("reserve_form.in_reserve.III")
	rf.Appointed, rf.Excluded, rf.Vacancies, rf.Trained = f.int("reserve_form.appointed"), f.int("reserve_form.excluded"), f.int("reserve_form.vacancies"), f.int("reserve_form.trained")
	rf.Comment = f.str("reserve_form.comment")
	if err := f.check(c.val.Struct(&req)); err != nil {
		c.planningRefused(w, r, year, err, "")
		return
	}
	rep, err := c.app.SubmitQuarterlyReport(r.Context(), actorOf(r), req.Authority, year, app.QuarterlyReport{Quarter: req.Quarter, Figures: map[string]float64{
		"events_held": fg.EventsHeld, "participants_trained": fg.ParticipantsTrained, "certificates_used": fg.CertificatesUsed},
		ReserveForm: domain.ReserveForm{InReserve: domain.CategoryCounts{I: rf.I, II: rf.II, III: rf.III}, Appointed: rf.Appointed,
			Excluded: rf.Excluded, Vacancies: rf.Vacancies, TrainedCount: rf.Trained, Comment: rf.Comment}})
	if err != nil {
		c.planningRefused(w, r, year, err, "")
		return
	}
	done := fmt.Sprintf("Отчёт за %d квартал принят.", rep.Quarter)
	if !rep.OnTime {
		done += " Он представлен позже срока (" + formatDate(rep.Due) + ")."
	}
	c.flash(r, done)
	http.Redirect(w, r, fmt.Sprintf("/planning?year=%d&authority=%s", year, req.Authority), http.StatusSeeOther)
}

// joinInvalid merges the fields of two invalid errors, so that the person sees every
// problem at once; any other error wins.
func joinInvalid(errs ...error) error {
	var fields []domain.FieldError
	for _, err := range errs {
		if err == nil {
			continue
		}
		de := asDomain(err)
		if de == nil || de.Code != domain.CodeInvalid {
			return err
		}
		fields = append(fields, de.Fields...)
	}
	if len(fields) == 0 {
		return nil
	}
	return domain.Invalid("invalid request", fields...)
}

// workflowIDShape is the shape of a plan's ID (its workflow ID); anything else names no plan.
func workflowIDShape(id string) bool {
	if id == "" || len(id) > 200 {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}
