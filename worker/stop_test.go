package worker

import (
	"context"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/workflow"

	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/internal/notify"
	"github.com/profdev/profdev/internal/testtemporal"
	"github.com/profdev/profdev/workflows"
)

// slowNotifier is a notification under way when the worker is told to stop: it returns when
// released, reporting whether its context had been cancelled by then.
type slowNotifier struct {
	started, release chan struct{}
	cancelled        chan bool
}

func (n *slowNotifier) Notify(ctx context.Context, _ notify.Request) (notify.Result, error) {
	close(n.started)
	select {
	case <-n.release:
	case <-ctx.Done():
	}
	n.cancelled <- ctx.Err() != nil
	return notify.Result{}, ctx.Err()
}

// TestStopLetsRunningActivitiesFinish: a worker stopping (SIGTERM in a rolling upgrade) lets
// an activity under way finish within StopTimeout instead of cancelling it, since a
// notification cancelled just after the relay accepted its email sends it again.
func TestStopLetsRunningActivitiesFinish(t *testing.T) {
	for _, tc := range []struct {
		name          string
		stopTimeout   time.Duration
		wantCancelled bool
	}{
		{"with a stop timeout", 10 * time.Second, false},
		{"without one, as before", 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := testtemporal.New(t, workflows.SearchAttributes())
			n := &slowNotifier{started: make(chan struct{}), release: make(chan struct{}), cancelled: make(chan bool, 1)}
			w := New(env.Client(), Deps{Notifier: n}, Options{StopTimeout: tc.stopTimeout})
			w.RegisterWorkflowWithOptions(func(ctx workflow.Context) error {
				ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute})
				return workflow.ExecuteActivity(ctx, "Notify", notify.Request{WorkflowID: "stop-probe", Step: "probe",
					Audience: domain.UserAudience("u1"), Subject: "s"}).Get(ctx, nil)
			}, workflow.RegisterOptions{Name: "stop-probe"})
			if err := w.Start(); err != nil {
				t.Fatal(err)
			}
			if _, err := env.Client().ExecuteWorkflow(context.Background(),
				client.StartWorkflowOptions{ID: "stop-probe", TaskQueue: workflows.TaskQueue}, "stop-probe"); err != nil {
				t.Fatal(err)
			}
			select {
			case <-n.started:
			case <-time.After(30 * time.Second):
				t.Fatal("the activity did not start")
			}
			stopped := make(chan struct{})
			go func() { w.Stop(); close(stopped) }()
			time.Sleep(500 * time.Millisecond) // Stop is under way
			close(n.release)
			if got := <-n.cancelled; got != tc.wantCancelled {
				t.Errorf("the running activity's context cancelled = %v, want %v", got, tc.wantCancelled)
			}
			select {
			case <-stopped:
			case <-time.After(30 * time.Second):
				t.Fatal("Stop did not return")
			}
		})
	}
}
