package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/profdev/profdev/api"
	"github.com/profdev/profdev/internal/benchtable"
	"github.com/profdev/profdev/internal/devtemporal"
	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/internal/notify"
	"github.com/profdev/profdev/internal/pglocal"
	"github.com/profdev/profdev/internal/postgres"
	"github.com/profdev/profdev/internal/smtptest"
	"github.com/profdev/profdev/worker"
	"github.com/profdev/profdev/workflows"
)

// BenchmarkIssuance measures certificate issuance on the embedded stack in one process
// (Temporal on SQLite, a private PostgreSQL, the worker, the API, a real SMTP server) against
// a baseline measured on the same server in the same run: N workflows of 5 no-op activities.
// N is BENCH_N (default 1000). It runs once whatever b.N is, and prints its figures.
func BenchmarkIssuance(b *testing.B) {
	n := 1000
	if v, err := strconv.Atoi(os.Getenv("BENCH_N")); err == nil && v > 0 {
		n = v
	}
	ctx := context.Background()
	dir := b.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	_ = os.Chmod(filepath.Dir(dir), 0o755)
	log := zerolog.Nop()

	pg, err := pglocal.Start(ctx, pglocal.Options{Dir: filepath.Join(dir, "pg"), Ephemeral: true})
	if err != nil {
		b.Fatal(err)
	}
	defer pg.Stop(ctx)
	if err := pg.CreateDatabase(ctx, "profdev"); err != nil {
		b.Fatal(err)
	}
	db, err := postgres.Open(ctx, postgres.Config{URL: pg.DSN("profdev"), MaxConns: 40}, log)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	port, _ := freeTCPPort()
	ts, err := devtemporal.Start(ctx, devtemporal.Config{DataDir: filepath.Join(dir, "temporal"), FrontendPort: port,
		SearchAttributes: workflows.SearchAttributes()})
	if err != nil {
		b.Fatal(err)
	}
	defer ts.Stop()
	tc, err := client.Dial(client.Options{HostPort: ts.FrontendAddress(), Namespace: ts.Namespace(), Logger: quietSDK{}})
	if err != nil {
		b.Fatal(err)
	}
	defer tc.Close()

	smtp := smtptest.Start(b)
	mailer, _ := notify.NewSMTPMailer(notify.SMTPConfig{Host: smtp.Host(), Port: smtp.Port(), TLS: "none"})
	notifier := notify.New(db, mailer, notify.Config{}, log)
	cfg, _ := loadConfig(func(string) string { return "" })
	cfg.SigningKind = os.Getenv("BENCH_SIGNING") // gost (default here), ecdsa
	cals, _ := buildCalendars(cfg)
	signer, err := buildSigner(ctx, cfg, filepath.Join(dir, "signing"), db, log)
	if err != nil {
		b.Fatal(err)
	}
	w := worker.New(tc, workerDeps(db, notifier, cals, signer), worker.Options{})
	if err := w.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { w.Stop() }()
	baseline := sdkworker.New(tc, "baseline", sdkworker.Options{})
	baseline.RegisterWorkflowWithOptions(noopWorkflow, workflow.RegisterOptions{Name: "Baseline"})
	baseline.RegisterActivity(noopActivity)
	if err := baseline.Start(); err != nil {
		b.Fatal(err)
	}
	defer baseline.Stop()

	signerKey, _ := devSigner(dir)
	verifier := signerKey.Verifier()
	handler := api.New(api.Config{Version: "bench"}, api.Deps{Log: log, Store: db, Temporal: tc, Verifier: verifier}).Handler()
	// The list's handler time, from the request read to the answer written, apart from the
	// clients' own waits.
	var handlerMu sync.Mutex
	var handlerLat []time.Duration
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t0 := time.Now()
		handler.ServeHTTP(w, r)
		if r.Method == http.MethodGet && r.URL.Path == "/api/v1/certificates" {
			handlerMu.Lock()
			handlerLat = append(handlerLat, time.Since(t0))
			handlerMu.Unlock()
		}
	}))
	defer srv.Close()
	ministry := domain.Actor{Sub: "m", Role: domain.RoleMinistry, Authority: "mintrud"}
	token, _ := signerKey.Mint(ministry, time.Hour)
	mustSeed(b, db)

	rssIdle := rssMB(b)
	apiProc := startBenchAPI(b, dir, pg.DSN("profdev"), ts.FrontendAddress(), ts.Namespace(), signerKey)
	defer apiProc.stop()
	// Certificates through the batch API, until all are issued and every party has its email.
	body := batchBody(n)
	start := time.Now()
	req, _ := http.NewRequest("POST", apiProc.url+"/api/v1/certificates/batch", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusAccepted {
		b.Fatalf("batch: %v %v", err, resp)
	}
	var receipt struct {
		BatchID string `json:"batch_id"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&receipt); err != nil || receipt.BatchID == "" {
		b.Fatalf("batch receipt: %v", err)
	}
	resp.Body.Close()
	// The list's latency while the load runs, each from a client process of its own: from the
	// API process, and (less often, to load the machine less) from the API inside the bench
	// process, as `profdev dev` serves it.
	const list = "/api/v1/certificates?agency=agency-1&limit=50"
	deployed := startProbe(b, apiProc.url+list, token, probeInterval)
	oneProcess := startProbe(b, srv.URL+list, token, 5*probeInterval)
	deadline := time.Now().Add(30 * time.Minute)
	// Each servant gets an email with the document; HR and the provider one digest each per
	// run of the batch (1000 items a run).
	digests := 2 * ((n + 999) / 1000)
	var servantMails, otherMails int
	for {
		issued := countIssued(ctx, b, db)
		servantMails, otherMails = 0, 0
		for _, m := range smtp.Messages() {
			for _, to := range m.To {
				if strings.HasSuffix(to, "@gov.test") {
					servantMails++
				} else {
					otherMails++
				}
			}
		}
		if issued >= n && servantMails >= n && otherMails >= digests {
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("timed out: %d issued, emails: %d to servants, %d others", issued, servantMails, otherMails)
		}
		time.Sleep(100 * time.Millisecond)
	}
	certElapsed := time.Since(start)
	deployedLat, oneProcessLat := deployed.stop(b), oneProcess.stop(b)
	handlerMu.Lock()
	slices.Sort(handlerLat)
	handlerMu.Unlock()
	rss := openMemory(b, &w, func() sdkworker.Worker {
		return worker.New(tc, workerDeps(db, notifier, cals, signer), worker.Options{})
	}, rssIdle, n)

	// Baseline on the same server: N workflows of 5 no-op activities each.
	start = time.Now()
	runs := make([]client.WorkflowRun, n)
	for i := range runs {
		runs[i], err = tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: fmt.Sprintf("baseline-%d", i), TaskQueue: "baseline"}, "Baseline")
		if err != nil {
			b.Fatal(err)
		}
	}
	for _, r := range runs {
		if err := r.Get(ctx, nil); err != nil {
			b.Fatal(err)
		}
	}
	baseElapsed := time.Since(start)

	certEvents, certActions, itemEvents, itemActions := certificateLifecycle(ctx, b, db, tc, receipt.BatchID, n)

	certRate := float64(n) / certElapsed.Seconds()
	baseRate := float64(n) / baseElapsed.Seconds()
	alg := cfg.SigningKind
	if alg == "" {
		alg = "default signer"
	}
	latency := func(l []time.Duration) string {
		return fmt.Sprintf("p50 %.2f / p99 %.2f ms", quantile(l, 0.50), quantile(l, 0.99))
	}
	fmt.Printf("\nprofdev issuance benchmark (N=%d, signer %s)\n", n, signer.Algorithm())
	fmt.Printf("  certificates issued, signed, stored, servant and digests:  %.1f/s (%.1fs)\n", certRate, certElapsed.Seconds())
	fmt.Printf("  baseline workflows of 5 no-op activities:                 %.1f/s (%.1fs)\n", baseRate, baseElapsed.Seconds())
	fmt.Printf("  ratio certificates/baseline:                              %.2f\n", certRate/baseRate)
	fmt.Printf("  emails for the batch of %d: %d to servants, %d to HR and the provider (digests; one each per certificate before)\n",
		n, servantMails, otherMails)
	fmt.Printf("  GET /certificates?agency=... during the load, each client a process of its own: %s from the API process (%d requests); %s from the API in the loaded process (%d requests; %s of it in the handler)\n",
		latency(deployedLat), len(deployedLat), latency(oneProcessLat), len(oneProcessLat), latency(handlerLat))
	fmt.Printf("  one certificate from issue to outcome: %d history events, %d actions; the batch's own history per item: %.1f events, %.1f actions\n",
		certEvents, certActions, itemEvents, itemActions)
	fmt.Printf("  process RSS: %.0f MB before the batch, %.0f MB with its %d certificate workflows open, %.0f MB once the worker's cache of them is emptied\n",
		rss.idle, rss.open, n, rss.purged)
	fmt.Printf("  the worker holds %.1f KB an open workflow in its cache, which holds %d: with 100,000 open, +%.0f MB (projected); %.1f KB a workflow stays elsewhere (the in-process Temporal server)\n\n",
		rss.cachedKB, rss.cacheSize, rss.workerMB(100000), rss.restKB)
	benchtable.Add("certificates issued/s, "+alg, fmt.Sprintf("%.1f", certRate),
		fmt.Sprintf("batch of %d through the API: numbered, signed, stored, servant emailed, digests to HR and provider", n))
	benchtable.Add("baseline workflows of 5 no-op activities/s ("+alg+" run)", fmt.Sprintf("%.1f", baseRate), "same server, same run")
	benchtable.Add("ratio certificates/baseline, "+alg, fmt.Sprintf("%.2f", certRate/baseRate), "goal >= 1.0 (GOST), >= 1.3 (ECDSA)")
	benchtable.Add("GET /certificates?agency= during issuance ("+alg+" run)", latency(deployedLat),
		fmt.Sprintf("%d requests, one each %v, to `profdev api` in a process of its own, as deployed; goal p99 < 25 ms", len(deployedLat), probeInterval))
	benchtable.Add("  the same, API inside the loaded process ("+alg+" run)", latency(oneProcessLat),
		fmt.Sprintf("%d requests, as `profdev dev` serves them; %s of it in the handler", len(oneProcessLat), latency(handlerLat)))
	benchtable.Add("emails for a batch of "+strconv.Itoa(n), fmt.Sprintf("%d servants, %d HR and provider", servantMails, otherMails),
		"one email per servant, one digest each to HR and the provider")
	benchtable.Add("one certificate, issue to outcome", fmt.Sprintf("%d events, %d actions", certEvents, certActions),
		"history events; actions as Temporal Cloud bills them (a floor: retries leave no event)")
	benchtable.Add("bench process RSS with "+strconv.Itoa(n)+" open certificate workflows ("+alg+" run)",
		fmt.Sprintf("%.0f MB (%.0f MB before, %.0f MB with the worker's cache emptied)", rss.open, rss.idle, rss.purged),
		"worker, Temporal server and API in one process, after a GC")
	benchtable.Add("  the worker's part with 100,000 open, projected ("+alg+" run)", fmt.Sprintf("+%.0f MB", rss.workerMB(100000)),
		fmt.Sprintf("not run: %d cached x %.1f KB (the SDK's cache holds %d; the rest replay on their next step); %.1f KB a workflow left once the cache is emptied is the in-process Temporal server's",
			min(100000, rss.cacheSize), rss.cachedKB, rss.cacheSize, rss.restKB))
	benchtable.Add("the batch workflow, per item", fmt.Sprintf("%.1f events, %.1f actions", itemEvents, itemActions), "on top of the item's certificate")
	b.ReportMetric(certRate, "certs/s")
	b.ReportMetric(baseRate, "baseline/s")
	b.ReportMetric(certRate/baseRate, "ratio")
}

func noopWorkflow(ctx workflow.Context) error {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute})
	for range 5 {
		if err := workflow.ExecuteActivity(ctx, noopActivity).Get(ctx, nil); err != nil {
			return err
		}
	}
	return nil
}

func noopActivity(context.Context) error { return nil }

func mustSeed(b *testing.B, db *postgres.DB) {
	ctx := context.Background()
	if _, err := db.PutAuthority(ctx, domain.Authority{ID: "mintrud", Name: "Минтруд России", Region: "RU"}); err != nil {
		b.Fatal(err)
	}
	if _, err := db.PutAgency(ctx, domain.Agency{ID: "agency-1", Name: "Росстат", Authority: "mintrud", Region: "RU", HREmails: []string{"hr@agency.test"}}); err != nil {
		b.Fatal(err)
	}
	if err := db.EnterRegistry(ctx, domain.Admission{ApplicationID: "app-bench", WorkflowID: "registry-mintrud-provider-a", ProviderID: "provider-a",
		Authority: "mintrud", Year: 2026, At: time.Now(),
		Provider:   domain.ProviderDetails{Name: "ООО Учебный центр", INN: "7707083893", OGRN: "1027700132195", Email: "center@provider.test"},
		Programmes: []domain.Programme{{Code: "PK-01", Title: "Управление проектами", Kind: domain.QualificationUpgrade, Hours: 72, Format: "blended", Price: 35000}},
	}); err != nil {
		b.Fatal(err)
	}
}

func batchBody(n int) string {
	start := time.Now().AddDate(0, 1, 0).Format("2006-01-02")
	end := time.Now().AddDate(0, 3, 0).Format("2006-01-02")
	items := make([]string, n)
	for i := range items {
		items[i] = fmt.Sprintf(`{"servant":{"id":"servant-%d","full_name":"Служащий %d","snils":"112-233-445 95","email":"s%d@gov.test","position":"консультант"},
			"agency":{"id":"agency-1","name":"Росстат"},"provider_id":"provider-a","programme_code":"PK-01","year":2026,"hours":72,"amount":35000,
			"start_by":%q,"end_by":%q}`, i, i, i, start, end)
	}
	return `{"items":[` + strings.Join(items, ",") + `]}`
}

func countIssued(ctx context.Context, b *testing.B, db *postgres.DB) int {
	var n int
	if err := db.Pool().QueryRow(ctx, `SELECT count(*) FROM certificates WHERE status = 'issued'`).Scan(&n); err != nil {
		b.Fatal(err)
	}
	return n
}

func freeTCPPort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// quietSDK drops the SDK's logs so the figures stand out.
type quietSDK struct{}

func (quietSDK) Debug(string, ...any) {}
func (quietSDK) Info(string, ...any)  {}
func (quietSDK) Warn(string, ...any)  {}
func (quietSDK) Error(string, ...any) {}
