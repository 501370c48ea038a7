package workflows

import (
	"fmt"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/profdev/profdev/activities"
	"github.com/profdev/profdev/internal/domain"
)

// Opening a cycle on schedule: a Temporal Schedule per authority starts OpenPlanningCycle on
// a configured day each year; it opens the cycle of the coming (or current) year unless the
// ministry has opened it already, announcing the priority directions of the authority's
// latest cycle (or the configured ones when it has had none).
//
// The opener is one step with no updates or clock of its own, so it has no _steps or _clock
// file; planning_open_notices.go holds its one text, and the cycle it starts announces itself.

// Names of the scheduled opener.
const (
	OpenerWorkflowType = "OpenPlanningCycle"
)

// ScheduledCycle is what a schedule's action passes to the opener.
type ScheduledCycle struct {
	Authority string `json:"authority"`
	// YearOffset: 1 opens the next year's cycle (a schedule in the autumn), 0 the current one.
	YearOffset int `json:"year_offset"`
	// PlansDueDays is how many working days after opening the plans are due.
	PlansDueDays       int           `json:"plans_due_days"`
	QuarterlyReports   bool          `json:"quarterly_reports"`
	PriorityDirections []string      `json:"priority_directions"` // used when the authority has had no cycle
	Terms              PlanningTerms `json:"terms"`
}

// OpenResult says which cycle the opener started, or found already open.
type OpenResult struct {
	WorkflowID string `json:"workflow_id"`
	Opened     bool   `json:"opened"`
}

// PlanningScheduleID is the ID of an authority's yearly schedule.
func PlanningScheduleID(authority string) string { return "planning-open-" + authority }

// OpenPlanningCycle opens the scheduled year's cycle of one authority.
func OpenPlanningCycle(ctx workflow.Context, in ScheduledCycle) (OpenResult, error) {
	ctx = withActivities(ctx)
	year := Today(ctx).Year + in.YearOffset
	id := CycleWorkflowID(in.Authority, year)
	var defaults activities.CycleDefaults
	if err := workflow.ExecuteActivity(ctx, planningActivities.LoadCycleDefaults,
		activities.CycleDefaultsQuery{Authority: in.Authority, Year: year}).Get(ctx, &defaults); err != nil {
		return OpenResult{WorkflowID: id}, notOpened(ctx, in.Authority, year, err)
	}
	dirs := defaults.Directions
	if len(dirs) == 0 {
		dirs = in.PriorityDirections
	}
	if len(dirs) == 0 {
		return OpenResult{WorkflowID: id}, notOpened(ctx, in.Authority, year, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("authority %s has no priority directions to announce: open the first cycle through the API", in.Authority),
			string(domain.CodeConflict), nil))
	}
	due, err := WorkingDaysAfter(ctx, Today(ctx), in.PlansDueDays, defaults.Region)
	if err != nil {
		return OpenResult{WorkflowID: id}, notOpened(ctx, in.Authority, year, err)
	}
	terms := in.Terms
	if terms == (PlanningTerms{}) {
		terms = DefaultPlanningTerms
	}
	cycle := CycleInput{Authority: in.Authority, Region: defaults.Region, Year: year, PriorityDirections: dirs,
		PlansDue: due.Date, QuarterlyReports: in.QuarterlyReports, OpenedBy: domain.SystemActor, Terms: terms}
	child := workflow.ExecuteChildWorkflow(workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		WorkflowID:            id,
		ParentClosePolicy:     enumspb.PARENT_CLOSE_POLICY_ABANDON,
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		TypedSearchAttributes: temporal.NewSearchAttributes(AttrProcess.ValueSet(ProcessPlanningCycle),
			AttrAuthority.ValueSet(in.Authority), AttrYear.ValueSet(int64(year))),
	}), PlanningCycle, cycle)
	err = child.GetChildWorkflowExecution().Get(ctx, nil)
	if temporal.IsWorkflowExecutionAlreadyStartedError(err) {
		return OpenResult{WorkflowID: id}, nil
	}
	if err != nil {
		return OpenResult{WorkflowID: id}, notOpened(ctx, in.Authority, year, err)
	}
	return OpenResult{WorkflowID: id, Opened: true}, nil
}

// notOpened ends a run that cannot open the cycle. Transient errors never get here (the
// activities retry until they succeed); what does is a refusal no retry fixes: the authority
// missing from the directory, no priority directions to announce. The run fails with it, so
// that the schedule shows it, and from version 1 the ministry is told first: a person must
// open the cycle by hand.
func notOpened(ctx workflow.Context, authority string, year int, err error) error {
	if temporal.IsCanceledError(err) {
		return err
	}
	if workflow.GetVersion(ctx, "opener-tells-ministry", workflow.DefaultVersion, 1) == 1 {
		if nerr := workflow.ExecuteActivity(withActivities(ctx), notifyActivities.Notify, notOpenedNotice(ctx, authority, year, err)).Get(ctx, nil); nerr != nil {
			workflow.GetLogger(ctx).Error("notice not sent", "error", nerr)
		}
	}
	return err
}
