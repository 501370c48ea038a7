package console

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/workflows"
)

// The candidate editor (HR: add, edit, remove, and the correction the authority asked for,
// with the questionnaire whose required fields depend on the list) and the reserve
// authority's steps on one candidate (the review decision and the selection's result).

func (c *Console) candidateRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /reserve/nominations/{id}/candidates/new", c.signedIn(c.newCandidate))
	mux.HandleFunc("POST /reserve/nominations/{id}/candidates", c.signedIn(c.addCandidate))
	mux.HandleFunc("GET /reserve/nominations/{id}/candidates/{cid}", c.signedIn(c.editCandidate))
	mux.HandleFunc("POST /reserve/nominations/{id}/candidates/{cid}", c.signedIn(c.saveCandidate))
	mux.HandleFunc("POST /reserve/nominations/{id}/candidates/{cid}/{step}", c.signedIn(c.candidateStep))
}

// questionnaireFields are the questionnaire's fields as the form names them (their JSON
// paths), with the list that requires each ("" for both lists: domain.CandidateData.Check).
var questionnaireFields = []struct{ Name, List string }{
	{"questionnaire.achievements", "repeat"}, {"questionnaire.professional_qualities", "repeat"},
	{"questionnaire.professional_thinking", "repeat"}, {"questionnaire.motivation", "repeat"},
	{"questionnaire.additional_education", "new"}, {"questionnaire.retraining", "new"},
	{"questionnaire.internships", "new"}, {"questionnaire.testing_results", "new"},
}

type candidateEditorView struct {
	N          domain.Nomination
	Cand       *domain.ReserveCandidate
	Correction bool // the authority asked for a correction: the form can send it back
	Fixed      bool // list and category no longer change once the candidate is submitted
	Criteria   []struct{ Name, List string }
	Form       map[string]string
	FormKey    string
}

// candidateValues are a candidate's data as the editor's fields hold them.
func candidateValues(d domain.CandidateData) map[string]string {
	q := d.Questionnaire
	m := map[string]string{
		"list": string(d.List), "category": string(d.Category), "full_name": d.FullName, "position": d.Position,
		"department": d.Department, "note": d.Note, "questionnaire.date_of_birth": q.DateOfBirth,
		"questionnaire.education": q.Education, "questionnaire.position_since": q.PositionSince,
		"questionnaire.achievements": q.Achievements, "questionnaire.professional_qualities": q.ProfessionalQualities,
		"questionnaire.professional_thinking": q.ProfessionalThinking, "questionnaire.motivation": q.Motivation,
		"questionnaire.additional_education": q.AdditionalEducation, "questionnaire.retraining": q.Retraining,
		"questionnaire.internships": q.Internships, "questionnaire.testing_results": q.TestingResults,
	}
	if q.ManagementExperienceYears != nil {
		m["questionnaire.management_experience_years"] = strconv.Itoa(*q.ManagementExperienceYears)
	}
	return m
}

// candidateData reads the editor into the data the application layer checks: dates typed as
// ДД.ММ.ГГГГ are passed on as YYYY-MM-DD, and the years of experience may be left empty.
func (c *Console) candidateData(r *http.Request) (domain.CandidateData, error) {
	f := formOf(r)
	isoDate := func(name string) string {
		s := f.str(name)
		if d, ok := parseDate(s); ok {
			return d.String()
		}
		return s
	}
	d := domain.CandidateData{List: domain.ReserveList(f.str("list")), Category: domain.ReserveCategory(f.str("category")),
		FullName: f.str("full_name"), Position: f.str("position"), Department: f.str("department"), Note: f.str("note"),
		Questionnaire: domain.Questionnaire{DateOfBirth: isoDate("questionnaire.date_of_birth"), Education: f.str("questionnaire.education"),
			PositionSince: isoDate("questionnaire.position_since"), ManagementExperienceYears: optInt(f, "questionnaire.management_experience_years"),
			Achievements: f.str("questionnaire.achievements"), ProfessionalQualities: f.str("questionnaire.professional_qualities"),
			ProfessionalThinking: f.str("questionnaire.professional_thinking"), Motivation: f.str("questionnaire.motivation"),
			AdditionalEducation: f.str("questionnaire.additional_education"), Retraining: f.str("questionnaire.retraining"),
			Internships: f.str("questionnaire.internships"), TestingResults: f.str("questionnaire.testing_results")}}
	return d, f.check(c.val.Struct(&d))
}

func (c *Console) showCandidateEditor(w http.ResponseWriter, r *http.Request, status int, prob *problem, typed map[string]string) {
	ctx, a, id, cid := r.Context(), actorOf(r), r.PathValue("id"), r.PathValue("cid")
	if err := c.app.MayTakeNominationStep(ctx, a, id, cid, domain.RoleHR); err != nil {
		c.renderError(w, r, err)
		return
	}
	n, err := c.app.Nomination(ctx, a, id)
	if err != nil {
		c.renderError(w, r, err)
		return
	}
	v := candidateEditorView{N: n, Criteria: questionnaireFields, Form: typed, FormKey: newToken()}
	title := "Новый кандидат"
	if cid != "" {
		cand, _ := n.Candidate(cid)
		v.Cand = &cand
		v.Correction = cand.Status == domain.CandidateCorrectionRequested
		v.Fixed = cand.Status != domain.CandidateProposed
		title = "Кандидат " + cand.FullName
		if v.Form == nil {
			v.Form = candidateValues(cand.CandidateData)
		}
	}
	if v.Form == nil {
		v.Form = map[string]string{"list": r.URL.Query().Get("list"), "category": r.URL.Query().Get("category")}
	}
	c.render(w, r, status, "reserve_candidate", title, v, prob)
}

func (c *Console) newCandidate(w http.ResponseWriter, r *http.Request) {
	c.showCandidateEditor(w, r, http.StatusOK, nil, nil)
}

func (c *Console) editCandidate(w http.ResponseWriter, r *http.Request) {
	c.showCandidateEditor(w, r, http.StatusOK, nil, nil)
}

// candidateRefused shows the editor again with the reason and what was typed; a record the
// person may not see, or a dependency down, is its own page.
func (c *Console) candidateRefused(w http.ResponseWriter, r *http.Request, err error) {
	if code := domain.ErrorCode(err); code != domain.CodeInvalid && code != domain.CodeConflict {
		c.renderError(w, r, err)
		return
	}
	c.showCandidateEditor(w, r, statusOf(err), problemOf(err), typedValues(r))
}

func (c *Console) addCandidate(w http.ResponseWriter, r *http.Request) {
	ctx, a, id := r.Context(), actorOf(r), r.PathValue("id")
	// The role and scope are checked before the form is read, so a stranger learns nothing.
	if err := c.app.MayTakeNominationStep(ctx, a, id, "", domain.RoleHR); err != nil {
		c.renderError(w, r, err)
		return
	}
	c.once(w, r, func() (string, error) {
		d, err := c.candidateData(r)
		if err != nil {
			return "", err
		}
		cand, err := c.app.AddCandidate(ctx, a, id, d)
		if err != nil {
			return "", err
		}
		c.flash(r, fmt.Sprintf("Кандидат %s добавлен в список %s, категория %s.", cand.FullName, listNumber(cand.List), cand.Category))
		return "/reserve/nominations/" + id + "#candidate-" + cand.ID, nil
	}, func(err error) { c.candidateRefused(w, r, err) })
}

// saveCandidate saves the editor: the correction the authority asked for is sent back for
// review when the person chose to send it; otherwise the data are replaced in place.
func (c *Console) saveCandidate(w http.ResponseWriter, r *http.Request) {
	ctx, a, id, cid := r.Context(), actorOf(r), r.PathValue("id"), r.PathValue("cid")
	if err := c.app.MayTakeNominationStep(ctx, a, id, cid, domain.RoleHR); err != nil {
		c.renderError(w, r, err)
		return
	}
	d, err := c.candidateData(r)
	if err != nil {
		c.candidateRefused(w, r, err)
		return
	}
	done := "Сведения о кандидате " + d.FullName + " сохранены."
	if r.PostFormValue("action") == "correction" {
		_, err = c.app.CorrectCandidate(ctx, a, id, cid, d, formOf(r).str("comment"))
		done = "Исправленные сведения о кандидате " + d.FullName + " направлены на повторное рассмотрение."
	} else {
		_, err = c.app.EditCandidate(ctx, a, id, cid, d)
	}
	if err != nil {
		c.candidateRefused(w, r, err)
		return
	}
	c.flash(r, done)
	http.Redirect(w, r, "/reserve/nominations/"+id+"#candidate-"+cid, http.StatusSeeOther)
}

// candidateDecisionForm is the authority's decision on one candidate, checked as the API checks it.
type candidateDecisionForm struct {
	Decision string `json:"decision" validate:"required,oneof=admit not_admitted correction"`
	Reason   string `json:"reason" validate:"required_unless=Decision admit,max=2000"`
}

// selectionForm is the selection's result; the category may stay the proposed one.
type selectionForm struct {
	Included *bool  `json:"included" validate:"required"`
	Category string `json:"category" validate:"omitempty,oneof=I II III"`
}

// candidateStep carries out a step on one candidate from the nomination page.
func (c *Console) candidateStep(w http.ResponseWriter, r *http.Request) {
	ctx, a, id, cid := r.Context(), actorOf(r), r.PathValue("id"), r.PathValue("cid")
	role := domain.RoleReserveAuthority
	if r.PathValue("step") == "removal" {
		role = domain.RoleHR
	}
	if err := c.app.MayTakeNominationStep(ctx, a, id, cid, role); err != nil {
		c.renderError(w, r, err)
		return
	}
	f := formOf(r)
	var done string
	var err error
	switch r.PathValue("step") {
	case "removal":
		_, err = c.app.RemoveCandidate(ctx, a, id, cid)
		done = "Кандидат исключён из списков."
		if err == nil {
			c.flash(r, done)
			http.Redirect(w, r, "/reserve/nominations/"+id, http.StatusSeeOther)
			return
		}
	case "decision":
		d := candidateDecisionForm{Decision: f.str("decision"), Reason: f.str("reason")}
		if err = f.check(c.val.Struct(&d)); err == nil {
			var cand domain.ReserveCandidate
			cand, err = c.app.DecideCandidate(ctx, a, id, cid, d.Decision, d.Reason)
			done = decisionDone(cand, d.Decision)
		}
	case "selection":
		s := selectionForm{Category: f.str("category")}
		switch f.str("included") {
		case "yes":
			s.Included = ptr(true)
		case "no":
			s.Included = ptr(false)
		}
		if err = f.check(c.val.Struct(&s)); err == nil {
			_, err = c.app.RecordSelection(ctx, a, id, cid, *s.Included, domain.ReserveCategory(s.Category))
			done = "Результат конкурсного отбора записан."
		}
	default:
		c.renderError(w, r, domain.NotFound("page"))
		return
	}
	c.afterNominationStep(w, r, err, done, cid)
}

func decisionDone(cand domain.ReserveCandidate, decision string) string {
	switch decision {
	case workflows.CandidateAdmit:
		return cand.FullName + " допущен(а) к конкурсному отбору."
	case workflows.CandidateCorrection:
		due := ""
		if cand.CorrectionDue != nil {
			due = " до " + formatDate(*cand.CorrectionDue)
		}
		return "У кадровой службы запрошено исправление сведений о кандидате " + cand.FullName + due + "."
	}
	return cand.FullName + " не допущен(а) к конкурсному отбору."
}

func listNumber(l domain.ReserveList) string {
	if l == domain.ListRepeat {
		return "1"
	}
	return "2"
}

func ptr[T any](v T) *T { return &v }
