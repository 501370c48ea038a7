package postgres_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/civil"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/rs/zerolog"

	"github.com/profdev/profdev/internal/benchtable"
	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/internal/pglocal"
	"github.com/profdev/profdev/internal/postgres"
)

// BenchmarkReads measures the reads the API serves, by calling the store methods its handlers
// call (no HTTP, no Temporal), on a throwaway cluster seeded with READBENCH_CERTS certificates
// (default 1,000,000) of one authority, 100 agencies and 50 providers over three years, with
// registry applications, reserve nominations, planning cycles, plans and reports, so that
// every role's inbox has work. It runs once whatever b.N is and prints p50/p99 per read.
//
// The seed is written against the schema of seedSchemaVersion and loaded there; the later
// migrations are then applied to the loaded database, as they would be to a live one, and
// the time they took is printed. READBENCH_N is the samples per read (default 200; the
// summary takes a fifth of them); READBENCH_EXPLAIN=1 also prints EXPLAIN (ANALYZE, BUFFERS)
// of every statement, once each, from auto_explain.
func BenchmarkReads(b *testing.B) {
	certs := envInt("READBENCH_CERTS", 1_000_000)
	samples := envInt("READBENCH_N", 200)
	servants = min(servants, certs)
	ctx := context.Background()
	dir := b.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	_ = os.Chmod(filepath.Dir(dir), 0o755) // the server runs as postgres when we are root
	pg, err := pglocal.Start(ctx, pglocal.Options{Dir: filepath.Join(dir, "pg"), Ephemeral: true})
	if err != nil {
		b.Fatalf("readbench needs the PostgreSQL server binaries (%s): %v", pglocal.InstallHint, err)
	}
	defer pg.Stop(ctx)
	if err := pg.CreateDatabase(ctx, "readbench"); err != nil {
		b.Fatal(err)
	}
	db, err := postgres.Open(ctx, postgres.Config{URL: pg.DSN("readbench"), MaxConns: 4}, zerolog.Nop())
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()

	began := time.Now()
	if err := migrateTo(ctx, db, seedSchemaVersion); err != nil {
		b.Fatal(err)
	}
	for i, stmt := range readbenchSeed(certs) {
		if _, err := db.Pool().Exec(ctx, stmt); err != nil {
			b.Fatalf("seed statement %d: %v\n%s", i, err, stmt)
		}
	}
	seeded := time.Since(began)
	began = time.Now()
	applied, err := db.Migrate(ctx)
	if err != nil {
		b.Fatal(err)
	}
	migrated := time.Since(began)
	began = time.Now()
	// VACUUM as autovacuum would soon after such a load; measuring while it runs is noise.
	if _, err := db.Pool().Exec(ctx, `VACUUM (ANALYZE)`); err != nil {
		b.Fatal(err)
	}
	vacuumed := time.Since(began)
	var n int
	if err := db.Pool().QueryRow(ctx, `SELECT count(*) FROM certificates`).Scan(&n); err != nil {
		b.Fatal(err)
	}
	var names []string
	for _, m := range applied {
		names = append(names, filepath.Base(m.Name))
	}
	fmt.Printf("\nprofdev read benchmark: %d certificates; seeded in %.1fs, migrations after the seed %v in %.1fs, VACUUM ANALYZE %.1fs\n",
		n, seeded.Seconds(), names, migrated.Seconds(), vacuumed.Seconds())

	reads := benchReads()
	fmt.Printf("store methods called directly, %d samples per read (summary %d), subjects rotating; load average %s\n\n",
		samples, max(samples/5, 10), loadAverage())
	fmt.Printf("%-44s %9s %9s %9s\n", "read", "items", "p50 ms", "p99 ms")
	for _, r := range reads {
		k := samples
		if r.slow {
			k = max(samples/5, 10)
		}
		for i := range 3 { // warm the cache and the prepared statements
			if _, err := r.run(ctx, db, i); err != nil {
				b.Fatalf("%s: %v", r.name, err)
			}
		}
		times := make([]time.Duration, k)
		items := 0
		for i := range k {
			t0 := time.Now()
			got, err := r.run(ctx, db, i)
			times[i] = time.Since(t0)
			if err != nil {
				b.Fatalf("%s: %v", r.name, err)
			}
			items += got
		}
		slices.Sort(times)
		fmt.Printf("%-44s %9.1f %9.2f %9.2f\n", r.name, float64(items)/float64(k), ms(percentile(times, 50)), ms(percentile(times, 99)))
		benchtable.Add("read: "+r.name, fmt.Sprintf("p50 %.2f / p99 %.2f ms", ms(percentile(times, 50)), ms(percentile(times, 99))),
			fmt.Sprintf("%d certificates in the database, %d samples", certs, k))
	}
	consolePages(ctx, b, db, samples, certs)
	fmt.Printf("load average after: %s (figures from a machine that others share are only comparable at a like load)\n\n", loadAverage())

	if os.Getenv("READBENCH_EXPLAIN") != "" {
		explain(ctx, b, pg, reads)
	}
}

// seedSchemaVersion is the migration the seed's SQL is written for.
const seedSchemaVersion = 5

type benchRead struct {
	name string
	slow bool // sampled less: a read that takes a large part of a second
	// run does the i-th sample and says how many items it returned.
	run func(ctx context.Context, db *postgres.DB, i int) (int, error)
}

// today is the inbox's today for the seed: the seed's dates are relative to it.
var today = civil.Date{Year: 2026, Month: 12, Day: 1}

func agencyID(i int) string   { return fmt.Sprintf("agency-%03d", 1+i%100) }
func providerID(i int) string { return fmt.Sprintf("prov-%02d", 1+(i*7)%50) }

// servants is how many servants the seed has: 200,000, or fewer in a smaller seed.
var servants = 200000

func servantID(i int) string { return fmt.Sprintf("servant-%d", 1+(i*7919)%servants) }

func benchReads() []benchRead {
	list := func(name string, f func(i int) postgres.CertificateFilter) benchRead {
		return benchRead{name: name, run: func(ctx context.Context, db *postgres.DB, i int) (int, error) {
			items, _, err := db.ListCertificates(ctx, f(i), postgres.Page{})
			return len(items), err
		}}
	}
	tasks := func(name string, actor func(i int) domain.Actor) benchRead {
		return benchRead{name: name, run: func(ctx context.Context, db *postgres.DB, i int) (int, error) {
			items, err := db.Tasks(ctx, actor(i), today)
			return len(items), err
		}}
	}
	first := func(name string, actor domain.Actor) benchRead {
		return benchRead{name: name, run: func(ctx context.Context, db *postgres.DB, i int) (int, error) {
			items, _, err := db.TasksUpTo(ctx, actor, today, 50)
			return len(items), err
		}}
	}
	overdue := true
	// The cursor of page 20 of the ministry's list, found once by walking the pages.
	var page20, cursor string
	return []benchRead{
		first("tasks, first 50 and the count: ministry", domain.Actor{Role: domain.RoleMinistry, Authority: "mintrud"}),
		first("tasks, first 50 and the count: provider", domain.Actor{Role: domain.RoleProvider, Provider: "prov-01"}),
		list("certificates: HR (agency)", func(i int) postgres.CertificateFilter { return postgres.CertificateFilter{Agency: agencyID(i)} }),
		list("certificates: provider", func(i int) postgres.CertificateFilter {
			return postgres.CertificateFilter{Provider: providerID(i)}
		}),
		list("certificates: servant", func(i int) postgres.CertificateFilter { return postgres.CertificateFilter{Servant: servantID(i)} }),
		list("certificates: ministry", func(int) postgres.CertificateFilter { return postgres.CertificateFilter{Authority: "mintrud"} }),
		list("certificates: ministry status+year", func(i int) postgres.CertificateFilter {
			return postgres.CertificateFilter{Authority: "mintrud", Status: "completed", Year: 2024 + i%3}
		}),
		list("certificates: ministry enrolled overdue", func(int) postgres.CertificateFilter {
			return postgres.CertificateFilter{Authority: "mintrud", Status: "enrolled", Overdue: &overdue}
		}),
		list("certificates: HR status+year", func(i int) postgres.CertificateFilter {
			return postgres.CertificateFilter{Agency: agencyID(i), Status: "enrolled", Year: 2026}
		}),
		{name: "certificates: ministry page 20 (cursor)", run: func(ctx context.Context, db *postgres.DB, _ int) (int, error) {
			f := postgres.CertificateFilter{Authority: "mintrud"}
			for page := 1; page20 == "" && page < 20; page++ { // walked once, before the samples
				_, next, err := db.ListCertificates(ctx, f, postgres.Page{Cursor: cursor})
				if err != nil {
					return 0, err
				}
				cursor = next
				if page == 19 {
					page20 = next
				}
			}
			items, _, err := db.ListCertificates(ctx, f, postgres.Page{Cursor: page20})
			return len(items), err
		}},
		tasks("tasks: ministry", func(int) domain.Actor {
			return domain.Actor{Sub: "m1", Role: domain.RoleMinistry, Authority: "mintrud"}
		}),
		tasks("tasks: provider", func(i int) domain.Actor {
			return domain.Actor{Sub: "p1", Role: domain.RoleProvider, Provider: providerID(i)}
		}),
		tasks("tasks: HR", func(i int) domain.Actor { return domain.Actor{Sub: "h1", Role: domain.RoleHR, Agency: agencyID(i)} }),
		tasks("tasks: agency head", func(i int) domain.Actor {
			return domain.Actor{Sub: "head", Role: domain.RoleAgencyHead, Agency: agencyID(i)}
		}),
		tasks("tasks: reserve authority", func(int) domain.Actor {
			return domain.Actor{Sub: "ra", Role: domain.RoleReserveAuthority, Authority: "mintrud"}
		}),
		tasks("tasks: servant", func(i int) domain.Actor {
			return domain.Actor{Sub: servantID(i), Role: domain.RoleServant, Servant: servantID(i)}
		}),
		{name: "agency overview", run: func(ctx context.Context, db *postgres.DB, i int) (int, error) {
			o, err := db.Overview(ctx, agencyID(i))
			n := len(o.Overdue)
			for _, c := range o.Counts {
				n += len(c)
			}
			return n, err
		}},
		{name: "planning summary (authority, year)", slow: true, run: func(ctx context.Context, db *postgres.DB, i int) (int, error) {
			s, err := db.PlanningSummary(ctx, "mintrud", 2026-i%2)
			return len(s.Certificates.ByAgency) + len(s.Certificates.ByProvider) + len(s.Quality), err
		}},
	}
}

// explain runs every read once more with auto_explain logging each statement's plan with
// ANALYZE and BUFFERS, and prints the plans from the server log.
func explain(ctx context.Context, b *testing.B, pg *pglocal.Cluster, reads []benchRead) {
	for _, s := range []string{`session_preload_libraries = 'auto_explain'`, `auto_explain.log_min_duration = 0`,
		`auto_explain.log_analyze = on`, `auto_explain.log_buffers = on`, `auto_explain.log_timing = on`} {
		if err := execOn(ctx, pg, "ALTER DATABASE readbench SET "+s); err != nil {
			b.Fatal(err)
		}
	}
	info, err := os.Stat(pg.LogPath())
	if err != nil {
		b.Fatal(err)
	}
	db, err := postgres.Open(ctx, postgres.Config{URL: pg.DSN("readbench"), MaxConns: 1}, zerolog.Nop())
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	for _, r := range reads {
		if _, err := r.run(ctx, db, 1); err != nil {
			b.Fatal(err)
		}
	}
	time.Sleep(500 * time.Millisecond) // let the server write its log
	f, err := os.Open(pg.LogPath())
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Seek(info.Size(), 0); err != nil {
		b.Fatal(err)
	}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	fmt.Println("EXPLAIN (ANALYZE, BUFFERS) of every statement, from auto_explain:")
	for sc.Scan() {
		line := sc.Text()
		if !strings.Contains(line, "BEGIN") && !strings.Contains(line, "COMMIT") {
			fmt.Println(line)
		}
	}
}

func execOn(ctx context.Context, pg *pglocal.Cluster, sql string) error {
	db, err := postgres.Open(ctx, postgres.Config{URL: pg.DSN("readbench"), MaxConns: 1}, zerolog.Nop())
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.Pool().Exec(ctx, sql)
	return err
}

// migrateTo applies the embedded migrations up to version, as Migrate would apply them all.
func migrateTo(ctx context.Context, db *postgres.DB, version int64) error {
	sqlDB := stdlib.OpenDBFromPool(db.Pool())
	defer sqlDB.Close()
	p, err := goose.NewProvider(goose.DialectPostgres, sqlDB, os.DirFS("migrations"))
	if err != nil {
		return err
	}
	_, err = p.UpTo(ctx, version)
	return err
}

// loadAverage is the machine's 1, 5 and 15 minute load, or "unknown" off Linux.
func loadAverage() string {
	raw, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(raw)); err == nil && len(f) >= 3 {
		return strings.Join(f[:3], " ")
	}
	return "unknown"
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

func percentile(sorted []time.Duration, p int) time.Duration {
	i := (len(sorted)*p + 99) / 100
	return sorted[min(max(i-1, 0), len(sorted)-1)]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
