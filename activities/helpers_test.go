package activities_test

import (
	"errors"
	"log/slog"
	"sync"
	"testing"

	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	sdkworker "go.temporal.io/sdk/worker"

	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/worker"
)

// newEnv returns the SDK's activity test environment with the activities of a registered
// and the worker's interceptors set: their errors reach the test as a real worker reports them.
func newEnv(t *testing.T, a any) *testsuite.TestActivityEnvironment {
	t.Helper()
	var s testsuite.WorkflowTestSuite
	s.SetLogger(testLogger(t))
	env := s.NewTestActivityEnvironment()
	env.SetWorkerOptions(sdkworker.Options{Interceptors: worker.Interceptors()})
	env.RegisterActivity(a)
	return env
}

// testLogger writes the SDK's warnings and errors, the interceptor's log of causes among
// them, to the test's output, shown when a test fails or runs with -v.
func testLogger(t *testing.T) log.Logger {
	return log.NewStructuredLogger(slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})))
}

// failure is what a workflow learns from a failed activity.
type failure struct {
	Type         string
	Message      string
	NonRetryable bool
	Fields       []domain.FieldError
}

// failureOf describes err, the error of an activity run in newEnv; nil for no error.
func failureOf(t *testing.T, err error) *failure {
	t.Helper()
	if err == nil {
		return nil
	}
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) {
		t.Fatalf("activity error %v (%T) is not an application error", err, err)
	}
	if appErr.Unwrap() != nil {
		t.Errorf("activity error keeps its cause %v: it would be written to the history", appErr.Unwrap())
	}
	f := &failure{Type: appErr.Type(), Message: appErr.Message(), NonRetryable: appErr.NonRetryable()}
	if appErr.HasDetails() {
		if derr := appErr.Details(&f.Fields); derr != nil {
			t.Fatalf("details of %v: %v", err, derr)
		}
	}
	return f
}

// Failures the store errors below turn into.
var (
	notFound    = &failure{Type: "not_found", Message: "record not found", NonRetryable: true}
	conflict    = &failure{Type: "conflict", Message: "a record with the same identity already exists", NonRetryable: true}
	unavailable = &failure{Type: "unavailable", Message: "the database is unavailable"}
	internal    = &failure{Type: "internal", Message: "internal error"}
)

// Store errors as internal/postgres makes them, causes carrying what must not leave the log.
var (
	errNotFound    = domain.Wrap(errors.New("no rows in result set"), domain.CodeNotFound, "record not found")
	errConflict    = domain.Wrap(errors.New(`duplicate key value violates unique constraint: Key (snils)=(112-233-445 95)`), domain.CodeConflict, "a record with the same identity already exists")
	errUnavailable = domain.Wrap(errors.New("dial tcp 10.0.0.5:5432: connection refused"), domain.CodeUnavailable, "the database is unavailable")
	errPlain       = errors.New("broken pipe")
)

// storeErrors are one error of each kind a store returns, with what each must become.
var storeErrors = []struct {
	name string
	err  error
	want *failure
}{
	{"not found", errNotFound, notFound},
	{"conflict", errConflict, conflict},
	{"unavailable", errUnavailable, unavailable},
	{"plain", errPlain, internal},
}

// call is one call a fake received.
type call struct {
	Method string
	Args   []any
}

// recorder records the calls a fake receives and answers each with the error set for its
// method in fail.
type recorder struct {
	mu    sync.Mutex
	calls []call
	fail  map[string]error
}

func (r *recorder) record(method string, args ...any) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, call{Method: method, Args: args})
	return r.fail[method]
}

func (r *recorder) methods() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, c := range r.calls {
		out = append(out, c.Method)
	}
	return out
}
