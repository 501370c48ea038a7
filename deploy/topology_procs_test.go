//go:build topology

package deploy

import (
	"bufio"
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/rs/zerolog"
	"go.temporal.io/sdk/client"

	"github.com/profdev/profdev/internal/auth"
	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/internal/pglocal"
	"github.com/profdev/profdev/internal/postgres"
	"github.com/profdev/profdev/internal/smtptest"
)

// proc is one profdev process of the topology, started from the built binary; its output
// goes to a log file that the test prints the end of when something fails.
type proc struct {
	name    string
	bin     string
	args    []string
	env     []string
	logPath string
	cmd     *exec.Cmd
	done    chan struct{}
	started time.Time
}

func (p *proc) start(t *testing.T) {
	t.Helper()
	f, err := os.OpenFile(p.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(f, "\n===== %s start %s (%s) =====\n", p.name, time.Now().Format(time.RFC3339Nano), filepath.Base(p.bin))
	cmd := exec.Command(p.bin, p.args...)
	cmd.Env = p.env
	cmd.Stdout, cmd.Stderr = f, f
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		f.Close()
		t.Fatalf("%s: start %s: %v", p.name, p.bin, err)
	}
	f.Close()
	p.cmd, p.done, p.started = cmd, make(chan struct{}), time.Now()
	go func(done chan struct{}) { _ = cmd.Wait(); close(done) }(p.done)
}

func (p *proc) running() bool {
	if p.cmd == nil {
		return false
	}
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// stop sends SIGTERM and waits for a clean exit, killing the process after grace.
func (p *proc) stop(grace time.Duration) {
	if !p.running() {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(grace):
		p.kill()
	}
}

// kill is kill -9: no shutdown of any kind.
func (p *proc) kill() {
	if !p.running() {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// waitLog waits until the log has a line containing msg written after the last start.
func (p *proc) waitLog(t *testing.T, msg string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if !p.running() {
			t.Fatalf("%s exited before %q:\n%s", p.name, msg, p.tail())
		}
		if strings.Contains(p.sinceStart(), msg) {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s: no %q within %v:\n%s", p.name, msg, timeout, p.tail())
}

// sinceStart is the log written since the latest start.
func (p *proc) sinceStart() string {
	b, _ := os.ReadFile(p.logPath)
	s := string(b)
	if i := strings.LastIndex(s, "===== "+p.name+" start"); i >= 0 {
		s = s[i:]
	}
	return s
}

func (p *proc) tail() string {
	s := p.sinceStart()
	lines := strings.Split(s, "\n")
	if len(lines) > 40 {
		lines = lines[len(lines)-40:]
	}
	return strings.Join(lines, "\n")
}

// topology is the production shape on this machine: two PostgreSQL clusters (Temporal's and
// profdev's, so that one can fail alone), `profdev temporal`, two workers, two APIs.
type topology struct {
	t          *testing.T
	dir        string
	bin        string // the build under test
	upgradeBin string // the same with -tags upgradetest

	pgTemporal *pglocal.Cluster
	pgProfdev  *pglocal.Cluster
	pgDir      string
	pool       *pgxpool.Pool // profdev's database, for counting
	store      *postgres.DB  // for seeding only

	smtp         *smtptest.Server
	temporal     *proc
	workers      []*proc
	apis         []*proc
	apiAddrs     []string
	tc           client.Client
	token        string
	api          *apiClient
	temporalAddr string
	parties      map[string]party
}

const topologyNamespace = "profdev"

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// buildBinary builds cmd/profdev once per run into dir.
func buildBinary(t *testing.T, dir, name string, tags ...string) string {
	t.Helper()
	out := filepath.Join(dir, name)
	args := []string{"build", "-o", out}
	if len(tags) > 0 {
		args = append(args, "-tags", strings.Join(tags, ","))
	}
	args = append(args, "./cmd/profdev")
	cmd := exec.Command("go", args...)
	cmd.Dir = ".."
	cmd.Env = append(os.Environ(), "GOTOOLCHAIN=local")
	began := time.Now()
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, b)
	}
	t.Logf("built %s in %v", name, time.Since(began).Round(time.Second))
	return out
}

func startTopology(t *testing.T) *topology {
	ctx := context.Background()
	dir := t.TempDir()
	// The PostgreSQL servers run as the postgres user when the test runs as root.
	for d := dir; d != "/" && d != os.TempDir(); d = filepath.Dir(d) {
		_ = os.Chmod(d, 0o755)
	}
	tp := &topology{t: t, dir: dir, parties: map[string]party{}}
	bins := t.TempDir()
	_ = os.Chmod(bins, 0o755)
	tp.bin = buildBinary(t, bins, "profdev")
	tp.upgradeBin = buildBinary(t, bins, "profdev-upgradetest", "upgradetest")

	var err error
	log := zerolog.Nop()
	tp.pgTemporal, err = pglocal.Start(ctx, pglocal.Options{Dir: filepath.Join(dir, "pg-temporal"), Ephemeral: true, Logger: log})
	if err != nil {
		t.Fatalf("PostgreSQL for Temporal (install the postgresql package: deploy/install-deps.sh): %v", err)
	}
	t.Cleanup(func() { _ = tp.pgTemporal.Stop(context.Background()) })
	for _, db := range []string{"temporal", "temporal_visibility"} {
		if err := tp.pgTemporal.CreateDatabase(ctx, db); err != nil {
			t.Fatal(err)
		}
	}
	tp.pgDir = filepath.Join(dir, "pg-profdev")
	tp.pgProfdev, err = pglocal.Start(ctx, pglocal.Options{Dir: tp.pgDir, Ephemeral: true, Logger: log})
	if err != nil {
		t.Fatalf("PostgreSQL for profdev: %v", err)
	}
	t.Cleanup(func() { _ = tp.pgProfdev.Stop(context.Background()) })
	if err := tp.pgProfdev.CreateDatabase(ctx, "profdev"); err != nil {
		t.Fatal(err)
	}
	dsn := tp.pgProfdev.DSN("profdev")

	tp.smtp = smtptest.Start(t)

	// Tokens: the APIs verify against a public key file, as with AUTH_PUBLIC_KEY_FILE in
	// production; the test mints with the private half.
	key, err := auth.LoadOrCreateDevKey(filepath.Join(dir, "jwt-key.pem"))
	if err != nil {
		t.Fatal(err)
	}
	signer, err := auth.NewSigner(key, "profdev-topology", "profdev")
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(signer.PublicKey())
	if err != nil {
		t.Fatal(err)
	}
	pubPath := filepath.Join(dir, "jwt-public.pem")
	if err := os.WriteFile(pubPath, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	if tp.token, err = signer.Mint(domain.Actor{Sub: "ministry-topology", Name: "Минтруд", Role: domain.RoleMinistry, Authority: "mintrud"}, 2*time.Hour); err != nil {
		t.Fatal(err)
	}

	base := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "LOG_FORMAT=json", "LOG_LEVEL=info", "TMPDIR=" + os.TempDir()}
	tPort := freePort(t)
	tp.temporalAddr = "127.0.0.1:" + strconv.Itoa(tPort)
	tp.temporal = &proc{name: "temporal", bin: tp.bin, logPath: filepath.Join(dir, "temporal.log"), env: base,
		args: []string{"temporal", "--persistence-url", tp.pgTemporal.DSN("temporal"), "--visibility-url", tp.pgTemporal.DSN("temporal_visibility"),
			"--port", strconv.Itoa(tPort), "--namespace", topologyNamespace, "--history-shards", "4", "--retention", "24h"}}
	t.Cleanup(func() { tp.temporal.stop(20 * time.Second) })
	tp.startTemporal()

	migrate := exec.Command(tp.bin, "migrate")
	migrate.Env = append(base, "DATABASE_URL="+dsn)
	if out, err := migrate.CombinedOutput(); err != nil {
		t.Fatalf("profdev migrate: %v\n%s", err, out)
	}

	common := append(base, "DATABASE_URL="+dsn, "TEMPORAL_ADDRESS="+tp.temporalAddr, "TEMPORAL_NAMESPACE="+topologyNamespace,
		"PLANNING_SCHEDULE=off", "SHUTDOWN_TIMEOUT=10s")
	for i := range 2 {
		w := &proc{name: fmt.Sprintf("worker-%d", i+1), bin: tp.bin, args: []string{"worker"}, logPath: filepath.Join(dir, fmt.Sprintf("worker-%d.log", i+1)),
			env: append(append([]string{}, common...), "SMTP_HOST=127.0.0.1", "SMTP_PORT="+strconv.Itoa(tp.smtp.Port()), "SMTP_TLS=none",
				"MAIL_FROM=profdev <noreply@profdev.test>", "SIGNING_KIND=ecdsa", "SIGNING_DIR="+filepath.Join(dir, "signing"))}
		tp.workers = append(tp.workers, w)
		t.Cleanup(func() { w.stop(20 * time.Second) })
		tp.startWorker(i, tp.bin)
	}
	for i := range 2 {
		addr := "127.0.0.1:" + strconv.Itoa(freePort(t))
		a := &proc{name: fmt.Sprintf("api-%d", i+1), bin: tp.bin, args: []string{"api"}, logPath: filepath.Join(dir, fmt.Sprintf("api-%d.log", i+1)),
			env: append(append([]string{}, common...), "HTTP_ADDR="+addr, "PUBLIC_BASE_URL=http://"+addr,
				"AUTH_PUBLIC_KEY_FILE="+pubPath, "AUTH_TOKEN_ISSUER=profdev-topology", "AUTH_AUDIENCE=profdev")}
		tp.apis, tp.apiAddrs = append(tp.apis, a), append(tp.apiAddrs, addr)
		t.Cleanup(func() { a.stop(20 * time.Second) })
		tp.startAPI(i)
	}
	tp.api = newAPIClient(tp.apiAddrs, tp.token)

	if tp.pool, err = pgxpool.New(ctx, dsn); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tp.pool.Close)
	if tp.store, err = postgres.Open(ctx, postgres.Config{URL: dsn}, log); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tp.store.Close)
	if _, err := tp.store.PutAuthority(ctx, domain.Authority{ID: "mintrud", Name: "Минтруд России", Region: "RU"}); err != nil {
		t.Fatal(err)
	}
	if tp.tc, err = client.Dial(client.Options{HostPort: tp.temporalAddr, Namespace: topologyNamespace, Logger: quietSDK{}}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tp.tc.Close)
	return tp
}

func (tp *topology) startTemporal() {
	tp.temporal.start(tp.t)
	tp.temporal.waitLog(tp.t, "Temporal server ready", 2*time.Minute)
}

// startWorker (re)starts worker i from bin and waits until it polls.
func (tp *topology) startWorker(i int, bin string) {
	w := tp.workers[i]
	w.bin = bin
	w.start(tp.t)
	w.waitLog(tp.t, "worker polling", time.Minute)
}

func (tp *topology) startAPI(i int) {
	a := tp.apis[i]
	a.start(tp.t)
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		if !a.running() {
			tp.t.Fatalf("%s exited:\n%s", a.name, a.tail())
		}
		resp, err := http.Get("http://" + tp.apiAddrs[i] + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	tp.t.Fatalf("%s not ready within a minute:\n%s", a.name, a.tail())
}

// stopProfdevDB stops profdev's PostgreSQL (fast shutdown: every session is cut off).
func (tp *topology) stopProfdevDB() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := tp.pgProfdev.Stop(ctx); err != nil {
		tp.t.Fatal(err)
	}
}

// startProfdevDB starts it again on the same directory and port.
func (tp *topology) startProfdevDB() {
	port := tp.pgProfdev.Port()
	c, err := pglocal.Start(context.Background(), pglocal.Options{Dir: tp.pgDir, Port: port, Ephemeral: true, Logger: zerolog.Nop()})
	if err != nil {
		tp.t.Fatalf("restart profdev's PostgreSQL: %v", err)
	}
	tp.pgProfdev = c
}

// dumpLogs prints the end of every process log: on failure, the story of what happened.
func (tp *topology) dumpLogs() {
	for _, p := range append(append([]*proc{tp.temporal}, tp.workers...), tp.apis...) {
		tp.t.Logf("----- %s (last lines) -----\n%s", p.name, errorLines(p.logPath))
	}
}

// errorLines is the last 12 warning or error lines of a log.
func errorLines(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return err.Error()
	}
	defer f.Close()
	var keep []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		l := sc.Text()
		if strings.Contains(l, `"message":"request`) { // the API's access log: the client saw those
			continue
		}
		if strings.Contains(l, `"level":"error"`) || strings.Contains(l, `"level":"warn"`) || strings.HasPrefix(l, "=====") || strings.HasPrefix(l, "profdev:") {
			keep = append(keep, l)
		}
	}
	if len(keep) > 12 {
		keep = keep[len(keep)-12:]
	}
	return strings.Join(keep, "\n")
}

// quietSDK drops the SDK client's logs: the processes log for themselves.
type quietSDK struct{}

func (quietSDK) Debug(string, ...any) {}
func (quietSDK) Info(string, ...any)  {}
func (quietSDK) Warn(string, ...any)  {}
func (quietSDK) Error(string, ...any) {}

var errGaveUp = errors.New("gave up")
