package devtemporal

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

var (
	processKey = temporal.NewSearchAttributeKeyKeyword("ProfdevProcess")
	// extraKey stands for an attribute added by a later profdev version.
	extraKey = temporal.NewSearchAttributeKeyInt64("ProfdevExtra")
)

// tagWorkflow tags itself with the given process and, when extra is not
// zero, the extra attribute.
func tagWorkflow(ctx workflow.Context, process string, extra int64) (string, error) {
	updates := []temporal.SearchAttributeUpdate{processKey.ValueSet(process)}
	if extra != 0 {
		updates = append(updates, extraKey.ValueSet(extra))
	}
	if err := workflow.UpsertTypedSearchAttributes(ctx, updates...); err != nil {
		return "", fmt.Errorf("upsert search attributes: %w", err)
	}
	return "tagged " + process, nil
}

func TestServerLifecycle(t *testing.T) {
	logger := testLogger(t)
	dataDir := t.TempDir()
	cfg := Config{
		DataDir:          dataDir,
		FrontendPort:     mustFreePort(t),
		UIPort:           mustFreePort(t),
		Namespace:        "profdev-test",
		SearchAttributes: map[string]enumspb.IndexedValueType{processKey.GetName(): enumspb.INDEXED_VALUE_TYPE_KEYWORD},
		Logger:           logger,
	}
	const (
		taskQueue  = "devtemporal-test"
		workflowID = "tag-proc-1"
	)

	// First start: fresh database.
	srv := startServer(t, cfg)
	c, closeClient := dial(t, srv, logger)
	stopWorker := startWorker(t, c, taskQueue)

	if got := srv.Namespace(); got != cfg.Namespace {
		t.Errorf("Namespace() = %q, want %q", got, cfg.Namespace)
	}
	assertSearchAttributes(t, c, srv.Namespace(), cfg.SearchAttributes)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: workflowID, TaskQueue: taskQueue}, tagWorkflow, "proc-1", int64(0))
	if err != nil {
		t.Fatalf("ExecuteWorkflow: %v", err)
	}
	var result string
	if err := run.Get(ctx, &result); err != nil {
		t.Fatalf("workflow result: %v", err)
	}
	if result != "tagged proc-1" {
		t.Fatalf("workflow result = %q, want %q", result, "tagged proc-1")
	}
	awaitVisible(t, c, srv.Namespace(), `ProfdevProcess = "proc-1"`, workflowID)

	assertUIServes(t, srv.UIAddress())

	stopWorker()
	closeClient()
	if err := srv.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if err := srv.Stop(); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
	assertExecutionStored(t, filepath.Join(dataDir, DatabaseFile), workflowID)

	// Second start on the same directory, as after a profdev upgrade that
	// introduced a new search attribute.
	cfg.SearchAttributes = map[string]enumspb.IndexedValueType{
		processKey.GetName(): enumspb.INDEXED_VALUE_TYPE_KEYWORD,
		extraKey.GetName():   enumspb.INDEXED_VALUE_TYPE_INT,
	}
	srv = startServer(t, cfg)
	c, _ = dial(t, srv, logger)
	startWorker(t, c, taskQueue)

	// The completed workflow survived, history included.
	desc, err := c.DescribeWorkflowExecution(ctx, workflowID, "")
	if err != nil {
		t.Fatalf("DescribeWorkflowExecution after restart: %v", err)
	}
	if st := desc.GetWorkflowExecutionInfo().GetStatus(); st != enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED {
		t.Fatalf("status after restart = %v, want COMPLETED", st)
	}
	result = ""
	if err := c.GetWorkflow(ctx, workflowID, "").Get(ctx, &result); err != nil || result != "tagged proc-1" {
		t.Fatalf("result after restart = %q, %v; want %q", result, err, "tagged proc-1")
	}
	iter := c.GetWorkflowHistory(ctx, workflowID, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	var events int
	for iter.HasNext() {
		if _, err := iter.Next(); err != nil {
			t.Fatalf("read history after restart: %v", err)
		}
		events++
	}
	if events == 0 {
		t.Fatal("history after restart is empty")
	}
	awaitVisible(t, c, srv.Namespace(), `ProfdevProcess = "proc-1"`, workflowID)

	// The new attribute was registered on the existing database and is
	// usable as soon as Start returns.
	assertSearchAttributes(t, c, srv.Namespace(), cfg.SearchAttributes)
	run, err = c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "tag-proc-2", TaskQueue: taskQueue}, tagWorkflow, "proc-2", int64(42))
	if err != nil {
		t.Fatalf("ExecuteWorkflow after restart: %v", err)
	}
	if err := run.Get(ctx, nil); err != nil {
		t.Fatalf("workflow upserting the new attribute: %v", err)
	}
	awaitVisible(t, c, srv.Namespace(), `ProfdevExtra = 42`, "tag-proc-2")
}

func startServer(t *testing.T, cfg Config) *Server {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	begin := time.Now()
	srv, err := Start(ctx, cfg)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Logf("Start took %s", time.Since(begin).Round(time.Millisecond))
	t.Cleanup(func() {
		if err := srv.Stop(); err != nil {
			t.Errorf("Stop: %v", err)
		}
	})
	return srv
}

// dial returns a client and a function closing it early; it is closed on
// cleanup otherwise.
func dial(t *testing.T, srv *Server, logger zerolog.Logger) (client.Client, func()) {
	t.Helper()
	c, err := client.Dial(client.Options{
		HostPort:  srv.FrontendAddress(),
		Namespace: srv.Namespace(),
		Logger:    sdkLogger{zl: logger},
	})
	if err != nil {
		t.Fatalf("dial %s: %v", srv.FrontendAddress(), err)
	}
	closeClient := sync.OnceFunc(c.Close)
	t.Cleanup(closeClient)
	return c, closeClient
}

// startWorker starts a worker running tagWorkflow and returns a function
// stopping it early; it is stopped on cleanup otherwise.
func startWorker(t *testing.T, c client.Client, taskQueue string) func() {
	t.Helper()
	w := worker.New(c, taskQueue, worker.Options{})
	w.RegisterWorkflow(tagWorkflow)
	if err := w.Start(); err != nil {
		t.Fatalf("start worker: %v", err)
	}
	stop := sync.OnceFunc(w.Stop)
	t.Cleanup(stop)
	return stop
}

func assertSearchAttributes(t *testing.T, c client.Client, namespace string, want map[string]enumspb.IndexedValueType) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := c.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: namespace})
	if err != nil {
		t.Fatalf("ListSearchAttributes: %v", err)
	}
	for name, typ := range want {
		if got, ok := resp.GetCustomAttributes()[name]; !ok || got != typ {
			t.Errorf("search attribute %s = %v (registered: %t), want %v", name, got, ok, typ)
		}
	}
}

// awaitVisible polls a visibility query until it returns workflowID:
// visibility records are written asynchronously after the workflow.
func awaitVisible(t *testing.T, c client.Client, namespace, query, workflowID string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	for {
		resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Namespace: namespace, Query: query})
		if err == nil {
			for _, e := range resp.GetExecutions() {
				if e.GetExecution().GetWorkflowId() == workflowID {
					return
				}
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("query %q never returned %s (last error: %v)", query, workflowID, err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func assertUIServes(t *testing.T, addr string) {
	t.Helper()
	if addr == "" {
		t.Fatal("UIAddress() is empty with the UI enabled")
	}
	resp, err := http.Get("http://" + addr + "/")
	if err != nil {
		t.Fatalf("GET UI: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET UI / = %s, want 200 OK", resp.Status)
	}
	if !strings.Contains(strings.ToLower(string(body)), "<html") {
		t.Fatalf("GET UI / did not return an HTML page: %.200q", body)
	}
}

// assertExecutionStored reads the database file through its own
// connection, independently of the server, to check the workflow is on disk.
func assertExecutionStored(t *testing.T, dbPath, workflowID string) {
	t.Helper()
	// The "sqlite" driver is registered by the server's SQLite plugin.
	db, err := sql.Open("sqlite", "file:"+dbPath+"?mode=ro")
	if err != nil {
		t.Fatalf("open %s: %v", dbPath, err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM executions WHERE workflow_id = ?`, workflowID).Scan(&n); err != nil {
		t.Fatalf("query executions: %v", err)
	}
	if n != 1 {
		t.Fatalf("executions of %s in %s = %d, want 1", workflowID, dbPath, n)
	}
}

func mustFreePort(t *testing.T) int {
	t.Helper()
	port, err := freePort(loopback)
	if err != nil {
		t.Fatal(err)
	}
	return port
}

// testLogger returns a logger writing to t that becomes silent once the
// test ends: the server's goroutines may still log while shutting down, and
// t.Log panics after the test has completed.
func testLogger(t *testing.T) zerolog.Logger {
	w := &testWriter{t: t}
	t.Cleanup(func() {
		w.mu.Lock()
		defer w.mu.Unlock()
		w.done = true
	})
	return zerolog.New(zerolog.ConsoleWriter{Out: w, NoColor: true, PartsExclude: []string{zerolog.TimestampFieldName}}).
		Level(zerolog.InfoLevel)
}

type testWriter struct {
	t    *testing.T
	mu   sync.Mutex
	done bool
}

func (w *testWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.done {
		w.t.Log(strings.TrimRight(string(p), "\n"))
	}
	return len(p), nil
}
