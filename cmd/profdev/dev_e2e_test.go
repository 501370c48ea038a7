package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

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
	if os.Getenv(probeURLEnv) != "" {
		os.Exit(runProbe())
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
