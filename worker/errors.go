package worker

import (
	"context"
	"errors"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/temporal"

	"github.com/profdev/profdev/internal/domain"
)

// Interceptors are the interceptors every profdev worker runs. Tests that execute activities
// in the SDK's test environments set them too (SetWorkerOptions), so that they see the
// errors a real worker reports.
func Interceptors() []interceptor.WorkerInterceptor {
	return []interceptor.WorkerInterceptor{&activityErrors{}}
}

// activityErrors classifies every error an activity returns, local activities included, so
// that activities simply return domain errors and no activity can forget to.
type activityErrors struct {
	interceptor.WorkerInterceptorBase
}

func (*activityErrors) InterceptActivity(_ context.Context, next interceptor.ActivityInboundInterceptor) interceptor.ActivityInboundInterceptor {
	return &classifyingActivity{ActivityInboundInterceptorBase: interceptor.ActivityInboundInterceptorBase{Next: next}}
}

type classifyingActivity struct {
	interceptor.ActivityInboundInterceptorBase
}

func (a *classifyingActivity) ExecuteActivity(ctx context.Context, in *interceptor.ExecuteActivityInput) (any, error) {
	res, err := a.Next.ExecuteActivity(ctx, in)
	out, cause := classify(ctx, err)
	if cause != nil {
		// The failure that goes into the workflow's history (and from there to clients)
		// carries only the client-safe message; the cause is for the worker's log alone.
		activity.GetLogger(ctx).Warn("Activity error cause", "Reported", out.Error(), "Error", cause)
	}
	return res, out
}

// classify turns an activity's error into what the worker reports. A *domain.Error becomes
// an application error whose type is its code and whose message is its client-safe
// message, non-retryable when the code is permanent; an error of no code is a retryable
// internal one. Application and canceled errors pass as they are, and so does the end of
// the activity's context, which the SDK reports as a cancellation or timeout itself. The
// cause returned is what the report leaves out, for the log; nil when nothing is left out.
func classify(ctx context.Context, err error) (out, cause error) {
	if err == nil || errors.Is(err, activity.ErrResultPending) || errors.Is(err, context.Canceled) ||
		(ctx.Err() != nil && errors.Is(err, context.DeadlineExceeded)) {
		return err, nil
	}
	// The SDK reads only the outermost error: a wrapped application error would lose its
	// type and retry flag, so the wrapping goes (to the log).
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		return appErr, unlessSame(err, appErr)
	}
	var canceled *temporal.CanceledError
	if errors.As(err, &canceled) {
		return canceled, unlessSame(err, canceled)
	}
	var de *domain.Error
	if !errors.As(err, &de) {
		de = &domain.Error{Code: domain.CodeInternal, Err: err}
	}
	code, msg := de.Code, de.Message
	if code == "" {
		code = domain.CodeInternal
	}
	if code == domain.CodeInternal {
		// As the API does: an internal message is for developers, not for clients.
		msg = "internal error"
	} else if msg == "" {
		msg = string(code)
	}
	if err != error(de) || de.Err != nil || msg != de.Message {
		cause = err // wrapped, caused or masked: the report leaves something out
	}
	opts := temporal.ApplicationErrorOptions{NonRetryable: code.Permanent()}
	if len(de.Fields) > 0 {
		opts.Details = []any{de.Fields}
	}
	return temporal.NewApplicationErrorWithOptions(msg, string(code), opts), cause
}

// unlessSame returns err unless it is out itself.
func unlessSame(err, out error) error {
	if err == out {
		return nil
	}
	return err
}
