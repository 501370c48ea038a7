package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/workflows"
)

var (
	reserveHRA   = domain.Actor{Sub: "hr-a", Name: "Кадровик А", Role: domain.RoleHR, Agency: "agency-a"}
	reserveHRB   = domain.Actor{Sub: "hr-b", Role: domain.RoleHR, Agency: "agency-b"}
	reserveHeadA = domain.Actor{Sub: "head-a", Role: domain.RoleAgencyHead, Agency: "agency-a"}
	reserveAuth  = domain.Actor{Sub: "ra-1", Role: domain.RoleReserveAuthority, Authority: "region-64"}
)

const reserveAgencyName = "Министерство образования Саратовской области"

// mustReserveDirectory registers the reserve authority and two agencies, with the addresses
// the notifications go to.
func (a *testAPI) mustReserveDirectory() {
	a.t.Helper()
	regional := domain.Actor{Sub: "m64", Role: domain.RoleMinistry, Authority: "region-64"}
	for _, r := range []struct{ path, body string }{
		{"/api/v1/directory/authorities/region-64", `{"name":"Управление кадровой политики Правительства области","region":"RU","emails":["reserve@region-64.test"]}`},
		{"/api/v1/directory/agencies/agency-a", `{"name":"` + reserveAgencyName + `","authority":"region-64","region":"RU","hr_emails":["hr@agency-a.test"],"head_email":"head@agency-a.test"}`},
		{"/api/v1/directory/agencies/agency-b", `{"name":"Министерство культуры области","authority":"region-64","region":"RU","hr_emails":["hr@agency-b.test"]}`},
	} {
		if code, body, _ := a.do("PUT", r.path, &regional, r.body); code != http.StatusOK {
			a.t.Fatalf("PUT %s: %d %s", r.path, code, body)
		}
	}
}

// reservePerson is a candidate as the test proposes it.
type reservePerson struct {
	list, category, name, position, department, note, born string
}

func (p reservePerson) body(t *testing.T) string {
	t.Helper()
	years := 7
	q := domain.Questionnaire{DateOfBirth: p.born, Education: "высшее, Саратовский государственный университет", PositionSince: "2022-03-01", ManagementExperienceYears: &years}
	if p.list == "repeat" {
		q.Achievements, q.ProfessionalQualities, q.ProfessionalThinking, q.Motivation = "внедрил электронный документооборот", "ответственность, лидерство", "системное", "профессиональный рост"
	} else {
		q.AdditionalEducation, q.Retraining, q.Internships, q.TestingResults = "ПК «Проектное управление», 72 ч", "ГМУ, РАНХиГС, 2020", "Минпросвещения России, 2023", "тестирование: высокий уровень"
	}
	b, err := json.Marshal(domain.CandidateData{List: domain.ReserveList(p.list), Category: domain.ReserveCategory(p.category),
		FullName: p.name, Position: p.position, Department: p.department, Note: p.note, Questionnaire: q})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// reservePeople are proposed in this order and become C1..C7: both lists, every category.
var reservePeople = []reservePerson{
	{"repeat", "I", "Петров Пётр Петрович", "заместитель министра", "Руководство министерства", "", "1978-02-11"},
	{"new", "I", "Сидорова Анна Ивановна", "начальник управления", `Управление "Электронное образование"`, "впервые", "1983-07-30"},
	{"new", "II", "Кузнецов Иван Сергеевич", "начальник отдела", "Отдел кадровой политики; резерв", "впервые", "1986-11-05"},
	{"new", "III", "Орлова Мария Викторовна", "консультант", "Отдел мониторинга", "вновь после исключения; в резерве 2021–2023", "1992-03-14"},
	{"repeat", "III", "Белов Андрей Николаевич", "главный специалист", "Отдел информатизации", "", "1990-09-09"},
	{"new", "II", "Зайцева Елена Павловна", "заместитель начальника отдела", "Отдел дошкольного образования", "впервые", "1988-01-21"},
	{"repeat", "II", "Морозов Дмитрий Алексеевич", "начальник отдела", "Финансово-экономический отдел", "повторно", "1981-06-02"},
}

func (a *testAPI) mustNomination(id string) domain.Nomination {
	a.t.Helper()
	n, err := a.db.GetNomination(context.Background(), id)
	if err != nil {
		a.t.Fatal(err)
	}
	return n
}

// thisYear is the year nominations are formed for in the test: the current one, Moscow time.
func thisYear() int { return time.Now().In(workflows.Moscow).Year() }

func TestReserveNominationThroughTheAPI(t *testing.T) {
	a := mustAPI(t)
	smtp := a.mustProcesses()
	a.mustReserveDirectory()
	year := thisYear()
	people := slices.Clone(reservePeople)

	quotas := fmt.Sprintf("/api/v1/reserve/quotas/%d/agency-a", year)
	if code, _, _ := a.do("PUT", quotas, &reserveHRA, `{"I":1,"II":2,"III":0}`); code != http.StatusForbidden {
		t.Errorf("HR setting quotas = %d, want 403", code)
	}
	code, body, _ := a.do("PUT", quotas, &reserveAuth, `{"I":1,"II":2,"III":0}`)
	if q := decode[domain.ReserveQuota](t, http.StatusOK, code, body); q.I != 1 || q.II != 2 || q.Revision == 0 {
		t.Fatalf("quotas = %+v", q)
	}

	create := fmt.Sprintf(`{"year":%d,"authority":"region-64"}`, year)
	code, body, _ = a.do("POST", "/api/v1/reserve/nominations", &reserveHRA, create, IdempotencyKeyHeader, "nominate-1")
	n := decode[domain.Nomination](t, http.StatusCreated, code, body)
	if n.Status != domain.NominationDraft || n.ID != workflows.NominationWorkflowID("region-64", "agency-a", year) || n.Quotas.II != 2 {
		t.Fatalf("created = %+v", n)
	}
	code, body, _ = a.do("POST", "/api/v1/reserve/nominations", &reserveHRA, create, IdempotencyKeyHeader, "nominate-1")
	if again := decode[domain.Nomination](t, http.StatusCreated, code, body); again.ID != n.ID {
		t.Errorf("idempotent retry = %s, want %s", again.ID, n.ID)
	}
	if code, body, _ := a.do("POST", "/api/v1/reserve/nominations", &reserveHRA, create); code != http.StatusConflict {
		t.Errorf("second nomination for the year = %d %s, want 409", code, body)
	}

	path := "/api/v1/reserve/nominations/" + n.ID
	for i, p := range people[:3] {
		code, body, _ := a.do("POST", path+"/candidates", &reserveHRA, p.body(t))
		if c := decode[domain.ReserveCandidate](t, http.StatusCreated, code, body); c.ID != fmt.Sprintf("C%d", i+1) || c.Status != domain.CandidateProposed {
			t.Fatalf("candidate %d = %+v", i, c)
		}
	}
	// Category III has no quota yet; the authority sets one and the running nomination applies it.
	if code, body, _ := a.do("POST", path+"/candidates", &reserveHRA, people[3].body(t)); code != http.StatusConflict || !strings.Contains(errorOf(t, body).Message, "quota") {
		t.Errorf("list 2 in category III without a quota = %d %s, want 409", code, body)
	}
	if code, body, _ := a.do("PUT", quotas, &reserveAuth, `{"I":1,"II":2,"III":1}`); code != http.StatusOK {
		t.Fatalf("raising quotas: %d %s", code, body)
	}
	for _, p := range people[3:] {
		if code, body, _ := a.do("POST", path+"/candidates", &reserveHRA, p.body(t)); code != http.StatusCreated {
			t.Fatalf("propose %s: %d %s", p.name, code, body)
		}
	}
	withdrawn := reservePerson{"new", "II", "Лишний Кандидат Отозванович", "специалист", "Отдел", "", "1995-05-05"}
	before := a.mustNomination(n.ID)
	code, body, _ = a.do("POST", path+"/candidates", &reserveHRA, withdrawn.body(t))
	if code != http.StatusConflict || !strings.Contains(errorOf(t, body).Message, "category II «Базовый уровень» allows 2") {
		t.Errorf("over the quota of II = %d %s, want 409 naming the category and quota", code, body)
	}
	refused := []struct {
		name, method, path string
		actor              domain.Actor
		body               string
		want               int
	}{
		{"HR of agency B reads", "GET", path, reserveHRB, "", http.StatusNotFound},
		{"HR of agency B proposes", "POST", path + "/candidates", reserveHRB, withdrawn.body(t), http.StatusNotFound},
		{"HR of agency B edits", "PUT", path + "/candidates/C1", reserveHRB, people[0].body(t), http.StatusNotFound},
		{"HR of agency B submits", "POST", path + "/submission", reserveHRB, "", http.StatusNotFound},
		{"the head proposes", "POST", path + "/candidates", reserveHeadA, withdrawn.body(t), http.StatusForbidden},
		{"submission without the head's approval", "POST", path + "/submission", reserveHRA, "", http.StatusConflict},
		{"the head decides a candidate", "POST", path + "/candidates/C1/decision", reserveHeadA, `{"decision":"admit"}`, http.StatusForbidden},
		{"deciding before submission", "POST", path + "/candidates/C1/decision", reserveAuth, `{"decision":"admit"}`, http.StatusConflict},
		{"the operator exports", "GET", path + "/lists", operator, "", http.StatusForbidden},
	}
	for _, r := range refused {
		if code, body, _ := a.do(r.method, r.path, &r.actor, r.body); code != r.want {
			t.Errorf("%s = %d %s, want %d", r.name, code, body, r.want)
		}
	}
	if after := a.mustNomination(n.ID); after.Revision != before.Revision {
		t.Errorf("refused steps changed the nomination: revision %d -> %d", before.Revision, after.Revision)
	}

	// List 1 has no quota; a candidate proposed there and removed before approval is not on the lists.
	withdrawn.list = "repeat"
	code, body, _ = a.do("POST", path+"/candidates", &reserveHRA, withdrawn.body(t))
	if c := decode[domain.ReserveCandidate](t, http.StatusCreated, code, body); c.ID != "C8" || c.Note != "повторно" {
		t.Fatalf("list 1 candidate = %+v", c)
	}
	code, body, _ = a.do("DELETE", path+"/candidates/C8", &reserveHRA, "")
	if left := decode[domain.Nomination](t, http.StatusOK, code, body); len(left.Candidates) != len(people) {
		t.Fatalf("after removal %d candidates, want %d", len(left.Candidates), len(people))
	}

	// Approval; an edit withdraws it; approved again and submitted.
	code, body, _ = a.do("POST", path+"/approval", &reserveHeadA, "")
	if ap := decode[domain.Nomination](t, http.StatusOK, code, body); ap.Status != domain.NominationApproved || ap.ApprovedBy == nil {
		t.Fatalf("approved = %+v", ap)
	}
	edited := people[5]
	edited.position = "начальник отдела"
	code, body, _ = a.do("PUT", path+"/candidates/C6", &reserveHRA, edited.body(t))
	if c := decode[domain.ReserveCandidate](t, http.StatusOK, code, body); c.Position != "начальник отдела" {
		t.Fatalf("edited = %+v", c)
	}
	if got := a.mustNomination(n.ID); got.Status != domain.NominationDraft || got.ApprovedBy != nil {
		t.Errorf("after an edit the nomination is %s approved by %v, want a draft", got.Status, got.ApprovedBy)
	}
	people[5] = edited
	if code, body, _ := a.do("POST", path+"/approval", &reserveHeadA, ""); code != http.StatusOK {
		t.Fatalf("approve again: %d %s", code, body)
	}
	code, body, _ = a.do("POST", path+"/submission", &reserveHRA, "", IdempotencyKeyHeader, "submit-1")
	if sub := decode[domain.Nomination](t, http.StatusOK, code, body); sub.Status != domain.NominationSubmitted || sub.ReviewDue == nil {
		t.Fatalf("submitted = %+v", sub)
	}

	before = a.mustNomination(n.ID)
	for _, r := range []struct{ name, method, path, body string }{
		{"editing after submission", "PUT", path + "/candidates/C1", people[0].body(t)},
		{"proposing after submission", "POST", path + "/candidates", withdrawn.body(t)},
		{"removing after submission", "DELETE", path + "/candidates/C2", ""},
		{"correcting what nobody asked to correct", "POST", path + "/candidates/C1/correction", people[0].body(t)},
		{"submitting twice", "POST", path + "/submission", ""},
	} {
		if code, body, _ := a.do(r.method, r.path, &reserveHRA, r.body); code != http.StatusConflict {
			t.Errorf("%s = %d %s, want 409", r.name, code, body)
		}
	}
	if after := a.mustNomination(n.ID); after.Revision != before.Revision {
		t.Errorf("refused steps changed the nomination: revision %d -> %d", before.Revision, after.Revision)
	}

	t.Run("lists", func(t *testing.T) { checkReserveLists(t, a, path, year) })

	// The authority decides candidate by candidate.
	decide := func(cid, body string) domain.ReserveCandidate {
		t.Helper()
		code, resp, _ := a.do("POST", path+"/candidates/"+cid+"/decision", &reserveAuth, body)
		return decode[domain.ReserveCandidate](t, http.StatusOK, code, resp)
	}
	if code, body, _ := a.do("POST", path+"/candidates/C2/decision", &reserveAuth, `{"decision":"not_admitted"}`); code != http.StatusBadRequest || !strings.Contains(string(body), `"reason"`) {
		t.Errorf("not_admitted without a reason = %d %s, want 400 naming reason", code, body)
	}
	if c := decide("C1", `{"decision":"admit"}`); c.Status != domain.CandidateAdmitted {
		t.Errorf("C1 = %+v", c)
	}
	if got := a.mustNomination(n.ID); got.Status != domain.NominationUnderReview {
		t.Errorf("after the first decision the nomination is %s, want under_review", got.Status)
	}
	if c := decide("C2", `{"decision":"not_admitted","reason":"анкета не соответствует установленной форме"}`); c.Status != domain.CandidateNotAdmitted || c.Reason == "" {
		t.Errorf("C2 = %+v", c)
	}
	c3 := decide("C3", `{"decision":"correction","reason":"уточнить управленческий стаж"}`)
	if c3.Status != domain.CandidateCorrectionRequested || c3.CorrectionDue == nil {
		t.Errorf("C3 = %+v, want correction_requested with correction_due", c3)
	}
	for _, cid := range []string{"C4", "C5", "C6", "C7"} {
		decide(cid, `{"decision":"admit"}`)
	}
	if got := a.mustNomination(n.ID); got.Status != domain.NominationUnderReview {
		t.Errorf("with a correction pending the nomination is %s, want under_review", got.Status)
	}
	corrected := strings.Replace(people[2].body(t), `"management_experience_years":7`, `"management_experience_years":9`, 1)
	code, body, _ = a.do("POST", path+"/candidates/C3/correction", &reserveHRA, strings.TrimSuffix(corrected, "}")+`,"comment":"стаж уточнён"}`)
	if c := decode[domain.ReserveCandidate](t, http.StatusOK, code, body); c.Status != domain.CandidateUnderReview || c.ReviewDue == nil || *c.Questionnaire.ManagementExperienceYears != 9 {
		t.Fatalf("corrected = %+v", c)
	}
	decide("C3", `{"decision":"admit"}`)
	if got := a.mustNomination(n.ID); got.Status != domain.NominationDecided || got.DecidedAt == nil {
		t.Fatalf("after every decision the nomination is %s, want decided", got.Status)
	}

	// Selection results for the admitted; not for the one not admitted.
	if code, body, _ := a.do("POST", path+"/candidates/C2/selection-result", &reserveAuth, `{"included":true}`); code != http.StatusConflict {
		t.Errorf("selection result of a candidate not admitted = %d %s, want 409", code, body)
	}
	for _, r := range []struct {
		cid, body string
		status    domain.CandidateStatus
		category  domain.ReserveCategory
	}{
		{"C1", `{"included":true}`, domain.CandidateIncluded, domain.CategoryI},
		{"C3", `{"included":true,"category":"III"}`, domain.CandidateIncluded, domain.CategoryIII},
		{"C4", `{"included":false}`, domain.CandidateNotIncluded, ""},
		{"C5", `{"included":true}`, domain.CandidateIncluded, domain.CategoryIII},
		{"C6", `{"included":true}`, domain.CandidateIncluded, domain.CategoryII},
		{"C7", `{"included":false}`, domain.CandidateNotIncluded, ""},
	} {
		code, body, _ := a.do("POST", path+"/candidates/"+r.cid+"/selection-result", &reserveAuth, r.body)
		if c := decode[domain.ReserveCandidate](t, http.StatusOK, code, body); c.Status != r.status || c.IncludedCategory != r.category {
			t.Errorf("%s selection = %s %s, want %s %s", r.cid, c.Status, c.IncludedCategory, r.status, r.category)
		}
	}

	// HR keeps an included candidate's data current; the authority hears of it.
	moved := people[0]
	moved.position = "первый заместитель министра"
	code, body, _ = a.do("PUT", path+"/candidates/C1", &reserveHRA, moved.body(t))
	if c := decode[domain.ReserveCandidate](t, http.StatusOK, code, body); c.Position != moved.position || c.Status != domain.CandidateIncluded {
		t.Errorf("kept current = %+v", c)
	}

	code, body, _ = a.do("GET", path, &reserveAuth, "")
	view := decode[nominationView](t, http.StatusOK, code, body)
	var actions []string
	for _, e := range view.History {
		if !strings.HasPrefix(e.Action, "candidate_added") {
			actions = append(actions, string(e.Actor.Role)+":"+e.Action)
		}
	}
	want := []string{"hr:created", "reserve_authority:quotas_set", "hr:candidate_removed", "agency_head:approved", "hr:candidate_edited",
		"agency_head:approved", "hr:submitted", "reserve_authority:candidate_admitted", "reserve_authority:candidate_not_admitted",
		"reserve_authority:correction_requested", "reserve_authority:candidate_admitted", "reserve_authority:candidate_admitted",
		"reserve_authority:candidate_admitted", "reserve_authority:candidate_admitted", "hr:corrected", "reserve_authority:candidate_admitted",
		"system:decided", "reserve_authority:included", "reserve_authority:included", "reserve_authority:not_included",
		"reserve_authority:included", "reserve_authority:included", "reserve_authority:not_included", "hr:candidate_updated"}
	if diff := cmp.Diff(want, actions); diff != "" {
		t.Errorf("history mismatch (-want +got):\n%s", diff)
	}

	eventually(t, 10*time.Second, "the authority's notification of the update", func() bool {
		_, body, _ := a.do("GET", "/api/v1/notifications", &reserveAuth, "")
		return strings.Contains(string(body), "Изменены сведения о лице, включённом в резерв")
	})
	for _, addr := range []string{"reserve@region-64.test", "hr@agency-a.test", "head@agency-a.test"} {
		if smtp.CountTo(addr) == 0 {
			t.Errorf("no email to %s", addr)
		}
	}
	a.recordHistory(n.WorkflowID, "reserve.history.json")

	t.Run("audit of next year's nomination", func(t *testing.T) {
		next := year + 1
		if code, body, _ := a.do("PUT", fmt.Sprintf("/api/v1/reserve/quotas/%d/agency-a", next), &reserveAuth, `{"I":1,"II":1,"III":1}`); code != http.StatusOK {
			t.Fatalf("quotas: %d %s", code, body)
		}
		code, body, _ := a.do("POST", "/api/v1/reserve/nominations", &reserveHRA, fmt.Sprintf(`{"year":%d,"authority":"region-64"}`, next))
		n2 := decode[domain.Nomination](t, http.StatusCreated, code, body)
		again := people[0]
		again.name = "  ПЕТРОВ Петр   Петрович " // the same person, typed differently
		code, body, _ = a.do("POST", "/api/v1/reserve/nominations/"+n2.ID+"/candidates", &reserveHRA, again.body(t))
		c := decode[domain.ReserveCandidate](t, http.StatusCreated, code, body)
		wantPrev := &domain.PreviousReserve{Year: year, Category: domain.CategoryI, Agency: "agency-a", NominationID: n.ID}
		if diff := cmp.Diff(wantPrev, c.PreviousReserve); diff != "" || c.Note != "повторно" {
			t.Errorf("previous reserve mismatch (-want +got):\n%s (note %q)", diff, c.Note)
		}
		notIncluded := people[3] // Орлова was not included
		code, body, _ = a.do("POST", "/api/v1/reserve/nominations/"+n2.ID+"/candidates", &reserveHRA, notIncluded.body(t))
		if c := decode[domain.ReserveCandidate](t, http.StatusCreated, code, body); c.PreviousReserve != nil {
			t.Errorf("a person not included last year is marked: %+v", c.PreviousReserve)
		}
	})
}
