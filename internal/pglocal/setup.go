package pglocal

import (
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
	"time"

	"github.com/rs/zerolog"
)

// Layout of Options.Dir.
const (
	dataSubdir = "data"      // the PostgreSQL data directory
	initSubdir = "data.init" // where initdb works before the result is renamed to data
	portFile   = "port"      // the port chosen on first start, reused while free
	logFile    = "postgres.log"
)

// superuser is the role initdb creates and every DSN connects as.
const superuser = "postgres"

// pgHBA allows password-less connections over the unix socket and from 127.0.0.1 only; the
// server listens on nothing else.
const pgHBA = `# Written by pglocal: a private development/test server reachable only from this machine.
# TYPE  DATABASE  USER  ADDRESS       METHOD
local   all       all                 trust
host    all       all   127.0.0.1/32  trust
`

// prepareDir creates dir (0700, like a data directory) and, when the server runs as another
// user, checks that this user can reach dir and hands the tree over to it.
func prepareDir(dir string, u *osUser) error {
	// Parents are made 0755: a 0700 root-owned parent would lock the server user out.
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return err
	}
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
		return err
	}
	if err := u.checkTraversable(dir); err != nil {
		return err
	}
	return u.chownTree(dir)
}

// initCluster runs initdb unless dir already holds a cluster. initdb writes into data.init,
// which is renamed to data only once complete, so an interrupted initdb (killed, disk full)
// is simply redone next time instead of leaving a half-made cluster behind.
func initCluster(ctx context.Context, b Binaries, dir string, u *osUser, ephemeral bool, log zerolog.Logger, logPath string) error {
	dataDir := filepath.Join(dir, dataSubdir)
	if _, err := os.Stat(filepath.Join(dataDir, "PG_VERSION")); err == nil {
		return nil
	}
	if _, err := os.Stat(dataDir); err == nil {
		return fmt.Errorf("%s exists but is not a PostgreSQL data directory (no PG_VERSION): remove it to start afresh", dataDir)
	}

	initDir := filepath.Join(dir, initSubdir)
	if err := os.RemoveAll(initDir); err != nil {
		return fmt.Errorf("remove leftover %s: %w", initDir, err)
	}
	locale := clusterLocale()
	args := []string{
		"-D", initDir,
		"--username=" + superuser,
		"--auth=trust", // pg_hba.conf is replaced below anyway
		"--encoding=UTF8",
		"--locale=" + locale,
	}
	if ephemeral {
		args = append(args, "--no-sync") // nothing to lose: the cluster is thrown away
	}
	log.Info().Str("dir", dataDir).Str("initdb", b.Initdb).Str("locale", locale).Msg("initializing PostgreSQL cluster")

	logf, offset, err := openLog(logPath)
	if err != nil {
		return err
	}
	defer logf.Close()
	cmd := exec.CommandContext(ctx, b.Initdb, args...)
	cmd.Dir = dir // the server user may not be allowed into our working directory
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = childAttrs(u)
	if err := cmd.Run(); err != nil {
		return withLog(fmt.Errorf("initdb: %w", err), logPath, offset)
	}

	if err := os.WriteFile(filepath.Join(initDir, "pg_hba.conf"), []byte(pgHBA), 0o600); err != nil {
		return fmt.Errorf("write pg_hba.conf: %w", err)
	}
	if err := u.chownTree(initDir); err != nil {
		return err
	}
	if err := os.Rename(initDir, dataDir); err != nil {
		return fmt.Errorf("move initialized cluster into place: %w", err)
	}
	return nil
}

// clusterLocale prefers C.UTF-8 (byte-order sorting like C, but Unicode-aware upper(),
// lower() and regular expressions) when the C library has it, and falls back to C.
func clusterLocale() string {
	for _, dir := range []string{"/usr/lib/locale/C.utf8", "/usr/lib/locale/C.UTF-8"} {
		if _, err := os.Stat(dir); err == nil {
			return "C.UTF-8"
		}
	}
	return "C"
}

// checkMajor fails with advice when the data directory was made by another major version:
// postgres would refuse it too, but less helpfully.
func checkMajor(dataDir string, b Binaries) error {
	raw, err := os.ReadFile(filepath.Join(dataDir, "PG_VERSION"))
	if err != nil {
		return err
	}
	major, err := strconv.Atoi(strings.TrimSpace(string(raw)))
	if err != nil {
		return fmt.Errorf("%s/PG_VERSION: %w", dataDir, err)
	}
	if major != b.Major {
		return fmt.Errorf("%s holds a PostgreSQL %d cluster but %s is PostgreSQL %d: use the version %d binaries "+
			"(e.g. %s/%d/bin) or remove %s to start afresh", dataDir, major, b.Postgres, b.Major, major, debianRoot, major, filepath.Dir(dataDir))
	}
	return nil
}

// choosePort returns the port to listen on. A fixed port is used as is (postgres reports
// clearly if it is taken). Otherwise the port remembered in Dir is reused while free, so a
// dev cluster keeps its address across restarts, and a new free port is picked and
// remembered when it is not. avoid is a port that just failed to bind.
func choosePort(dir string, fixed, avoid int) (port int, auto bool, err error) {
	if fixed != 0 {
		return fixed, false, nil
	}
	path := filepath.Join(dir, portFile)
	if raw, err := os.ReadFile(path); err == nil {
		if p, err := strconv.Atoi(strings.TrimSpace(string(raw))); err == nil && p != avoid && portFree(p) {
			return p, true, nil
		}
	}
	p, err := freePort()
	if err != nil {
		return 0, true, err
	}
	if err := os.WriteFile(path, []byte(strconv.Itoa(p)+"\n"), 0o644); err != nil {
		return 0, true, fmt.Errorf("remember port: %w", err)
	}
	return p, true, nil
}

func portFree(port int) bool {
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return false
	}
	l.Close()
	return true
}

// freePort asks the kernel for an unused port. Another process may take it before postgres
// binds it; Start then retries with a new one.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// socketPathMax bounds the unix socket's path: the kernel allows 107 bytes (sun_path), and
// postgres names it <dir>/.s.PGSQL.<port>; we stay well below.
const socketPathMax = 100

// socketDir returns where postgres puts its unix socket: dir itself, or, when that path
// would be too long, a fresh directory under /tmp that Stop removes (tmp reports that).
func socketDir(dir string, u *osUser) (path string, tmp bool, err error) {
	if len(dir)+len("/.s.PGSQL.65535") < socketPathMax {
		return dir, false, nil
	}
	// Not os.TempDir: $TMPDIR may itself be long.
	d, err := os.MkdirTemp("/tmp", "pglocal-sock-")
	if err != nil {
		return "", false, fmt.Errorf("make socket directory: %w", err)
	}
	if err := u.chownTree(d); err != nil {
		os.Remove(d)
		return "", false, fmt.Errorf("make socket directory: %w", err)
	}
	return d, true, nil
}

// stopStale clears dataDir of a server that is still running: one started by another Start
// (another `profdev dev`, or an earlier Cluster of this process) and not stopped, or one
// orphaned where Pdeathsig does not exist. The newest Start wins; see Start. It then waits
// for children of a postmaster killed with SIGKILL: postgres refuses to start while they
// hold the old shared memory. A stale postmaster.pid needs nothing: postgres replaces it.
func stopStale(ctx context.Context, dataDir string, log zerolog.Logger) error {
	if pid := postmasterPID(dataDir); pid > 0 && postmasterRunning(pid, dataDir) {
		log.Warn().Int("pid", pid).Str("dir", dataDir).Msg("a PostgreSQL server is already running on this data directory; stopping it")
		// Fast shutdown first; immediate shutdown (a crash as far as the data is concerned,
		// so recovery runs at our start) if it hangs on something.
		if err := signalAndWait(ctx, []int{pid}, syscall.SIGINT, 30*time.Second, dataDir); err != nil {
			return err
		}
		if err := signalAndWait(ctx, []int{pid}, syscall.SIGQUIT, 10*time.Second, dataDir); err != nil {
			return err
		}
		if postmasterRunning(pid, dataDir) {
			return fmt.Errorf("the server (pid %d) already running on %s does not stop", pid, dataDir)
		}
	}

	// Orphaned children exit by themselves within moments of noticing their postmaster's
	// death; one busy in a long query may not notice soon.
	orphans := serverProcesses(dataDir)
	if len(orphans) == 0 {
		return nil
	}
	log.Warn().Ints("pids", orphans).Msg("waiting for processes of a killed PostgreSQL server to exit")
	if err := signalAndWait(ctx, orphans, 0, 3*time.Second, dataDir); err != nil {
		return err
	}
	if err := signalAndWait(ctx, serverProcesses(dataDir), syscall.SIGKILL, 5*time.Second, dataDir); err != nil {
		return err
	}
	if left := serverProcesses(dataDir); len(left) > 0 {
		return fmt.Errorf("processes %v of an earlier server on %s do not exit", left, dataDir)
	}
	return nil
}

// postmasterPID reads the pid from dataDir/postmaster.pid, or returns 0.
func postmasterPID(dataDir string) int {
	raw, err := os.ReadFile(filepath.Join(dataDir, "postmaster.pid"))
	if err != nil {
		return 0
	}
	first, _, _ := strings.Cut(string(raw), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(first))
	if err != nil {
		return 0
	}
	return pid
}

// signalAndWait sends sig (none if 0) to those of pids that are server processes of
// dataDir and waits up to wait for all of them to be gone.
func signalAndWait(ctx context.Context, pids []int, sig syscall.Signal, wait time.Duration, dataDir string) error {
	alive := func() []int {
		var live []int
		for _, pid := range pids {
			if postmasterRunning(pid, dataDir) {
				live = append(live, pid)
			}
		}
		return live
	}
	if sig != 0 {
		for _, pid := range alive() {
			if err := syscall.Kill(pid, sig); err != nil && !errors.Is(err, syscall.ESRCH) {
				return fmt.Errorf("signal process %d of the server already running on %s: %w", pid, dataDir, err)
			}
		}
	}
	deadline := time.Now().Add(wait)
	for len(alive()) > 0 && time.Now().Before(deadline) {
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for the server already running on %s to stop: %w", dataDir, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
	return nil
}
