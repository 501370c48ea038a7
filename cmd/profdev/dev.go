package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/rs/zerolog"

	"github.com/profdev/profdev/api"
	"github.com/profdev/profdev/internal/auth"
	"github.com/profdev/profdev/internal/devtemporal"
	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/internal/logging"
	"github.com/profdev/profdev/internal/pglocal"
	"github.com/profdev/profdev/internal/postgres"
	"github.com/profdev/profdev/worker"
	"github.com/profdev/profdev/workflows"
)

// runDev runs the whole system in one process, keeping all state under the data directory:
// PostgreSQL in DIR/pg (unless DATABASE_URL is set), Temporal in DIR/temporal, the dev
// signing key in DIR/dev-jwt-key.pem, emails in DIR/mail. A second start reuses all of it.
func runDev(ctx context.Context, args []string, cfg config, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("dev", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		dataDir      = fs.String("data-dir", ".data", "where all state is kept")
		httpAddr     = fs.String("http-addr", "127.0.0.1:8080", "API listen address")
		uiPort       = fs.Int("ui-port", devtemporal.DefaultUIPort, "Temporal Web UI port (0: no UI)")
		temporalPort = fs.Int("temporal-port", devtemporal.DefaultFrontendPort, "Temporal frontend gRPC port")
	)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if getenv("LOG_FORMAT") == "" && isTerminal(stderr) {
		cfg.LogFormat = "pretty"
	}
	log, err := logging.New(logging.Config{Level: cfg.LogLevel, Pretty: cfg.LogFormat == "pretty"}, stderr)
	if err != nil {
		return err
	}
	began := time.Now()
	dir, err := filepath.Abs(*dataDir)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	cfg.HTTPAddr = *httpAddr
	if getenv("PUBLIC_BASE_URL") == "" {
		cfg.PublicBaseURL = "http://" + *httpAddr
	}

	// PostgreSQL: a private cluster under the data directory unless one is given.
	var pg *pglocal.Cluster
	if cfg.DatabaseURL == "" {
		pg, err = pglocal.Start(ctx, pglocal.Options{Dir: filepath.Join(dir, "pg"), Logger: log.With().Str("component", "pglocal").Logger()})
		if err != nil {
			return err
		}
		defer stopPostgres(pg, log)
		if err := pg.CreateDatabase(ctx, "profdev"); err != nil {
			return err
		}
		cfg.DatabaseURL = pg.DSN("profdev")
	}
	db, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		return err
	}

	// Temporal server and Web UI, embedded.
	ts, err := devtemporal.Start(ctx, devtemporal.Config{
		DataDir: filepath.Join(dir, "temporal"), FrontendPort: *temporalPort, UIPort: *uiPort,
		Namespace: cfg.TemporalNamespace, SearchAttributes: workflows.SearchAttributes(),
		Logger: log.With().Str("component", "temporal").Logger(),
	})
	if err != nil {
		return err
	}
	defer func() {
		if err := ts.Stop(); err != nil {
			log.Warn().Err(err).Msg("temporal server stop")
		}
	}()
	cfg.TemporalAddress = ts.FrontendAddress()
	cfg.print(log, "dev")
	tc, err := dialTemporal(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer tc.Close()

	signer, err := devSigner(dir)
	if err != nil {
		return err
	}
	if err := seedDirectory(ctx, db); err != nil {
		return err
	}

	notifier, err := buildNotifier(cfg, db, filepath.Join(dir, "mail"), log)
	if err != nil {
		return err
	}
	cals, err := buildCalendars(cfg)
	if err != nil {
		return err
	}
	docSigner, err := buildSigner(ctx, cfg, filepath.Join(dir, "signing"), db, log)
	if err != nil {
		return err
	}
	w := worker.New(tc, workerDeps(db, notifier, cals, docSigner), worker.Options{StopTimeout: cfg.ShutdownTimeout})
	if err := w.Start(); err != nil {
		return fmt.Errorf("start worker: %w", err)
	}
	if err := worker.EnsurePlanningSchedules(ctx, tc, cfg.PlanningSchedules); err != nil {
		return err
	}
	defer w.Stop()

	if cfg.TemporalUIURL == "" && ts.UIAddress() != "" {
		cfg.TemporalUIURL = "http://" + ts.UIAddress()
	}
	srv := api.New(api.Config{Version: version, PublicBaseURL: cfg.PublicBaseURL, PlanningTerms: cfg.PlanningTerms,
		RegistryAuthorisation: cfg.AuthFromRegistry, Console: consoleConfig(cfg, true)}, api.Deps{
		Log: log, Store: db, Temporal: tc, Verifier: signer.Verifier(), Sessions: db.SessionStore(), People: db,
	})
	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("API address %s: %w", cfg.HTTPAddr, err)
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	serveErr := make(chan error, 1)
	go func() { serveErr <- hs.Serve(ln) }()

	printBanner(stdout, signer, dir, ln.Addr().String(), ts, pg)
	log.Info().Dur("startup", time.Since(began)).Msg("profdev dev is ready; Ctrl-C stops everything")

	var pgDone <-chan struct{}
	if pg != nil {
		pgDone = pg.Done()
	}
	select {
	case <-ctx.Done():
		log.Info().Msg("stopping")
	case err := <-serveErr:
		return fmt.Errorf("API server: %w", err)
	case <-pgDone:
		return errors.New("PostgreSQL exited unexpectedly; see " + pg.LogPath())
	}
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		log.Warn().Err(err).Msg("API did not drain in time")
	}
	return nil
}

func stopPostgres(pg *pglocal.Cluster, log zerolog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := pg.Stop(ctx); err != nil {
		log.Warn().Err(err).Msg("postgres stop")
	}
}

// The development directory: one authority and one agency, so that notifications of a
// fresh `profdev dev` have somewhere to go. Existing records are left as they are.
var devAuthority = domain.Authority{ID: "mintrud", Name: "Министерство труда и социальной защиты Российской Федерации", Region: "RU", Emails: []string{"ministry@mintrud.dev.local"}}
var devAgency = domain.Agency{ID: "agency-1", Name: "Федеральное агентство (разработка)", Authority: "mintrud", Region: "RU",
	HREmails: []string{"hr@agency-1.dev.local"}, HeadEmail: "head@agency-1.dev.local"}

func seedDirectory(ctx context.Context, db *postgres.DB) error {
	if _, err := db.GetAuthority(ctx, devAuthority.ID); domain.IsCode(err, domain.CodeNotFound) {
		if _, err := db.PutAuthority(ctx, devAuthority); err != nil {
			return err
		}
	} else if err != nil {
		return err
	}
	// Certificates of the development ministry are numbered MT-YYYY-NNNNNN.
	if err := db.SetNumberPrefix(ctx, devAuthority.ID, "MT"); err != nil {
		return err
	}
	if _, err := db.GetAgency(ctx, devAgency.ID); domain.IsCode(err, domain.CodeNotFound) {
		if _, err := db.PutAgency(ctx, devAgency); err != nil {
			return err
		}
	} else if err != nil {
		return err
	}
	return nil
}

// devActors are the users a developer can act as; their scopes match the seeded directory.
var devActors = []domain.Actor{
	{Sub: "ministry-1", Name: "Инспектор Минтруда", Role: domain.RoleMinistry, Authority: "mintrud"},
	{Sub: "reserve-1", Name: "Уполномоченный по резерву", Role: domain.RoleReserveAuthority, Authority: "mintrud"},
	{Sub: "hr-1", Name: "Кадровик агентства", Role: domain.RoleHR, Agency: "agency-1"},
	{Sub: "head-1", Name: "Руководитель агентства", Role: domain.RoleAgencyHead, Agency: "agency-1"},
	{Sub: "provider-1", Name: "Образовательная организация", Role: domain.RoleProvider, Provider: "provider-1"},
	{Sub: "servant-1", Name: "Гражданский служащий", Role: domain.RoleServant, Servant: "servant-1"},
	{Sub: "operator-1", Name: "Оператор", Role: domain.RoleOperator},
}

func printBanner(w io.Writer, signer *auth.Signer, dir, apiAddr string, ts *devtemporal.Server, pg *pglocal.Cluster) {
	base := "http://" + apiAddr
	fmt.Fprintf(w, "\nprofdev dev is running (data in %s)\n", dir)
	fmt.Fprintf(w, "  API          %s/api/v1   (ready: %s/readyz, OpenAPI: %s/api/v1/openapi.json)\n", base, base, base)
	if ui := ts.UIAddress(); ui != "" {
		fmt.Fprintf(w, "  Temporal UI  http://%s\n", ui)
	}
	fmt.Fprintf(w, "  Temporal     %s (namespace %s)\n", ts.FrontendAddress(), ts.Namespace())
	if pg != nil {
		fmt.Fprintf(w, "  PostgreSQL   %s\n", pg.DSN("profdev"))
		if pgDir := filepath.Join(dir, "pg"); pg.Dir() != pgDir {
			// The postgres OS user may not enter the data directory (a clone in root's home).
			fmt.Fprintf(w, "               cluster in %s (the OS user postgres may not reach %s; recorded in %s/location)\n", pg.Dir(), dir, pgDir)
		}
	}
	fmt.Fprintf(w, "\nDevelopment tokens (valid 30 days; more with `bin/profdev token --role ROLE ...`):\n")
	for _, a := range devActors {
		tok, err := signer.Mint(a, 30*24*time.Hour)
		if err != nil {
			fmt.Fprintf(w, "  %-18s (could not mint: %v)\n", a.Role, err)
			continue
		}
		fmt.Fprintf(w, "  %-18s export TOKEN_%s=%s\n", a.Role, upper(string(a.Role)), tok)
	}
	fmt.Fprintf(w, "\nTry: curl -H \"Authorization: Bearer $TOKEN_OPERATOR\" %s/api/v1/notifications\n\n", base)
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 32
		}
	}
	return string(b)
}

// isTerminal reports whether w is a terminal, where colour output is welcome.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}
