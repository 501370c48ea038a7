package worker

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/profdev/profdev/workflows"
)

// PlanningSchedule opens an authority's planning cycle on the same day every year.
type PlanningSchedule struct {
	Authority string
	Month     time.Month
	Day       int
	workflows.ScheduledCycle
}

// EnsurePlanningSchedules creates each authority's yearly schedule unless it exists: every
// worker calls it at start, and whichever comes first creates it. An existing schedule is
// updated to the configured day and action, so that a configuration change takes effect.
func EnsurePlanningSchedules(ctx context.Context, c client.Client, schedules []PlanningSchedule) error {
	for _, s := range schedules {
		s.ScheduledCycle.Authority = s.Authority
		id := workflows.PlanningScheduleID(s.Authority)
		spec := client.ScheduleSpec{
			Calendars: []client.ScheduleCalendarSpec{{
				Month:      []client.ScheduleRange{{Start: int(s.Month)}},
				DayOfMonth: []client.ScheduleRange{{Start: s.Day}},
				Hour:       []client.ScheduleRange{{Start: 6}}, // 09:00 Moscow time
			}},
		}
		// No execution timeout: the opener's steps retry until the database and mail are back,
		// and a timeout would end it, cycle unopened and nobody told, after an outage longer
		// than the timeout. An opener that runs on skips a firing (Overlap), which operators
		// see in the schedule; a cycle never opened silently does not show anywhere.
		action := &client.ScheduleWorkflowAction{
			ID: id, Workflow: workflows.OpenerWorkflowType, Args: []any{s.ScheduledCycle}, TaskQueue: workflows.TaskQueue,
		}
		_, err := c.ScheduleClient().Create(ctx, client.ScheduleOptions{
			ID: id, Spec: spec, Action: action,
			Overlap:       0, // skip a firing while the previous one still runs
			CatchupWindow: 7 * 24 * time.Hour,
			TypedSearchAttributes: temporal.NewSearchAttributes(workflows.AttrProcess.ValueSet(workflows.ProcessPlanningCycle),
				workflows.AttrAuthority.ValueSet(s.Authority)),
		})
		if errors.Is(err, temporal.ErrScheduleAlreadyRunning) {
			err = c.ScheduleClient().GetHandle(ctx, id).Update(ctx, client.ScheduleUpdateOptions{
				DoUpdate: func(in client.ScheduleUpdateInput) (*client.ScheduleUpdate, error) {
					in.Description.Schedule.Spec = &spec
					in.Description.Schedule.Action = action
					return &client.ScheduleUpdate{Schedule: &in.Description.Schedule}, nil
				},
			})
		}
		if err != nil {
			return fmt.Errorf("planning schedule %s: %w", id, err)
		}
	}
	return nil
}
