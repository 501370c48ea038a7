package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/profdev/profdev/api"
	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/internal/pglocal"
)

// The test binary doubles as the profdev binary: started with childEnv=1, TestMain runs the
// arguments after childMarker through run, like main does, and exits.
const (
	childEnv    = "PROFDEV_E2E_CHILD"
	childMarker = "profdev-e2e-child"
)

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		os.Exit(runChild(os.Args))
	}
	os.Exit(m.Run())
}

func runChild(args []string) int {
	i := slices.Index(args, childMarker)
	if i < 0 {
		fmt.Fprintf(os.Stderr, "%s=1 but no %q marker in the arguments %q\n", childEnv, childMarker, args)
		return 2
	}
	if err := run(args[i+1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "profdev:", err)
		}
		return 1
	}
	return 0
}

// configEnv are the variables loadConfig reads; the child gets none of the test's own, so
// that `profdev dev` runs its own PostgreSQL whatever the developer's shell holds.
var configEnv = []string{
	"DATABASE_URL", "TEMPORAL_ADDRESS", "TEMPORAL_NAMESPACE", "TEMPORAL_TLS", "TEMPORAL_TLS_CA_FILE",
	"TEMPORAL_TLS_CERT_FILE", "TEMPORAL_TLS_KEY_FILE", "TEMPORAL_API_KEY", "HTTP_ADDR", "PUBLIC_BASE_URL",
	"AUTH_ISSUER", "AUTH_JWKS_URL", "AUTH_PUBLIC_KEY_FILE", "AUTH_AUDIENCE", "AUTH_TOKEN_ISSUER",
	"SMTP_HOST", "SMTP_PORT", "SMTP_USERNAME", "SMTP_PASSWORD", "SMTP_TLS", "MAIL_FROM",
	"LOG_LEVEL", "LOG_FORMAT", "REGIONAL_HOLIDAYS", "SHUTDOWN_TIMEOUT", childEnv,
}

const (
	readyTimeout = 60 * time.Second
	pollInterval = 100 * time.Millisecond
)

// TestDevStackEndToEnd runs the real `profdev dev` (PostgreSQL, embedded Temporal and its Web
// UI, worker, API) as a separate process, talks to it over HTTP, kills it with SIGKILL,
// restarts it on the same data directory, and finally stops it with SIGINT.
func TestDevStackEndToEnd(t *testing.T) {
	if _, err := pglocal.FindBinaries(""); err != nil {
		t.Fatalf("profdev dev needs the PostgreSQL server binaries: %v", err)
	}
	dataDir := mustServerReachableTempDir(t)
	t.Cleanup(func() {
		// Runs after the cleanups of mustStartDev (which kill a child still running) and
		// before the directory is removed: give PostgreSQL the time to go.
		if t.Failed() {
			for deadline := time.Now().Add(15 * time.Second); len(processesUsing(dataDir)) > 0 && time.Now().Before(deadline); {
				time.Sleep(pollInterval)
			}
		}
	})
	logDir := t.TempDir()
	ports := mustFreePorts(t, 3)
	httpAddr := net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[0]))
	uiURL := "http://127.0.0.1:" + strconv.Itoa(ports[1]) + "/"
	base := "http://" + httpAddr
	args := []string{
		"dev", "--data-dir", dataDir, "--http-addr", httpAddr,
		"--ui-port", strconv.Itoa(ports[1]), "--temporal-port", strconv.Itoa(ports[2]),
	}

	// First start: a fresh data directory (initdb, Temporal schema, migrations, dev key).
	first := mustStartDev(t, logDir, "run1", args)
	took := mustWaitReady(t, first, base)
	t.Logf("first start: /readyz 200 after %v", took.Round(time.Millisecond))
	mustGet200(t, first, uiURL, "Temporal Web UI")
	oldTokens := mustBannerTokens(t, first)

	t.Run("notifications need a token", func(t *testing.T) {
		for _, auth := range []string{"", "Bearer not-a-jwt"} {
			status, hdr, body := mustDo(t, http.MethodGet, base+"/api/v1/notifications", auth, nil)
			if status != http.StatusUnauthorized {
				t.Errorf("Authorization %q: status %d, want 401; body %s", auth, status, body)
				continue
			}
			checkErrorBody(t, hdr, body, "unauthenticated")
		}
	})
	t.Run("hr reads its notifications", func(t *testing.T) {
		status, _, body := mustDo(t, http.MethodGet, base+"/api/v1/notifications", bearer(oldTokens["HR"]), nil)
		if status != http.StatusOK {
			t.Fatalf("status %d, want 200; body %s", status, body)
		}
		var page struct {
			Items []json.RawMessage `json:"items"`
		}
		if err := json.Unmarshal(body, &page); err != nil || page.Items == nil {
			t.Errorf("body is not a list {\"items\":[...]}: %v: %s", err, body)
		}
	})

	wantAgency := domain.Agency{
		ID: "e2e-agency", Name: "Агентство E2E", Authority: "mintrud", Region: "RU", HREmails: []string{"hr@e2e.test"},
	}
	t.Run("ministry registers an agency", func(t *testing.T) {
		status, _, body := mustDo(t, http.MethodPut, base+"/api/v1/directory/agencies/e2e-agency", bearer(oldTokens["MINISTRY"]),
			[]byte(`{"name":"Агентство E2E","authority":"mintrud","region":"RU","hr_emails":["hr@e2e.test"]}`))
		if status != http.StatusOK {
			t.Fatalf("status %d, want 200; body %s", status, body)
		}
		var got domain.Agency
		if err := json.Unmarshal(body, &got); err != nil {
			t.Fatalf("body: %v: %s", err, body)
		}
		if diff := cmp.Diff(wantAgency, got, cmpopts.IgnoreFields(domain.Agency{}, "UpdatedAt")); diff != "" {
			t.Errorf("agency mismatch (-want +got):\n%s", diff)
		}
		if got.UpdatedAt.IsZero() {
			t.Error("agency has no updated_at")
		}
	})
	if t.Failed() {
		t.FailNow() // what follows builds on the first run
	}

	// SIGKILL: nothing of the stack may outlive profdev, PostgreSQL included.
	if procs := processesUsing(dataDir); !slices.ContainsFunc(procs, isPostgres) {
		t.Fatalf("while running, no postgres process refers to %s (the leak check below would prove nothing); found %v", dataDir, procs)
	}
	if err := first.cmd.Process.Kill(); err != nil {
		t.Fatalf("kill: %v", err)
	}
	first.mustExit(t, 10*time.Second)
	gone := mustNoProcessesUsing(t, dataDir, 10*time.Second)
	t.Logf("after SIGKILL: no process refers to the data directory %v after the kill", gone.Round(time.Millisecond))

	// Restart on the same directory and ports: the state is still there.
	second := mustStartDev(t, logDir, "run2", args)
	took = mustWaitReady(t, second, base)
	t.Logf("restart after SIGKILL: /readyz 200 after %v", took.Round(time.Millisecond))
	mustGet200(t, second, uiURL, "Temporal Web UI after restart")
	newTokens := mustBannerTokens(t, second)

	t.Run("dev key survives the restart", func(t *testing.T) {
		oldHeader, _ := mustDecodeJWT(t, oldTokens["MINISTRY"])
		newHeader, _ := mustDecodeJWT(t, newTokens["MINISTRY"])
		if oldHeader["kid"] != newHeader["kid"] {
			t.Errorf("kid changed across the restart: %v, then %v", oldHeader["kid"], newHeader["kid"])
		}
	})
	for _, tc := range []struct{ name, token string }{
		{"agency persists (new banner's token)", newTokens["MINISTRY"]},
		{"agency persists (token of the first run)", oldTokens["MINISTRY"]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, _, body := mustDo(t, http.MethodGet, base+"/api/v1/directory/agencies", bearer(tc.token), nil)
			if status != http.StatusOK {
				t.Fatalf("status %d, want 200; body %s", status, body)
			}
			var page struct {
				Items []domain.Agency `json:"items"`
			}
			if err := json.Unmarshal(body, &page); err != nil {
				t.Fatalf("body: %v: %s", err, body)
			}
			var ids []string
			var got *domain.Agency
			for i, a := range page.Items {
				ids = append(ids, a.ID)
				if a.ID == wantAgency.ID {
					got = &page.Items[i]
				}
			}
			if got == nil {
				t.Fatalf("agency %s is gone after the restart; agencies: %v", wantAgency.ID, ids)
			}
			if diff := cmp.Diff(wantAgency, *got, cmpopts.IgnoreFields(domain.Agency{}, "UpdatedAt")); diff != "" {
				t.Errorf("agency mismatch after restart (-want +got):\n%s", diff)
			}
			if !slices.Contains(ids, devAgency.ID) {
				t.Errorf("the seeded agency %s is missing: %v", devAgency.ID, ids)
			}
		})
	}

	// SIGINT: an orderly stop, exit code 0, nothing left behind.
	stopAt := time.Now()
	if err := second.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatalf("SIGINT: %v", err)
	}
	second.mustExit(t, 30*time.Second)
	t.Logf("SIGINT: exited after %v", time.Since(stopAt).Round(time.Millisecond))
	if code := second.cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("exit code after SIGINT: %d, want 0 (%v)", code, second.waitErr)
	}
	mustNoProcessesUsing(t, dataDir, 2*time.Second)
}

// devProcess is one run of `profdev dev`.
type devProcess struct {
	name       string
	cmd        *exec.Cmd
	stdoutPath string
	stderrPath string
	started    time.Time
	done       chan struct{} // closed once Wait has returned
	waitErr    error
}

// mustStartDev starts the test binary as `profdev args...`, its output in logDir. It is
// killed at the end of the test unless it has exited, and the tails of its output are
// printed if the test failed.
func mustStartDev(t *testing.T, logDir, name string, args []string) *devProcess {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatalf("test binary: %v", err)
	}
	p := &devProcess{
		name:       name,
		stdoutPath: filepath.Join(logDir, name+".stdout"),
		stderrPath: filepath.Join(logDir, name+".stderr"),
		done:       make(chan struct{}),
	}
	stdout := mustCreate(t, p.stdoutPath)
	stderr := mustCreate(t, p.stderrPath)
	p.cmd = exec.Command(exe, append([]string{childMarker}, args...)...)
	p.cmd.Env = append(childEnviron(), childEnv+"=1")
	p.cmd.Stdout, p.cmd.Stderr = stdout, stderr
	p.started = time.Now()
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	stdout.Close()
	stderr.Close()
	go func() {
		p.waitErr = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = p.cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			t.Logf("%s: %v\n--- stdout (tail) ---\n%s\n--- stderr (tail) ---\n%s", name, p.waitErr, tail(p.stdoutPath, 40), tail(p.stderrPath, 80))
		}
	})
	return p
}

func childEnviron() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if !slices.Contains(configEnv, k) {
			env = append(env, kv)
		}
	}
	return env
}

func (p *devProcess) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// mustExit waits for the process to end.
func (p *devProcess) mustExit(t *testing.T, within time.Duration) {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(within):
		t.Fatalf("%s still running %v after it was told to stop", p.name, within)
	}
}

// mustWaitReady polls GET /readyz until it answers 200 and returns the time since start.
func mustWaitReady(t *testing.T, p *devProcess, base string) time.Duration {
	t.Helper()
	client := &http.Client{Timeout: 5 * time.Second}
	deadline := p.started.Add(readyTimeout)
	var last string
	for {
		if p.exited() {
			t.Fatalf("%s exited before it was ready: %v", p.name, p.waitErr)
		}
		resp, err := client.Get(base + "/readyz")
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return time.Since(p.started)
			}
			last = fmt.Sprintf("status %d: %s", resp.StatusCode, body)
		} else {
			last = err.Error()
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: GET /readyz not 200 within %v; last: %s", p.name, readyTimeout, last)
		}
		time.Sleep(pollInterval)
	}
}

func mustGet200(t *testing.T, p *devProcess, url, what string) {
	t.Helper()
	status, _, body := mustDo(t, http.MethodGet, url, "", nil)
	if status != http.StatusOK {
		t.Errorf("%s: %s answers %d, want 200; body %.300s", p.name, what, status, body)
	}
}

var tokenLine = regexp.MustCompile(`export TOKEN_([A-Z_]+)=(\S+)`)

// mustBannerTokens waits for the banner on stdout and returns its tokens by upper-case role.
func mustBannerTokens(t *testing.T, p *devProcess) map[string]string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	var out []byte
	for {
		var err error
		if out, err = os.ReadFile(p.stdoutPath); err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(out, []byte("Try: curl")) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: no complete banner on stdout:\n%s", p.name, out)
		}
		time.Sleep(pollInterval)
	}
	tokens := map[string]string{}
	for _, m := range tokenLine.FindAllStringSubmatch(string(out), -1) {
		tokens[m[1]] = m[2]
	}
	var got []string
	for role := range tokens {
		got = append(got, role)
	}
	slices.Sort(got)
	want := []string{"AGENCY_HEAD", "HR", "MINISTRY", "OPERATOR", "PROVIDER", "RESERVE_AUTHORITY", "SERVANT"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("%s: banner tokens by role (-want +got):\n%s\nstdout:\n%s", p.name, diff, out)
	}
	return tokens
}

func bearer(token string) string { return "Bearer " + token }

// mustDo sends one request and returns the status, headers and body.
func mustDo(t *testing.T, method, url, authorization string, body []byte) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, url, err)
	}
	return resp.StatusCode, resp.Header, data
}

// checkErrorBody checks the documented error document {"error":{"code":...,"message":...}}.
func checkErrorBody(t *testing.T, hdr http.Header, body []byte, wantCode string) {
	t.Helper()
	if ct := hdr.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("error Content-Type %q, want application/json", ct)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	var eb api.ErrorBody
	if err := dec.Decode(&eb); err != nil {
		t.Errorf("error body is not {\"error\":{...}}: %v: %s", err, body)
		return
	}
	if string(eb.Error.Code) != wantCode || eb.Error.Message == "" {
		t.Errorf("error body %s: want code %q and a message", body, wantCode)
	}
}

// proc is a process seen in /proc.
type proc struct {
	PID     int
	Exe     string
	State   string
	Cwd     string
	Cmdline string
}

func (p proc) String() string {
	return fmt.Sprintf("pid %d %s state %s cwd %s cmdline %q", p.PID, p.Exe, p.State, p.Cwd, p.Cmdline)
}

func isPostgres(p proc) bool {
	name := filepath.Base(strings.TrimSuffix(p.Exe, " (deleted)"))
	return name == "postgres" || name == "postmaster"
}

// processesUsing lists the live (not zombie) processes other than this one whose working
// directory is in dir or whose command line mentions it.
func processesUsing(dir string) []proc {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var out []proc
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		p := proc{PID: pid}
		cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		p.Cmdline = strings.TrimSpace(strings.ReplaceAll(string(cmdline), "\x00", " "))
		p.Cwd, _ = os.Readlink(fmt.Sprintf("/proc/%d/cwd", pid))
		p.Exe, _ = os.Readlink(fmt.Sprintf("/proc/%d/exe", pid))
		if stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid)); err == nil {
			if i := bytes.LastIndexByte(stat, ')'); i >= 0 && i+3 <= len(stat) {
				p.State = string(stat[i+2 : i+3])
			}
		}
		if p.State == "" || p.State == "Z" {
			continue // gone meanwhile, or a zombie: it runs nothing
		}
		if strings.Contains(p.Cmdline, dir) || p.Cwd == dir || strings.HasPrefix(p.Cwd, dir+"/") {
			out = append(out, p)
		}
	}
	return out
}

// mustNoProcessesUsing waits up to within for every process using dir to end and returns
// how long that took.
func mustNoProcessesUsing(t *testing.T, dir string, within time.Duration) time.Duration {
	t.Helper()
	began := time.Now()
	for {
		procs := processesUsing(dir)
		if len(procs) == 0 {
			return time.Since(began)
		}
		if time.Since(began) > within {
			var lines []string
			for _, p := range procs {
				lines = append(lines, p.String())
			}
			t.Fatalf("processes still using %s %v later:\n%s", dir, within, strings.Join(lines, "\n"))
		}
		time.Sleep(pollInterval)
	}
}

// mustServerReachableTempDir is a t.TempDir that PostgreSQL, which runs as the OS user
// postgres when we are root, may enter: t.TempDir's parent is 0700.
func mustServerReachableTempDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, d := range []string{filepath.Dir(dir), dir} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	resolved, err := filepath.EvalSymlinks(dir) // /proc shows resolved paths
	if err != nil {
		t.Fatal(err)
	}
	return resolved
}

// mustFreePorts returns n distinct ports free on 127.0.0.1 a moment ago.
func mustFreePorts(t *testing.T, n int) []int {
	t.Helper()
	var ports []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("find a free port: %v", err)
		}
		defer l.Close() // held until all are chosen, so that they differ
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports
}

func mustCreate(t *testing.T, path string) *os.File {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// tail returns the last n lines of a file.
func tail(path string, n int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
