// Package testtemporal gives tests a real Temporal server, in-process and
// in-memory, with the custom search attributes they need registered.
//
// It builds on go.temporal.io/server/temporaltest, which starts in about a
// second. Unlike the SDK's test environment, a real server runs workflows
// end to end: task queues, timers, visibility queries and search attributes
// behave as in production.
//
// Every failure is fatal to the test: a test that needs Temporal and cannot
// get it must fail, not be skipped.
package testtemporal

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/interceptor"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/server/common/dynamicconfig"
	"go.temporal.io/server/temporal"
	"go.temporal.io/server/temporaltest"

	"github.com/profdev/profdev/internal/devtemporal/searchattr"
)

const (
	// namespaceRefreshInterval replaces the server's default of 2s: each
	// service learns about newly registered search attributes only when it
	// re-reads the namespace, and New waits for that. The database is in
	// memory, so frequent refreshes cost nothing noticeable.
	namespaceRefreshInterval = 200 * time.Millisecond

	// setupTimeout bounds search attribute registration in New.
	setupTimeout = 30 * time.Second
)

// Env is a running Temporal server for one test. It is stopped, with its
// workers, when the test ends.
type Env struct {
	t      testing.TB
	server *temporaltest.TestServer
	client client.Client
}

// New starts a Temporal server for t, registers searchAttributes on its
// namespace and waits until workflows can use them. The server, its client
// and the workers from NewWorker are stopped on t's cleanup.
func New(t testing.TB, searchAttributes map[string]enumspb.IndexedValueType) *Env {
	t.Helper()
	logger := newSDKLogger(t)

	var ts *temporaltest.TestServer
	// temporaltest only reports errors to a *testing.T given through
	// WithT, and panics otherwise; not passing it keeps New usable from
	// benchmarks, so its panics are turned into test failures here.
	catch(t, "start Temporal test server", func() {
		ts = temporaltest.NewServer(
			temporaltest.WithBaseClientOptions(client.Options{Logger: logger}),
			temporaltest.WithBaseServerOptions(temporal.WithDynamicConfigClient(dynamicconfig.StaticClient{
				// temporaltest sets this one too; this client replaces
				// its own, so it is repeated. It makes new attributes
				// known to the search attribute cache at once.
				dynamicconfig.ForceSearchAttributesCacheRefreshOnRead.Key(): true,
				dynamicconfig.NamespaceCacheRefreshInterval.Key():           namespaceRefreshInterval,
			})),
		)
	})
	t.Cleanup(func() {
		// Stop closes clients and workers it created, then the server.
		catch(t, "stop Temporal test server", ts.Stop)
	})

	e := &Env{t: t, server: ts}
	catch(t, "dial Temporal test server", func() { e.client = ts.GetDefaultClient() })

	if err := e.registerSearchAttributes(searchAttributes); err != nil {
		t.Fatalf("testtemporal: %v", err)
	}
	return e
}

func (e *Env) registerSearchAttributes(attrs map[string]enumspb.IndexedValueType) error {
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	added, err := searchattr.Ensure(ctx, e.client, e.Namespace(), attrs)
	if err != nil {
		return err
	}
	if len(added) == 0 {
		return nil
	}
	// Every service sees the new attributes at its next namespace cache
	// refresh, at most one interval after they were stored. History,
	// which validates upserts, cannot be asked whether it did, so that
	// delay is waited out; the frontend is checked too.
	cachesRefreshed := time.Now().Add(namespaceRefreshInterval + namespaceRefreshInterval/2)
	if err := searchattr.WaitQueryable(ctx, e.client, e.Namespace(), added); err != nil {
		return err
	}
	time.Sleep(time.Until(cachesRefreshed))
	return nil
}

// Client is a client of the server, bound to Namespace.
func (e *Env) Client() client.Client { return e.client }

// Namespace is the namespace the server created for the test.
func (e *Env) Namespace() string { return e.server.GetDefaultNamespace() }

// HostPort is the frontend address, for code that dials its own client.
func (e *Env) HostPort() string { return e.server.GetFrontendHostPort() }

// NewWorker starts a worker on taskQueue with what register registers. The
// worker is stopped on the test's cleanup. Workflow panics fail the
// workflow instead of being retried, so that a broken workflow fails the
// test quickly. Interceptors are the ones the product's workers run (for profdev's
// processes, worker.Interceptors(), which classifies activity errors).
func (e *Env) NewWorker(taskQueue string, register func(worker.Registry), interceptors ...interceptor.WorkerInterceptor) worker.Worker {
	e.t.Helper()
	w := worker.New(e.client, taskQueue, worker.Options{WorkflowPanicPolicy: worker.FailWorkflow, Interceptors: interceptors})
	register(w)
	if err := w.Start(); err != nil {
		e.t.Fatalf("testtemporal: start worker on task queue %q: %v", taskQueue, err)
	}
	// Cleanups run last-in first-out, so workers stop before the server.
	e.t.Cleanup(w.Stop)
	return w
}

// catch runs f and fails t if it panics.
func catch(t testing.TB, what string, f func()) {
	t.Helper()
	var failure any
	func() {
		defer func() { failure = recover() }()
		f()
	}()
	if failure != nil {
		t.Fatalf("testtemporal: %s: %v", what, failure)
	}
}

// sdkLogger writes the SDK's logs (not its debug logs) to the test log. It
// goes silent when the test ends, since SDK goroutines may still log while
// shutting down and t.Log panics after the test has completed.
type sdkLogger struct {
	t    testing.TB
	mu   sync.Mutex
	done bool
}

var _ sdklog.Logger = (*sdkLogger)(nil)

// newSDKLogger must be called before any other Cleanup is registered, so
// that it is silenced after every other cleanup has run.
func newSDKLogger(t testing.TB) *sdkLogger {
	l := &sdkLogger{t: t}
	t.Cleanup(func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		l.done = true
	})
	return l
}

func (l *sdkLogger) Debug(string, ...any)             {}
func (l *sdkLogger) Info(msg string, keyvals ...any)  { l.log("INFO", msg, keyvals) }
func (l *sdkLogger) Warn(msg string, keyvals ...any)  { l.log("WARN", msg, keyvals) }
func (l *sdkLogger) Error(msg string, keyvals ...any) { l.log("ERROR", msg, keyvals) }

func (l *sdkLogger) log(level, msg string, keyvals []any) {
	var b strings.Builder
	fmt.Fprintf(&b, "temporal sdk %s %s", level, msg)
	for i := 0; i+1 < len(keyvals); i += 2 {
		fmt.Fprintf(&b, " %v=%v", keyvals[i], keyvals[i+1])
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.done {
		l.t.Log(b.String())
	}
}
