package activities_test

import (
	"context"
	"testing"
	"time"

	"cloud.google.com/go/civil"
	"github.com/google/go-cmp/cmp"

	"github.com/profdev/profdev/activities"
	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/internal/notify"
)

// fakeCertificates is certificate storage and the signer, recording both in one sequence.
// Documents are kept by number and sequence, as the store keeps them.
type fakeCertificates struct {
	recorder
	programme domain.Programme
	parties   domain.CertificateParties
	docs      map[[2]any]domain.Document
}

func (f *fakeCertificates) ProgrammeForCertificate(_ context.Context, authority, providerID, code string, year int) (domain.Programme, error) {
	return f.programme, f.record("ProgrammeForCertificate", authority, providerID, code, year)
}

func (f *fakeCertificates) GetCertificateParties(_ context.Context, authority, providerID string) (domain.CertificateParties, error) {
	return f.parties, f.record("GetCertificateParties", authority, providerID)
}

func (f *fakeCertificates) RegisterCertificate(_ context.Context, c domain.Certificate, ev domain.Event) error {
	return f.record("RegisterCertificate", c, ev)
}

func (f *fakeCertificates) SaveCertificate(_ context.Context, c domain.Certificate, ev domain.Event) error {
	return f.record("SaveCertificate", c, ev)
}

func (f *fakeCertificates) SaveRating(_ context.Context, c domain.Certificate, rater domain.Actor, r domain.Rating, ev domain.Event) error {
	return f.record("SaveRating", c, rater, r, ev)
}

func (f *fakeCertificates) SaveDocument(_ context.Context, d domain.Document) (domain.Document, error) {
	if err := f.record("SaveDocument", d.Number, d.Seq); err != nil {
		return domain.Document{}, err
	}
	if f.docs == nil {
		f.docs = map[[2]any]domain.Document{}
	}
	f.docs[[2]any{d.Number, d.Seq}] = d
	return d, nil
}

func (f *fakeCertificates) GetDocument(_ context.Context, number string, seq int) (domain.Document, error) {
	if err := f.record("GetDocument", number, seq); err != nil {
		return domain.Document{}, err
	}
	d, ok := f.docs[[2]any{number, seq}]
	if !ok {
		return domain.Document{}, domain.NotFound("document")
	}
	return d, nil
}

func (f *fakeCertificates) SaveSignature(_ context.Context, number string, seq int, der []byte, alg string, at time.Time) (domain.Document, error) {
	if err := f.record("SaveSignature", number, seq, alg, at); err != nil {
		return domain.Document{}, err
	}
	d := f.docs[[2]any{number, seq}]
	d.Signature, d.Algorithm, d.SignedAt = der, alg, &at
	f.docs[[2]any{number, seq}] = d
	return d, nil
}

func (f *fakeCertificates) Sign(_ context.Context, doc []byte, _ time.Time) ([]byte, error) {
	return []byte("sig:" + string(doc[:4])), f.record("Sign")
}

func (f *fakeCertificates) Algorithm() string { return "GOST R 34.10-2012" }

var issuedAt = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

func newCertificates(store *fakeCertificates, n *fakeNotifier) *activities.Certificates {
	if store.programme == (domain.Programme{}) {
		store.programme = domain.Programme{Code: "PK-01", Title: "Управление проектами", Kind: domain.QualificationUpgrade, Hours: 72,
			Format: "blended", Price: 30000}
	}
	if store.parties == (domain.CertificateParties{}) {
		store.parties = domain.CertificateParties{IssuerName: "Минтруд России", ProviderName: "Центр", ProviderEmail: "p@x.test"}
	}
	if n == nil {
		n = &fakeNotifier{}
	}
	return &activities.Certificates{Store: store, Signer: store, Notifier: n}
}

func certificate() domain.Certificate {
	return domain.Certificate{Number: "MINTRUD-2026-000001", WorkflowID: "certificate-MINTRUD-2026-000001", Authority: "mintrud", Year: 2026,
		Agency: domain.AgencyRef{ID: "agency-1", Name: "Агентство"}, ProviderID: "provider-1", Programme: domain.Programme{Code: "PK-01"},
		Servant: domain.Servant{ID: "servant-1", FullName: "Иванова Мария Петровна", SNILS: "112-233-445 95", Email: "m@x.test", Position: "консультант"},
		Hours:   72, Amount: 30000, StartBy: civil.Date{Year: 2026, Month: 4, Day: 1}, EndBy: civil.Date{Year: 2026, Month: 6, Day: 30},
		Status: domain.CertificateIssuing, Revision: 1}
}

func prepareInput() activities.PrepareInput {
	return activities.PrepareInput{Certificate: certificate(), Event: domain.Event{Seq: 1, At: issuedAt, Actor: domain.SystemActor, Action: "requested"},
		VerificationURL: "https://profdev.test/verify/MINTRUD-2026-000001"}
}

func prepare(t *testing.T, a *activities.Certificates, in activities.PrepareInput) (activities.Prepared, error) {
	t.Helper()
	// The certificate workflow runs it as a local activity.
	val, err := newEnv(t, a).ExecuteLocalActivity(a.PrepareCertificate, in)
	if err != nil {
		return activities.Prepared{}, err
	}
	var p activities.Prepared
	if err := val.Get(&p); err != nil {
		t.Fatal(err)
	}
	return p, nil
}

func TestPrepareCertificate(t *testing.T) {
	store := &fakeCertificates{}
	a := newCertificates(store, nil)
	got, err := prepare(t, a, prepareInput())
	if err != nil {
		t.Fatal(err)
	}
	want := certificate()
	want.Programme = store.programme
	if diff := cmp.Diff(activities.Prepared{Certificate: want, Parties: store.parties, SHA256: store.docs[[2]any{want.Number, 0}].SHA256}, got); diff != "" {
		t.Errorf("prepared mismatch (-want +got):\n%s", diff)
	}
	if got.SHA256 == "" {
		t.Error("no document hash")
	}
	wantCalls := []string{"ProgrammeForCertificate", "GetCertificateParties", "RegisterCertificate", "SaveDocument"}
	if diff := cmp.Diff(wantCalls, store.methods()); diff != "" {
		t.Errorf("store calls mismatch (-want +got):\n%s", diff)
	}
	// A retry renders the same bytes, so the stored document does not change under it.
	again, err := prepare(t, a, prepareInput())
	if err != nil {
		t.Fatal(err)
	}
	if again.SHA256 != got.SHA256 {
		t.Errorf("retried document hash %s, first %s", again.SHA256, got.SHA256)
	}
}

// TestPrepareCertificateUnrenderable is a request the document refuses: it fails at once,
// and nothing is registered.
func TestPrepareCertificateUnrenderable(t *testing.T) {
	store := &fakeCertificates{programme: domain.Programme{Code: "PK-01", Kind: domain.QualificationUpgrade, Hours: 72}}
	_, err := prepare(t, newCertificates(store, nil), prepareInput())
	want := &failure{Type: "invalid", NonRetryable: true,
		Message: "the certificate document cannot be formed: document: invalid certificate: missing required fields: ProgrammeTitle"}
	if diff := cmp.Diff(want, failureOf(t, err)); diff != "" {
		t.Errorf("failure mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"ProgrammeForCertificate", "GetCertificateParties"}, store.methods()); diff != "" {
		t.Errorf("store calls mismatch (-want +got):\n%s", diff)
	}
}

func TestPrepareCertificateRefused(t *testing.T) {
	excluded := domain.Conflict("provider-1 is excluded from the registry")
	store := &fakeCertificates{recorder: recorder{fail: map[string]error{"ProgrammeForCertificate": excluded}}}
	_, err := prepare(t, newCertificates(store, nil), prepareInput())
	// The workflow answers the request with this message (workflows.Certificate's refusal).
	want := &failure{Type: "conflict", Message: "provider-1 is excluded from the registry", NonRetryable: true}
	if diff := cmp.Diff(want, failureOf(t, err)); diff != "" {
		t.Errorf("failure mismatch (-want +got):\n%s", diff)
	}
}

func TestRenderDuplicate(t *testing.T) {
	store := &fakeCertificates{}
	a := newCertificates(store, nil)
	orig, err := prepare(t, a, prepareInput())
	if err != nil {
		t.Fatal(err)
	}
	in := activities.DuplicateInput{Certificate: orig.Certificate, Parties: orig.Parties, Seq: 2, IssuedAt: issuedAt.AddDate(0, 1, 0),
		VerificationURL: "https://profdev.test/verify/MINTRUD-2026-000001"}
	val, err := newEnv(t, a).ExecuteActivity(a.RenderDuplicate, in)
	if err != nil {
		t.Fatal(err)
	}
	var sum string
	if err := val.Get(&sum); err != nil {
		t.Fatal(err)
	}
	dup, ok := store.docs[[2]any{orig.Certificate.Number, 2}]
	if !ok || dup.SHA256 != sum || sum == orig.SHA256 {
		t.Errorf("duplicate 2 stored %v with hash %s, returned %s, original %s", ok, dup.SHA256, sum, orig.SHA256)
	}
}

func TestSignDocument(t *testing.T) {
	at := issuedAt.Add(time.Minute)
	earlier := issuedAt
	for _, tc := range []struct {
		name      string
		doc       domain.Document
		want      activities.Signed
		wantCalls []string
		wantSigns int // over two attempts
	}{
		{"unsigned", domain.Document{Number: "MT-1", PDF: []byte("%PDF-1.4"), SHA256: "abc"},
			activities.Signed{SHA256: "abc", Algorithm: "GOST R 34.10-2012", SignedAt: at},
			[]string{"GetDocument", "Sign", "SaveSignature"}, 1},
		// A retry after a crash finds the first signature and keeps it.
		{"signed already", domain.Document{Number: "MT-1", PDF: []byte("%PDF-1.4"), SHA256: "abc", Signature: []byte{0x30},
			Algorithm: "GOST R 34.10-2012", SignedAt: &earlier},
			activities.Signed{SHA256: "abc", Algorithm: "GOST R 34.10-2012", SignedAt: earlier},
			[]string{"GetDocument"}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			store := &fakeCertificates{docs: map[[2]any]domain.Document{{"MT-1", 0}: tc.doc}}
			a := newCertificates(store, nil)
			env := newEnv(t, a)
			for attempt := range 2 {
				val, err := env.ExecuteActivity(a.SignDocument, activities.SignInput{Number: "MT-1", Seq: 0, SigningTime: at})
				if err != nil {
					t.Fatal(err)
				}
				var got activities.Signed
				if err := val.Get(&got); err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(tc.want, got); diff != "" {
					t.Errorf("attempt %d: signed mismatch (-want +got):\n%s", attempt+1, diff)
				}
				if attempt == 0 {
					if diff := cmp.Diff(tc.wantCalls, store.methods()); diff != "" {
						t.Errorf("store calls mismatch (-want +got):\n%s", diff)
					}
				}
			}
			signs := 0
			for _, m := range store.methods() {
				if m == "Sign" {
					signs++
				}
			}
			if signs != tc.wantSigns {
				t.Errorf("signed %d times in two attempts, want %d", signs, tc.wantSigns)
			}
		})
	}
}

func TestDeliverDocument(t *testing.T) {
	at := issuedAt
	doc := domain.Document{Number: "MT-1", PDF: []byte("%PDF-1.4"), SHA256: "abc", Signature: []byte{0x30}, Algorithm: "GOST", SignedAt: &at}
	servant := notify.Request{WorkflowID: "certificate-MT-1", Step: "issued", Audience: domain.UserAudience("servant-1"), Subject: "Сертификат"}
	hr := notify.Request{WorkflowID: "certificate-MT-1", Step: "issued", Audience: domain.Audience{Role: domain.RoleHR, Scope: "agency-1"}, Subject: "Сертификат"}
	store := &fakeCertificates{docs: map[[2]any]domain.Document{{"MT-1", 0}: doc}}
	n := &fakeNotifier{result: notify.Result{NotificationID: 9, Recipients: 1, SentNow: 1}}
	a := newCertificates(store, n)
	val, err := newEnv(t, a).ExecuteActivity(a.DeliverDocument, activities.DeliveryInput{Request: servant, Number: "MT-1", Also: []notify.Request{hr}})
	if err != nil {
		t.Fatal(err)
	}
	var res notify.Result
	if err := val.Get(&res); err != nil {
		t.Fatal(err)
	}
	if res != n.result {
		t.Errorf("result %+v, want the servant's %+v", res, n.result)
	}
	withDoc := servant
	withDoc.Attachments = []notify.Attachment{
		{Name: "MT-1.pdf", ContentType: "application/pdf", Data: doc.PDF},
		{Name: "MT-1.pdf.sig", ContentType: "application/pkcs7-signature", Data: doc.Signature},
	}
	if diff := cmp.Diff([]call{{"Notify", []any{withDoc}}, {"Notify", []any{hr}}}, n.calls); diff != "" {
		t.Errorf("notifications mismatch (-want +got):\n%s", diff)
	}
}

func TestCertificateStoreErrors(t *testing.T) {
	unsigned := domain.Document{Number: "MT-1", PDF: []byte("%PDF-1.4"), SHA256: "abc"}
	for _, step := range []struct {
		method string
		run    func(*activities.Certificates) (fn any, arg any)
	}{
		{"ProgrammeForCertificate", func(a *activities.Certificates) (any, any) { return a.PrepareCertificate, prepareInput() }},
		{"GetCertificateParties", func(a *activities.Certificates) (any, any) { return a.PrepareCertificate, prepareInput() }},
		{"RegisterCertificate", func(a *activities.Certificates) (any, any) { return a.PrepareCertificate, prepareInput() }},
		{"SaveDocument", func(a *activities.Certificates) (any, any) { return a.PrepareCertificate, prepareInput() }},
		{"GetDocument", func(a *activities.Certificates) (any, any) {
			return a.SignDocument, activities.SignInput{Number: "MT-1", SigningTime: issuedAt}
		}},
		{"Sign", func(a *activities.Certificates) (any, any) {
			return a.SignDocument, activities.SignInput{Number: "MT-1", SigningTime: issuedAt}
		}},
		{"SaveSignature", func(a *activities.Certificates) (any, any) {
			return a.SignDocument, activities.SignInput{Number: "MT-1", SigningTime: issuedAt}
		}},
		{"SaveCertificate", func(a *activities.Certificates) (any, any) {
			return a.SaveCertificate, activities.CertificateStep{Certificate: certificate(), Event: domain.Event{Seq: 2, At: issuedAt}}
		}},
		{"SaveRating", func(a *activities.Certificates) (any, any) {
			return a.SaveRating, activities.RatingStep{Certificate: certificate(), Rating: domain.Rating{Score: 5}, Event: domain.Event{Seq: 5, At: issuedAt}}
		}},
		{"Notify", func(a *activities.Certificates) (any, any) {
			return a.DeliverDocument, activities.DeliveryInput{Request: notify.Request{WorkflowID: "certificate-MT-1", Step: "issued"}, Number: "MT-1"}
		}},
	} {
		for _, se := range storeErrors {
			t.Run(step.method+" "+se.name, func(t *testing.T) {
				fail := map[string]error{step.method: se.err}
				store := &fakeCertificates{recorder: recorder{fail: fail}, docs: map[[2]any]domain.Document{{"MT-1", 0}: unsigned}}
				a := newCertificates(store, &fakeNotifier{recorder: recorder{fail: fail}})
				fn, arg := step.run(a)
				_, err := newEnv(t, a).ExecuteActivity(fn, arg)
				if diff := cmp.Diff(se.want, failureOf(t, err)); diff != "" {
					t.Errorf("failure mismatch (-want +got):\n%s", diff)
				}
			})
		}
	}
}

// TestSaveCertificateSteps checks that the steps reach the store as the workflow sent them:
// the store keys each by its step and guards it by revision, so a retry changes nothing.
func TestSaveCertificateSteps(t *testing.T) {
	c := certificate()
	ev := domain.Event{Seq: 5, At: issuedAt, Actor: domain.Actor{Sub: "servant-1", Role: domain.RoleServant}, Action: "rated"}
	rater := domain.Actor{Sub: "servant-1", Role: domain.RoleServant}
	rating := domain.Rating{Score: 4, Comment: "Полезно"}
	store := &fakeCertificates{}
	a := newCertificates(store, nil)
	env := newEnv(t, a)
	if _, err := env.ExecuteActivity(a.SaveCertificate, activities.CertificateStep{Certificate: c, Event: ev}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.ExecuteActivity(a.SaveRating, activities.RatingStep{Certificate: c, Rater: rater, Rating: rating, Event: ev}); err != nil {
		t.Fatal(err)
	}
	want := []call{{"SaveCertificate", []any{c, ev}}, {"SaveRating", []any{c, rater, rating, ev}}}
	if diff := cmp.Diff(want, store.calls); diff != "" {
		t.Errorf("store calls mismatch (-want +got):\n%s", diff)
	}
}
