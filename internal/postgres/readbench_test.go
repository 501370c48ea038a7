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
	}
	consolePages(ctx, b, db, samples)
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

// readbenchSeed fills an empty database at seedSchemaVersion; $1 is the number of
// certificates. Dates are around today (1 December 2026): 2024 and 2025 are finished years,
// 2026 is under way. Values come from hashes of the row number, so every run seeds the same.
func readbenchSeed(certs int) []string {
	stmts := []string{
		`INSERT INTO authorities (id, name, region, number_prefix) SELECT 'mintrud', 'Минтруд России', 'RU', 'MT'`,
		`INSERT INTO agencies (id, name, authority, region, hr_emails, head_email)
		SELECT 'agency-' || lpad(a::text, 3, '0'), 'Ведомство ' || a, 'mintrud', 'RU', ARRAY['hr' || a || '@agency.test'], 'head' || a || '@agency.test'
		FROM generate_series(1, 100) a`,
		`INSERT INTO registry_providers (id, name, inn, ogrn, license_number, address, email, phone)
		SELECT 'prov-' || lpad(p::text, 2, '0'), 'Учебный центр ' || p, '77' || p, '10' || p, 'Л-' || p, 'Москва', 'p' || p || '@prov.test', '+7'
		FROM generate_series(1, 50) p`,
		`INSERT INTO registry_memberships (provider_id, authority, status, workflow_id, application_id, admitted_at, revision)
		SELECT 'prov-' || lpad(p::text, 2, '0'), 'mintrud', CASE WHEN p % 25 = 0 THEN 'exclusion_requested' ELSE 'admitted' END,
			'membership-' || p, 'app-' || p, '2023-12-01', 1
		FROM generate_series(1, 50) p`,

		// Certificates. A servant (200,000 of them, each of one agency) has up to five, each of
		// another provider's programme (50 providers x 10 programmes), so no two are live at once.
		`INSERT INTO certificates (number, workflow_id, authority, year, agency_id, agency_name, servant_id, servant, provider_id,
		programme, hours, amount, start_by, end_by, status, enrolment, outcome, outcome_due, overdue, duplicates, issued_at, revision)
	SELECT c.number, 'certificate-' || c.number, 'mintrud', b.y, 'agency-' || lpad(c.ag::text, 3, '0'), 'Ведомство ' || c.ag,
		'servant-' || b.sv,
		jsonb_build_object('id', 'servant-' || b.sv, 'full_name', 'Служащий ' || b.sv, 'snils', '112-233-445 95',
			'email', 's' || b.sv || '@agency.test', 'position', 'консультант'),
		'prov-' || lpad(e.pr::text, 2, '0'),
		jsonb_build_object('code', 'PK-' || e.pr || '-' || e.pg, 'title', 'Программа ' || e.pr || '-' || e.pg,
			'kind', 'qualification_upgrade', 'hours', 72, 'format', 'distance', 'price', 30000),
		72, 30000, d.start_by, d.end_by, s.status,
		CASE WHEN s.status NOT IN ('issuing', 'issued', 'annulled', 'lapsed') THEN
			jsonb_build_object('enrolled_on', d.start_by - 3, 'started_on', d.start_by, 'order_number', 'П-' || b.n) END,
		CASE WHEN s.status IN ('completed', 'failed_attestation', 'partially_completed', 'expelled') THEN
			jsonb_build_object('outcome', s.status, 'finished_on', d.end_by) END,
		CASE WHEN s.status NOT IN ('issuing', 'issued', 'annulled', 'lapsed') THEN d.end_by + 14 END,
		s.overdue, CASE WHEN b.h2 % 50 = 0 AND s.status <> 'issuing' THEN 1 ELSE 0 END,
		CASE WHEN s.status <> 'issuing' THEN (d.start_by - 30)::timestamptz END, 3
	FROM generate_series(1, CERTS) i
	CROSS JOIN LATERAL (SELECT 2024 + (i - 1) % 3 AS y, (i - 1) / 3 + 1 AS n, 1 + (i - 1) % 200000 AS sv, (i - 1) / 200000 AS k,
		abs(hashint4(i)) % 1000 AS p, abs(hashint4(i + 1000003)) AS h2) b
	CROSS JOIN LATERAL (SELECT 'MT-' || b.y || '-' || lpad(b.n::text, 6, '0') AS number, 1 + (b.sv - 1) % 100 AS ag,
		(abs(hashint4(b.sv)) + b.k * 97) % 500 AS q) c
	CROSS JOIN LATERAL (SELECT 1 + c.q / 10 AS pr, 1 + c.q % 10 AS pg) e
	CROSS JOIN LATERAL (SELECT CASE WHEN b.y < 2026 THEN CASE
			WHEN b.p < 760 THEN 'completed' WHEN b.p < 800 THEN 'failed_attestation' WHEN b.p < 840 THEN 'partially_completed'
			WHEN b.p < 890 THEN 'expelled' WHEN b.p < 930 THEN 'annulled' WHEN b.p < 998 THEN 'lapsed' ELSE 'enrolled' END
		ELSE CASE
			WHEN b.p < 2 THEN 'issuing' WHEN b.p < 120 THEN 'issued' WHEN b.p < 450 THEN 'enrolled' WHEN b.p < 780 THEN 'completed'
			WHEN b.p < 810 THEN 'failed_attestation' WHEN b.p < 840 THEN 'partially_completed' WHEN b.p < 880 THEN 'expelled'
			WHEN b.p < 920 THEN 'annulled' ELSE 'lapsed' END END AS status,
		(b.y < 2026 AND b.p >= 998) OR (b.y = 2026 AND b.p >= 437 AND b.p < 450) AS overdue) s
	CROSS JOIN LATERAL (SELECT CASE
			WHEN b.y = 2026 AND b.p < 120 THEN DATE '2026-12-02' + b.h2 % 28
			WHEN b.y = 2026 AND b.p < 437 THEN DATE '2026-11-20' + b.h2 % 60 - 90
			WHEN b.y = 2026 AND b.p < 450 THEN DATE '2026-11-30' - b.h2 % 60 - 104
			ELSE make_date(b.y, 3, 1) + b.h2 % 150 END AS start_by) d0
	CROSS JOIN LATERAL (SELECT d0.start_by, d0.start_by + CASE WHEN b.y = 2026 AND b.p >= 120 AND b.p < 450 THEN 90
		ELSE 60 + b.h2 % 60 END AS end_by) d`,
		// Half the finished certificates are rated by their servant, a tenth also by HR.
		`INSERT INTO certificate_ratings (number, rater_sub, rater_role, score, comment, at)
		SELECT number, servant_id, 'servant', 1 + abs(hashint4(hashtext(number))) % 5, '', end_by + 20
		FROM certificates WHERE status IN ('completed', 'failed_attestation', 'partially_completed', 'expelled')
			AND abs(hashtext(number)) % 2 = 0`,
		`INSERT INTO certificate_ratings (number, rater_sub, rater_role, score, comment, at)
		SELECT number, 'hr-' || agency_id, 'hr', 1 + abs(hashint4(hashtext(number) + 1)) % 5, '', end_by + 25
		FROM certificates WHERE status IN ('completed', 'failed_attestation', 'partially_completed', 'expelled')
			AND abs(hashtext(number)) % 10 = 1`,

		// Registry: applications and declarations, a few of them waiting on the ministry or a provider.
		`INSERT INTO registry_applications (id, workflow_id, authority, year, provider_id, provider, programmes, status, review_due,
		resubmit_due, admission_due, overdue, submitted_at, revision)
		SELECT 'app-' || a, 'registry-app-' || a, 'mintrud', 2024 + a % 3, 'prov-' || lpad((1 + a % 50)::text, 2, '0'),
			jsonb_build_object('name', 'Учебный центр ' || (1 + a % 50)), '[]', st,
			CASE WHEN st = 'under_review' THEN DATE '2026-11-25' + a % 20 END,
			CASE WHEN st = 'returned' THEN DATE '2026-11-28' + a % 20 END, DATE '2026-12-31',
			st = 'under_review' AND a % 3 = 0, '2026-11-01', 1
		FROM generate_series(1, 5000) a,
			LATERAL (SELECT CASE WHEN a % 97 = 0 THEN 'under_review' WHEN a % 89 = 1 THEN 'returned'
				WHEN a % 5 = 0 THEN 'rejected' ELSE 'admitted' END AS st) s
`,
		`INSERT INTO registry_declarations (id, provider_id, authority, year, status, programmes, submitted_at)
		SELECT 'decl-' || p || '-' || y, 'prov-' || lpad(p::text, 2, '0'), 'mintrud', y,
			CASE WHEN y = 2026 AND p % 5 = 0 THEN 'under_review' ELSE 'accepted' END, '[]', make_date(y, 1, 15)
		FROM generate_series(1, 50) p, generate_series(2024, 2026) y`,

		// Reserve: a nomination per agency and year, twenty candidates each; this year's are at every step.
		`INSERT INTO reserve_nominations (id, workflow_id, authority, agency, agency_name, year, status, quotas, review_due, overdue,
		created_at, revision)
		SELECT 'nom-' || a || '-' || y, 'reserve-' || a || '-' || y, 'mintrud', 'agency-' || lpad(a::text, 3, '0'), 'Ведомство ' || a, y,
			st, '{}', CASE WHEN st = 'under_review' THEN DATE '2026-11-20' + a % 20 END, st = 'under_review' AND a % 10 = 3,
			make_date(y, 1, 20), 1
		FROM generate_series(1, 100) a, generate_series(2024, 2026) y,
			LATERAL (SELECT CASE WHEN y < 2026 THEN 'decided' ELSE (ARRAY['draft', 'approved', 'submitted', 'under_review', 'decided'])[1 + a % 5] END AS st) s
`,
		`INSERT INTO reserve_candidates (nomination_id, id, number, authority, agency, year, list, category, full_name, person_key,
		position, department, note, questionnaire, status, correction_due, review_due, updated_at)
		SELECT n.id, 'C' || k, k, n.authority, n.agency, n.year, CASE WHEN k % 3 = 0 THEN 'repeat' ELSE 'new' END,
			(ARRAY['I', 'II', 'III'])[1 + k % 3], 'Кандидат ' || n.id || '-' || k, n.id || '-' || k, 'начальник отдела', 'отдел', '',
			'{}', st, CASE WHEN st = 'correction_requested' THEN DATE '2026-11-28' + k END,
			CASE WHEN st = 'under_review' THEN DATE '2026-12-10' + k END, '2026-11-01'
		FROM reserve_nominations n, generate_series(1, 20) k,
			LATERAL (SELECT CASE WHEN n.status IN ('draft', 'approved', 'submitted') THEN 'proposed'
				WHEN n.status = 'under_review' THEN (ARRAY['under_review', 'under_review', 'correction_requested', 'admitted'])[1 + k % 4]
				WHEN k % 4 = 0 THEN 'not_included' ELSE 'included' END AS st) s
`,

		// Planning: a cycle a year, closed but this year's; plans of most participants; quarterly reports.
		`INSERT INTO planning_cycles (id, workflow_id, authority, year, status, phase, priority_directions, plans_due, quarterly_reports,
		quarters, participants, opened_by, opened_at, closed_at, revision)
		SELECT 'cycle-mintrud-' || y, 'planning-mintrud-' || y, 'mintrud', y, CASE WHEN y < 2026 THEN 'closed' ELSE 'open' END,
			CASE WHEN y < 2026 THEN 'closed' ELSE 'implementation' END, '["Цифровизация"]', make_date(y, 2, 1), true,
			(SELECT jsonb_agg(jsonb_build_object('quarter', q, 'due', (make_date(y, 1, 10) + make_interval(months => 3 * q))::date,
				'remind_on', (make_date(y, 1, 3) + make_interval(months => 3 * q))::date, 'reminded', false, 'escalated', false)) FROM generate_series(1, 4) q),
			(SELECT jsonb_agg(jsonb_build_object('kind', 'agency', 'id', 'agency-' || lpad(a::text, 3, '0'), 'name', 'Ведомство ' || a))
				FROM generate_series(1, 100) a) ||
			(SELECT jsonb_agg(jsonb_build_object('kind', 'provider', 'id', 'prov-' || lpad(p::text, 2, '0'), 'name', 'Учебный центр ' || p))
				FROM generate_series(1, 50) p),
			'{"sub":"system","role":"system"}', make_date(y - 1, 12, 1), CASE WHEN y < 2026 THEN make_date(y + 1, 1, 20)::timestamptz END, 1
		FROM generate_series(2024, 2026) y`,
		`INSERT INTO planning_plans (id, workflow_id, cycle_id, authority, year, participant_kind, participant_id, participant_name, events,
		status, reasons, round, review_due, resubmit_due, overdue, on_time, first_submitted_at, submitted_at, revision)
		SELECT 'plan-' || x.kind || '-' || x.pid || '-' || c.year, 'plan-' || x.pid || '-' || c.year, c.id, 'mintrud', c.year, x.kind, x.pid, x.name,
			(SELECT jsonb_agg(jsonb_build_object('title', 'Мероприятие ' || e, 'direction', (ARRAY['Цифровизация', 'Антикоррупция',
				'Управление проектами', 'Государственные закупки', 'Кадровая работа', 'Этика'])[1 + (x.n + e) % 6], 'kind', 'курс',
				'planned_quarter', 1 + e % 4, 'participants', 5 + (x.n * e) % 40, 'central', e % 3 = 0)) FROM generate_series(1, 8) e),
			st, '[]', 1, CASE WHEN st = 'under_review' THEN DATE '2026-12-05' + x.n % 10 END,
			CASE WHEN st = 'returned' THEN DATE '2026-11-25' + x.n % 14 END, st = 'returned' AND x.n % 4 = 0, x.n % 7 <> 0,
			make_date(c.year, 1, 25), make_date(c.year, 1, 25), 1
		FROM planning_cycles c,
			LATERAL (SELECT 'agency' AS kind, 'agency-' || lpad(a::text, 3, '0') AS pid, 'Ведомство ' || a AS name, a AS n FROM generate_series(1, 100) a
				UNION ALL SELECT 'provider', 'prov-' || lpad(p::text, 2, '0'), 'Учебный центр ' || p, p FROM generate_series(1, 50) p) x,
			LATERAL (SELECT CASE WHEN c.year < 2026 THEN 'accepted' WHEN x.n % 10 = 1 THEN 'under_review' WHEN x.n % 10 = 2 THEN 'returned'
				ELSE 'accepted' END AS st) s
		WHERE x.n % 9 <> 5`,
		`INSERT INTO planning_reports (id, cycle_id, authority, year, agency, agency_name, quarter, figures, reserve_form, due, on_time,
		submitted_by, submitted_at)
		SELECT 'report-agency-' || lpad(a::text, 3, '0') || '-' || c.year || '-q' || q, c.id, 'mintrud', c.year, 'agency-' || lpad(a::text, 3, '0'),
			'Ведомство ' || a, q, '{}', '{}', make_date(c.year, 1, 10) + make_interval(months => 3 * q), (a + q) % 6 <> 0,
			'{"sub":"hr","role":"hr"}', make_date(c.year, 1, 5) + make_interval(months => 3 * q)
		FROM planning_cycles c, generate_series(1, 100) a, generate_series(1, 4) q
		WHERE (c.year < 2026 OR q < 4) AND (a + q) % 11 <> 0`,
	}
	for i := range stmts {
		stmts[i] = strings.Replace(stmts[i], "CERTS", strconv.Itoa(certs), 1)
	}
	return stmts
}

// TestCertificateCountsFollowWrites: the counters the overview and the summary read from
// equal a count of the certificates and ratings themselves after every kind of write, the
// store's and any other: issuance, each step, duplicates, ratings, and changes and deletions
// that the store never makes but SQL may.
func TestCertificateCountsFollowWrites(t *testing.T) {
	db := mustDB(t)
	ctx := context.Background()
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	ev := func(seq int) domain.Event {
		return domain.Event{Seq: seq, At: at, Actor: domain.SystemActor, Action: "step"}
	}
	check := func(step string) {
		t.Helper()
		for _, q := range []string{
			symmetricDifference(`SELECT authority, year, agency_id, agency_name, status, certificates::bigint, duplicates, enrolled::bigint
				FROM certificate_counts_by_agency WHERE certificates <> 0 OR duplicates <> 0 OR enrolled <> 0`,
				`SELECT authority, year, agency_id, agency_name, status, count(*), sum(duplicates), count(*) FILTER (WHERE enrolment IS NOT NULL)
				FROM certificates WHERE status <> 'issuing' GROUP BY 1, 2, 3, 4, 5`),
			symmetricDifference(`SELECT authority, year, provider_id, status, certificates::bigint, duplicates, enrolled::bigint
				FROM certificate_counts_by_provider WHERE certificates <> 0 OR duplicates <> 0 OR enrolled <> 0`,
				`SELECT authority, year, provider_id, status, count(*), sum(duplicates), count(*) FILTER (WHERE enrolment IS NOT NULL)
				FROM certificates WHERE status <> 'issuing' GROUP BY 1, 2, 3, 4`),
			symmetricDifference(`SELECT authority, year, provider_id, programme_code, programme_title, ratings::bigint, score_sum
				FROM certificate_rating_counts WHERE ratings <> 0 OR score_sum <> 0`,
				`SELECT c.authority, c.year, c.provider_id, c.programme->>'code', c.programme->>'title', count(*), sum(r.score)
				FROM certificate_ratings r JOIN certificates c ON c.number = r.number GROUP BY 1, 2, 3, 4, 5`)} {
			var n int
			if err := db.Pool().QueryRow(ctx, `SELECT count(*) FROM (`+q+`) d`).Scan(&n); err != nil {
				t.Fatalf("%s: %v", step, err)
			}
			if n != 0 {
				t.Errorf("%s: %d counter rows differ from a recount", step, n)
			}
		}
	}
	exec := func(step, sql string) {
		t.Helper()
		if _, err := db.Pool().Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		check(step)
	}

	certs := map[string]domain.Certificate{}
	for i, agency := range []string{"agency-1", "agency-1", "agency-2", "agency-2"} {
		c := domain.Certificate{Number: fmt.Sprintf("MT-2026-%06d", i+1), WorkflowID: fmt.Sprintf("certificate-%d", i), Authority: "mintrud",
			Year: 2026, Agency: domain.AgencyRef{ID: agency, Name: "Ведомство " + agency},
			Servant:    domain.Servant{ID: fmt.Sprintf("s-%d", i), FullName: "Иванов", SNILS: "112-233-445 95", Email: "s@x.test", Position: "p"},
			ProviderID: fmt.Sprintf("prov-%d", i%2), Programme: domain.Programme{Code: "PK-1", Title: "Программа", Hours: 72},
			Hours: 72, Amount: 30000, StartBy: civil.Date{Year: 2026, Month: 4, Day: 1}, EndBy: civil.Date{Year: 2026, Month: 12, Day: 1},
			Status: domain.CertificateIssuing, Revision: 1}
		if err := db.RegisterCertificate(ctx, c, ev(1)); err != nil {
			t.Fatal(err)
		}
		certs[c.Number] = c
	}
	check("registered, still issuing")
	step := func(name, number string, change func(c *domain.Certificate)) {
		t.Helper()
		c := certs[number]
		change(&c)
		c.Revision++
		if err := db.SaveCertificate(ctx, c, ev(c.Revision)); err != nil {
			t.Fatal(err)
		}
		certs[number] = c
		check(name)
	}
	for n := range certs {
		step("issued", n, func(c *domain.Certificate) { c.Status = domain.CertificateIssued })
	}
	enrolment := &domain.Enrolment{EnrolledOn: civil.Date{Year: 2026, Month: 3, Day: 10}, OrderNumber: "1"}
	due := civil.Date{Year: 2026, Month: 12, Day: 20}
	step("enrolled", "MT-2026-000001", func(c *domain.Certificate) {
		c.Status, c.Enrolment, c.OutcomeDue = domain.CertificateEnrolled, enrolment, &due
	})
	step("enrolled", "MT-2026-000002", func(c *domain.Certificate) {
		c.Status, c.Enrolment, c.OutcomeDue = domain.CertificateEnrolled, enrolment, &due
	})
	step("overdue, nothing counted changes", "MT-2026-000001", func(c *domain.Certificate) { c.Overdue = true })
	step("completed", "MT-2026-000001", func(c *domain.Certificate) { c.Status, c.Overdue = domain.CertificateCompleted, false })
	step("duplicate", "MT-2026-000001", func(c *domain.Certificate) { c.Duplicates = 2 })
	step("annulled", "MT-2026-000003", func(c *domain.Certificate) { c.Status = domain.CertificateAnnulled })
	step("an older revision changes nothing", "MT-2026-000004", func(c *domain.Certificate) {
		c.Status, c.Revision = domain.CertificateLapsed, 0
	})

	for i, r := range []struct {
		number, rater string
		score         int
	}{{"MT-2026-000001", "s-0", 5}, {"MT-2026-000001", "hr-1", 2}, {"MT-2026-000002", "s-1", 4}, {"MT-2026-000001", "s-0", 1}} {
		if err := db.SaveRating(ctx, certs[r.number], domain.Actor{Sub: r.rater, Role: domain.RoleServant}, domain.Rating{Score: r.score}, ev(20+i)); err != nil {
			t.Fatal(err)
		}
		check("rated " + r.number + " by " + r.rater)
	}

	exec("a rating of a certificate not yet stored", `INSERT INTO certificate_ratings (number, rater_sub, rater_role, score, at)
		VALUES ('MT-2026-000009', 's-9', 'servant', 3, now())`)
	exec("a rating's score changed", `UPDATE certificate_ratings SET score = 1 WHERE number = 'MT-2026-000002'`)
	exec("a rating moved to another certificate", `UPDATE certificate_ratings SET number = 'MT-2026-000003' WHERE rater_sub = 'hr-1'`)
	exec("a certificate's agency renamed", `UPDATE certificates SET agency_name = 'Новое имя' WHERE agency_id = 'agency-1'`)
	exec("a certificate's provider and programme changed", `UPDATE certificates SET provider_id = 'prov-9',
		programme = programme || '{"code": "PK-2", "title": null}' WHERE number = 'MT-2026-000001'`)
	exec("a programme without a code", `UPDATE certificates SET programme = programme - 'code' WHERE number = 'MT-2026-000002'`)
	exec("a certificate renumbered", `UPDATE certificates SET number = 'MT-2026-000009' WHERE number = 'MT-2026-000004'`)
	exec("a certificate back to issuing", `UPDATE certificates SET status = 'issuing' WHERE number = 'MT-2026-000003'`)
	exec("a certificate deleted", `DELETE FROM certificates WHERE number = 'MT-2026-000002'`)
	exec("a rating deleted", `DELETE FROM certificate_ratings WHERE rater_sub = 's-0'`)
	exec("a certificate inserted with its ratings already there", `INSERT INTO certificates (number, workflow_id, authority, year,
		agency_id, agency_name, servant_id, servant, provider_id, programme, hours, amount, start_by, end_by, status, enrolment, revision)
		VALUES ('MT-2026-000002', 'certificate-x', 'mintrud', 2026, 'agency-3', 'Ведомство 3', 's-x', '{}', 'prov-1',
			'{"code": "PK-1", "title": "Программа"}', 72, 1, '2026-04-01', '2026-12-01', 'enrolled', '{}', 1)`)
	exec("ratings truncated", `TRUNCATE certificate_ratings`)
	exec("certificates truncated", `TRUNCATE certificates`)
	var n int
	if err := db.Pool().QueryRow(ctx, `SELECT (SELECT count(*) FROM certificate_counts_by_agency) +
		(SELECT count(*) FROM certificate_counts_by_provider) + (SELECT count(*) FROM certificate_rating_counts)`).Scan(&n); err != nil || n != 0 {
		t.Errorf("counter rows after truncating = %d, %v; want none", n, err)
	}
}

// symmetricDifference is a query of the rows that one of a and b has and the other has not.
func symmetricDifference(a, b string) string {
	return `(` + a + ` EXCEPT ALL ` + b + `) UNION ALL (` + b + ` EXCEPT ALL ` + a + `)`
}
