package api

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/workflows"
)

var (
	providerA = domain.Actor{Sub: "pa", Name: "ООО Учебный центр А", Role: domain.RoleProvider, Provider: "provider-a"}
	providerB = domain.Actor{Sub: "pb", Role: domain.RoleProvider, Provider: "provider-b"}
)

// applicationBody is a valid application of provider A (real INN/OGRN check digits).
func applicationBody(authority string, codes ...string) string {
	var progs []string
	for _, c := range codes {
		progs = append(progs, fmt.Sprintf(`{"code":%q,"title":"Программа %s","kind":"qualification_upgrade","hours":72,"format":"blended","price":35000}`, c, c))
	}
	return fmt.Sprintf(`{"authority":%q,"year":2026,"provider":{"name":"ООО Учебный центр А","inn":"7707083893","ogrn":"1027700132195",
		"license_number":"Л035-01298-77/00179","address":"Москва, ул. Вавилова, 19","email":"center@provider-a.test","phone":"+7 (495) 500-55-50"},
		"programmes":[%s]}`, authority, strings.Join(progs, ","))
}

func (a *testAPI) mustDirectory() {
	a.t.Helper()
	if code, body, _ := a.do("PUT", "/api/v1/directory/authorities/mintrud", &ministry, `{"name":"Минтруд России","region":"RU","emails":["reviewers@mintrud.test"]}`); code != http.StatusOK {
		a.t.Fatalf("authority: %d %s", code, body)
	}
}

func TestRegistryAdmissionThroughTheAPI(t *testing.T) {
	a := mustAPI(t)
	smtp := a.mustProcesses()
	a.mustDirectory()

	// Apply, with an Idempotency-Key: a retry returns the same application.
	code, body, _ := a.do("POST", "/api/v1/registry/applications", &providerA, applicationBody("mintrud", "PK-01", "PK-02"), IdempotencyKeyHeader, "apply-1")
	app := decode[domain.Application](t, http.StatusCreated, code, body)
	if app.Status != domain.ApplicationUnderReview || app.ReviewDue == nil || app.ID == "" {
		t.Fatalf("created application = %+v", app)
	}
	code, body, _ = a.do("POST", "/api/v1/registry/applications", &providerA, applicationBody("mintrud", "PK-01", "PK-02"), IdempotencyKeyHeader, "apply-1")
	if again := decode[domain.Application](t, http.StatusCreated, code, body); again.ID != app.ID {
		t.Fatalf("idempotent retry created %s, want %s", again.ID, app.ID)
	}
	code, body, _ = a.do("GET", "/api/v1/registry/applications", &providerA, "")
	if page := decode[listBody[domain.Application]](t, http.StatusOK, code, body); len(page.Items) != 1 {
		t.Fatalf("provider's applications = %d, want 1", len(page.Items))
	}
	// A second live application to the same authority is refused.
	if code, body, _ := a.do("POST", "/api/v1/registry/applications", &providerA, applicationBody("mintrud", "PK-09")); code != http.StatusConflict {
		t.Errorf("second live application = %d %s, want 409", code, body)
	}

	path := "/api/v1/registry/applications/" + app.ID
	// Scope: provider B sees nothing and can do nothing; a provider cannot decide.
	if code, _, _ := a.do("GET", path, &providerB, ""); code != http.StatusNotFound {
		t.Errorf("provider B reading A's application = %d, want 404", code)
	}
	if code, _, _ := a.do("POST", path+"/resubmission", &providerB, applicationBody("mintrud", "PK-01")); code != http.StatusNotFound {
		t.Errorf("provider B resubmitting A's application = %d, want 404", code)
	}
	if code, _, _ := a.do("POST", path+"/decision", &providerA, `{"decision":"admit"}`); code != http.StatusForbidden {
		t.Errorf("provider deciding = %d, want 403", code)
	}
	if code, _, _ := a.do("GET", path, &otherMinistry, ""); code != http.StatusNotFound {
		t.Errorf("another authority reading = %d, want 404", code)
	}
	if code, _, _ := a.do("POST", path+"/decision", &otherMinistry, `{"decision":"admit"}`); code != http.StatusNotFound {
		t.Errorf("another authority deciding = %d, want 404", code)
	}
	// Resubmitting before a return is a conflict, validated by the workflow.
	if code, body, _ := a.do("POST", path+"/resubmission", &providerA, applicationBody("mintrud", "PK-01")); code != http.StatusConflict {
		t.Errorf("resubmission while under review = %d %s, want 409", code, body)
	}
	if code, body, _ := a.do("POST", path+"/decision", &ministry, `{"decision":"return"}`); code != http.StatusBadRequest || !strings.Contains(string(body), `"reasons"`) {
		t.Errorf("return without reasons = %d %s, want 400 naming reasons", code, body)
	}

	// Return with reasons -> returned, with a resubmission deadline.
	code, body, _ = a.do("POST", path+"/decision", &ministry, `{"decision":"return","reasons":["Не приложена лицензия"]}`)
	returned := decode[domain.Application](t, http.StatusOK, code, body)
	if returned.Status != domain.ApplicationReturned || returned.ResubmitDue == nil || returned.Reasons[0] != "Не приложена лицензия" {
		t.Fatalf("returned = %+v", returned)
	}
	// Resubmit -> under review again.
	code, body, _ = a.do("POST", path+"/resubmission", &providerA, applicationBody("mintrud", "PK-01", "PK-02", "PK-03"))
	if re := decode[domain.Application](t, http.StatusOK, code, body); re.Status != domain.ApplicationUnderReview || len(re.Programmes) != 3 {
		t.Fatalf("resubmitted = %+v", re)
	}
	// Admit -> admitted, listed in the public registry with its programmes.
	code, body, _ = a.do("POST", path+"/decision", &ministry, `{"decision":"admit"}`, IdempotencyKeyHeader, "admit-1")
	if adm := decode[domain.Application](t, http.StatusOK, code, body); adm.Status != domain.ApplicationAdmitted || adm.DecidedAt == nil {
		t.Fatalf("admitted = %+v", adm)
	}
	// The same decision retried with its key is replayed, not refused.
	if code, _, h := a.do("POST", path+"/decision", &ministry, `{"decision":"admit"}`, IdempotencyKeyHeader, "admit-1"); code != http.StatusOK || h.Get("Idempotent-Replayed") != "true" {
		t.Errorf("replayed decision = %d", code)
	}

	before := a.mustApplication(app.ID)
	// Deciding twice, resubmitting an admitted application: 409, nothing changes.
	for _, tc := range []struct{ path, actor, body string }{
		{path + "/decision", "ministry", `{"decision":"reject","reasons":["x"]}`},
		{path + "/resubmission", "provider", applicationBody("mintrud", "PK-01")},
	} {
		who := ministry
		if tc.actor == "provider" {
			who = providerA
		}
		code, body, _ := a.do("POST", tc.path, &who, tc.body)
		if code != http.StatusConflict || !strings.Contains(errorOf(t, body).Message, "admitted") {
			t.Errorf("POST %s after admission = %d %s, want 409 naming the status", tc.path, code, body)
		}
	}
	if after := a.mustApplication(app.ID); after.Revision != before.Revision || after.Status != before.Status {
		t.Errorf("refused steps changed the application: %+v -> %+v", before, after)
	}

	var pub struct {
		Items []domain.PublicProvider `json:"items"`
	}
	eventually(t, 10*time.Second, "provider in the public registry", func() bool {
		code, body, _ := a.do("GET", "/api/v1/public/registry?authority=mintrud&year=2026", nil, "")
		pub = decode[struct {
			Items []domain.PublicProvider `json:"items"`
		}](t, http.StatusOK, code, body)
		return len(pub.Items) == 1
	})
	if p := pub.Items[0]; p.ProviderID != "provider-a" || len(p.Programmes) != 3 || p.INN != "7707083893" {
		t.Errorf("public entry = %+v", p)
	}
	if _, err := a.db.ProgrammeForCertificate(context.Background(), "mintrud", "provider-a", "PK-02", 2026); err != nil {
		t.Errorf("admitted programme refused for certificates: %v", err)
	}
	if _, err := a.db.ProgrammeForCertificate(context.Background(), "mintrud", "provider-a", "PK-99", 2026); domain.ErrorCode(err) != domain.CodeConflict {
		t.Errorf("undeclared programme: err = %v, want conflict", err)
	}

	// The timeline shows every step with its actor.
	code, body, _ = a.do("GET", path, &ministry, "")
	view := decode[applicationView](t, http.StatusOK, code, body)
	var actions []string
	for _, e := range view.History {
		actions = append(actions, string(e.Actor.Role)+":"+e.Action)
	}
	want := "provider:submitted ministry:returned provider:resubmitted ministry:admitted"
	if got := strings.Join(actions, " "); got != want {
		t.Errorf("history = %q, want %q", got, want)
	}

	// Emails: the provider's address and the authority's reviewers were written to.
	if smtp.CountTo("center@provider-a.test") == 0 || smtp.CountTo("reviewers@mintrud.test") == 0 {
		t.Errorf("emails: provider %d, reviewers %d", smtp.CountTo("center@provider-a.test"), smtp.CountTo("reviewers@mintrud.test"))
	}
	a.recordHistory(workflows.AdmissionWorkflowID(app.ID), "admission.history.json")

	t.Run("declarations and exclusion", func(t *testing.T) {
		decl := fmt.Sprintf(`{"year":2027,"programmes":[{"code":"PK-27","title":"Программа 2027","kind":"retraining","hours":260,"format":"distance","price":90000}]}`)
		if code, _, _ := a.do("POST", "/api/v1/registry/providers/provider-a/programmes", &providerB, decl); code != http.StatusNotFound {
			t.Errorf("provider B declaring for A = %d, want 404", code)
		}
		code, body, _ := a.do("POST", "/api/v1/registry/providers/provider-a/programmes", &providerA, decl)
		d := decode[domain.Declaration](t, http.StatusCreated, code, body)
		if d.Status != domain.DeclarationUnderReview {
			t.Fatalf("declaration = %+v", d)
		}
		dpath := "/api/v1/registry/providers/provider-a/programmes/" + d.ID + "/decision"
		if code, _, _ := a.do("POST", dpath, &providerA, `{"decision":"accept"}`); code != http.StatusForbidden {
			t.Errorf("provider accepting its own declaration = %d, want 403", code)
		}
		code, body, _ = a.do("POST", dpath, &ministry, `{"decision":"accept"}`)
		if acc := decode[domain.Declaration](t, http.StatusOK, code, body); acc.Status != domain.DeclarationAccepted {
			t.Fatalf("accepted = %+v", acc)
		}
		if code, _, _ := a.do("POST", dpath, &ministry, `{"decision":"accept"}`); code != http.StatusConflict {
			t.Errorf("accepting twice = %d, want 409", code)
		}
		if _, err := a.db.ProgrammeForCertificate(context.Background(), "mintrud", "provider-a", "PK-27", 2027); err != nil {
			t.Errorf("accepted 2027 programme refused: %v", err)
		}

		// Exclusion on request: requested by the provider, decided by the ministry.
		code, body, _ = a.do("POST", "/api/v1/registry/providers/provider-a/exclusion", &providerA, `{"reason":"Прекращение деятельности"}`)
		if m := decode[domain.Membership](t, http.StatusOK, code, body); m.Status != domain.MembershipExclusionRequested {
			t.Fatalf("after request = %+v", m)
		}
		code, body, _ = a.do("POST", "/api/v1/registry/providers/provider-a/exclusion", &ministry, `{"reason":"По заявлению организации"}`)
		if m := decode[domain.Membership](t, http.StatusOK, code, body); m.Status != domain.MembershipExcluded {
			t.Fatalf("after exclusion = %+v", m)
		}
		if code, body, _ := a.do("POST", "/api/v1/registry/providers/provider-a/exclusion", &ministry, `{"reason":"again"}`); code != http.StatusConflict {
			t.Errorf("excluding twice = %d %s, want 409", code, body)
		}
		code, body, _ = a.do("GET", "/api/v1/public/registry?authority=mintrud&year=2026", nil, "")
		if !strings.Contains(string(body), `"items":[]`) {
			t.Errorf("excluded provider still public: %d %s", code, body)
		}
		_, err := a.db.ProgrammeForCertificate(context.Background(), "mintrud", "provider-a", "PK-02", 2026)
		if domain.ErrorCode(err) != domain.CodeConflict || !strings.Contains(err.Error(), "excluded") {
			t.Errorf("excluded provider for a new certificate: err = %v, want a conflict saying excluded", err)
		}
	})
}

func (a *testAPI) mustApplication(id string) domain.Application {
	a.t.Helper()
	app, err := a.db.GetApplication(context.Background(), id)
	if err != nil {
		a.t.Fatal(err)
	}
	return app
}

func TestApplicationValidationNamesFields(t *testing.T) {
	a := mustAPI(t)
	a.mustDirectory()
	body := `{"authority":"mintrud","year":2026,"provider":{"name":"x","inn":"7707083894","ogrn":"1027700132196","license_number":"L","address":"A",
		"email":"not-mail","phone":"12345"},"programmes":[{"code":"A","title":"t","kind":"other","hours":0,"format":"in_person","price":-1},
		{"code":"A","title":"t","kind":"retraining","hours":10,"format":"in_person","price":1}]}`
	code, resp, _ := a.do("POST", "/api/v1/registry/applications", &providerA, body)
	if code != http.StatusBadRequest {
		t.Fatalf("status %d, body %s", code, resp)
	}
	got := map[string]bool{}
	for _, f := range errorOf(t, resp).Fields {
		got[f.Field] = true
	}
	for _, f := range []string{"provider.inn", "provider.ogrn", "provider.email", "provider.phone", "programmes[1].code", "programmes[0].kind", "programmes[0].hours", "programmes[0].price"} {
		if !got[f] {
			t.Errorf("field %s not named; got %v", f, got)
		}
	}
	if code, body, _ := a.do("POST", "/api/v1/registry/applications", &providerA, applicationBody("nowhere", "A")); code != http.StatusBadRequest || !strings.Contains(string(body), `"authority"`) {
		t.Errorf("unknown authority = %d %s, want 400 naming authority", code, body)
	}
	if code, _, _ := a.do("POST", "/api/v1/registry/applications", &hr, applicationBody("mintrud", "A")); code != http.StatusForbidden {
		t.Errorf("hr applying = %d, want 403", code)
	}
	if code, _, _ := a.do("GET", "/api/v1/public/registry", nil, ""); code != http.StatusBadRequest {
		t.Errorf("public registry without authority = %d, want 400", code)
	}
}
