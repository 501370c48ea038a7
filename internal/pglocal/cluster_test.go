package pglocal

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/rs/zerolog"
)

// These tests start real servers from the installed binaries. A missing installation is a
// failure, not a skip: FindBinaries' error says what to install.

// helperDirEnv makes the test binary act as a parent that starts a cluster and then waits to
// be killed (see TestServerStopsWhenParentIsKilled).
const helperDirEnv = "PGLOCAL_TEST_HELPER_DIR"

func TestMain(m *testing.M) {
	if dir := os.Getenv(helperDirEnv); dir != "" {
		runHelper(dir)
		return
	}
	os.Exit(m.Run())
}

func runHelper(dir string) {
	c, err := Start(context.Background(), Options{Dir: dir, Ephemeral: true})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("%d\n", c.proc.pid)
	time.Sleep(time.Hour) // until the test kills us
}

func TestFindBinaries(t *testing.T) {
	b, err := FindBinaries("")
	if err != nil {
		t.Fatal(err)
	}
	if b.Major < 10 {
		t.Errorf("Major = %d, want a supported PostgreSQL version", b.Major)
	}
	for _, p := range []string{b.Initdb, b.Postgres} {
		if filepath.Dir(p) != b.Dir {
			t.Errorf("%s is not in %s", p, b.Dir)
		}
	}
}

func TestFindBinariesEmptyDir(t *testing.T) {
	dir := t.TempDir()
	_, err := FindBinaries(dir)
	if err == nil {
		t.Fatal("FindBinaries on an empty directory: no error")
	}
	t.Log(err)
	if !errors.Is(err, ErrNotInstalled) {
		t.Errorf("error does not wrap ErrNotInstalled: %v", err)
	}
	for _, want := range []string{dir, "initdb", "apt-get update && apt-get install -y postgresql"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestDataSurvivesRestart(t *testing.T) {
	ctx := context.Background()
	dir := testDir(t)
	c := startCluster(t, Options{Dir: dir})
	for range 2 { // idempotent
		if err := c.CreateDatabase(ctx, "app"); err != nil {
			t.Fatal(err)
		}
	}
	exec1(t, c.DSN("app"), "CREATE TABLE kv (k text PRIMARY KEY, v text)")
	exec1(t, c.DSN("app"), "INSERT INTO kv VALUES ('greeting', 'hello')")
	port := c.Port()
	if err := c.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.Stop(ctx); err != nil {
		t.Fatalf("second Stop: %v", err)
	}

	c = startCluster(t, Options{Dir: dir})
	if c.Port() != port {
		t.Errorf("port after restart = %d, want the remembered %d", c.Port(), port)
	}
	if got := query1(t, c.DSN("app"), "SELECT v FROM kv WHERE k = 'greeting'"); got != "hello" {
		t.Errorf("row after restart = %q, want %q", got, "hello")
	}
	if got := query1(t, c.DSN("app"), "SHOW fsync"); got != "on" {
		t.Errorf("fsync = %s on a persistent cluster", got)
	}
}

func TestEphemeralSettings(t *testing.T) {
	c := startCluster(t, Options{Dir: testDir(t), Ephemeral: true})
	for setting, want := range map[string]string{
		"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off",
		"listen_addresses": "127.0.0.1", "max_connections": "200", "server_encoding": "UTF8",
	} {
		if got := query1(t, c.DSN("postgres"), "SHOW "+setting); got != want {
			t.Errorf("%s = %s, want %s", setting, got, want)
		}
	}
}

func TestRecoversFromKilledServer(t *testing.T) {
	ctx := context.Background()
	dir := testDir(t)
	// Not Ephemeral: with synchronous_commit=off a crash may lose the last commits.
	c := startCluster(t, Options{Dir: dir})
	if err := c.CreateDatabase(ctx, "app"); err != nil {
		t.Fatal(err)
	}
	exec1(t, c.DSN("app"), "CREATE TABLE kv (k text PRIMARY KEY, v text)")
	exec1(t, c.DSN("app"), "INSERT INTO kv VALUES ('greeting', 'hello')")
	// A backend busy computing does not notice its postmaster's death, and postgres refuses
	// to start while it holds the old shared memory: Start must deal with it.
	conn, err := pgx.Connect(ctx, c.DSN("app"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	busy := make(chan error, 1)
	go func() {
		_, err := conn.Exec(ctx, "SELECT count(*) FROM generate_series(1, 10000000000)")
		busy <- err
	}()
	time.Sleep(200 * time.Millisecond) // let the query begin

	// A crash as bad as it gets: no shutdown checkpoint, postmaster.pid and the socket's lock
	// file left behind, children still running. Start again at once.
	if err := syscall.Kill(c.proc.pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	c2 := startCluster(t, Options{Dir: dir})
	waitDone(t, c)
	if err := <-busy; err == nil {
		t.Error("the busy query of the killed server completed")
	}
	if got := query1(t, c2.DSN("app"), "SELECT v FROM kv WHERE k = 'greeting'"); got != "hello" {
		t.Errorf("row after crash recovery = %q, want %q", got, "hello")
	}
	if log, _ := os.ReadFile(c2.LogPath()); !strings.Contains(string(log), "database system was interrupted") {
		t.Errorf("no crash recovery in %s:\n%s", c2.LogPath(), log)
	}
}

func TestSecondStartReplacesRunningServer(t *testing.T) {
	ctx := context.Background()
	dir := testDir(t)
	first := startCluster(t, Options{Dir: dir, Ephemeral: true})
	exec1(t, first.DSN("postgres"), "CREATE TABLE marker (x int)")

	second := startCluster(t, Options{Dir: dir, Ephemeral: true})
	select {
	case <-first.Done():
	default:
		t.Fatal("the first server still runs after a second Start on its directory")
	}
	if err := first.Stop(ctx); err != nil {
		t.Errorf("Stop of the replaced cluster: %v", err)
	}
	// Same data directory, so the table made through the first server is there.
	if got := query1(t, second.DSN("postgres"), "SELECT count(*)::text FROM marker"); got != "0" {
		t.Errorf("count = %s", got)
	}
}

func TestServerStopsWhenParentIsKilled(t *testing.T) {
	dir := testDir(t)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperDirEnv+"="+dir)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("helper did not report its server: %v", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil {
		t.Fatalf("helper said %q", line)
	}
	dataDir := filepath.Join(dir, dataSubdir)
	if !postmasterRunning(pid, dataDir) {
		t.Fatalf("postmaster %d is not running", pid)
	}

	if err := cmd.Process.Kill(); err != nil { // SIGKILL: the helper cannot clean up
		t.Fatal(err)
	}
	_ = cmd.Wait()
	deadline := time.Now().Add(30 * time.Second)
	for postmasterRunning(pid, dataDir) {
		if time.Now().After(deadline) {
			_ = syscall.Kill(pid, syscall.SIGQUIT)
			t.Fatalf("postmaster %d still runs 30s after its parent was killed", pid)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// Pdeathsig asked for a fast shutdown, so the next start needs no recovery.
	c := startCluster(t, Options{Dir: dir, Ephemeral: true})
	query1(t, c.DSN("postgres"), "SELECT 1::text")
	if log, _ := os.ReadFile(c.LogPath()); !strings.Contains(string(log), "fast shutdown request") {
		t.Errorf("no fast shutdown in %s:\n%s", c.LogPath(), log)
	}
}

func TestLongDirPutsSocketUnderTmp(t *testing.T) {
	dir := filepath.Join(testDir(t), strings.Repeat("d", 60), strings.Repeat("e", 60))
	c := startCluster(t, Options{Dir: dir, Ephemeral: true})
	if !c.tmpSocket || !strings.HasPrefix(c.socketDir, "/tmp/") {
		t.Fatalf("socket directory %s for cluster directory %s", c.socketDir, dir)
	}
	sock := filepath.Join(c.socketDir, fmt.Sprintf(".s.PGSQL.%d", c.Port()))
	if _, err := os.Stat(sock); err != nil {
		t.Errorf("socket: %v", err)
	}
	if err := c.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(c.socketDir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("socket directory %s not removed by Stop: %v", c.socketDir, err)
	}
}

func TestFixedPortInUse(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	_, err = Start(context.Background(), Options{Dir: testDir(t), Port: port, Ephemeral: true})
	if err == nil {
		t.Fatalf("Start on busy port %d: no error", port)
	}
	t.Log(err)
	// The error quotes the server's own explanation from its log.
	if !strings.Contains(err.Error(), "could not bind") {
		t.Errorf("error does not explain the port: %v", err)
	}
}

// testDir is a fresh directory that the server user can reach even when we are root:
// t.TempDir's parent is 0700, which would lock it out.
func testDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "pglocal-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func startCluster(t *testing.T, opts Options) *Cluster {
	t.Helper()
	opts.Logger = zerolog.New(zerolog.NewTestWriter(t))
	began := time.Now()
	c, err := Start(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("cluster started in %v", time.Since(began).Round(time.Millisecond))
	t.Cleanup(func() {
		if err := c.Stop(context.Background()); err != nil {
			t.Errorf("cleanup: %v", err)
		}
	})
	return c
}

func waitDone(t *testing.T, c *Cluster) {
	t.Helper()
	select {
	case <-c.Done():
	case <-time.After(30 * time.Second):
		t.Fatal("server did not exit")
	}
}

func exec1(t *testing.T, dsn, sql string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func query1(t *testing.T, dsn, sql string) string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var s string
	if err := conn.QueryRow(ctx, sql).Scan(&s); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return s
}
