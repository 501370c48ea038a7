package api

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/profdev/profdev/internal/domain"
)

func kinds(t *testing.T, a *testAPI, who domain.Actor) []string {
	t.Helper()
	code, body, _ := a.do("GET", "/api/v1/tasks", &who, "")
	page := decode[listBody[domain.Task]](t, http.StatusOK, code, body)
	var out []string
	for _, it := range page.Items {
		out = append(out, it.Kind+":"+it.SubjectID)
	}
	return out
}

func TestTasksAndOverview(t *testing.T) {
	a := mustAPI(t)
	a.mustProcesses()
	a.mustRegistryFor()
	cert := a.mustIssue("servant-1")
	code, body, _ := a.do("POST", "/api/v1/registry/applications", &providerB, applicationBody("mintrud", "PB-1"))
	app := decode[domain.Application](t, http.StatusCreated, code, body)

	check := func(who domain.Actor, want ...string) {
		t.Helper()
		got := fmt.Sprint(kinds(t, a, who))
		if got != fmt.Sprint(want) {
			t.Errorf("%s tasks = %s, want %v", who.Role, got, want)
		}
	}
	check(providerC, "certificate_enrolment:"+cert.ID)
	check(ministry, "application_review:"+app.ID)
	check(otherMinistry)
	check(providerNo)
	check(hrAgency2)
	check(servant1)
	check(hrAgency1)
	check(domain.Actor{Sub: "head", Role: domain.RoleAgencyHead, Agency: "agency-1"})
	check(domain.Actor{Sub: "ra", Role: domain.RoleReserveAuthority, Authority: "mintrud"})
	check(operator)

	today := time.Now().Format("2006-01-02")
	path := "/api/v1/certificates/" + cert.ID
	a.do("POST", path+"/enrolment", &providerC, fmt.Sprintf(`{"enrolled_on":%q,"started_on":%q,"order_number":"1"}`, today, today))
	a.do("POST", path+"/outcome", &providerC, `{"outcome":"expelled","finished_on":"2026-12-01"}`)
	check(providerC)
	check(servant1, "quality_survey:"+cert.ID)
	check(servant2)
	if code, body, _ := a.do("POST", path+"/quality-survey", &servant1, `{"score":3}`); code != http.StatusOK {
		t.Fatalf("rating = %d %s", code, body)
	}
	check(servant1)

	code, body, _ = a.do("GET", "/api/v1/agencies/agency-1/overview", &hrAgency1, "")
	o := decode[domain.AgencyOverview](t, http.StatusOK, code, body)
	if o.Counts["certificates"]["expelled"] != 1 || len(o.Overdue) != 0 {
		t.Errorf("overview = %+v", o)
	}
	for _, tc := range []struct {
		who  domain.Actor
		want int
	}{{hrAgency2, http.StatusNotFound}, {otherMinistry, http.StatusNotFound}, {ministry, http.StatusOK}, {operator, http.StatusOK}, {providerC, http.StatusForbidden}} {
		if code, _, _ := a.do("GET", "/api/v1/agencies/agency-1/overview", &tc.who, ""); code != tc.want {
			t.Errorf("%s %s overview = %d, want %d", tc.who.Role, tc.who.Sub, code, tc.want)
		}
	}
}

// TestReserveInboxes: the reserve's steps show up in the inbox of exactly the party they wait
// on (the agency's HR, its head, the reserve authority), with their deadlines, and never in
// another agency's or authority's.
func TestReserveInboxes(t *testing.T) {
	a := mustAPI(t)
	a.mustProcesses()
	a.mustReserveDirectory()
	year := thisYear()
	if code, body, _ := a.do("PUT", fmt.Sprintf("/api/v1/reserve/quotas/%d/agency-a", year), &reserveAuth, `{"I":1,"II":0,"III":0}`); code != http.StatusOK {
		t.Fatalf("quotas: %d %s", code, body)
	}
	code, body, _ := a.do("POST", "/api/v1/reserve/nominations", &reserveHRA, fmt.Sprintf(`{"year":%d,"authority":"region-64"}`, year))
	n := decode[domain.Nomination](t, http.StatusCreated, code, body)
	path := "/api/v1/reserve/nominations/" + n.ID
	for _, p := range reservePeople[:2] {
		if code, body, _ := a.do("POST", path+"/candidates", &reserveHRA, p.body(t)); code != http.StatusCreated {
			t.Fatalf("propose %s: %d %s", p.name, code, body)
		}
	}
	headB := domain.Actor{Sub: "head-b", Role: domain.RoleAgencyHead, Agency: "agency-b"}
	otherAuth := domain.Actor{Sub: "ra-2", Role: domain.RoleReserveAuthority, Authority: "mintrud"}
	check := func(who domain.Actor, want ...string) {
		t.Helper()
		if got := fmt.Sprint(kinds(t, a, who)); got != fmt.Sprint(want) {
			t.Errorf("%s %s tasks = %s, want %v", who.Role, who.Sub, got, want)
		}
	}
	check(reserveHRA, "nomination_submission:"+n.ID)
	check(reserveHeadA, "nomination_approval:"+n.ID)
	check(reserveHRB)
	check(headB)
	check(reserveAuth)

	for _, step := range []struct {
		who  domain.Actor
		path string
	}{{reserveHeadA, path + "/approval"}, {reserveHRA, path + "/submission"}} {
		if code, body, _ := a.do("POST", step.path, &step.who, ""); code != http.StatusOK {
			t.Fatalf("POST %s: %d %s", step.path, code, body)
		}
	}
	check(reserveHRA)
	check(reserveHeadA)
	check(reserveAuth, "candidate_review:"+n.ID+"/C1", "candidate_review:"+n.ID+"/C2")
	check(otherAuth)

	code, body, _ = a.do("POST", path+"/candidates/C1/decision", &reserveAuth, `{"decision":"correction","reason":"анкета не заполнена по форме"}`)
	c1 := decode[domain.ReserveCandidate](t, http.StatusOK, code, body)
	check(reserveHRA, "candidate_correction:"+n.ID+"/C1")
	check(reserveHRB)
	check(reserveAuth, "candidate_review:"+n.ID+"/C2")
	code, body, _ = a.do("GET", "/api/v1/tasks", &reserveHRA, "")
	if tasks := decode[listBody[domain.Task]](t, http.StatusOK, code, body); len(tasks.Items) != 1 || c1.CorrectionDue == nil ||
		tasks.Items[0].Due == nil || *tasks.Items[0].Due != *c1.CorrectionDue || tasks.Items[0].Overdue {
		t.Errorf("correction task = %+v, candidate due %v", tasks.Items, c1.CorrectionDue)
	}
}
