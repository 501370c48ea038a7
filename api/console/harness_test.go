package console_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/rs/zerolog"
	"go.temporal.io/sdk/worker"

	"github.com/profdev/profdev/api"
	"github.com/profdev/profdev/internal/app"
	"github.com/profdev/profdev/internal/auth"
	"github.com/profdev/profdev/internal/calendar"
	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/internal/notify"
	"github.com/profdev/profdev/internal/pgtest"
	"github.com/profdev/profdev/internal/postgres"
	"github.com/profdev/profdev/internal/signing"
	"github.com/profdev/profdev/internal/smtptest"
	"github.com/profdev/profdev/internal/testtemporal"
	pworker "github.com/profdev/profdev/worker"
	"github.com/profdev/profdev/workflows"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// system is the whole of profdev behind one test server: a fresh PostgreSQL database, a
// real Temporal server with the real worker (activities, signer, SMTP), and the server of
// `profdev dev` (JSON API and console, development sign-in, sessions in PostgreSQL).
type system struct {
	t    *testing.T
	url  string
	db   *postgres.DB
	smtp *smtptest.Server
	tenv *testtemporal.Env
	year int
	// app is the application layer on the same database and Temporal, for a test's setup.
	app *app.Service
}

func mustSystem(t *testing.T) *system { return mustSystemWith(t, nil) }

// mustSystemWith is mustSystem with the server's configuration changed by tune.
func mustSystemWith(t *testing.T, tune func(*api.Config)) *system {
	t.Helper()
	ctx := context.Background()
	db, err := postgres.Open(ctx, postgres.Config{URL: pgtest.NewDatabase(t)}, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	tenv := testtemporal.New(t, workflows.SearchAttributes())
	smtp := smtptest.Start(t)
	mailer, err := notify.NewSMTPMailer(notify.SMTPConfig{Host: smtp.Host(), Port: smtp.Port(), TLS: "none"})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(nil)
	base := "http://" + srv.Listener.Addr().String()
	n := notify.New(db, mailer, notify.Config{From: "profdev <noreply@profdev.test>", BaseURL: base}, zerolog.Nop())
	signer, err := signing.New(signing.Config{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.PublishSigningChain(ctx, signer.Algorithm(), signer.Chain()); err != nil {
		t.Fatal(err)
	}
	tenv.NewWorker(workflows.TaskQueue, func(r worker.Registry) {
		pworker.Register(r, pworker.Deps{Notifier: n, Calendars: calendar.NewRegions(calendar.Russia(), nil), Registry: db,
			Reserve: db, Planning: db, Connections: db, Certificates: db, Batches: db, Signer: signer})
	}, pworker.Interceptors()...)
	verifier, err := auth.NewStaticVerifier(mustKey(t).PublicKey(), auth.Options{Issuer: "test-issuer", Audience: "profdev"})
	if err != nil {
		t.Fatal(err)
	}
	cfg := api.Config{Version: "test", PublicBaseURL: base, Console: consoleConfig()}
	if tune != nil {
		tune(&cfg)
	}
	s := api.New(cfg,
		api.Deps{Log: zerolog.Nop(), Store: db, Temporal: tenv.Client(), Verifier: verifier, Sessions: db.SessionStore(), People: db})
	srv.Config.Handler = s.Handler()
	srv.Start()
	t.Cleanup(srv.Close)
	sys := &system{t: t, url: base, db: db, smtp: smtp, tenv: tenv, year: time.Now().Year(),
		app: app.New(app.Config{PublicBaseURL: base}, db, tenv.Client(), zerolog.Nop())}
	sys.mustDirectory()
	return sys
}

func mustKey(t *testing.T) *auth.Signer {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := auth.NewSigner(key, "test-issuer", "profdev")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// mustDirectory is the ministry, an agency, and a provider admitted with one programme.
func (s *system) mustDirectory() {
	s.t.Helper()
	ctx := context.Background()
	if _, err := s.db.PutAuthority(ctx, domain.Authority{ID: "mintrud", Name: "Минтруд России", Region: "RU", Emails: []string{"ministry@mintrud.test"}}); err != nil {
		s.t.Fatal(err)
	}
	if _, err := s.db.PutAgency(ctx, domain.Agency{ID: "agency-1", Name: "Росстат", Authority: "mintrud", Region: "RU",
		HREmails: []string{"hr@agency-1.test"}, HeadEmail: "head@agency-1.test"}); err != nil {
		s.t.Fatal(err)
	}
	if _, err := s.db.PutAgency(ctx, domain.Agency{ID: "agency-2", Name: "Росархив", Authority: "mintrud", Region: "RU",
		HREmails: []string{"hr@agency-2.test"}}); err != nil {
		s.t.Fatal(err)
	}
	if err := s.db.EnterRegistry(ctx, domain.Admission{ApplicationID: "app-x", WorkflowID: "registry-mintrud-provider-a",
		ProviderID: "provider-a", Authority: "mintrud", Year: s.year,
		Provider:   domain.ProviderDetails{Name: "ООО Учебный центр А", INN: "7707083893", OGRN: "1027700132195", Email: "center@provider-a.test"},
		Programmes: []domain.Programme{{Code: "PK-01", Title: "Управление проектами в госсекторе", Kind: domain.QualificationUpgrade, Hours: 72, Format: "blended", Price: 35000}},
		At:         time.Now()}); err != nil {
		s.t.Fatal(err)
	}
}

// browser is one person's headless Chromium (its own profile, so its own cookies).
type browser struct {
	t   *testing.T
	sys *system
	ctx context.Context
}

// chromium finds Debian's Chromium; a machine without it fails the test, saying what to
// install (the install step, deploy/install-deps.sh, installs it).
func chromium(t *testing.T) string {
	t.Helper()
	for _, p := range []string{os.Getenv("CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"} {
		if p == "" {
			continue
		}
		if _, err := exec.LookPath(p); err == nil {
			return p
		}
	}
	t.Fatal("the browser tests need a headless Chromium: run `make deps` (apt-get install -y chromium) or set CHROMIUM to its path")
	return ""
}

func (s *system) browser(t *testing.T) *browser {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)), chromedp.UserDataDir(t.TempDir()),
		chromedp.NoSandbox, chromedp.DisableGPU, chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.WindowSize(1280, 900))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	return &browser{t: t, sys: s, ctx: ctx}
}

// run runs chromedp steps with a bound, failing the test with what it was doing.
func (b *browser) run(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 45*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.t.Fatalf("%s: %v (page %s)", what, err, b.location())
	}
}

// get runs one action that returns a value, bounded like run.
func get[T any](b *browser, what string, a chromedp.Action[T]) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 45*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		b.t.Fatalf("%s: %v (page %s)", what, err, b.location())
	}
	return v
}

func (b *browser) open(path string) {
	b.t.Helper()
	b.run("open "+path, chromedp.Navigate(b.sys.url+path), chromedp.WaitReady(chromedp.CSS("body")))
}

// signIn signs in on the development sign-in page as the person with that subject.
func (b *browser) signIn(sub string) {
	b.t.Helper()
	b.open("/login")
	b.run("sign in as "+sub, chromedp.Click(chromedp.CSS(`button[data-person="`+sub+`"]`)), chromedp.WaitVisible(chromedp.CSS(".who-name")))
}

// click clicks the element (a link, or a form's button) and waits for the page it leads to.
func (b *browser) click(sel string) {
	b.t.Helper()
	get(b, "mark the page", chromedp.Evaluate[bool](`window.__leaving = true; true`))
	b.run("click "+sel, chromedp.Click(chromedp.CSS(sel)))
	// Until the new document has replaced the old one the old page answers (or, mid-way,
	// nothing does): ask until a page without the mark is loaded, so the next read is of
	// the page the click led to, however loaded the machine.
	deadline := time.Now().Add(45 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(b.ctx, 2*time.Second)
		arrived, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.__leaving === undefined && document.readyState === "complete"`))
		cancel()
		if err == nil && arrived {
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("after clicking %s, no new page loaded (page %s, last error %v)", sel, b.location(), err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// text is the visible text of the first element matching sel.
func (b *browser) text(sel string) string {
	b.t.Helper()
	b.run("wait for "+sel, chromedp.WaitVisible(chromedp.CSS(sel)))
	return strings.TrimSpace(get(b, "read "+sel, chromedp.Text(chromedp.CSS(sel))))
}

// mustSee fails unless the element's text holds every one of wants.
func (b *browser) mustSee(sel string, wants ...string) {
	b.t.Helper()
	got := b.text(sel)
	for _, w := range wants {
		if !strings.Contains(got, w) {
			b.t.Errorf("%s says %q; want it to contain %q", sel, got, w)
		}
	}
}

func (b *browser) location() string {
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	return strings.TrimPrefix(loc, b.sys.url)
}

// screenshot saves the page as JPEG for the README when PROFDEV_SCREENSHOTS names a directory.
func (b *browser) screenshot(name string) {
	b.t.Helper()
	dir := os.Getenv("PROFDEV_SCREENSHOTS")
	if dir == "" {
		return
	}
	png := get(b, "screenshot", chromedp.FullScreenshot(80))
	if err := os.WriteFile(filepath.Join(dir, name+".jpg"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

//go:embed testdata/axe/axe.min.js
var axeSource string

// accessible runs axe-core on the page and fails on every serious or critical violation.
func (b *browser) accessible(page string) {
	b.t.Helper()
	get(b, "load axe", chromedp.Evaluate[bool](axeSource+"\n;true"))
	raw := get(b, "axe on "+page, chromedp.Evaluate[string](`axe.run(document, {resultTypes: ["violations"]}).then(r => JSON.stringify(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(" ")).slice(0, 3)}))))`,
		chromedp.EvalAwaitPromise))
	var violations []struct {
		ID, Impact, Help string
		Nodes            []string
	}
	if err := json.Unmarshal([]byte(raw), &violations); err != nil {
		b.t.Fatalf("axe on %s: %v (%s)", page, err, raw)
	}
	for _, v := range violations {
		if v.Impact == "serious" || v.Impact == "critical" {
			b.t.Errorf("accessibility of %s: %s (%s): %s at %v", page, v.ID, v.Impact, v.Help, v.Nodes)
		}
	}
}

// fill sets the value of each field, by element ID.
func (b *browser) fill(values map[string]string) {
	b.t.Helper()
	for id, v := range values {
		sel := chromedp.CSS(fmt.Sprintf(`[id=%q]`, id))
		b.run("fill "+id, chromedp.WaitVisible(sel), chromedp.SetValue(sel, v))
	}
}
