package faulttest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"cloud.google.com/go/civil"
	"github.com/rs/zerolog"

	"github.com/profdev/profdev/internal/app"
	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/internal/pglocal"
	"github.com/profdev/profdev/internal/postgres"
	"github.com/profdev/profdev/internal/signing"
	"github.com/profdev/profdev/internal/smtptest"
	"github.com/profdev/profdev/internal/testtemporal"
	"github.com/profdev/profdev/workflows"
)

// world is the system one fault test runs: profdev's PostgreSQL as a cluster of its own
// (internal/pgtest's shared server cannot be stopped), a Temporal server, an SMTP server, the
// application layer over them, and the directory a batch needs. Workers are started by each
// test (inProcessWorker, workerProcess), since the kill test needs its own kind.
type world struct {
	t        *testing.T
	dir      string
	pgDir    string
	pg       *pglocal.Cluster
	dsn      string
	store    *postgres.DB // the API's store: the application layer's and the seeding's
	temporal *testtemporal.Env
	smtp     *smtptest.Server
	app      *app.Service
	logPath  string // the workers' log, whose warnings are printed when a test fails
	log      zerolog.Logger
	ministry domain.Actor
	party    party
	killed   struct{ at, replaced time.Time } // when the worker was killed, and its replacement started
}

// newWorld starts everything but the worker. A dependency that is missing fails the test and
// says what to install.
func newWorld(t *testing.T) *world {
	t.Helper()
	if err := signing.GOSTAvailable(); err != nil {
		t.Fatalf("the fault suite signs with GOST, as production does: %v (deploy/install-deps.sh installs the engine)", err)
	}
	ctx := context.Background()
	dir := t.TempDir()
	// As root the server runs as the postgres user, who must be able to enter the directory.
	for _, d := range []string{dir, filepath.Dir(dir)} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	w := &world{t: t, dir: dir, pgDir: filepath.Join(dir, "pg"), logPath: filepath.Join(dir, "worker.log"),
		ministry: domain.Actor{Sub: "ministry-faults", Name: "Минтруд", Role: domain.RoleMinistry, Authority: "mintrud"}}
	f, err := os.OpenFile(w.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	w.log = zerolog.New(f).With().Timestamp().Logger().Level(zerolog.InfoLevel)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("----- workers' warnings and errors (last lines of %s) -----\n%s", w.logPath, problemLines(w.logPath, 40))
		}
	})

	w.pg, err = pglocal.Start(ctx, pglocal.Options{Dir: w.pgDir, Ephemeral: true, Logger: w.log})
	if err != nil {
		t.Fatalf("start profdev's PostgreSQL for the fault suite (the server binaries: %s): %v", pglocal.InstallHint, err)
	}
	t.Cleanup(func() { _ = w.pg.Stop(context.Background()) })
	if err := w.pg.CreateDatabase(ctx, "profdev"); err != nil {
		t.Fatal(err)
	}
	w.dsn = w.pg.DSN("profdev")
	if w.store, err = postgres.Open(ctx, postgres.Config{URL: w.dsn}, w.log); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.store.Close)
	if _, err := w.store.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	w.temporal = testtemporal.New(t, workflows.SearchAttributes())
	w.smtp = smtptest.Start(t)
	w.app = app.New(app.Config{PublicBaseURL: "https://profdev.test"}, w.store, w.temporal.Client(), w.log)
	w.seed()
	return w
}

// party is the directory a batch runs in: an agency with its HR officer and an admitted
// provider with one programme.
type party struct {
	agency, provider, hrEmail, providerEmail string
}

func (w *world) seed() {
	ctx := context.Background()
	p := party{agency: "agency-faults", provider: "provider-faults", hrEmail: "hr@faults.agency.test", providerEmail: "center@faults.provider.test"}
	if _, err := w.store.PutAuthority(ctx, domain.Authority{ID: "mintrud", Name: "Минтруд России", Region: "RU"}); err != nil {
		w.t.Fatal(err)
	}
	if _, err := w.store.PutAgency(ctx, domain.Agency{ID: p.agency, Name: "Агентство отказов", Authority: "mintrud", Region: "RU",
		HREmails: []string{p.hrEmail}}); err != nil {
		w.t.Fatal(err)
	}
	if err := w.store.EnterRegistry(ctx, domain.Admission{ApplicationID: "app-faults", WorkflowID: "registry-mintrud-" + p.provider,
		ProviderID: p.provider, Authority: "mintrud", Year: 2026, At: time.Now(),
		Provider:   domain.ProviderDetails{Name: "ООО Учебный центр", INN: "7707083893", OGRN: "1027700132195", Email: p.providerEmail},
		Programmes: []domain.Programme{{Code: "PK-01", Title: "Управление проектами", Kind: domain.QualificationUpgrade, Hours: 72, Format: "blended", Price: 35000}},
	}); err != nil {
		w.t.Fatal(err)
	}
	w.party = p
}

func (p party) servantEmail(i int) string { return fmt.Sprintf("s%d@faults.gov.test", i) }

func (p party) request(i int) domain.CertificateRequest {
	start := time.Now().AddDate(0, 1, 0)
	return domain.CertificateRequest{
		Servant: domain.Servant{ID: fmt.Sprintf("servant-%d", i), FullName: fmt.Sprintf("Служащий %d", i), SNILS: "112-233-445 95",
			Email: p.servantEmail(i), Position: "консультант"},
		Agency:     domain.AgencyRef{ID: p.agency, Name: "Агентство отказов"},
		ProviderID: p.provider, ProgrammeCode: "PK-01", Year: 2026, Hours: 72, Amount: 35000,
		StartBy: civil.DateOf(start), EndBy: civil.DateOf(start.AddDate(0, 2, 0)),
	}
}

// stopDB stops profdev's PostgreSQL with a fast shutdown: every session is cut off.
func (w *world) stopDB() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := w.pg.Stop(ctx); err != nil {
		w.t.Fatal(err)
	}
}

// startDB starts it again on the same directory and port.
func (w *world) startDB() {
	c, err := pglocal.Start(context.Background(), pglocal.Options{Dir: w.pgDir, Port: w.pg.Port(), Ephemeral: true, Logger: w.log})
	if err != nil {
		w.t.Fatalf("restart profdev's PostgreSQL: %v", err)
	}
	w.pg = c
}
