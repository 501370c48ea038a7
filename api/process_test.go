package api

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/rs/zerolog"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/worker"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/profdev/profdev/internal/calendar"
	"github.com/profdev/profdev/internal/notify"
	"github.com/profdev/profdev/internal/signing"
	"github.com/profdev/profdev/internal/smtptest"
	pworker "github.com/profdev/profdev/worker"
	"github.com/profdev/profdev/workflows"
)

// mustProcesses starts a worker with every workflow and the real activities (storage on the
// test database, email to an in-process SMTP server) on the test's Temporal server.
func (a *testAPI) mustProcesses() *smtptest.Server {
	a.t.Helper()
	smtp := smtptest.Start(a.t)
	mailer, err := notify.NewSMTPMailer(notify.SMTPConfig{Host: smtp.Host(), Port: smtp.Port(), TLS: "none"})
	if err != nil {
		a.t.Fatal(err)
	}
	n := notify.New(a.db, mailer, notify.Config{From: "profdev <noreply@profdev.test>"}, zerolog.Nop())
	signer, err := signing.New(signing.Config{Dir: a.t.TempDir()})
	if err != nil {
		a.t.Fatal(err)
	}
	if err := a.db.PublishSigningChain(context.Background(), signer.Algorithm(), signer.Chain()); err != nil {
		a.t.Fatal(err)
	}
	a.docSigner = signer
	a.tenv.NewWorker(workflows.TaskQueue, func(r worker.Registry) {
		pworker.Register(r, pworker.Deps{Notifier: n, Calendars: calendar.NewRegions(calendar.Russia(), nil), Registry: a.db,
			Reserve: a.db, Planning: a.db, Connections: a.db, Certificates: a.db, Batches: a.db, Signer: signer})
	}, pworker.Interceptors()...)
	return smtp
}

// decode reads a JSON response into v, failing the test on a wrong status.
func decode[T any](t *testing.T, wantStatus, code int, body []byte) T {
	t.Helper()
	if code != wantStatus {
		t.Fatalf("status %d, want %d; body %s", code, wantStatus, body)
	}
	var v T
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("decode %T: %v; body %s", v, err, body)
	}
	return v
}

// recordHistory writes a workflow's history to workflows/testdata when
// PROFDEV_RECORD_HISTORIES=1, for the replay tests there.
func (a *testAPI) recordHistory(workflowID, file string) {
	a.t.Helper()
	if os.Getenv("PROFDEV_RECORD_HISTORIES") != "1" {
		return
	}
	hist := a.history(workflowID)
	b, err := protojson.MarshalOptions{Indent: "  "}.Marshal(hist)
	if err != nil {
		a.t.Fatal(err)
	}
	if err := os.WriteFile("../workflows/testdata/"+file, b, 0o644); err != nil {
		a.t.Fatal(err)
	}
	a.t.Logf("recorded %s (%d events)", file, len(hist.Events))
}

// history is a workflow's history as the server keeps it.
func (a *testAPI) history(workflowID string) *historypb.History {
	a.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	hist := &historypb.History{}
	it := a.tenv.Client().GetWorkflowHistory(ctx, workflowID, "", false, 0)
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			a.t.Fatal(err)
		}
		hist.Events = append(hist.Events, e)
	}
	return hist
}

// historyHolds reports whether secret appears anywhere in a workflow's history: in the
// binary form, every payload's bytes stand as they are (no codec here), and so does every
// string of the events.
func (a *testAPI) historyHolds(workflowID, secret string) bool {
	a.t.Helper()
	b, err := proto.Marshal(a.history(workflowID))
	if err != nil {
		a.t.Fatal(err)
	}
	return bytes.Contains(b, []byte(secret))
}

// eventually polls f until it returns true or the timeout passes.
func eventually(t *testing.T, timeout time.Duration, what string, f func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !f() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// signingOpenSSLConfig is the OpenSSL configuration that loads the GOST engine for verifying.
func signingOpenSSLConfig() []byte { return signing.OpenSSLConfig() }
