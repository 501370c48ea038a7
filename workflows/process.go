package workflows

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/profdev/profdev/activities"
	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/internal/notify"
)

// What every process workflow shares: its timeline counter, how its activities retry,
// notifications that do not hold up the step that caused them, and how an update refuses.

// Receivers used to name activities; the worker registers the real ones.
var (
	registryActivities *activities.Registry
	notifyActivities   *activities.Notifications
)

// permanentCodes are the error types no retry can fix: domain's one list of permanent codes,
// which the worker's interceptor also makes non-retryable whatever an activity returns.
var permanentCodes = domain.PermanentErrorTypes()

// withActivities applies the default options of storage, signing, rendering and notification
// activities: retried with backoff, with no limit of attempts or time, until they succeed or
// fail with an error no retry can fix. A database or mail outage of minutes or hours only
// delays the step.
func withActivities(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:        time.Second,
			BackoffCoefficient:     2,
			MaximumInterval:        5 * time.Minute,
			NonRetryableErrorTypes: permanentCodes,
		},
	})
}

// localAttempts bounds the retries of a local activity, which all run inside the workflow
// task that scheduled them.
const localAttempts = 3

// withLocalActivity applies the options of a local activity whose attempts may each take up
// to startToClose. Its retries are bounded and short, then runLocal falls back to a regular
// activity. Why bounded: a local activity retries inside its workflow task, holding it open
// (the SDK heartbeats the task, three history events each time, and the workflow sees no
// update or signal meanwhile); a backoff longer than the workflow task timeout becomes a
// server timer; its ScheduleToClose, which otherwise defaults to its StartToClose, ends the
// retries however few attempts were made; and when the workflow task itself times out (a
// worker dies, a task runs long), the next task starts the local activity again from its first
// attempt. So the backoff here stays well under the default 10-second task timeout, and
// ScheduleToClose leaves room for every attempt, so that the attempts are the bound.
func withLocalActivity(ctx workflow.Context, startToClose time.Duration) workflow.Context {
	return workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		StartToCloseTimeout:    startToClose,
		ScheduleToCloseTimeout: localAttempts*startToClose + 10*time.Second,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:        time.Second,
			BackoffCoefficient:     2,
			MaximumInterval:        2 * time.Second,
			MaximumAttempts:        localAttempts,
			NonRetryableErrorTypes: permanentCodes,
		},
	})
}

// runLocal runs a local activity (ctx carries its options, see withLocalActivity) and, when it
// fails with an error that retrying may fix, the same activity as a regular one with the
// unlimited retries of withActivities. An error no retry can fix is returned at once, as is
// cancellation.
func runLocal(ctx workflow.Context, activity, input, result any) error {
	err := workflow.ExecuteLocalActivity(ctx, activity, input).Get(ctx, result)
	if err == nil || permanent(err) || temporal.IsCanceledError(err) {
		return err
	}
	// Version 1 falls back to a regular activity; before it the error was returned, and a
	// 20-second database outage failed certificates for good. A workflow whose history
	// already holds such a failure keeps the old path on replay.
	if workflow.GetVersion(ctx, "local-activity-fallback", workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		return err
	}
	workflow.GetLogger(ctx).Warn("local activity failed; running it as a regular activity", "error", err)
	return workflow.ExecuteActivity(withActivities(ctx), activity, input).Get(ctx, result)
}

// permanent reports whether err is one no retry can fix.
func permanent(err error) bool {
	var appErr *temporal.ApplicationError
	return errors.As(err, &appErr) && (appErr.NonRetryable() || slices.Contains(permanentCodes, appErr.Type()))
}

// timeline numbers a workflow's steps; the number keys each step's storage write.
type timeline struct {
	Seq int `json:"seq"`
}

// next returns the event of the next step.
func (t *timeline) next(ctx workflow.Context, actor domain.Actor, action string, details map[string]any) domain.Event {
	t.Seq++
	return domain.Event{Seq: t.Seq, At: workflow.Now(ctx).UTC(), Actor: actor, Action: action, Details: details}
}

// notifier sends notifications in the background of the workflow, so that a decision is not
// held up by mail; wait() must be called before the workflow completes or continues as new.
type notifier struct {
	wg      workflow.WaitGroup
	pending int
}

func newNotifier(ctx workflow.Context) *notifier { return &notifier{wg: workflow.NewWaitGroup(ctx)} }

// send dispatches one notification; its activity retries until delivered.
func (n *notifier) send(ctx workflow.Context, r notify.Request) {
	n.wg.Add(1)
	n.pending++
	workflow.Go(ctx, func(ctx workflow.Context) {
		defer n.wg.Done()
		defer func() { n.pending-- }()
		var res notify.Result
		if err := workflow.ExecuteActivity(withActivities(ctx), notifyActivities.Notify, r).Get(ctx, &res); err != nil {
			workflow.GetLogger(ctx).Error("notification failed", "step", r.Step, "audience", r.Audience.Key(), "error", err)
		}
	})
}

// sendBy dispatches one notification that an activity composes itself, because what it says
// must not pass through the history (an invitation's code); it too retries until delivered.
func (n *notifier) sendBy(ctx workflow.Context, step string, activity, input any) {
	n.wg.Add(1)
	n.pending++
	workflow.Go(ctx, func(ctx workflow.Context) {
		defer n.wg.Done()
		defer func() { n.pending-- }()
		if err := workflow.ExecuteActivity(withActivities(ctx), activity, input).Get(ctx, nil); err != nil {
			workflow.GetLogger(ctx).Error("notification failed", "step", step, "error", err)
		}
	})
}

// wait blocks until every notification sent so far is delivered (or failed for good).
func (n *notifier) wait(ctx workflow.Context) { n.wg.Wait(ctx) }

// refuse is the error an update validator or handler returns; its type is the domain code,
// which the API maps to the HTTP status.
func refuse(code domain.Code, format string, args ...any) error {
	return temporal.NewApplicationError(fmt.Sprintf(format, args...), string(code))
}

// refusal is a domain rule's error as an update validator returns it.
func refusal(err error) error {
	var de *domain.Error
	if errors.As(err, &de) {
		return refuse(de.Code, "%s", de.Message)
	}
	return err
}

// notReady refuses an update that arrives before the workflow has recorded its request.
func notReady(what, id string) error {
	return refuse(domain.CodeConflict, "%s %s is still being registered; retry shortly", what, id)
}

// drain waits until no update handler is running, so that no accepted update is lost when
// the workflow completes or continues as new.
func drain(ctx workflow.Context) error {
	return workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) })
}
