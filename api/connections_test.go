package api

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/civil"
	"github.com/rs/zerolog"

	"github.com/profdev/profdev/internal/auth"
	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/internal/smtptest"
	"github.com/profdev/profdev/workflows"
)

var (
	applicantA = domain.Actor{Sub: "esia-applicant", Name: "Иванов И. И.", Role: domain.RoleApplicant}
	applicantB = domain.Actor{Sub: "esia-other", Role: domain.RoleApplicant}
)

// connectionBody is a valid request of a new agency with an HR officer and an administrator
// (real INN/OGRN check digits); name varies between submissions.
func connectionBody(name, hrRole string) string {
	return fmt.Sprintf(`{"authority":"mintrud","organisation":{"kind":"agency","id":"agency-new","name":%q,
		"inn":"7707083893","ogrn":"1027700132195","address":"Москва, ул. Ильинка, 21",
		"head":{"full_name":"Иванов Иван Иванович","position":"Председатель"}},
		"people":[
		 {"full_name":"Петрова Анна Сергеевна","position":"Специалист кадровой службы","email":"petrova@agency-new.test","phone":"+7 (495) 500-55-50","kind":"employee","role":%q},
		 {"full_name":"Сидоров Борис Петрович","position":"Начальник отдела","email":"sidorov@agency-new.test","phone":"+7 (495) 500-55-51","kind":"official","role":"org_admin"}]}`,
		name, hrRole)
}

// registryServer is a second API on the same database and Temporal with authorisation from
// the registry switched on, as in production.
func (a *testAPI) registryServer() *Server {
	a.t.Helper()
	verifier, err := auth.NewStaticVerifier(a.signer.PublicKey(), auth.Options{Issuer: "test-issuer", Audience: "profdev", Leeway: -1})
	if err != nil {
		a.t.Fatal(err)
	}
	return New(Config{Version: "test", RegistryAuthorisation: true}, Deps{Log: zerolog.Nop(), Store: a.db, Temporal: a.tenv.Client(), Verifier: verifier})
}

// doWith sends a request with a token already minted, to a given server.
func (a *testAPI) doWith(srv *Server, method, path, token, body string) (int, []byte) {
	a.t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	rec := httptest.NewRecorder()
	srv.Handler().ServeHTTP(rec, req)
	return rec.Code, rec.Body.Bytes()
}

func (a *testAPI) inviteCode(personID string) string {
	a.t.Helper()
	var code string
	if err := a.db.Pool().QueryRow(context.Background(), `SELECT invite_code FROM people WHERE id = $1`, personID).Scan(&code); err != nil {
		a.t.Fatal(err)
	}
	return code
}

// mustMailedNotInHistory checks that an invitation's code reached its person by email and
// appears nowhere in the history of the workflow that invited them.
func (a *testAPI) mustMailedNotInHistory(smtp *smtptest.Server, workflowID, code string) {
	a.t.Helper()
	mailed := false
	for _, m := range smtp.Messages() {
		mailed = mailed || bytes.Contains(m.Raw, []byte(code))
	}
	if !mailed {
		a.t.Errorf("no email carries the invitation code of %s", workflowID)
	}
	if a.historyHolds(workflowID, code) {
		a.t.Errorf("the history of %s holds an invitation code", workflowID)
	}
}

func TestConnectionThroughTheAPI(t *testing.T) {
	a := mustAPI(t)
	smtp := a.mustProcesses()
	a.mustDirectory()

	// 400s name the fields: a wrong INN, a role the organisation's kind cannot give.
	bad := strings.Replace(connectionBody("Комитет", "provider"), `"inn":"7707083893"`, `"inn":"7707083890"`, 1)
	code, body, _ := a.do("POST", "/api/v1/connections", &applicantA, bad)
	if e := errorOf(t, body); code != http.StatusBadRequest || !strings.Contains(fmt.Sprint(e.Fields), "organisation.inn") {
		t.Fatalf("bad INN = %d %+v", code, e)
	}
	code, body, _ = a.do("POST", "/api/v1/connections", &applicantA, connectionBody("Комитет", "provider"))
	if e := errorOf(t, body); code != http.StatusBadRequest || !strings.Contains(fmt.Sprint(e.Fields), "people[0].role") {
		t.Fatalf("role outside the kind = %d %+v", code, e)
	}
	if code, _, _ := a.do("POST", "/api/v1/connections", &hr, connectionBody("Комитет", "hr")); code != http.StatusForbidden {
		t.Errorf("hr submitting = %d, want 403", code)
	}
	if code, body, _ := a.do("POST", "/api/v1/connections", &ministry, connectionBody("Комитет", "hr")); code != http.StatusBadRequest {
		t.Errorf("ministry without a letter = %d %s, want 400", code, body)
	}

	// Submit with an Idempotency-Key: a retry is the same request.
	code, body, _ = a.do("POST", "/api/v1/connections", &applicantA, connectionBody("Комитет", "hr"), IdempotencyKeyHeader, "conn-1")
	c := decode[domain.Connection](t, http.StatusCreated, code, body)
	if c.Status != domain.ConnectionUnderReview || c.ReviewDue == nil || !c.ConnectBy.IsValid() {
		t.Fatalf("created = %+v", c)
	}
	code, body, _ = a.do("POST", "/api/v1/connections", &applicantA, connectionBody("Комитет", "hr"), IdempotencyKeyHeader, "conn-1")
	if again := decode[domain.Connection](t, http.StatusCreated, code, body); again.ID != c.ID {
		t.Fatalf("idempotent retry created %s, want %s", again.ID, c.ID)
	}
	path := "/api/v1/connections/" + c.ID
	code, body, _ = a.do("GET", "/api/v1/tasks", &ministry, "")
	if !strings.Contains(string(body), `"connection_review"`) || !strings.Contains(string(body), c.ID) {
		t.Errorf("ministry's tasks = %d %s, want the connection review", code, body)
	}

	// Scope and roles: another applicant and another authority see nothing; the operator
	// reads and changes nothing; an applicant does not decide.
	for _, x := range []struct {
		who    domain.Actor
		method string
		path   string
		body   string
		want   int
	}{
		{applicantB, "GET", path, "", http.StatusNotFound},
		{applicantB, "POST", "/api/v1/connections", connectionBody("Комитет", "hr"), http.StatusConflict}, // one live request per organisation
		{applicantB, "POST", path + "/resubmission", connectionBody("Комитет", "hr"), http.StatusNotFound},
		{otherMinistry, "GET", path, "", http.StatusNotFound},
		{otherMinistry, "POST", path + "/decision", `{"decision":"accept"}`, http.StatusNotFound},
		{operator, "GET", path, "", http.StatusOK},
		{operator, "POST", path + "/decision", `{"decision":"accept"}`, http.StatusForbidden},
		{applicantA, "POST", path + "/decision", `{"decision":"accept"}`, http.StatusForbidden},
		{ministry, "POST", path + "/decision", `{"decision":"return"}`, http.StatusBadRequest},
		{applicantA, "POST", path + "/resubmission", connectionBody("Комитет", "hr"), http.StatusConflict},
	} {
		if code, body, _ := a.do(x.method, x.path, &x.who, x.body); code != x.want {
			t.Errorf("%s %s %s = %d %s, want %d", x.who.Sub, x.method, x.path, code, body, x.want)
		}
	}
	code, body, _ = a.do("GET", "/api/v1/connections", &applicantB, "")
	if page := decode[listBody[domain.Connection]](t, http.StatusOK, code, body); len(page.Items) != 0 {
		t.Errorf("another applicant lists %d requests", len(page.Items))
	}

	// Returned with reasons, resubmitted, accepted.
	code, body, _ = a.do("POST", path+"/decision", &ministry, `{"decision":"return","reasons":["нет подписи руководителя"]}`)
	if c = decode[domain.Connection](t, http.StatusOK, code, body); c.Status != domain.ConnectionReturned || c.ResubmitDue == nil {
		t.Fatalf("returned = %+v", c)
	}
	// The returned request waits in the applicant's inbox, not in another applicant's.
	code, body, _ = a.do("GET", "/api/v1/tasks", &applicantA, "")
	if code != http.StatusOK || !strings.Contains(string(body), `"connection_resubmission"`) || !strings.Contains(string(body), c.ID) {
		t.Errorf("applicant's tasks after the return = %d %s, want the resubmission", code, body)
	}
	if code, body, _ := a.do("GET", "/api/v1/tasks", &applicantB, ""); code != http.StatusOK || strings.Contains(string(body), c.ID) {
		t.Errorf("another applicant's tasks = %d %s, want none of this request", code, body)
	}
	code, body, _ = a.do("POST", path+"/resubmission", &applicantA, connectionBody("Комитет по делам молодёжи", "hr"))
	if c = decode[domain.Connection](t, http.StatusOK, code, body); c.Status != domain.ConnectionUnderReview || c.Organisation.Name != "Комитет по делам молодёжи" {
		t.Fatalf("resubmitted = %+v", c)
	}
	code, body, _ = a.do("POST", path+"/decision", &ministry, `{"decision":"accept"}`, IdempotencyKeyHeader, "accept-1")
	if c = decode[domain.Connection](t, http.StatusOK, code, body); c.Status != domain.ConnectionAccepted || c.HandoverDue == nil || len(c.PersonIDs) != 2 {
		t.Fatalf("accepted = %+v", c)
	}
	if code, _, _ := a.do("POST", path+"/decision", &ministry, `{"decision":"accept"}`); code != http.StatusConflict {
		t.Errorf("deciding twice = %d, want 409", code)
	}
	eventually(t, 10*time.Second, "invitations", func() bool {
		return smtp.CountTo("petrova@agency-new.test") == 1 && smtp.CountTo("sidorov@agency-new.test") == 1
	})
	// Until each person signs in, the organisation's administrator sees the unused invitations.
	pending, err := a.db.Tasks(context.Background(), domain.Actor{Sub: "adm", Role: domain.RoleOrgAdmin, Agency: "agency-new"}, civil.DateOf(time.Now()))
	if err != nil || len(pending) != 2 || pending[0].Kind != "invitation_pending" {
		t.Errorf("org_admin's tasks before sign-in = %+v, %v; want two unused invitations", pending, err)
	}
	// The new agency is in the directory, for the other processes.
	if ag, err := a.db.GetAgency(context.Background(), "agency-new"); err != nil || len(ag.HREmails) != 1 {
		t.Errorf("directory agency = %+v, %v", ag, err)
	}

	// With authorisation from the registry: an HR officer's token says who, the registry says
	// the role. Before the invitation is accepted they are an applicant.
	rs := a.registryServer()
	hrToken := a.token(domain.Actor{Sub: "esia-petrova", Name: "Петрова А. С.", Role: domain.RoleApplicant})
	code, body = a.doWith(rs, "GET", "/api/v1/certificates", hrToken, "")
	if e := errorOf(t, body); code != http.StatusForbidden || !strings.Contains(e.Message, "not yet connected") {
		t.Errorf("before sign-in = %d %+v, want 403 not yet connected", code, e)
	}
	hrID, adminID := c.PersonIDs[0], c.PersonIDs[1]
	code, body = a.doWith(rs, "POST", "/api/v1/invitations/"+a.inviteCode(hrID), hrToken, "")
	if p := decode[domain.Person](t, http.StatusOK, code, body); p.Status != domain.PersonActive || p.Role != domain.RoleHR {
		t.Fatalf("accepted invitation = %+v", p)
	}
	code, body = a.doWith(rs, "GET", "/api/v1/certificates?agency=agency-new", hrToken, "")
	if code != http.StatusOK {
		t.Fatalf("hr of the new agency listing its certificates = %d %s", code, body)
	}
	adminToken := a.token(domain.Actor{Sub: "esia-sidorov", Role: domain.RoleApplicant})
	if code, body := a.doWith(rs, "POST", "/api/v1/invitations/"+a.inviteCode(adminID), adminToken, ""); code != http.StatusOK {
		t.Fatalf("admin accepting = %d %s", code, body)
	}
	eventually(t, 10*time.Second, "connected", func() bool {
		code, body, _ := a.do("GET", path, &ministry, "")
		return code == http.StatusOK && decode[domain.Connection](t, http.StatusOK, code, body).Status == domain.ConnectionConnected
	})
	a.recordHistory(workflows.ConnectionWorkflowID(c.ID), "connection.v2.history.json")
	// Each invitation's code went by email and nowhere into the workflow's history.
	for _, id := range c.PersonIDs {
		a.mustMailedNotInHistory(smtp, workflows.ConnectionWorkflowID(c.ID), a.inviteCode(id))
	}

	people := "/api/v1/organisations/agency-new/people"
	// org_admin keeps roles within what the organisation was connected for.
	code, body = a.doWith(rs, "PUT", people+"/"+hrID+"/role", adminToken, `{"role":"provider"}`)
	if e := errorOf(t, body); code != http.StatusBadRequest || !strings.Contains(fmt.Sprint(e.Fields), "role") {
		t.Errorf("granting provider in an agency = %d %+v, want 400 naming role", code, e)
	}
	if code, body := a.doWith(rs, "PUT", people+"/"+hrID+"/role", hrToken, `{"role":"agency_head"}`); code != http.StatusForbidden {
		t.Errorf("hr setting a role = %d %s, want 403", code, body)
	}
	otherAdmin := domain.Actor{Sub: "adm-x", Role: domain.RoleOrgAdmin, Agency: "agency-x"}
	if code, _, _ := a.do("GET", people, &otherAdmin, ""); code != http.StatusNotFound {
		t.Errorf("another organisation's org_admin = %d, want 404", code)
	}

	// Re-registration changes the data and keeps the history.
	rereg := fmt.Sprintf(`{"kind":"re_registration","person_id":%q,"reason":"смена фамилии","occurred_on":"2026-11-30",
		"person":{"full_name":"Смирнова Анна Сергеевна","position":"Специалист кадровой службы","email":"smirnova@agency-new.test","phone":"+7 (495) 500-55-50","kind":"employee","role":"hr"}}`, hrID)
	code, body = a.doWith(rs, "POST", "/api/v1/organisations/agency-new/changes", adminToken, rereg)
	ch := decode[domain.ChangeRequest](t, http.StatusCreated, code, body)
	if !ch.ReportDue.IsValid() || !ch.ActBy.IsValid() || ch.Status != domain.ChangeUnderReview {
		t.Fatalf("change = %+v", ch)
	}
	code, body, _ = a.do("POST", "/api/v1/organisations/agency-new/changes/"+ch.ID+"/decision", &ministry, `{"decision":"apply"}`)
	if ch = decode[domain.ChangeRequest](t, http.StatusOK, code, body); ch.Status != domain.ChangeApplied {
		t.Fatalf("applied = %+v", ch)
	}
	code, body = a.doWith(rs, "GET", people, adminToken, "")
	list := decode[listBody[domain.Person]](t, http.StatusOK, code, body)
	var actions []string
	for _, p := range list.Items {
		if p.ID == hrID {
			if p.FullName != "Смирнова Анна Сергеевна" {
				t.Errorf("re-registered name = %q", p.FullName)
			}
			for _, h := range p.History {
				actions = append(actions, h.Action)
			}
		}
	}
	if fmt.Sprint(actions) != "[entered signed_in re_registered]" {
		t.Errorf("history of %s = %v", hrID, actions)
	}

	// A new person reported by the organisation is invited the same way: the code by email only.
	add := `{"kind":"add","reason":"новый сотрудник","occurred_on":"2026-11-30",
		"person":{"full_name":"Орлова Вера Павловна","position":"Специалист кадровой службы","email":"orlova@agency-new.test","phone":"+7 (495) 500-55-52","kind":"employee","role":"hr"}}`
	code, body = a.doWith(rs, "POST", "/api/v1/organisations/agency-new/changes", adminToken, add)
	ch = decode[domain.ChangeRequest](t, http.StatusCreated, code, body)
	code, body, _ = a.do("POST", "/api/v1/organisations/agency-new/changes/"+ch.ID+"/decision", &ministry, `{"decision":"apply"}`)
	decode[domain.ChangeRequest](t, http.StatusOK, code, body)
	eventually(t, 10*time.Second, "the new person's invitation", func() bool { return smtp.CountTo("orlova@agency-new.test") == 1 })
	a.mustMailedNotInHistory(smtp, workflows.ChangeWorkflowID(ch.ID), a.inviteCode(ch.ID+"-p1"))

	// A block takes effect at once: the HR officer's still-valid token is refused, naming why.
	code, body = a.doWith(rs, "POST", "/api/v1/organisations/agency-new/changes", adminToken,
		fmt.Sprintf(`{"kind":"block","person_id":%q,"reason":"увольнение","occurred_on":"2026-11-30"}`, hrID))
	ch = decode[domain.ChangeRequest](t, http.StatusCreated, code, body)
	if code, body, _ := a.do("POST", "/api/v1/organisations/agency-new/changes/"+ch.ID+"/decision", &otherMinistry, `{"decision":"apply"}`); code != http.StatusNotFound {
		t.Errorf("another authority applying = %d %s, want 404", code, body)
	}
	code, body, _ = a.do("POST", "/api/v1/organisations/agency-new/changes/"+ch.ID+"/decision", &ministry, `{"decision":"apply"}`)
	decode[domain.ChangeRequest](t, http.StatusOK, code, body)
	code, body = a.doWith(rs, "GET", "/api/v1/certificates?agency=agency-new", hrToken, "")
	if e := errorOf(t, body); code != http.StatusForbidden || !strings.Contains(e.Message, "blocked") {
		t.Errorf("blocked person's next request = %d %+v, want 403 naming the block", code, e)
	}
}
