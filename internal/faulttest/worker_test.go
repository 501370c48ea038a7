package faulttest

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"

	"github.com/profdev/profdev/internal/calendar"
	"github.com/profdev/profdev/internal/logging"
	"github.com/profdev/profdev/internal/notify"
	"github.com/profdev/profdev/internal/postgres"
	"github.com/profdev/profdev/internal/signing"
	"github.com/profdev/profdev/worker"
)

// workerEnv, when set, makes the test binary a worker process instead of running tests
// (TestMain): the kill test starts the binary again with it and kills that process.
const workerEnv = "PROFDEV_FAULTTEST_WORKER"

// shutdownTimeout is SHUTDOWN_TIMEOUT's default, which cmd/profdev gives the worker.
const shutdownTimeout = 20 * time.Second

func TestMain(m *testing.M) {
	if cfg := os.Getenv(workerEnv); cfg != "" {
		os.Exit(workerMain(cfg))
	}
	os.Exit(m.Run())
}

// workerConfig is what a worker is built from, in-process or in its own process.
type workerConfig struct {
	DatabaseURL string         `json:"database_url"`
	Temporal    string         `json:"temporal"`
	Namespace   string         `json:"namespace"`
	SMTPPort    int            `json:"smtp_port"`
	Signing     signing.Config `json:"signing"`
}

func (w *world) workerConfig(s signing.Config) workerConfig {
	return workerConfig{DatabaseURL: w.dsn, Temporal: w.temporal.HostPort(), Namespace: w.temporal.Namespace(), SMTPPort: w.smtp.Port(), Signing: s}
}

// runningWorker is a started worker and what it holds open.
type runningWorker struct {
	w  sdkworker.Worker
	tc client.Client
	db *postgres.DB
}

func (r *runningWorker) stop() {
	r.w.Stop()
	r.tc.Close()
	r.db.Close()
}

// startWorker builds and starts the worker the way cmd/profdev wires it (openStore,
// buildNotifier with SMTP, buildCalendars, buildSigner and its published chain, worker.New
// with the production options and interceptors, and the stop timeout).
func startWorker(ctx context.Context, cfg workerConfig, log zerolog.Logger) (*runningWorker, error) {
	db, err := postgres.Open(ctx, postgres.Config{URL: cfg.DatabaseURL}, log.With().Str("component", "postgres").Logger())
	if err != nil {
		return nil, err
	}
	r := &runningWorker{db: db}
	ok := false
	defer func() {
		if !ok {
			db.Close()
		}
	}()
	r.tc, err = client.DialContext(ctx, client.Options{HostPort: cfg.Temporal, Namespace: cfg.Namespace,
		Logger: logging.NewSDK(log.Level(max(log.GetLevel(), zerolog.WarnLevel)))})
	if err != nil {
		return nil, fmt.Errorf("dial Temporal at %s: %w", cfg.Temporal, err)
	}
	mailer, err := notify.NewSMTPMailer(notify.SMTPConfig{Host: "127.0.0.1", Port: cfg.SMTPPort, TLS: "none"})
	if err != nil {
		r.tc.Close()
		return nil, err
	}
	n := notify.New(db, mailer, notify.Config{From: "profdev <noreply@profdev.test>"}, log.With().Str("component", "notify").Logger())
	cfg.Signing.Logger = log
	s, err := signing.New(cfg.Signing)
	if err == nil {
		err = db.PublishSigningChain(ctx, s.Algorithm(), s.Chain())
	}
	if err != nil {
		r.tc.Close()
		return nil, fmt.Errorf("signer: %w", err)
	}
	r.w = worker.New(r.tc, worker.Deps{Notifier: n, Calendars: calendar.NewRegions(calendar.Russia(), nil), Registry: db, Reserve: db,
		Planning: db, Connections: db, Certificates: db, Batches: db, Signer: s}, worker.Options{StopTimeout: shutdownTimeout})
	if err := r.w.Start(); err != nil {
		r.tc.Close()
		return nil, fmt.Errorf("start worker: %w", err)
	}
	ok = true
	return r, nil
}

// inProcessWorker runs a worker in the test process until the test ends.
func (w *world) inProcessWorker(s signing.Config) *runningWorker {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	r, err := startWorker(ctx, w.workerConfig(s), w.log.With().Str("worker", "in-process").Logger())
	if err != nil {
		w.t.Fatal(err)
	}
	w.t.Cleanup(r.stop)
	return r
}

// workerMain is the worker process: it runs until it is killed (or its parent dies).
func workerMain(raw string) int {
	var cfg workerConfig
	if err := json.Unmarshal([]byte(raw), &cfg); err != nil {
		fmt.Fprintf(os.Stderr, "faulttest worker: %s: %v\n", workerEnv, err)
		return 2
	}
	log := zerolog.New(os.Stderr).With().Timestamp().Int("pid", os.Getpid()).Logger().Level(zerolog.InfoLevel)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	_, err := startWorker(ctx, cfg, log)
	cancel()
	if err != nil {
		log.Error().Err(err).Msg("worker did not start")
		return 1
	}
	log.Info().Msg("worker polling")
	select {}
}

// workerProcess is the test binary started again as a worker (workerMain), its output
// appended to the workers' log.
type workerProcess struct {
	cmd  *exec.Cmd
	done chan struct{}
}

// startWorkerProcess starts a worker process and waits until it polls.
func (w *world) startWorkerProcess(s signing.Config) *workerProcess {
	w.t.Helper()
	raw, err := json.Marshal(w.workerConfig(s))
	if err != nil {
		w.t.Fatal(err)
	}
	f, err := os.OpenFile(w.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		w.t.Fatal(err)
	}
	defer f.Close()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), workerEnv+"="+string(raw))
	cmd.Stdout, cmd.Stderr = f, f
	// Pdeathsig fires when the thread that started the child ends; starting and waiting on
	// one locked goroutine keeps that thread alive exactly as long as the child.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	p := &workerProcess{cmd: cmd, done: make(chan struct{})}
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		_ = cmd.Wait()
		close(p.done)
	}()
	if err := <-started; err != nil {
		w.t.Fatalf("start the worker process %s: %v", os.Args[0], err)
	}
	w.t.Cleanup(p.kill)
	pid := cmd.Process.Pid
	deadline := time.Now().Add(time.Minute)
	for !strings.Contains(logOf(w.logPath, pid), `"message":"worker polling"`) {
		select {
		case <-p.done:
			w.t.Fatalf("the worker process %d exited before polling", pid)
		default:
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("the worker process %d does not poll within a minute", pid)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return p
}

// kill is kill -9: no shutdown of any kind.
func (p *workerProcess) kill() {
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// logOf is what process pid wrote to the log.
func logOf(path string, pid int) string {
	b, _ := os.ReadFile(path)
	var out strings.Builder
	tag := fmt.Sprintf(`"pid":%d,`, pid)
	for _, l := range strings.Split(string(b), "\n") {
		if strings.Contains(l, tag) {
			out.WriteString(l + "\n")
		}
	}
	return out.String()
}

// problemLines is the last n warning or error lines of a log.
func problemLines(path string, n int) string {
	f, err := os.Open(path)
	if err != nil {
		return err.Error()
	}
	defer f.Close()
	var keep []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if l := sc.Text(); strings.Contains(l, `"level":"warn"`) || strings.Contains(l, `"level":"error"`) {
			keep = append(keep, l)
		}
	}
	if len(keep) > n {
		keep = keep[len(keep)-n:]
	}
	return strings.Join(keep, "\n")
}
