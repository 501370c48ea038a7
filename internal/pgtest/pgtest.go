// Package pgtest gives each test its own empty database on a real PostgreSQL server.
//
// One server serves a whole test binary. It is started on first use: a postgres:15 container
// when a Docker engine answers, else a throwaway cluster of the locally installed binaries
// (internal/pglocal; Debian: apt-get install -y postgresql). There is no skipping: without
// either, NewDatabase fails the test and says what to install.
//
// A package whose tests call NewDatabase should stop the server when its tests are done:
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
//
// Without Main the tests still work, and the local server is still shut down when the test
// binary exits (it is started with Linux Pdeathsig); its ~40 MB temporary directory is then
// left behind until a later test binary removes it.
package pgtest

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/rs/zerolog"
)

// shared is the server of this test binary, started by the first NewDatabase.
var shared struct {
	once sync.Once
	srv  *server
	err  error
}

// dbCounter makes database names unique within the server, which no other binary uses.
var dbCounter atomic.Int64

// server is a running PostgreSQL that pgtest may create databases on, whatever runs it.
type server struct {
	kind     string // "docker" or "local", for messages
	adminDSN string // superuser connection to the maintenance database "postgres"
	stop     func(context.Context) error
}

// NewDatabase creates a fresh, empty database for the calling test and returns a DSN
// (postgres://...) that connects to it as a superuser. The database is dropped, with any
// sessions still connected to it, when the test and its subtests have finished.
func NewDatabase(t testing.TB) string {
	t.Helper()
	shared.once.Do(func() { shared.srv, shared.err = startServer(newLogger()) })
	if shared.err != nil {
		t.Fatalf("pgtest: %v", shared.err)
	}
	s := shared.srv

	name := databaseName(t.Name(), dbCounter.Add(1))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := s.exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		t.Fatalf("pgtest: create database %s on the %s PostgreSQL server: %v", name, s.kind, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		// FORCE: a test that leaks a connection must not make the drop fail or hang.
		if err := s.exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			t.Errorf("pgtest: drop database %s: %v", name, err)
		}
	})
	return s.dsn(name)
}

// Main runs the tests of a package, then stops the shared server (if a test started one) and
// removes its files, and exits with the tests' status. Call it from TestMain.
func Main(m *testing.M) {
	code := m.Run()
	shared.once.Do(func() {}) // from here on no server may start, and shared is safe to read
	if shared.srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		if err := shared.srv.stop(ctx); err != nil {
			// Reported, but the tests' verdict stands: they passed or failed already.
			fmt.Fprintf(os.Stderr, "pgtest: stop the %s PostgreSQL server: %v\n", shared.srv.kind, err)
		}
		cancel()
	}
	os.Exit(code)
}

// exec runs one statement in the maintenance database. A connection per call is cheap next
// to CREATE DATABASE, and leaves nothing open between tests.
func (s *server) exec(ctx context.Context, sql string) error {
	conn, err := pgx.Connect(ctx, s.adminDSN)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	_, err = conn.Exec(ctx, sql)
	return err
}

// dsn is adminDSN pointed at database db.
func (s *server) dsn(db string) string {
	u, err := url.Parse(s.adminDSN)
	if err != nil {
		panic(fmt.Sprintf("pgtest: server DSN %q: %v", s.adminDSN, err)) // made by us: a bug
	}
	u.Path = "/" + db
	return u.String()
}

var notIdentChars = regexp.MustCompile(`[^a-z0-9]+`)

// databaseName makes a valid, unique name that tells which test a database belongs to, for
// whoever looks at the server while a test hangs: TestStore/concurrent_writes (7th database)
// gives t_teststore_concurrent_writes_7.
func databaseName(testName string, n int64) string {
	const maxIdent = 63 // PostgreSQL truncates longer identifiers
	suffix := "_" + strconv.FormatInt(n, 10)
	base := strings.Trim(notIdentChars.ReplaceAllString(strings.ToLower(testName), "_"), "_")
	base = "t_" + base
	if len(base) > maxIdent-len(suffix) {
		base = base[:maxIdent-len(suffix)]
	}
	return base + suffix
}

// newLogger writes to stderr, which `go test` shows only for failing packages and with -v.
func newLogger() zerolog.Logger {
	return zerolog.New(zerolog.ConsoleWriter{Out: os.Stderr, TimeFormat: time.TimeOnly, NoColor: true}).
		With().Timestamp().Str("component", "pgtest").Logger()
}
