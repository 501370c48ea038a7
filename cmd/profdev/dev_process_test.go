package main

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

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
