package main

import (
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/profdev/profdev/internal/auth"
)

// benchAPI is `profdev api` in a process of its own, as deployed (deploy/): this test binary
// again, run as the CLI (TestMain's child mode), against the bench's PostgreSQL and Temporal
// server. Its goroutines do not queue behind the worker's on the Go scheduler of the bench
// process; the operating system shares the two cores between the processes.
type benchAPI struct {
	cmd *exec.Cmd
	url string
}

func startBenchAPI(b *testing.B, dir, dsn, temporalAddr, namespace string, signer *auth.Signer) *benchAPI {
	der, err := x509.MarshalPKIXPublicKey(signer.PublicKey())
	if err != nil {
		b.Fatal(err)
	}
	pubPath := filepath.Join(dir, "jwt-public.pem")
	if err := os.WriteFile(pubPath, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o644); err != nil {
		b.Fatal(err)
	}
	port, err := freeTCPPort()
	if err != nil {
		b.Fatal(err)
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	a := &benchAPI{cmd: exec.Command(os.Args[0], childMarker, "api"), url: "http://" + addr}
	a.cmd.Env = []string{childEnv + "=1", "PATH=" + os.Getenv("PATH"), "HOME=" + dir, "TMPDIR=" + os.TempDir(),
		"DATABASE_URL=" + dsn, "TEMPORAL_ADDRESS=" + temporalAddr, "TEMPORAL_NAMESPACE=" + namespace,
		"HTTP_ADDR=" + addr, "PUBLIC_BASE_URL=" + a.url, "AUTH_PUBLIC_KEY_FILE=" + pubPath,
		"AUTH_TOKEN_ISSUER=" + devIssuer, "AUTH_AUDIENCE=" + devAudience, "LOG_LEVEL=warn", "LOG_FORMAT=json"}
	a.cmd.Stdout, a.cmd.Stderr = os.Stderr, os.Stderr
	if err := a.cmd.Start(); err != nil {
		b.Fatalf("profdev api: %v", err)
	}
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(100 * time.Millisecond) {
		if resp, err := http.Get(a.url + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return a
			}
		}
		if time.Now().After(deadline) {
			a.stop()
			b.Fatal("profdev api did not get ready within a minute")
		}
	}
}

func (a *benchAPI) stop() {
	_ = a.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = a.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		_ = a.cmd.Process.Kill()
		<-done
	}
}
