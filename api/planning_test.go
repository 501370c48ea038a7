package api

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/civil"

	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/workflows"
)

var (
	region64Ministry = domain.Actor{Sub: "m64", Role: domain.RoleMinistry, Authority: "region-64"}
	hrAgency64       = domain.Actor{Sub: "hr64", Role: domain.RoleHR, Agency: "agency-64"}
)

// mustPlanningDirectory adds to the registry of mustRegistryFor a second agency of mintrud,
// and region-64 with an agency of its own.
func (a *testAPI) mustPlanningDirectory() {
	a.t.Helper()
	a.mustRegistryFor()
	ctx := context.Background()
	for _, ag := range []domain.Agency{
		{ID: "agency-2", Name: "Минфин", Authority: "mintrud", Region: "RU", HREmails: []string{"hr@agency-2.test"}},
		{ID: "agency-64", Name: "Министерство области", Authority: "region-64", Region: "RU", HREmails: []string{"hr@agency-64.test"}},
	} {
		if _, err := a.db.PutAgency(ctx, ag); err != nil {
			a.t.Fatal(err)
		}
	}
	if _, err := a.db.PutAuthority(ctx, domain.Authority{ID: "region-64", Name: "Комитет области", Region: "RU", Emails: []string{"staff@region-64.test"}}); err != nil {
		a.t.Fatal(err)
	}
}

func planBody(authority, kind string, central bool) string {
	return fmt.Sprintf(`{"authority":%q,"events":[
		{"title":"Курс «Данные в госуправлении»","direction":"Цифровая трансформация","kind":%q,"planned_quarter":2,"participants":20,"central":%t},
		{"title":"Семинар по проектному управлению","direction":"Проектное управление","kind":"seminar","planned_quarter":3,"participants":15,"central":false}]}`,
		authority, kind, central)
}

func reportBody(authority string, quarter int) string {
	return fmt.Sprintf(`{"authority":%q,"quarter":%d,"figures":{"events_held":3,"trained":41},
		"reserve_form":{"in_reserve":{"I":1,"II":4,"III":7},"appointed":2,"excluded":0,"vacancies":3,"trained":5}}`, authority, quarter)
}

func (a *testAPI) tasksOf(who domain.Actor) []string {
	a.t.Helper()
	var out []string
	for _, k := range kinds(a.t, a, who) {
		if !strings.HasPrefix(k, "certificate_") {
			out = append(out, k)
		}
	}
	return out
}

type cycleBody struct {
	domain.Cycle
	Plans   []domain.Plan            `json:"plans"`
	Reports []domain.QuarterlyReport `json:"reports"`
}

// TestPlanningCycleThroughTheAPI runs the annual planning cycle of mintrud for 2026 through
// HTTP on a real Temporal server and PostgreSQL, with today's real clock: opening and the
// announcement, plans from an agency and a provider (one returned and resubmitted, one
// accepted), quarterly reports (Q1 due Wednesday 1 April 2026, so a Q1 report now is late;
// Q4 is on time), each role's inbox, the year's summary against the certificates created
// here, and operators reading every process's history without changing anything.
func TestPlanningCycleThroughTheAPI(t *testing.T) {
	a := mustAPI(t)
	smtp := a.mustProcesses()
	a.mustPlanningDirectory()
	now := time.Now().In(workflows.Moscow)
	year := now.Year()
	if now.Month() < time.October {
		t.Fatalf("this test needs the fourth quarter's reports to be open (from 1 December); today is %s", now.Format("2006-01-02"))
	}
	plansDue := civil.DateOf(now).AddDays(7)
	if plansDue.Year != year {
		plansDue = civil.Date{Year: year, Month: 12, Day: 31}
	}
	openBody := fmt.Sprintf(`{"year":%d,"authority":"mintrud","priority_directions":["Цифровая трансформация","Проектное управление"],
		"plans_due":%q,"quarterly_reports":true}`, year, plansDue)
	base := fmt.Sprintf("/api/v1/planning/cycles/%d", year)

	// Bad input names its fields; another authority's ministry and the operator may not open it.
	code, body, _ := a.do("POST", "/api/v1/planning/cycles", &ministry, `{"year":1990,"authority":"mintrud","plans_due":"soon"}`)
	if code != http.StatusBadRequest || !hasFields(errorOf(t, body), "year", "priority_directions", "plans_due", "quarterly_reports") {
		t.Errorf("bad cycle = %d %s", code, body)
	}
	for who, want := range map[*domain.Actor]int{&otherMinistry: http.StatusForbidden, &operator: http.StatusForbidden, &hrAgency1: http.StatusForbidden} {
		if code, _, _ := a.do("POST", "/api/v1/planning/cycles", who, openBody); code != want {
			t.Errorf("%s opening = %d, want %d", who.Role, code, want)
		}
	}

	// Open: the participants are the directory's agencies and the admitted provider.
	code, body, _ = a.do("POST", "/api/v1/planning/cycles", &ministry, openBody, "Idempotency-Key", "open-1")
	opened := decode[cycleBody](t, http.StatusCreated, code, body)
	if opened.Status != domain.CycleOpen || opened.Phase != domain.PhasePlanning || len(opened.Participants) != 3 || opened.PlansDue != plansDue {
		t.Fatalf("opened = %+v", opened.Cycle)
	}
	if q1 := opened.Quarters[0]; q1.Due != (civil.Date{Year: year, Month: 4, Day: 1}) && year == 2026 {
		t.Errorf("Q1 of 2026 due %s, want Wednesday 2026-04-01", q1.Due)
	}
	if code, again, _ := a.do("POST", "/api/v1/planning/cycles", &ministry, openBody, "Idempotency-Key", "open-1"); code != http.StatusCreated || string(again) != string(body) {
		t.Errorf("replayed open = %d, want the first answer", code)
	}
	if code, body, _ := a.do("POST", "/api/v1/planning/cycles", &ministry, openBody); code != http.StatusConflict {
		t.Errorf("second open = %d %s, want 409", code, body)
	}
	eventually(t, 15*time.Second, "announcement emails", func() bool {
		return smtp.CountTo("hr@agency-1.test") >= 1 && smtp.CountTo("hr@agency-2.test") >= 1 && smtp.CountTo("center@provider-a.test") >= 1
	})
	if smtp.CountTo("hr@agency-64.test") != 0 {
		t.Errorf("another authority's agency got the announcement")
	}
	code, body, _ = a.do("GET", "/api/v1/notifications", &hrAgency1, "")
	if feed := decode[listBody[domain.Notification]](t, http.StatusOK, code, body); len(feed.Items) == 0 || !strings.Contains(feed.Items[0].Body, "Цифровая трансформация") {
		t.Errorf("HR feed = %+v", feed.Items)
	}

	// Plans: bad events are named; outsiders are turned away.
	code, body, _ = a.do("POST", base+"/plans", &hrAgency1, `{"authority":"mintrud","events":[{"title":"","direction":"x","kind":"party","planned_quarter":5}]}`)
	if code != http.StatusBadRequest || !hasFields(errorOf(t, body), "events[0].title", "events[0].kind", "events[0].planned_quarter", "events[0].central") {
		t.Errorf("bad plan = %d %s", code, body)
	}
	for who, want := range map[*domain.Actor]int{&hrAgency64: http.StatusNotFound, &providerNo: http.StatusNotFound, &servant1: http.StatusForbidden, &ministry: http.StatusForbidden} {
		if code, body, _ := a.do("POST", base+"/plans", who, planBody("mintrud", "qualification_upgrade", true)); code != want {
			t.Errorf("%s %s submitting = %d %s, want %d", who.Role, who.Sub, code, body, want)
		}
	}
	code, body, _ = a.do("POST", base+"/plans", &hrAgency1, planBody("mintrud", "qualification_upgrade", true), "Idempotency-Key", "plan-1")
	agencyPlan := decode[domain.Plan](t, http.StatusCreated, code, body)
	code, body, _ = a.do("POST", base+"/plans", &providerC, planBody("mintrud", "retraining", false))
	providerPlan := decode[domain.Plan](t, http.StatusCreated, code, body)
	if agencyPlan.Status != domain.PlanUnderReview || !agencyPlan.OnTime || agencyPlan.ReviewDue == nil || providerPlan.ParticipantKind != domain.ParticipantProvider {
		t.Errorf("plans = %+v / %+v", agencyPlan, providerPlan)
	}
	if code, _, _ := a.do("POST", base+"/plans", &hrAgency1, planBody("mintrud", "seminar", true)); code != http.StatusConflict {
		t.Errorf("second plan under review = %d, want 409", code)
	}
	if got, want := a.tasksOf(ministry), []string{"plan_review:" + agencyPlan.ID, "plan_review:" + providerPlan.ID}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("ministry tasks = %v, want %v", got, want)
	}

	// Return with reasons -> resubmitted -> accepted; the provider's plan accepted at once.
	decision := base + "/plans/" + agencyPlan.ID + "/decision"
	if code, body, _ := a.do("POST", decision, &ministry, `{"decision":"return"}`); code != http.StatusBadRequest || !hasFields(errorOf(t, body), "reasons") {
		t.Errorf("return without reasons = %d %s", code, body)
	}
	if code, _, _ := a.do("POST", decision, &otherMinistry, `{"decision":"accept"}`); code != http.StatusNotFound {
		t.Errorf("other authority deciding = %d, want 404", code)
	}
	code, body, _ = a.do("POST", decision, &ministry, `{"decision":"return","reasons":["нет мероприятий для центрального исполнения по направлению «Проектное управление»"]}`)
	returned := decode[domain.Plan](t, http.StatusOK, code, body)
	if returned.Status != domain.PlanReturned || returned.ResubmitDue == nil || len(returned.Reasons) != 1 {
		t.Errorf("returned = %+v", returned)
	}
	if got := a.tasksOf(hrAgency1); len(got) == 0 || !strings.Contains(fmt.Sprint(got), "plan_resubmission:"+agencyPlan.ID) {
		t.Errorf("HR tasks after the return = %v", got)
	}
	code, body, _ = a.do("POST", base+"/plans", &hrAgency1, planBody("mintrud", "qualification_upgrade", true))
	if again := decode[domain.Plan](t, http.StatusOK, code, body); again.Status != domain.PlanUnderReview || again.Round != 2 || again.ID != agencyPlan.ID {
		t.Errorf("resubmitted = %+v", again)
	}
	for _, id := range []string{agencyPlan.ID, providerPlan.ID} {
		code, body, _ := a.do("POST", base+"/plans/"+id+"/decision", &ministry, `{"decision":"accept"}`)
		if p := decode[domain.Plan](t, http.StatusOK, code, body); p.Status != domain.PlanAccepted {
			t.Errorf("accepted = %+v", p)
		}
	}
	if code, _, _ := a.do("POST", decision, &ministry, `{"decision":"accept"}`); code != http.StatusConflict {
		t.Errorf("deciding an accepted plan = %d, want 409", code)
	}

	// Quarterly reports: Q1 is long overdue (accepted, on_time false); Q4 is on time.
	code, body, _ = a.do("POST", base+"/quarterly-reports", &hrAgency1, reportBody("mintrud", 1), "Idempotency-Key", "q1-agency-1")
	q1 := decode[domain.QuarterlyReport](t, http.StatusCreated, code, body)
	code, body, _ = a.do("POST", base+"/quarterly-reports", &hrAgency2, reportBody("mintrud", 4))
	q4 := decode[domain.QuarterlyReport](t, http.StatusCreated, code, body)
	if q1.OnTime || q1.Due != opened.Quarters[0].Due || !q4.OnTime || q4.ReserveForm.InReserve.III != 7 {
		t.Errorf("reports: Q1 %+v, Q4 %+v", q1, q4)
	}
	for _, tc := range []struct {
		who  domain.Actor
		body string
		want int
	}{
		{hrAgency1, reportBody("mintrud", 1), http.StatusConflict},
		{hrAgency1, reportBody("mintrud", 5), http.StatusBadRequest},
		{hrAgency1, `{"authority":"mintrud","quarter":2,"figures":{"x":-1}}`, http.StatusBadRequest},
		{providerC, reportBody("mintrud", 2), http.StatusForbidden},
		{hrAgency64, reportBody("mintrud", 2), http.StatusNotFound},
	} {
		if code, body, _ := a.do("POST", base+"/quarterly-reports", &tc.who, tc.body); code != tc.want {
			t.Errorf("%s report %s = %d %s, want %d", tc.who.Sub, tc.body, code, body, tc.want)
		}
	}

	// A cycle whose plans deadline has passed (region-64's, started as a Temporal Schedule
	// would with yesterday's deadline): the late agency is escalated and flagged.
	a.mustOverdueCycle(year)
	eventually(t, 15*time.Second, "escalation of the late agency", func() bool {
		code, body, _ := a.do("GET", base+"?authority=region-64", &hrAgency64, "")
		if code == http.StatusNotFound {
			return false // not recorded yet
		}
		c := decode[cycleBody](t, http.StatusOK, code, body)
		return c.Phase == domain.PhaseImplementation && len(c.Participants) == 1 && c.Participants[0].Late
	})
	eventually(t, 15*time.Second, "escalation email", func() bool { return smtp.CountTo("staff@region-64.test") >= 2 })

	// Inboxes: exactly what waits on each, never another's.
	cycleID := workflows.CycleWorkflowID("mintrud", year)
	quarter := func(q int) string { return fmt.Sprintf("quarterly_report:%s/q%d", cycleID, q) }
	for _, tc := range []struct {
		who  domain.Actor
		want []string
	}{
		{ministry, nil},
		{region64Ministry, nil},
		{hrAgency1, []string{quarter(2), quarter(3), quarter(4)}},
		{hrAgency2, []string{quarter(1), quarter(2), quarter(3), "plan_submission:" + cycleID}},
		{hrAgency64, []string{"plan_submission:" + workflows.CycleWorkflowID("region-64", year)}},
		{providerC, nil},
		{providerNo, nil},
		{operator, nil},
	} {
		if got := a.tasksOf(tc.who); fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("%s %s tasks = %v, want %v", tc.who.Role, tc.who.Sub, got, tc.want)
		}
	}

	code, body, _ = a.do("GET", "/api/v1/agencies/agency-1/overview", &hrAgency1, "")
	if o := decode[domain.AgencyOverview](t, http.StatusOK, code, body); o.Counts["planning_plans"]["accepted"] != 1 || o.Counts["quarterly_reports"]["late"] != 1 {
		t.Errorf("agency-1 overview = %+v", o.Counts)
	}

	// The cycle as each party sees it.
	code, body, _ = a.do("GET", base+"?authority=mintrud", &ministry, "")
	full := decode[cycleBody](t, http.StatusOK, code, body)
	code, body, _ = a.do("GET", base, &hrAgency2, "")
	own := decode[cycleBody](t, http.StatusOK, code, body)
	if len(full.Plans) != 2 || len(full.Reports) != 2 || len(own.Plans) != 0 || len(own.Reports) != 1 || strings.Contains(string(body), "center@provider-a.test") {
		t.Errorf("cycle views: ministry %d plans %d reports; agency-2 %d plans %d reports", len(full.Plans), len(full.Reports), len(own.Plans), len(own.Reports))
	}
	if code, _, _ := a.do("GET", base, &servant1, ""); code != http.StatusBadRequest {
		t.Errorf("servant without authority = %d, want 400", code)
	}

	// Certificates for the summary: two issued, one enrolled, one annulled.
	c1, c2 := a.mustIssue("servant-1"), a.mustIssue("servant-2")
	today := now.Format("2006-01-02")
	if code, body, _ := a.do("POST", "/api/v1/certificates/"+c1.ID+"/enrolment", &providerC, fmt.Sprintf(`{"enrolled_on":%q,"started_on":%q,"order_number":"1"}`, today, today)); code != http.StatusOK {
		t.Fatalf("enrolment = %d %s", code, body)
	}
	if code, body, _ := a.do("POST", "/api/v1/certificates/"+c2.ID+"/annulment", &ministry, `{"reason":"ошибка в данных"}`); code != http.StatusOK {
		t.Fatalf("annulment = %d %s", code, body)
	}
	code, body, _ = a.do("GET", base+"/summary?authority=mintrud", &ministry, "")
	sum := decode[domain.PlanningSummary](t, http.StatusOK, code, body)
	tot := sum.Certificates.Totals
	if tot.Issued != 2 || tot.Enrolled != 1 || tot.Annulled != 1 || tot.InTraining != 1 || len(sum.Certificates.ByAgency) != 1 || sum.Certificates.ByAgency[0].Issued != 2 {
		t.Errorf("certificate figures = %+v", sum.Certificates)
	}
	if p := sum.Plans; p.Expected != 3 || p.Submitted != 2 || p.OnTime != 2 || p.Accepted != 2 || p.NotSubmitted != 1 {
		t.Errorf("plan figures = %+v", p)
	}
	if e := sum.Events; e.Planned != 4 || e.Central != 1 || e.Participants != 70 {
		t.Errorf("event figures = %+v", e)
	}
	if r := sum.Reports; r[0].Late != 1 || r[3].OnTime != 1 {
		t.Errorf("report figures = %+v", r)
	}
	code, body, hdr := a.do("GET", base+"/summary?authority=mintrud&format=csv", &operator, "")
	if code != http.StatusOK || !strings.HasPrefix(hdr.Get("Content-Type"), "text/csv") || !strings.Contains(string(body), "totals,,,issued,2") {
		t.Errorf("CSV summary = %d %s", code, body)
	}
	for who, want := range map[*domain.Actor]int{&hrAgency1: http.StatusForbidden, &otherMinistry: http.StatusNotFound} {
		if code, _, _ := a.do("GET", base+"/summary?authority=mintrud", who, ""); code != want {
			t.Errorf("%s reading the summary = %d, want %d", who.Sub, code, want)
		}
	}

	// Operators read the history of every process, and change nothing.
	code, body, _ = a.do("POST", "/api/v1/registry/applications", &providerB, applicationBody("mintrud", "PB-1"))
	app := decode[domain.Application](t, http.StatusCreated, code, body)
	code, body, _ = a.do("POST", "/api/v1/reserve/nominations", &hrAgency1, fmt.Sprintf(`{"year":%d,"authority":"mintrud"}`, year))
	nom := decode[domain.Nomination](t, http.StatusCreated, code, body)
	for _, id := range []string{cycleID, agencyPlan.ID, workflows.CertificateWorkflowID(c1.ID), app.ID, nom.ID} {
		wfID := id
		if id == app.ID {
			wfID = app.WorkflowID
		}
		code, body, _ := a.do("GET", "/api/v1/ops/workflows/"+wfID+"/history", &operator, "")
		hist := decode[struct {
			Events   []map[string]any `json:"events"`
			Timeline []domain.Event   `json:"timeline"`
		}](t, http.StatusOK, code, body)
		if len(hist.Events) < 3 || len(hist.Timeline) < 1 {
			t.Errorf("history of %s: %d events, %d timeline steps", wfID, len(hist.Events), len(hist.Timeline))
		}
	}
	for _, req := range [][2]string{
		{"/api/v1/planning/cycles", openBody},
		{base + "/plans", planBody("mintrud", "seminar", false)},
		{decision, `{"decision":"accept"}`},
		{base + "/quarterly-reports", reportBody("mintrud", 2)},
		{"/api/v1/registry/applications/" + app.ID + "/decision", `{"decision":"admit"}`},
		{"/api/v1/reserve/nominations", fmt.Sprintf(`{"year":%d,"authority":"mintrud"}`, year)},
		{"/api/v1/certificates/" + c1.ID + "/annulment", `{"reason":"x"}`},
	} {
		if code, _, _ := a.do("POST", req[0], &operator, req[1]); code != http.StatusForbidden {
			t.Errorf("operator POST %s = %d, want 403", req[0], code)
		}
	}
	a.recordHistory(cycleID, "planning_cycle.history.json")
	a.recordHistory(agencyPlan.ID, "planning_plan.history.json")
}

func hasFields(e ErrorDetail, names ...string) bool {
	got := map[string]bool{}
	for _, f := range e.Fields {
		got[f.Field] = true
	}
	for _, n := range names {
		if !got[n] {
			return false
		}
	}
	return true
}
