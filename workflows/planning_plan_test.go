package workflows_test

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/workflows"
)

// TestPlanReviewReturnResubmitAccept runs a plan's review as the cycle's child: returned with
// reasons, its rework deadline lapses (flagged and escalated), it is resubmitted, the
// ministry is late deciding (escalated), and it is accepted.
func TestPlanReviewReturnResubmitAccept(t *testing.T) {
	p := &planningEnv{t: t, realChild: true}
	planID := workflows.PlanWorkflowID("mintrud", 2026, domain.ParticipantAgency, "agency-1")
	decide := func(d string, reasons ...string) workflows.PlanDecision {
		return workflows.PlanDecision{Actor: planMinistry, Decision: d, Reasons: reasons}
	}
	steps := []*planStep{
		{at: at(2026, 1, 14, 10, 0), name: workflows.UpdateSubmitPlan, arg: submission(planHR1, agency1)},
		{at: at(2026, 1, 15, 10, 0), workflowID: planID, name: workflows.UpdateDecidePlan, arg: decide("return"), refuse: domain.CodeInvalid},
		{at: at(2026, 1, 15, 10, 5), workflowID: planID, name: workflows.UpdateDecidePlan, arg: workflows.PlanDecision{Actor: planHR1, Decision: "accept"}, refuse: domain.CodeForbidden},
		{at: at(2026, 1, 15, 10, 10), workflowID: planID, name: workflows.UpdateDecidePlan, arg: workflows.PlanDecision{Actor: planHR2, Decision: "accept"}, refuse: domain.CodeNotFound},
		{at: at(2026, 1, 15, 11, 0), workflowID: planID, name: workflows.UpdateDecidePlan, arg: decide("return", "нет мероприятий по приоритетному направлению")},
		{at: at(2026, 1, 15, 12, 0), workflowID: planID, name: workflows.UpdateDecidePlan, arg: decide("accept"), refuse: domain.CodeConflict},
		{at: at(2026, 1, 26, 10, 0), workflowID: planID, name: workflows.UpdateResubmitPlan, arg: workflows.PlanResubmission{Actor: planHR1, Events: events(false)}},
		{at: at(2026, 2, 3, 10, 0), workflowID: planID, name: workflows.UpdateDecidePlan, arg: decide("accept")},
	}
	p.run(at(2026, 1, 12, 9, 0), cycleInput(), steps)

	var actions []string
	var last domain.Plan
	for _, s := range p.plans {
		actions = append(actions, s.Event.Action+"@"+s.Event.At.In(workflows.Moscow).Format("01-02 15:04"))
		last = s.Plan
	}
	want := []string{
		"submitted@01-14 10:00", "returned@01-15 11:00",
		"remind_submitter@01-21 09:00", "lapse@01-23 00:00", "resubmitted@01-26 10:00",
		"remind_reviewer@01-30 09:00", "escalate@02-03 00:00", "accepted@02-03 10:00",
	}
	slices.Sort(want)
	slices.Sort(actions)
	if diff := cmp.Diff(want, actions); diff != "" {
		t.Errorf("plan steps mismatch (-want +got):\n%s", diff)
	}
	if last.Status != domain.PlanAccepted || last.Round != 2 || last.Events[0].Central || !last.OnTime {
		t.Errorf("final plan %+v", last)
	}
	if got := p.noticesOf("resubmit_overdue_4"); len(got) != 2 {
		t.Errorf("lapse notices %v, want the agency and the ministry", got)
	}
}
