package api

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/internal/smtptest"
	"github.com/profdev/profdev/workflows"
)

var (
	hrAgency1  = domain.Actor{Sub: "hr1", Role: domain.RoleHR, Agency: "agency-1"}
	hrAgency2  = domain.Actor{Sub: "hr2", Role: domain.RoleHR, Agency: "agency-2"}
	servant1   = domain.Actor{Sub: "s1", Role: domain.RoleServant, Servant: "servant-1"}
	servant2   = domain.Actor{Sub: "s2", Role: domain.RoleServant, Servant: "servant-2"}
	providerC  = domain.Actor{Sub: "pc", Role: domain.RoleProvider, Provider: "provider-a"}
	providerNo = domain.Actor{Sub: "pn", Role: domain.RoleProvider, Provider: "provider-z"}
)

// mustRegistryFor admits provider-a with programme PK-01 for 2026 and registers the directory.
func (a *testAPI) mustRegistryFor() {
	a.t.Helper()
	a.mustDirectory()
	ctx := context.Background()
	if _, err := a.db.PutAgency(ctx, domain.Agency{ID: "agency-1", Name: "Росстат", Authority: "mintrud", Region: "RU",
		HREmails: []string{"hr@agency-1.test"}}); err != nil {
		a.t.Fatal(err)
	}
	if err := a.db.EnterRegistry(ctx, domain.Admission{ApplicationID: "app-x", WorkflowID: "registry-mintrud-provider-a",
		ProviderID: "provider-a", Authority: "mintrud", Year: 2026,
		Provider:   domain.ProviderDetails{Name: "ООО Учебный центр А", INN: "7707083893", OGRN: "1027700132195", Email: "center@provider-a.test"},
		Programmes: []domain.Programme{{Code: "PK-01", Title: "Управление проектами в госсекторе", Kind: domain.QualificationUpgrade, Hours: 72, Format: "blended", Price: 35000}},
		At:         time.Now()}); err != nil {
		a.t.Fatal(err)
	}
}

func certificateBody(servant, programme string, startBy, endBy time.Time) string {
	return fmt.Sprintf(`{"servant":{"id":%q,"full_name":"Иванова Мария Петровна","snils":"112-233-445 95","email":"%s@gov.test","position":"консультант"},
		"agency":{"id":"agency-1","name":"Росстат"},"provider_id":"provider-a","programme_code":%q,"year":2026,"hours":72,"amount":35000,
		"start_by":%q,"end_by":%q}`, servant, servant, programme, startBy.Format("2006-01-02"), endBy.Format("2006-01-02"))
}

func (a *testAPI) mustIssue(servant string) view {
	a.t.Helper()
	now := time.Now()
	code, body, _ := a.do("POST", "/api/v1/certificates", &ministry, certificateBody(servant, "PK-01", now.AddDate(0, 1, 0), now.AddDate(0, 3, 0)))
	return decode[view](a.t, http.StatusCreated, code, body)
}

func TestCertificateLifecycleThroughTheAPI(t *testing.T) {
	a := mustAPI(t)
	smtp := a.mustProcesses()
	a.mustRegistryFor()

	// The relay refuses the first two messages: the notification activities retry, and every
	// party still gets each email exactly once (counted below).
	smtp.FailNext(2)
	cert := a.mustIssue("servant-1")
	if cert.Status != domain.CertificateIssued || cert.ID != cert.Number || !strings.HasPrefix(cert.Number, "MINTRUD-2026-") {
		t.Fatalf("issued = %+v", cert)
	}
	path := "/api/v1/certificates/" + cert.ID

	// A second live certificate for the same servant, programme and year is refused; so is an
	// undeclared programme.
	now := time.Now()
	if code, body, _ := a.do("POST", "/api/v1/certificates", &ministry, certificateBody("servant-1", "PK-01", now.AddDate(0, 1, 0), now.AddDate(0, 2, 0))); code != http.StatusConflict {
		t.Errorf("second live certificate = %d %s, want 409", code, body)
	}
	code, body, _ := a.do("POST", "/api/v1/certificates", &ministry, certificateBody("servant-2", "PK-77", now.AddDate(0, 1, 0), now.AddDate(0, 2, 0)))
	if code != http.StatusConflict || !strings.Contains(errorOf(t, body).Message, "not declared") {
		t.Errorf("undeclared programme = %d %s, want 409 saying so", code, body)
	}

	// The document and its signature verify with the stock openssl.
	a.mustVerifyWithOpenSSL(cert.ID, true)
	code, body, _ = a.do("GET", "/api/v1/public/certificates/"+cert.ID+"/verification", nil, "")
	v := decode[domain.Verification](t, http.StatusOK, code, body)
	if !v.Valid || v.Status != "issued" || v.DocumentSHA256 == "" || v.SignedAt == nil {
		t.Errorf("verification = %+v", v)
	}
	// The test signer is a development key: the answer must not claim a qualified signature.
	if v.Qualified || v.SignatureKind != "non_qualified" {
		t.Errorf("verification of a development-key document = qualified %v, kind %q; want non_qualified", v.Qualified, v.SignatureKind)
	}
	if strings.Contains(string(body), "Иванова") || strings.Contains(string(body), "112-233") || strings.Contains(string(body), "servant") {
		t.Errorf("verification leaks personal data: %s", body)
	}

	// Scope: other agency's HR, other servant, a provider not on it: 404. Provider annulling: 403.
	for _, who := range []domain.Actor{hrAgency2, servant2, providerNo, otherMinistry} {
		if code, _, _ := a.do("GET", path, &who, ""); code != http.StatusNotFound {
			t.Errorf("%s %s reading = %d, want 404", who.Role, who.Sub, code)
		}
	}
	for _, who := range []domain.Actor{hrAgency1, servant1, providerC, operator} {
		if code, _, _ := a.do("GET", path, &who, ""); code != http.StatusOK {
			t.Errorf("%s reading = %d, want 200", who.Role, code)
		}
	}
	if code, _, _ := a.do("POST", path+"/annulment", &providerC, `{"reason":"x"}`); code != http.StatusForbidden {
		t.Errorf("provider annulling = %d, want 403", code)
	}
	before := a.mustCertificate(cert.ID)
	code, body, _ = a.do("POST", path+"/outcome", &providerC, `{"outcome":"completed","finished_on":"2026-12-01","document_number":"У-1"}`)
	if code != http.StatusConflict {
		t.Errorf("outcome before enrolment = %d %s, want 409", code, body)
	}
	if after := a.mustCertificate(cert.ID); after.Revision != before.Revision || after.Status != before.Status {
		t.Errorf("refused outcome changed the certificate")
	}

	// Enrolment -> outcome completed; then the survey, once per person.
	today := time.Now().Format("2006-01-02")
	code, body, _ = a.do("POST", path+"/enrolment", &providerC, fmt.Sprintf(`{"enrolled_on":%q,"started_on":%q,"order_number":"П-17"}`, today, today))
	if e := decode[view](t, http.StatusOK, code, body); e.Status != domain.CertificateEnrolled || e.OutcomeDue == nil {
		t.Fatalf("enrolled = %+v", e)
	}
	if code, body, _ := a.do("POST", path+"/outcome", &providerC, `{"outcome":"completed","finished_on":"2026-12-01"}`); code != http.StatusBadRequest || !strings.Contains(string(body), "document_number") {
		t.Errorf("completed without document number = %d %s, want 400 naming it", code, body)
	}
	code, body, _ = a.do("POST", path+"/outcome", &providerC, `{"outcome":"completed","finished_on":"2026-12-01","document_number":"У-2026-001"}`)
	if o := decode[view](t, http.StatusOK, code, body); o.Status != domain.CertificateCompleted || o.Outcome.DocumentNumber != "У-2026-001" {
		t.Fatalf("completed = %+v", o)
	}
	if code, body, _ := a.do("POST", path+"/quality-survey", &servant1, `{"score":5,"comment":"Отлично"}`); code != http.StatusOK {
		t.Errorf("servant rating = %d %s", code, body)
	}
	if code, _, _ := a.do("POST", path+"/quality-survey", &servant1, `{"score":4}`); code != http.StatusConflict {
		t.Errorf("second rating by the servant = %d, want 409", code)
	}
	if code, body, _ := a.do("POST", path+"/quality-survey", &hrAgency1, `{"score":4}`); code != http.StatusOK {
		t.Errorf("HR rating = %d %s", code, body)
	}
	if code, _, _ := a.do("POST", path+"/annulment", &ministry, `{"reason":"поздно"}`); code != http.StatusConflict {
		t.Errorf("annulment after the outcome = %d, want 409", code)
	}

	// A duplicate: new signed document marked as such; the count grows; verification names it.
	code, body, _ = a.do("POST", path+"/duplicates", &ministry, `{"reason":"утерян"}`)
	if d := decode[view](t, http.StatusOK, code, body); d.Duplicates != 1 {
		t.Fatalf("after duplicate = %+v", d)
	}
	a.mustVerifyWithOpenSSL(cert.ID, true)
	code, body, _ = a.do("GET", "/api/v1/public/certificates/"+cert.ID+"/verification", nil, "")
	if v2 := decode[domain.Verification](t, http.StatusOK, code, body); v2.Duplicate != 1 || v2.DocumentSHA256 == v.DocumentSHA256 {
		t.Errorf("verification after duplicate = %+v", v2)
	}

	code, body, _ = a.do("GET", path+"/history", &hrAgency1, "")
	var hist struct {
		Timeline []domain.Event `json:"timeline"`
	}
	hist = decode[struct {
		Timeline []domain.Event `json:"timeline"`
	}](t, http.StatusOK, code, body)
	var actions []string
	for _, e := range hist.Timeline {
		actions = append(actions, e.Action)
	}
	if got := strings.Join(actions, ","); got != "requested,issued,enrolled,outcome_reported,rated,rated,duplicate_issued" {
		t.Errorf("timeline = %s", got)
	}

	// Exactly one email per party per step.
	eventually(t, 10*time.Second, "issue emails", func() bool { return smtp.CountTo("servant-1@gov.test") >= 4 })
	mustOneEach(t, smtp, "servant-1@gov.test", 4)     // issued (with PDF), enrolled, outcome, duplicate
	mustOneEach(t, smtp, "hr@agency-1.test", 4)       // issued, enrolled, outcome, duplicate
	mustOneEach(t, smtp, "center@provider-a.test", 1) // issued
	a.recordHistory(workflows.CertificateWorkflowID(cert.ID), "certificate.history.json")
}

// mustOneEach waits until addr got want emails and checks no Message-ID came twice.
func mustOneEach(t *testing.T, smtp *smtptest.Server, addr string, want int) {
	t.Helper()
	eventually(t, 10*time.Second, "emails to "+addr, func() bool { return smtp.CountTo(addr) >= want })
	time.Sleep(200 * time.Millisecond)
	seen := map[string]bool{}
	n := 0
	for _, m := range smtp.Messages() {
		if len(m.To) == 1 && strings.EqualFold(m.To[0], addr) {
			n++
			id := m.Header.Get("Message-Id")
			if seen[id] {
				t.Errorf("%s got message %s twice", addr, id)
			}
			seen[id] = true
		}
	}
	if n != want {
		t.Errorf("%s got %d emails, want %d", addr, n, want)
	}
}

func TestCertificateAnnulment(t *testing.T) {
	a := mustAPI(t)
	a.mustProcesses()
	a.mustRegistryFor()
	cert := a.mustIssue("servant-1")
	path := "/api/v1/certificates/" + cert.ID
	if code, _, _ := a.do("POST", path+"/annulment", &otherMinistry, `{"reason":"x"}`); code != http.StatusNotFound {
		t.Errorf("another authority annulling = %d, want 404", code)
	}
	code, body, _ := a.do("POST", path+"/annulment", &ministry, `{"reason":"Выдан ошибочно"}`)
	if an := decode[view](t, http.StatusOK, code, body); an.Status != domain.CertificateAnnulled {
		t.Fatalf("annulled = %+v", an)
	}
	code, body, _ = a.do("GET", "/api/v1/public/certificates/"+cert.ID+"/verification", nil, "")
	if v := decode[domain.Verification](t, http.StatusOK, code, body); v.Valid || v.Status != "annulled" {
		t.Errorf("verification of annulled = %+v", v)
	}
	eventually(t, 10*time.Second, "annulment recorded", func() bool { return a.mustCertificate(cert.ID).Status == domain.CertificateAnnulled })
	if code, _, _ := a.do("POST", path+"/outcome", &providerC, `{"outcome":"expelled","finished_on":"2026-12-01"}`); code != http.StatusConflict {
		t.Errorf("outcome after annulment = %d, want 409", code)
	}
	a.mustVerifyWithOpenSSL(cert.ID, true) // the signature itself still verifies
}

func (a *testAPI) mustCertificate(number string) domain.Certificate {
	a.t.Helper()
	c, err := a.db.GetCertificate(context.Background(), number)
	if err != nil {
		a.t.Fatal(err)
	}
	return c
}

// mustVerifyWithOpenSSL fetches the document, the signature and the public chain through the
// API and runs exactly `openssl cms -verify -binary -inform DER -content document.pdf -CAfile ca.pem`.
func (a *testAPI) mustVerifyWithOpenSSL(number string, wantOK bool) {
	a.t.Helper()
	dir := a.t.TempDir()
	get := func(path, file string, who *domain.Actor) {
		code, body, _ := a.do("GET", path, who, "")
		if code != http.StatusOK {
			a.t.Fatalf("GET %s = %d %s", path, code, body)
		}
		if err := os.WriteFile(filepath.Join(dir, file), body, 0o600); err != nil {
			a.t.Fatal(err)
		}
	}
	get("/api/v1/certificates/"+number+"/document", "document.pdf", &servant1)
	get("/api/v1/certificates/"+number+"/signature", "sig.der", &servant1)
	get("/api/v1/public/signing-certificates", "ca.pem", nil)
	cmd := exec.Command("openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", "sig.der", "-content", "document.pdf", "-CAfile", "ca.pem", "-out", "/dev/null")
	cmd.Dir = dir
	if strings.Contains(a.docSigner.Algorithm(), "GOST") {
		conf := filepath.Join(dir, "openssl-gost.cnf")
		if err := os.WriteFile(conf, signingOpenSSLConfig(), 0o600); err != nil {
			a.t.Fatal(err)
		}
		cmd.Env = append(os.Environ(), "OPENSSL_CONF="+conf)
	}
	out, err := cmd.CombinedOutput()
	if (err == nil) != wantOK {
		a.t.Fatalf("openssl cms -verify (%s): err=%v\n%s", a.docSigner.Algorithm(), err, out)
	}
}
