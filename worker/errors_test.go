package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/profdev/profdev/activities"
	"github.com/profdev/profdev/internal/domain"
)

// reported is what a workflow learns from a classified error.
type reported struct {
	Type         string
	Message      string
	NonRetryable bool
	Fields       []domain.FieldError
	Logged       bool // the cause went to the log, not into the error
}

func reportOf(t *testing.T, out, cause error) reported {
	t.Helper()
	var appErr *temporal.ApplicationError
	if !errors.As(out, &appErr) {
		t.Fatalf("classified %v (%T), want an application error", out, out)
	}
	if appErr.Unwrap() != nil {
		t.Errorf("classified error keeps its cause %v: it would be written to the history", appErr.Unwrap())
	}
	r := reported{Type: appErr.Type(), Message: appErr.Message(), NonRetryable: appErr.NonRetryable(), Logged: cause != nil}
	if appErr.HasDetails() {
		if err := appErr.Details(&r.Fields); err != nil {
			t.Fatalf("details: %v", err)
		}
	}
	return r
}

func TestClassify(t *testing.T) {
	pgErr := errors.New(`ERROR: duplicate key value violates unique constraint "servants_snils_key": Key (snils)=(112-233-445 95)`)
	fields := []domain.FieldError{{Field: "emails[0]", Message: "not an email address"}}
	for _, tc := range []struct {
		name string
		err  error
		want reported
	}{
		{"not found", domain.NotFound("document"),
			reported{Type: "not_found", Message: "document not found", NonRetryable: true}},
		{"conflict with a cause", domain.Wrap(pgErr, domain.CodeConflict, "a record with the same identity already exists"),
			reported{Type: "conflict", Message: "a record with the same identity already exists", NonRetryable: true, Logged: true}},
		{"invalid with fields", domain.Invalid("invalid notification", fields...),
			reported{Type: "invalid", Message: "invalid notification", NonRetryable: true, Fields: fields}},
		{"forbidden", domain.Forbidden("only the ministry may annul"),
			reported{Type: "forbidden", Message: "only the ministry may annul", NonRetryable: true}},
		{"idempotency conflict", domain.Errorf(domain.CodeIdempotencyConflict, "the key was used for another request"),
			reported{Type: "idempotency_conflict", Message: "the key was used for another request", NonRetryable: true}},
		{"wrapped domain error", fmt.Errorf("sign certificate MT-1 document 0: %w", domain.NotFound("document")),
			reported{Type: "not_found", Message: "document not found", NonRetryable: true, Logged: true}},
		{"unavailable", domain.Wrap(errors.New("dial tcp: connection refused"), domain.CodeUnavailable, "the database is unavailable"),
			reported{Type: "unavailable", Message: "the database is unavailable", Logged: true}},
		{"unauthenticated", domain.Errorf(domain.CodeUnauthenticated, "the signing service refused the token"),
			reported{Type: "unauthenticated", Message: "the signing service refused the token"}},
		{"internal message masked", domain.Wrap(pgErr, domain.CodeInternal, "storage error"),
			reported{Type: "internal", Message: "internal error", Logged: true}},
		{"no code", &domain.Error{Message: "something"},
			reported{Type: "internal", Message: "internal error", Logged: true}},
		{"code without message", &domain.Error{Code: domain.CodeConflict},
			reported{Type: "conflict", Message: "conflict", NonRetryable: true, Logged: true}},
		{"plain error", errors.New("smtp: 550 mailbox ivanov@example.test unavailable"),
			reported{Type: "internal", Message: "internal error", Logged: true}},
		{"store timeout on a live context", domain.Wrap(context.DeadlineExceeded, domain.CodeUnavailable, "the database did not answer in time"),
			reported{Type: "unavailable", Message: "the database did not answer in time", Logged: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, cause := classify(context.Background(), tc.err)
			if diff := cmp.Diff(tc.want, reportOf(t, out, cause)); diff != "" {
				t.Errorf("classify(%v) mismatch (-want +got):\n%s", tc.err, diff)
			}
			if strings.Contains(out.Error(), "112-233") || strings.Contains(out.Error(), "ivanov@") {
				t.Errorf("classified error %q carries personal data from its cause", out)
			}
			if cause != nil && cause != tc.err {
				t.Errorf("logged cause %v, want the activity's own error %v", cause, tc.err)
			}
		})
	}
}

func TestClassifyPasses(t *testing.T) {
	appErr := temporal.NewNonRetryableApplicationError("refused", "conflict", nil)
	canceled := temporal.NewCanceledError()
	ended, cancel := context.WithTimeout(context.Background(), 0)
	defer cancel()
	<-ended.Done()
	timedOut := domain.Wrap(context.DeadlineExceeded, domain.CodeUnavailable, "the database did not answer in time")
	cancelled := domain.Wrap(context.Canceled, domain.CodeUnavailable, "the database did not answer in time")
	wrapped := fmt.Errorf("notify: %w", appErr)
	for _, tc := range []struct {
		name       string
		ctx        context.Context
		err        error
		want       error
		wantLogged error
	}{
		{"nil", context.Background(), nil, nil, nil},
		{"application error", context.Background(), appErr, appErr, nil},
		{"wrapped application error, unwrapped for the SDK", context.Background(), wrapped, appErr, wrapped},
		{"canceled error", context.Background(), canceled, canceled, nil},
		{"cancellation", context.Background(), cancelled, cancelled, nil},
		{"timeout of the activity", ended, timedOut, timedOut, nil},
		{"async completion", context.Background(), activity.ErrResultPending, activity.ErrResultPending, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, cause := classify(tc.ctx, tc.err)
			if out != tc.want || cause != tc.wantLogged {
				t.Errorf("classify(%v) = %v, logged %v; want %v, logged %v", tc.err, out, cause, tc.want, tc.wantLogged)
			}
		})
	}
}

// flakyReserve is a reserve store whose PreviousReserve answers errs in turn, then nothing
// found, counting the calls.
type flakyReserve struct {
	activities.ReserveStore // other methods are not called
	mu                      sync.Mutex
	errs                    []error
	calls                   int
}

func (f *flakyReserve) PreviousReserve(context.Context, string, string, string, int) (*domain.PreviousReserve, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if len(f.errs) == 0 {
		return nil, nil
	}
	err := f.errs[0]
	if len(f.errs) > 1 {
		f.errs = f.errs[1:]
	}
	return nil, err
}

type attemptInput struct {
	Local bool
}

// TestActivityErrorRetries is issue 10's test: under a retry policy that allows ten attempts
// and names no error type, an activity whose store says not_found is attempted once and the
// workflow gets a non-retryable not_found; one whose store is unavailable is retried.
func TestActivityErrorRetries(t *testing.T) {
	unavailable := domain.Wrap(errors.New("dial tcp 10.0.0.5:5432: connection refused"), domain.CodeUnavailable, "the database is unavailable")
	const maxAttempts = 10
	for _, tc := range []struct {
		name         string
		errs         []error // the store's answers in turn; the last repeats
		wantAttempts int
		want         *reported // nil: the workflow succeeds
	}{
		{"not_found", []error{domain.NotFound("reserve record")}, 1,
			&reported{Type: "not_found", Message: "reserve record not found", NonRetryable: true}},
		{"unavailable, then answers", []error{unavailable, unavailable, nil}, 3, nil},
		{"unavailable throughout", []error{unavailable}, maxAttempts,
			&reported{Type: "unavailable", Message: "the database is unavailable"}},
		{"plain error, then answers", []error{errors.New("broken pipe"), nil}, 2, nil},
	} {
		for _, local := range []bool{false, true} {
			name := tc.name
			if local {
				name += ", local activity"
			}
			t.Run(name, func(t *testing.T) {
				store := &flakyReserve{errs: tc.errs}
				reserve := &activities.Reserve{Store: store}
				var s testsuite.WorkflowTestSuite
				// Warnings and errors only: the interceptor's log of causes, not the SDK's debug log.
				s.SetLogger(log.NewStructuredLogger(slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))))
				env := s.NewTestWorkflowEnvironment()
				env.SetWorkerOptions(sdkworker.Options{Interceptors: Interceptors()})
				env.RegisterActivity(reserve)
				env.RegisterWorkflowWithOptions(func(ctx workflow.Context, in attemptInput) error {
					policy := &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 1, MaximumAttempts: maxAttempts}
					q := activities.PersonQuery{Authority: "mintrud", FullName: "Иванов Иван Иванович", DateOfBirth: "1980-01-01", Year: 2025}
					if in.Local {
						ctx = workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{StartToCloseTimeout: time.Minute, RetryPolicy: policy})
						return workflow.ExecuteLocalActivity(ctx, reserve.FindPreviousReserve, q).Get(ctx, nil)
					}
					ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute, RetryPolicy: policy})
					return workflow.ExecuteActivity(ctx, reserve.FindPreviousReserve, q).Get(ctx, nil)
				}, workflow.RegisterOptions{Name: "attempt"})

				env.ExecuteWorkflow("attempt", attemptInput{Local: local})

				if !env.IsWorkflowCompleted() {
					t.Fatal("workflow did not complete")
				}
				if store.calls != tc.wantAttempts {
					t.Errorf("attempted %d times, want %d", store.calls, tc.wantAttempts)
				}
				err := env.GetWorkflowError()
				if tc.want == nil {
					if err != nil {
						t.Errorf("workflow failed: %v", err)
					}
					return
				}
				if diff := cmp.Diff(*tc.want, reportOf(t, err, nil)); diff != "" {
					t.Errorf("workflow error mismatch (-want +got):\n%s", diff)
				}
				if strings.Contains(err.Error(), "10.0.0.5") {
					t.Errorf("workflow error %q carries the cause", err)
				}
			})
		}
	}
}
