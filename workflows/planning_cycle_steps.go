package workflows

import (
	"fmt"
	"slices"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/profdev/profdev/activities"
	"github.com/profdev/profdev/internal/domain"
)

// The steps taken on a cycle, each a Workflow Update: its validator refuses before anything
// is written, and its handler runs on the step skeleton (take), which checks again.

// registerHandlers installs the query and the updates before the workflow first blocks.
func (w *cycle) registerHandlers(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, QueryCycle, func() (domain.Cycle, error) { return w.st.Cycle, nil }); err != nil {
		return err
	}
	// The snapshot answers the ministry's request that opened the cycle, once it is open.
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateCycleSnapshot, func(ctx workflow.Context, a domain.Actor) (domain.Cycle, error) {
		err := workflow.Await(ctx, func() bool { return w.ready })
		return w.st.Cycle, err
	}, workflow.UpdateHandlerOptions{Validator: func(_ workflow.Context, a domain.Actor) error {
		if a.Role == domain.RoleMinistry && a.Authority == w.in.Authority {
			return nil
		}
		return refuse(domain.CodeNotFound, "planning cycle %s not found", w.id())
	}}); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateSubmitPlan, w.submitPlan,
		workflow.UpdateHandlerOptions{Validator: func(_ workflow.Context, s PlanSubmission) error { return w.maySubmitPlan(s) }}); err != nil {
		return err
	}
	return workflow.SetUpdateHandlerWithOptions(ctx, UpdateSubmitReport, w.submitReport,
		workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, s ReportSubmission) error { return w.maySubmitReport(ctx, s) }})
}

// own checks that the actor speaks for the participant it names: an agency's HR officer or
// a provider's staff, and nobody else.
func (w *cycle) own(a domain.Actor, p domain.CycleParticipant) error {
	switch {
	case a.Role == domain.RoleHR && p.Kind == domain.ParticipantAgency && a.Agency == p.ID && p.ID != "":
	case a.Role == domain.RoleProvider && p.Kind == domain.ParticipantProvider && a.Provider == p.ID && p.ID != "":
	case a.Role == domain.RoleHR || a.Role == domain.RoleProvider:
		return refuse(domain.CodeNotFound, "planning cycle %s not found", w.id())
	default:
		return refuse(domain.CodeForbidden, "plans and reports are submitted by agencies' HR officers and providers, not by %s", a.Role)
	}
	if !w.ready {
		return refuse(domain.CodeConflict, "planning cycle %s is still opening; retry shortly", w.id())
	}
	if w.st.Cycle.Status != domain.CycleOpen {
		return refuse(domain.CodeConflict, "planning cycle %s is closed", w.id())
	}
	return nil
}

func (w *cycle) maySubmitPlan(s PlanSubmission) error {
	if err := w.own(s.Actor, s.Participant); err != nil {
		return err
	}
	if len(s.Events) == 0 {
		return refuse(domain.CodeInvalid, "a plan lists at least one event")
	}
	if p, ok := w.st.Cycle.Participant(s.Participant.Kind, s.Participant.ID); ok && p.PlanID != "" {
		return refuse(domain.CodeConflict, "%s has already submitted plan %s for %d", p.Name, p.PlanID, w.in.Year)
	}
	return nil
}

// submitPlan records a participant's first plan and hands its review to a PlanReview child.
// The plan's first step is saved here, under the child's workflow ID, once the child has
// started (a child that cannot start leaves no plan behind), so that the plan is readable as
// soon as the request is answered.
func (w *cycle) submitPlan(ctx workflow.Context, s PlanSubmission) (domain.Plan, error) {
	return take(ctx, &w.stepper, func() error { return w.maySubmitPlan(s) }, func() (domain.Plan, error) { return w.startPlan(ctx, s) })
}

// startPlan starts the plan's review and records its submission in the cycle. The main loop
// is woken once the plan is stored, before the cycle's own step is recorded.
func (w *cycle) startPlan(ctx workflow.Context, s PlanSubmission) (domain.Plan, error) {
	ctx = withActivities(ctx)
	c := &w.st.Cycle
	p := w.join(s.Participant)
	now := workflow.Now(ctx).UTC()
	onTime := !now.After(EndOfDay(c.PlansDue))
	planID := PlanWorkflowID(w.in.Authority, w.in.Year, p.Kind, p.ID)
	plan := domain.Plan{
		ID: planID, WorkflowID: planID, CycleID: c.ID, Authority: w.in.Authority, Year: w.in.Year,
		ParticipantKind: p.Kind, ParticipantID: p.ID, ParticipantName: p.Name, Events: s.Events, Reasons: []string{},
		OnTime: onTime, FirstSubmittedAt: now,
	}
	in := PlanInput{Plan: plan, Region: w.in.Region, Terms: w.in.Terms, Emails: p.Emails, SubmittedBy: s.Actor, Until: w.closesAt()}
	var review ReviewCycle
	if err := review.Submit(ctx, in.reviewTerms()); err != nil {
		return domain.Plan{}, err
	}
	in.Review = carriedCycle{review}
	in.Plan = in.syncPlan(now)
	var first timeline
	ev := first.next(ctx, s.Actor, "submitted", map[string]any{"events": len(s.Events), "on_time": onTime})
	in.Steps, in.Plan.Revision = first, ev.Seq
	child := workflow.ExecuteChildWorkflow(workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		WorkflowID:            planID,
		ParentClosePolicy:     enumspb.PARENT_CLOSE_POLICY_ABANDON, // the cycle continues as new; plans go on
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		TypedSearchAttributes: temporal.NewSearchAttributes(AttrProcess.ValueSet(ProcessPlanReview),
			AttrStatus.ValueSet(string(domain.PlanUnderReview)), AttrOverdue.ValueSet(false),
			AttrAuthority.ValueSet(w.in.Authority), AttrYear.ValueSet(int64(w.in.Year)), planScopeAttr(p.Kind, p.ID)),
	}), PlanReview, in)
	if err := child.GetChildWorkflowExecution().Get(ctx, nil); err != nil && !temporal.IsWorkflowExecutionAlreadyStartedError(err) {
		return domain.Plan{}, err
	}
	if err := workflow.ExecuteActivity(ctx, planningActivities.SavePlan, activities.PlanStep{Plan: in.Plan, Event: ev}).Get(ctx, nil); err != nil {
		return domain.Plan{}, err
	}
	p.PlanID, p.SubmittedAt, p.OnTime = planID, &now, &onTime
	w.changed()
	w.notify(ctx, w.planSubmittedNotice(*p, in.Review.ReviewDue))
	return in.Plan, w.record(ctx, s.Actor, "plan_submitted", map[string]any{"plan_id": planID, "participant": p.Key(), "on_time": onTime})
}

func (w *cycle) maySubmitReport(ctx workflow.Context, s ReportSubmission) error {
	if err := w.own(s.Actor, s.Participant); err != nil {
		return err
	}
	if s.Participant.Kind != domain.ParticipantAgency {
		return refuse(domain.CodeForbidden, "quarterly reports are submitted by agencies' HR officers")
	}
	if !w.in.QuarterlyReports {
		return refuse(domain.CodeConflict, "planning cycle %s has no quarterly reports", w.id())
	}
	if s.Quarter < 1 || s.Quarter > 4 {
		return refuse(domain.CodeInvalid, "quarter must be 1 to 4")
	}
	if opens := QuarterOpens(w.in.Year, s.Quarter); Today(ctx).Before(opens) {
		return refuse(domain.CodeConflict, "reports for quarter %d of %d are accepted from %s", s.Quarter, w.in.Year, opens)
	}
	if p, ok := w.st.Cycle.Participant(s.Participant.Kind, s.Participant.ID); ok && slices.Contains(p.Reports, s.Quarter) {
		return refuse(domain.CodeConflict, "%s has already reported quarter %d of %d", p.Name, s.Quarter, w.in.Year)
	}
	return nil
}

// join returns the cycle's participant, adding one that joined the directory or the
// registry after the cycle opened (late for plans if plans_due has passed).
func (w *cycle) join(np domain.CycleParticipant) *domain.CycleParticipant {
	c := &w.st.Cycle
	if p, ok := c.Participant(np.Kind, np.ID); ok {
		return p
	}
	np.PlanID, np.SubmittedAt, np.OnTime, np.Late, np.Reports, np.LateReports = "", nil, nil, c.Phase != domain.PhasePlanning, nil, nil
	c.Participants = append(c.Participants, np)
	return &c.Participants[len(c.Participants)-1]
}

// ReportID is the ID of an agency's report for a quarter of a cycle.
func ReportID(cycleID, agency string, quarter int) string {
	return fmt.Sprintf("%s-q%d-%s", cycleID, quarter, agency)
}

// submitReport records a quarterly report; one after its due date is accepted and marked late.
func (w *cycle) submitReport(ctx workflow.Context, s ReportSubmission) (domain.QuarterlyReport, error) {
	return take(ctx, &w.stepper, func() error { return w.maySubmitReport(ctx, s) }, func() (domain.QuarterlyReport, error) { return w.report(ctx, s) })
}

// report records a quarterly report, which its own activity saves with the cycle. The main
// loop is woken first.
func (w *cycle) report(ctx workflow.Context, s ReportSubmission) (domain.QuarterlyReport, error) {
	c := &w.st.Cycle
	p := w.join(s.Participant)
	q := w.quarter(s.Quarter)
	now := workflow.Now(ctx).UTC()
	r := domain.QuarterlyReport{
		ID: ReportID(c.ID, p.ID, s.Quarter), CycleID: c.ID, Authority: w.in.Authority, Year: w.in.Year,
		Agency: p.ID, AgencyName: p.Name, Quarter: s.Quarter, Figures: s.Figures, ReserveForm: s.ReserveForm,
		Due: q.Due, OnTime: !now.After(EndOfDay(q.Due)), SubmittedBy: s.Actor, SubmittedAt: now,
	}
	if r.Figures == nil {
		r.Figures = map[string]float64{}
	}
	p.Reports = append(p.Reports, s.Quarter)
	if !r.OnTime && !slices.Contains(p.LateReports, s.Quarter) {
		p.LateReports = append(p.LateReports, s.Quarter)
	}
	w.changed()
	if !r.OnTime {
		w.notify(ctx, w.lateReportNotice(r, p.Name))
	}
	return r, w.recordWith(ctx, s.Actor, "report_submitted", map[string]any{"report_id": r.ID, "quarter": s.Quarter, "on_time": r.OnTime},
		func(ev domain.Event) storage {
			w.st.Cycle.Revision = ev.Seq
			return storage{activity: planningActivities.SaveQuarterlyReport, input: activities.ReportStep{Report: r, Cycle: w.st.Cycle, Event: ev}}
		})
}
