// Package pglocal runs a private PostgreSQL server from the binaries installed on the machine
// (Debian's postgresql package), without Docker: `profdev dev` keeps one under .data/pg across
// restarts, and tests (see internal/pgtest) use a throwaway one.
//
// Options.Dir holds everything of one cluster:
//
//	data/          the data directory (initdb'd on first Start)
//	postgres.log   the output of initdb and of the server (rotated past 16 MiB)
//	port           the port chosen on first Start when Options.Port is 0
//	.s.PGSQL.N     the unix socket, unless Dir's path is too long for one (then /tmp)
//
// The server runs as a child process that is shut down when we die, even by SIGKILL (Linux
// Pdeathsig). As root it runs as the OS user "postgres", since PostgreSQL refuses root, and
// Dir is handed over to that user. When that user may not reach Dir (a clone in root's 0700
// home), the cluster is kept in a directory of its own under Options.FallbackRoot instead,
// and Dir holds only the file "location" naming it, which later starts follow; see
// Cluster.Dir. No directory's permissions are loosened for it. It listens on 127.0.0.1 only and trusts every local
// connection: it is for development and tests, never for shared machines.
package pglocal

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/rs/zerolog"
)

// Options configure Start.
type Options struct {
	// Dir holds the cluster (see the package doc); it is created when missing.
	Dir string
	// Port to listen on at 127.0.0.1. 0 picks a free port on first start, remembers it in
	// Dir and reuses it on later starts while it is free.
	Port int
	// BinDir is the directory of initdb and postgres; empty searches PATH, then
	// /usr/lib/postgresql/*/bin (see FindBinaries).
	BinDir string
	// Logger receives pglocal's own messages; the server's output goes to Dir/postgres.log.
	// The zero Logger discards them.
	Logger zerolog.Logger
	// FallbackRoot is where the cluster goes when the server user may not reach Dir;
	// empty means DefaultFallbackRoot.
	FallbackRoot string
	// Ephemeral trades durability for speed, for clusters thrown away after a test run:
	// fsync, synchronous_commit and full_page_writes are off and initdb does not sync.
	// A crash of the server may then lose the last commits, which a test never sees: its
	// cluster dies with it.
	Ephemeral bool
}

const (
	// readyTimeout bounds how long Start waits for a launched server to accept connections.
	readyTimeout = 30 * time.Second
	// maxConnections leaves room for a test suite whose parallel tests each hold a pool.
	maxConnections = 200
	// bindAttempts is how often Start tries a new automatic port that another process took
	// between our choosing it and postgres binding it.
	bindAttempts = 3
)

// Cluster is a running server started by Start.
type Cluster struct {
	log       zerolog.Logger
	dir       string
	dataDir   string
	logPath   string
	port      int
	socketDir string
	tmpSocket bool // socketDir is ours under /tmp, removed by Stop
	proc      *process
}

// Start starts the cluster in opts.Dir, creating it first if needed, and returns once the
// server accepts connections. ctx bounds the startup only, not the server's life: the server
// runs until Stop or until our process exits.
//
// If a server is still running on the same directory (an earlier Start that was not stopped,
// in this process or another one), Start stops it first with a fast shutdown and then starts
// its own: the newest Start wins. Two Starts on one Dir must not run concurrently.
func Start(ctx context.Context, opts Options) (*Cluster, error) {
	c, err := start(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("pglocal: start cluster in %s: %w", opts.Dir, err)
	}
	return c, nil
}

func start(ctx context.Context, opts Options) (*Cluster, error) {
	began := time.Now()
	if opts.Dir == "" {
		return nil, errors.New("Options.Dir is empty")
	}
	requested, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, err
	}
	bins, err := findBinaries(opts.BinDir)
	if err != nil {
		return nil, err
	}
	runAs, err := serverUser()
	if err != nil {
		return nil, err
	}
	dir, err := placeCluster(requested, runAs, opts.FallbackRoot, opts.Logger)
	if err != nil {
		return nil, err
	}
	if err := prepareDir(dir, runAs); err != nil {
		return nil, err
	}

	c := &Cluster{
		log:     opts.Logger,
		dir:     dir,
		dataDir: filepath.Join(dir, dataSubdir),
		logPath: filepath.Join(dir, logFile),
	}
	if err := rotateLog(c.logPath); err != nil {
		return nil, fmt.Errorf("rotate server log: %w", err)
	}
	if err := stopStale(ctx, c.dataDir, c.log); err != nil {
		return nil, err
	}
	if err := initCluster(ctx, bins, dir, runAs, opts.Ephemeral, c.log, c.logPath); err != nil {
		return nil, err
	}
	if err := checkMajor(c.dataDir, bins); err != nil {
		return nil, err
	}
	if c.socketDir, c.tmpSocket, err = socketDir(dir, runAs); err != nil {
		return nil, err
	}

	avoid := 0
	for attempt := 1; ; attempt++ {
		port, auto, err := choosePort(dir, opts.Port, avoid)
		if err != nil {
			c.removeSocketDir()
			return nil, err
		}
		c.port = port
		err = c.launch(ctx, bins, runAs, opts.Ephemeral)
		if err == nil {
			c.log.Info().Str("dir", dir).Int("port", port).Int("pid", c.proc.pid).Int("version", bins.Major).
				Dur("took", time.Since(began)).Msg("PostgreSQL is ready")
			return c, nil
		}
		if auto && attempt < bindAttempts && errors.Is(err, errPortTaken) {
			c.log.Warn().Int("port", port).Msg("port taken before postgres could bind it; trying another")
			avoid = port
			continue
		}
		c.removeSocketDir()
		return nil, err
	}
}

// errPortTaken marks a launch that failed because the port was in use.
var errPortTaken = errors.New("port in use")

// launch starts postgres on c.port and waits until it accepts connections; on failure the
// server is gone when it returns.
func (c *Cluster) launch(ctx context.Context, b Binaries, runAs *osUser, ephemeral bool) error {
	logf, offset, err := openLog(c.logPath)
	if err != nil {
		return err
	}
	// Settings are given on the command line rather than written to postgresql.conf, so
	// that each start applies the current ones (port, socket directory, Ephemeral), and they
	// override whatever a person put there.
	args := []string{
		"-D", c.dataDir,
		"-p", strconv.Itoa(c.port),
		"-c", "listen_addresses=127.0.0.1",
		"-c", "unix_socket_directories=" + c.socketDir,
		"-c", "max_connections=" + strconv.Itoa(maxConnections),
	}
	if ephemeral {
		args = append(args, "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")
	}
	// Not CommandContext: ctx bounds the startup, not the server's life.
	cmd := exec.Command(b.Postgres, args...)
	cmd.Dir = c.dir // the server user may not be allowed into our working directory
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = childAttrs(runAs)

	p, err := startProcess(cmd, c.log, c.logPath)
	logf.Close() // the child has its own descriptor
	if err != nil {
		return fmt.Errorf("run %s: %w", b.Postgres, err)
	}
	c.proc = p
	if err := c.waitReady(ctx); err != nil {
		p.kill()
		tail := logSince(c.logPath, offset)
		if containsAny(tail, "could not bind", "Address already in use") {
			err = fmt.Errorf("%w: %w", errPortTaken, err)
		}
		return withLog(err, c.logPath, offset)
	}
	return nil
}

// waitReady polls with real connections until one succeeds, the server exits or time is up.
func (c *Cluster) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	dsn := c.DSN("postgres")
	for {
		// A server that cannot bind exits at once; notice that before connecting to
		// whatever holds the port.
		select {
		case <-c.proc.done:
			return fmt.Errorf("postgres exited during startup: %v", c.proc.err)
		default:
		}
		attemptCtx, cancelAttempt := context.WithTimeout(ctx, 2*time.Second)
		conn, err := pgx.Connect(attemptCtx, dsn)
		cancelAttempt()
		if err == nil {
			return conn.Close(ctx)
		}
		select {
		case <-c.proc.done:
			return fmt.Errorf("postgres exited during startup: %v", c.proc.err)
		case <-ctx.Done():
			return fmt.Errorf("postgres does not accept connections on port %d: %w (last attempt: %v)", c.port, ctx.Err(), err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// DSN returns the URL that connects to database dbname as the superuser over TCP.
func (c *Cluster) DSN(dbname string) string {
	return fmt.Sprintf("postgres://%s@127.0.0.1:%d/%s?sslmode=disable", superuser, c.port, url.PathEscape(dbname))
}

// Dir is the directory that holds the cluster: Options.Dir, or the directory under
// Options.FallbackRoot that Options.Dir/location names when the server user may not reach
// Options.Dir.
func (c *Cluster) Dir() string { return c.dir }

// Port is the TCP port the server listens on at 127.0.0.1.
func (c *Cluster) Port() int { return c.port }

// LogPath is the file that receives the server's output.
func (c *Cluster) LogPath() string { return c.logPath }

// Done is closed when the server process has exited, whether through Stop or not.
func (c *Cluster) Done() <-chan struct{} { return c.proc.done }

// CreateDatabase creates database name unless it exists.
func (c *Cluster) CreateDatabase(ctx context.Context, name string) error {
	if err := c.createDatabase(ctx, name); err != nil {
		return fmt.Errorf("pglocal: create database %q: %w", name, err)
	}
	return nil
}

func (c *Cluster) createDatabase(ctx context.Context, name string) error {
	conn, err := pgx.Connect(ctx, c.DSN("postgres"))
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	// Look first so that the usual case (it exists) leaves no ERROR line in the server log.
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return err
	}
	if exists {
		return nil
	}
	_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "42P04" { // duplicate_database: created meanwhile
		return nil
	}
	return err
}

// Stop shuts the server down (fast shutdown: sessions are disconnected, open transactions
// rolled back, data checkpointed) and waits for it to exit. If ctx ends first, the server
// is killed and Stop returns ctx's error. Stop may be called more than once, and returns nil
// if the server had already exited.
func (c *Cluster) Stop(ctx context.Context) error {
	defer c.removeSocketDir()
	if err := c.proc.stop(ctx); err != nil {
		return fmt.Errorf("pglocal: stop server in %s: %w", c.dir, err)
	}
	return nil
}

func (c *Cluster) removeSocketDir() {
	if c.tmpSocket {
		if err := os.RemoveAll(c.socketDir); err != nil {
			c.log.Warn().Err(err).Str("dir", c.socketDir).Msg("remove socket directory")
		}
	}
}

// process is one run of the postmaster.
type process struct {
	pid      int
	done     chan struct{} // closed once the process has exited and been reaped
	err      error         // Wait's result, set before done is closed
	stopping atomic.Bool   // an exit from now on is expected
	stopOnce sync.Once
}

// startProcess starts cmd and reaps it in the background.
func startProcess(cmd *exec.Cmd, log zerolog.Logger, logPath string) (*process, error) {
	p := &process{done: make(chan struct{})}
	started := make(chan error, 1)
	go func() {
		// Pdeathsig fires when the *thread* that started the child exits, not the process,
		// and Go ends a thread whose goroutine exits while locked to it (golang/go#27505).
		// Starting and waiting from one locked goroutine gives the child a parent thread
		// that lives exactly as long as it does.
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		p.pid = cmd.Process.Pid
		started <- nil
		p.err = cmd.Wait()
		if !p.stopping.Load() {
			log.Warn().Err(p.err).Int("pid", p.pid).Str("log", logPath).Msg("PostgreSQL exited unexpectedly")
		}
		close(p.done)
	}()
	if err := <-started; err != nil {
		return nil, err
	}
	return p, nil
}

// signal sends sig unless the process has already been reaped (its pid may be reused then).
func (p *process) signal(sig syscall.Signal) {
	select {
	case <-p.done:
	default:
		_ = syscall.Kill(p.pid, sig)
	}
}

func (p *process) stop(ctx context.Context) error {
	p.stopOnce.Do(func() {
		p.stopping.Store(true)
		p.signal(syscall.SIGINT) // fast shutdown
	})
	select {
	case <-p.done:
		return nil
	case <-ctx.Done():
	}
	select {
	case <-p.done: // exited just as ctx ended: select picks either when both are ready
		return nil
	default:
	}
	p.kill()
	return fmt.Errorf("fast shutdown did not finish, server killed: %w", ctx.Err())
}

// kill ends the server at once: immediate shutdown (SIGQUIT), then SIGKILL to the whole
// process group if even that hangs.
func (p *process) kill() {
	p.stopping.Store(true)
	p.signal(syscall.SIGQUIT)
	select {
	case <-p.done:
		return
	case <-time.After(5 * time.Second):
	}
	_ = syscall.Kill(-p.pid, syscall.SIGKILL) // Setpgid made the postmaster its group's leader
	<-p.done
}
