package workflows_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"cloud.google.com/go/civil"
	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/profdev/profdev/activities"
	"github.com/profdev/profdev/internal/calendar"
	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/internal/notify"
	"github.com/profdev/profdev/workflows"
)

var applicant = domain.Actor{Sub: "esia-42", Role: domain.RoleApplicant}

// connectionEnv runs the connection workflows with the real calendar; storage and mail are
// recorded instead of performed.
type connectionEnv struct {
	*testsuite.TestWorkflowEnvironment
	mu      sync.Mutex
	notices []notice
	saved   []activities.ConnectionStep
	entered []domain.PeopleEntry
	applied []activities.ApplyChangeInput
}

func newConnectionEnv(t *testing.T, start time.Time) *connectionEnv {
	t.Helper()
	var s testsuite.WorkflowTestSuite
	e := &connectionEnv{TestWorkflowEnvironment: s.NewTestWorkflowEnvironment()}
	e.SetStartTime(start)
	e.RegisterWorkflowWithOptions(workflows.Connection, workflow.RegisterOptions{Name: workflows.ConnectionWorkflowType})
	e.RegisterWorkflowWithOptions(workflows.ConnectionChange, workflow.RegisterOptions{Name: workflows.ChangeWorkflowType})
	e.RegisterActivity(&activities.Calendar{Regions: calendar.NewRegions(calendar.Russia(), nil)})
	e.RegisterActivity(&activities.Connections{})
	e.RegisterActivity(&activities.Notifications{})
	e.OnActivity("SaveConnection", mock.Anything, mock.Anything).Return(func(_ context.Context, s activities.ConnectionStep) error {
		e.mu.Lock()
		defer e.mu.Unlock()
		e.saved = append(e.saved, s)
		return nil
	})
	e.OnActivity("SaveChange", mock.Anything, mock.Anything).Return(nil)
	e.OnActivity("EnterPeople", mock.Anything, mock.Anything).Return(func(_ context.Context, in domain.PeopleEntry) ([]domain.Invitation, error) {
		e.mu.Lock()
		defer e.mu.Unlock()
		e.entered = append(e.entered, in)
		var out []domain.Invitation
		for i, p := range in.People {
			out = append(out, domain.Invitation{PersonID: in.PersonIDs[i], FullName: p.FullName, Email: p.Email})
		}
		return out, nil
	})
	e.OnActivity("ApplyChange", mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.ApplyChangeInput) ([]domain.Invitation, error) {
		e.mu.Lock()
		defer e.mu.Unlock()
		e.applied = append(e.applied, in)
		return nil, nil
	})
	e.OnActivity("SendInvitation", mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.InvitationInput) error {
		e.mu.Lock()
		defer e.mu.Unlock()
		e.notices = append(e.notices, notice{Step: "invitation_" + in.PersonID, Audience: domain.UserAudience("invitee:" + in.PersonID).Key(), At: e.Now().In(workflows.Moscow)})
		return nil
	})
	e.OnActivity("Notify", mock.Anything, mock.Anything).Return(func(_ context.Context, r notify.Request) (notify.Result, error) {
		e.mu.Lock()
		defer e.mu.Unlock()
		e.notices = append(e.notices, notice{Step: r.Step, Audience: r.Audience.Key(), At: e.Now().In(workflows.Moscow)})
		return notify.Result{}, nil
	})
	return e
}

func connectionInput() workflows.ConnectionInput {
	return workflows.ConnectionInput{ID: "c-1", Region: "RU", SubmittedBy: applicant, Request: domain.ConnectionRequest{
		Authority: "mintrud",
		Organisation: domain.Organisation{Kind: domain.OrgAgency, ID: "agency-new", Name: "Комитет", INN: "7707083893",
			OGRN: "1027700132195", Address: "Москва", Head: domain.OrganisationHead{FullName: "Иванов И. И.", Position: "Председатель"}},
		People: []domain.PersonDetails{
			{FullName: "Петрова А. А.", Position: "Специалист", Email: "petrova@agency.test", Phone: "+74955005550", Kind: domain.PersonEmployee, Role: domain.RoleHR},
			{FullName: "Сидоров Б. Б.", Position: "Начальник", Email: "sidorov@agency.test", Phone: "+74955005551", Kind: domain.PersonOfficial, Role: domain.RoleOrgAdmin},
		},
	}}
}

func (e *connectionEnv) updateAt(t *testing.T, when time.Time, name string, arg any) {
	e.RegisterDelayedCallback(func() {
		e.UpdateWorkflow(name, name+when.String(), &testsuite.TestUpdateCallback{
			OnReject: func(err error) { t.Errorf("%s rejected: %v", name, err) },
			OnComplete: func(_ any, err error) {
				if err != nil {
					t.Errorf("%s failed: %v", name, err)
				}
			},
		}, arg)
	}, when.Sub(e.Now()))
}

func (e *connectionEnv) result(t *testing.T) domain.Connection {
	t.Helper()
	if !e.IsWorkflowCompleted() {
		t.Fatal("workflow did not complete")
	}
	if err := e.GetWorkflowError(); err != nil {
		t.Fatalf("workflow error: %v", err)
	}
	var c domain.Connection
	if err := e.GetWorkflowResult(&c); err != nil {
		t.Fatal(err)
	}
	return c
}

func (e *connectionEnv) noticeTimes(step string) []time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []time.Time
	for _, n := range e.notices {
		if n.Step == step {
			out = append(out, n.At)
		}
	}
	return out
}

// savedActions is the sequence of recorded steps.
func (e *connectionEnv) savedActions() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []string
	for _, s := range e.saved {
		out = append(out, s.Event.Action)
	}
	return out
}

func (e *connectionEnv) overdueAfter(action string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, s := range e.saved {
		if s.Event.Action == action {
			return s.Connection.Overdue
		}
	}
	return false
}

var timeEqual = cmp.Comparer(time.Time.Equal)

// TestConnectionNotReviewedIsRemindedAndEscalated submits on Tuesday 10 March 2026: the three
// working days are 11, 12 and 13 March; the reminder goes out at 09:00 on 12 March, the
// escalation (overdue flag) at the end of 13 March; the 30-day target (9 April) passes too.
// A return on 13 April and no resubmission by 16 April lapse the request.
func TestConnectionNotReviewedIsRemindedAndEscalated(t *testing.T) {
	e := newConnectionEnv(t, at(2026, 3, 10, 10, 0))
	e.updateAt(t, at(2026, 4, 13, 11, 0), workflows.UpdateDecideConnection,
		workflows.ConnectionDecision{Actor: ministryUser, Decision: workflows.DecisionReturn, Reasons: []string{"нет подписи руководителя"}})
	e.ExecuteWorkflow(workflows.ConnectionWorkflowType, connectionInput())
	c := e.result(t)

	if c.ReviewDue == nil || *c.ReviewDue != (civil.Date{Year: 2026, Month: 3, Day: 13}) {
		t.Errorf("review_due = %v, want 2026-03-13", c.ReviewDue)
	}
	if c.ConnectBy != (civil.Date{Year: 2026, Month: 4, Day: 9}) {
		t.Errorf("connect_by = %v, want 2026-04-09", c.ConnectBy)
	}
	if diff := cmp.Diff([]time.Time{at(2026, 3, 12, 9, 0)}, e.noticeTimes("review_reminder_1"), timeEqual); diff != "" {
		t.Errorf("reminder mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]time.Time{at(2026, 3, 14, 0, 0)}, e.noticeTimes("review_overdue_1"), timeEqual); diff != "" {
		t.Errorf("escalation mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]time.Time{at(2026, 4, 10, 0, 0)}, e.noticeTimes("connect_target_missed"), timeEqual); diff != "" {
		t.Errorf("30-day target mismatch (-want +got):\n%s", diff)
	}
	if !e.overdueAfter("review_overdue") || !e.overdueAfter("connect_target_missed") {
		t.Error("the overdue flag is not set when the review and the target are missed")
	}
	if c.Status != domain.ConnectionLapsed || c.ResubmitDue == nil || *c.ResubmitDue != (civil.Date{Year: 2026, Month: 4, Day: 16}) {
		t.Errorf("status %s resubmit_due %v, want lapsed after 2026-04-16", c.Status, c.ResubmitDue)
	}
}

// TestConnectionReturnedAndNotResubmittedLapses: returned on 11 March, the organisation has
// until 16 March (12, 13, 16) and sends nothing: the request lapses at the end of 16 March.
func TestConnectionReturnedAndNotResubmittedLapses(t *testing.T) {
	e := newConnectionEnv(t, at(2026, 3, 10, 10, 0))
	e.updateAt(t, at(2026, 3, 11, 10, 0), workflows.UpdateDecideConnection,
		workflows.ConnectionDecision{Actor: ministryUser, Decision: workflows.DecisionReturn, Reasons: []string{"не указан телефон"}})
	e.ExecuteWorkflow(workflows.ConnectionWorkflowType, connectionInput())
	c := e.result(t)
	if c.Status != domain.ConnectionLapsed {
		t.Fatalf("status = %s, want lapsed", c.Status)
	}
	if diff := cmp.Diff([]time.Time{at(2026, 3, 17, 0, 0)}, e.noticeTimes("lapsed"), timeEqual,
		cmp.Transformer("first", func(ts []time.Time) []time.Time { return ts[:min(1, len(ts))] })); diff != "" {
		t.Errorf("lapse mismatch (-want +got):\n%s", diff)
	}
	if len(e.noticeTimes("review_overdue_1")) != 0 {
		t.Error("a request decided in time was escalated")
	}
}

// TestConnectionAcceptedConnectsWhenEveryoneSignsIn: accepted on 11 March, both people are
// entered and invited; access is due 5 working days later (18 March), handover 5 more
// (25 March); when both have signed in the organisation is connected.
func TestConnectionAcceptedConnectsWhenEveryoneSignsIn(t *testing.T) {
	e := newConnectionEnv(t, at(2026, 3, 10, 10, 0))
	e.updateAt(t, at(2026, 3, 11, 10, 0), workflows.UpdateDecideConnection,
		workflows.ConnectionDecision{Actor: ministryUser, Decision: workflows.DecisionAccept})
	e.updateAt(t, at(2026, 3, 12, 10, 0), workflows.UpdateConnectionSignIn, workflows.ConnectionSignIn{Actor: applicant, PersonID: "c-1-p1"})
	e.updateAt(t, at(2026, 3, 13, 10, 0), workflows.UpdateConnectionSignIn, workflows.ConnectionSignIn{Actor: applicant, PersonID: "c-1-p2"})
	e.ExecuteWorkflow(workflows.ConnectionWorkflowType, connectionInput())
	c := e.result(t)
	if c.Status != domain.ConnectionConnected {
		t.Fatalf("status = %s, want connected", c.Status)
	}
	if *c.AccessDue != (civil.Date{Year: 2026, Month: 3, Day: 18}) || *c.HandoverDue != (civil.Date{Year: 2026, Month: 3, Day: 25}) {
		t.Errorf("access_due %v handover_due %v, want 2026-03-18 and 2026-03-25", c.AccessDue, c.HandoverDue)
	}
	if len(e.entered) != 1 || len(e.noticeTimes("invitation_c-1-p1")) != 1 || len(e.noticeTimes("invitation_c-1-p2")) != 1 {
		t.Errorf("entered %d times, invitations %v %v", len(e.entered), e.noticeTimes("invitation_c-1-p1"), e.noticeTimes("invitation_c-1-p2"))
	}
	want := []string{"submitted", "accepted", "access_prepared", "invitations_sent", "signed_in", "signed_in", "connected"}
	if diff := cmp.Diff(want, e.savedActions()); diff != "" {
		t.Errorf("steps mismatch (-want +got):\n%s", diff)
	}
}

// TestConnectionHandoverLateAndTargetReached: accepted on 11 March and nobody signs in: the
// handover is reminded on 24 March, escalated at the end of 25 March, and on 9 April the 30
// days run out and the organisation counts as connected.
func TestConnectionHandoverLateAndTargetReached(t *testing.T) {
	e := newConnectionEnv(t, at(2026, 3, 10, 10, 0))
	e.updateAt(t, at(2026, 3, 11, 10, 0), workflows.UpdateDecideConnection,
		workflows.ConnectionDecision{Actor: ministryUser, Decision: workflows.DecisionAccept})
	e.ExecuteWorkflow(workflows.ConnectionWorkflowType, connectionInput())
	c := e.result(t)
	if c.Status != domain.ConnectionConnected || c.ConnectedAt == nil || !c.ConnectedAt.Equal(at(2026, 4, 10, 0, 0)) {
		t.Fatalf("status %s connected_at %v, want connected at the end of 2026-04-09", c.Status, c.ConnectedAt)
	}
	if diff := cmp.Diff([]time.Time{at(2026, 3, 24, 9, 0)}, e.noticeTimes("handover_reminder"), timeEqual); diff != "" {
		t.Errorf("handover reminder mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]time.Time{at(2026, 3, 26, 0, 0)}, e.noticeTimes("handover_overdue"), timeEqual); diff != "" {
		t.Errorf("handover escalation mismatch (-want +got):\n%s", diff)
	}
	if !e.overdueAfter("handover_overdue") {
		t.Error("a late handover is not flagged overdue")
	}
}

// TestBlockChangeDeadlines: a dismissal on Monday 16 March reported on 18 March; the
// organisation had until 19 March (3 working days), the authority has 3 + 5 working days
// from the report (30 March). Applied on 20 March, the block reaches the registry.
func TestBlockChangeDeadlines(t *testing.T) {
	e := newConnectionEnv(t, at(2026, 3, 18, 10, 0))
	e.updateAt(t, at(2026, 3, 20, 10, 0), workflows.UpdateDecideChange, workflows.ChangeDecision{Actor: ministryUser, Decision: workflows.DecisionApply})
	e.ExecuteWorkflow(workflows.ChangeWorkflowType, workflows.ChangeInput{Region: "RU", Change: domain.ChangeRequest{
		ID: "ch-1", Organisation: "agency-new", OrganisationKind: domain.OrgAgency, Authority: "mintrud",
		ChangeRequestBody: domain.ChangeRequestBody{Kind: domain.ChangeBlock, PersonID: "c-1-p1", Reason: "увольнение",
			OccurredOn: civil.Date{Year: 2026, Month: 3, Day: 16}},
	}})
	if err := e.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	var ch domain.ChangeRequest
	if err := e.GetWorkflowResult(&ch); err != nil {
		t.Fatal(err)
	}
	if ch.ReportDue != (civil.Date{Year: 2026, Month: 3, Day: 19}) || ch.ReportedLate || ch.ActBy != (civil.Date{Year: 2026, Month: 3, Day: 30}) {
		t.Errorf("report_due %v late %v act_by %v, want 2026-03-19 false 2026-03-30", ch.ReportDue, ch.ReportedLate, ch.ActBy)
	}
	if ch.Status != domain.ChangeApplied || len(e.applied) != 1 {
		t.Errorf("status %s applied %d times", ch.Status, len(e.applied))
	}
}
