package workflows

import (
	"fmt"
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

// withActivities applies the default options of storage and notification activities:
// retried with backoff until they succeed, except for errors no retry can fix.
func withActivities(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:        time.Second,
			BackoffCoefficient:     2,
			MaximumInterval:        5 * time.Minute,
			NonRetryableErrorTypes: []string{string(domain.CodeInvalid), string(domain.CodeConflict), string(domain.CodeNotFound), string(domain.CodeForbidden)},
		},
	})
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

// wait blocks until every notification sent so far is delivered (or failed for good).
func (n *notifier) wait(ctx workflow.Context) { n.wg.Wait(ctx) }

// refuse is the error an update validator or handler returns; its type is the domain code,
// which the API maps to the HTTP status.
func refuse(code domain.Code, format string, args ...any) error {
	return temporal.NewApplicationError(fmt.Sprintf(format, args...), string(code))
}

// drain waits until no update handler is running, so that no accepted update is lost when
// the workflow completes or continues as new.
func drain(ctx workflow.Context) error {
	return workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) })
}
