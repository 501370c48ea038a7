package api

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/profdev/profdev/internal/domain"
)

// TestConnectionRecordsToForeignParties walks every endpoint of process 5 as a party the
// record does not belong to: another authority's ministry user, another organisation's
// org_admin, an applicant who did not submit the request, another organisation's HR
// officer. A party whose role reads that kind of record gets 404 for this one, whatever
// the step (not 403, which would say it exists, and never 200 or 500); a role that never
// reads it gets 403, the same answer as for a record that does not exist. Afterwards the
// request, the registry and the change request are as they were.
func TestConnectionRecordsToForeignParties(t *testing.T) {
	a := mustAPI(t)
	a.mustProcesses()
	a.mustDirectory()

	// A request of applicantA, accepted: agency-new is connected with two invited people, and
	// its org_admin has reported a block the ministry has not decided yet.
	code, body, _ := a.do("POST", "/api/v1/connections", &applicantA, connectionBody("Комитет", "hr"))
	c := decode[domain.Connection](t, http.StatusCreated, code, body)
	code, body, _ = a.do("POST", "/api/v1/connections/"+c.ID+"/decision", &ministry, `{"decision":"accept"}`)
	c = decode[domain.Connection](t, http.StatusOK, code, body)
	eventually(t, 10*time.Second, "the people entered", func() bool {
		code, _, _ := a.do("GET", "/api/v1/organisations/agency-new/people", &ministry, "")
		return code == http.StatusOK
	})
	admin := domain.Actor{Sub: "adm-new", Role: domain.RoleOrgAdmin, Agency: "agency-new"}
	hrID := c.PersonIDs[0]
	code, body, _ = a.do("POST", "/api/v1/organisations/agency-new/changes", &admin,
		fmt.Sprintf(`{"kind":"block","person_id":%q,"reason":"увольнение","occurred_on":"2026-11-30"}`, hrID))
	ch := decode[domain.ChangeRequest](t, http.StatusCreated, code, body)
	before := a.process5State(c.ID, ch.ID)

	foreign := []domain.Actor{
		otherMinistry,
		{Sub: "adm-x", Role: domain.RoleOrgAdmin, Agency: "agency-x"},
		applicantB,
		{Sub: "hr-x", Role: domain.RoleHR, Agency: "agency-x"},
	}
	// readers says which roles read each kind of record (within their scope).
	readers := map[string][]domain.Role{
		"connection": {domain.RoleMinistry, domain.RoleOperator, domain.RoleApplicant},
		"people":     {domain.RoleMinistry, domain.RoleOperator, domain.RoleOrgAdmin, domain.RoleHR},
		"change":     {domain.RoleMinistry, domain.RoleOperator, domain.RoleOrgAdmin},
	}
	people := "/api/v1/organisations/agency-new/people"
	changes := "/api/v1/organisations/agency-new/changes"
	steps := []struct {
		kind, method, path, missing, body string
	}{
		{"connection", "GET", "/api/v1/connections/" + c.ID, "/api/v1/connections/conn-none", ""},
		{"connection", "POST", "/api/v1/connections/" + c.ID + "/decision", "/api/v1/connections/conn-none/decision", `{"decision":"return","reasons":["нет подписи"]}`},
		{"connection", "POST", "/api/v1/connections/" + c.ID + "/resubmission", "/api/v1/connections/conn-none/resubmission", connectionBody("Другое имя", "hr")},
		{"people", "GET", people, "/api/v1/organisations/agency-none/people", ""},
		{"people", "PUT", people + "/" + hrID + "/role", "/api/v1/organisations/agency-none/people/" + hrID + "/role", `{"role":"agency_head"}`},
		{"people", "POST", changes, "/api/v1/organisations/agency-none/changes",
			fmt.Sprintf(`{"kind":"block","person_id":%q,"reason":"увольнение","occurred_on":"2026-11-30"}`, hrID)},
		{"change", "GET", changes + "/" + ch.ID, changes + "/chg-none", ""},
		{"change", "POST", changes + "/" + ch.ID + "/decision", changes + "/chg-none/decision", `{"decision":"apply"}`},
	}
	for _, who := range foreign {
		for _, s := range steps {
			want := http.StatusNotFound
			if !slices.Contains(readers[s.kind], who.Role) {
				want = http.StatusForbidden
			}
			got, body, _ := a.do(s.method, s.path, &who, s.body)
			if got != want {
				t.Errorf("%s (%s) %s %s = %d %s, want %d", who.Sub, who.Role, s.method, s.path, got, body, want)
			}
			// Nothing tells the record apart from one that does not exist.
			if missing, mbody, _ := a.do(s.method, s.missing, &who, s.body); missing != got {
				t.Errorf("%s (%s) %s: %d for the record, %d %s for none", who.Sub, who.Role, s.method, got, missing, mbody)
			}
		}
		// Lists and invitations: nothing of the record is listed; another's code is not found.
		if slices.Contains(readers["connection"], who.Role) {
			code, body, _ := a.do("GET", "/api/v1/connections", &who, "")
			for _, x := range decode[listBody[domain.Connection]](t, http.StatusOK, code, body).Items {
				if x.ID == c.ID {
					t.Errorf("%s lists connection request %s", who.Sub, c.ID)
				}
			}
		}
		if code, body, _ := a.do("POST", "/api/v1/invitations/0123456789abcdef0123456789abcdef", &who, ""); code != http.StatusNotFound && code != http.StatusForbidden {
			t.Errorf("%s accepting an unknown invitation = %d %s, want 404", who.Sub, code, body)
		}
	}

	if diff := cmp.Diff(before, a.process5State(c.ID, ch.ID)); diff != "" {
		t.Errorf("foreign parties changed process 5's records (-before +after):\n%s", diff)
	}
}

// process5State is what a foreign party must not move: the request, its organisation's
// people with their history, the change request, and how many of each there are.
type process5State struct {
	Connection        domain.Connection
	People            []domain.Person
	Change            domain.ChangeRequest
	Requests, Changes int
}

func (a *testAPI) process5State(connID, changeID string) process5State {
	a.t.Helper()
	var s process5State
	code, body, _ := a.do("GET", "/api/v1/connections/"+connID, &ministry, "")
	s.Connection = decode[domain.Connection](a.t, http.StatusOK, code, body)
	code, body, _ = a.do("GET", "/api/v1/organisations/agency-new/people", &ministry, "")
	s.People = decode[listBody[domain.Person]](a.t, http.StatusOK, code, body).Items
	code, body, _ = a.do("GET", "/api/v1/organisations/agency-new/changes/"+changeID, &ministry, "")
	s.Change = decode[domain.ChangeRequest](a.t, http.StatusOK, code, body)
	ctx := context.Background()
	if err := a.db.Pool().QueryRow(ctx, `SELECT (SELECT count(*) FROM connection_requests), (SELECT count(*) FROM connection_changes)`).
		Scan(&s.Requests, &s.Changes); err != nil {
		a.t.Fatal(err)
	}
	return s
}
