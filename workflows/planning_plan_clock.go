package workflows

import (
	"go.temporal.io/sdk/workflow"

	"github.com/profdev/profdev/internal/domain"
)

// The clock of a plan's review (ReviewCycle): the reviewer's reminder and escalation, the
// participant's rework reminder and its lapse, and the close of the plan's cycle.

// alarmPlanCycleEnd: the plan's cycle has closed; its review ends as it stands.
const alarmPlanCycleEnd AlarmKind = "cycle_end"

// onAlarm acts on the review's clock: reminders, the reviewer's escalation, the lapse of a
// rework deadline (the plan stays returned, flagged overdue, and may still come back).
func (w *planReview) onAlarm(ctx workflow.Context, a Alarm) error {
	_, err := take(ctx, &w.stepper, nil, func() (struct{}, error) {
		if next, ok := w.in.Review.NextAlarm(); !ok || next != a {
			return struct{}{}, nil // a step taken meanwhile made it moot
		}
		w.in.Review.Fire(a.Kind)
		w.in.Plan = w.in.syncPlan(w.in.Plan.SubmittedAt)
		w.notify(ctx, w.alarmNotices(a.Kind)...)
		return struct{}{}, w.save(ctx, domain.SystemActor, string(a.Kind), nil)
	})
	return err
}
