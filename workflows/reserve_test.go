package workflows_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"cloud.google.com/go/civil"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/profdev/profdev/activities"
	"github.com/profdev/profdev/internal/calendar"
	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/internal/notify"
	"github.com/profdev/profdev/workflows"
)

var (
	reserveHR        = domain.Actor{Sub: "h1", Role: domain.RoleHR, Agency: "agency-1"}
	reserveOtherHR   = domain.Actor{Sub: "h2", Role: domain.RoleHR, Agency: "agency-2"}
	reserveHead      = domain.Actor{Sub: "d1", Role: domain.RoleAgencyHead, Agency: "agency-1"}
	reserveAuthority = domain.Actor{Sub: "r1", Role: domain.RoleReserveAuthority, Authority: "region-64"}
)

// reserveEnv runs the nomination workflow with time skipping and the real calendar activity;
// storage, the audit look-up and mail are recorded instead of performed.
type reserveEnv struct {
	*testsuite.TestWorkflowEnvironment
	t       *testing.T
	mu      sync.Mutex
	saved   []activities.NominationStep
	notices []notice
	// updates counts the updates sent; answered those accepted and completed, or refused as expected.
	updates, answered int
}

func newReserveEnv(t *testing.T, start time.Time, quotas domain.ReserveQuotas, previous map[string]*domain.PreviousReserve) *reserveEnv {
	t.Helper()
	var s testsuite.WorkflowTestSuite
	e := &reserveEnv{TestWorkflowEnvironment: s.NewTestWorkflowEnvironment(), t: t}
	e.SetStartTime(start)
	e.RegisterWorkflowWithOptions(workflows.ReserveNomination, workflow.RegisterOptions{Name: workflows.NominationWorkflowType})
	e.RegisterActivity(&activities.Calendar{Regions: calendar.NewRegions(calendar.Russia(), nil)})
	e.RegisterActivity(&activities.Reserve{})
	e.RegisterActivity(&activities.Notifications{})
	e.OnActivity("LoadReserveQuotas", mock.Anything, mock.Anything).Return(quotas, nil)
	e.OnActivity("FindPreviousReserve", mock.Anything, mock.Anything).Return(func(_ context.Context, q activities.PersonQuery) (activities.PreviousReserveResult, error) {
		return activities.PreviousReserveResult{Found: previous[q.FullName+"|"+q.DateOfBirth]}, nil
	})
	e.OnActivity("SaveNomination", mock.Anything, mock.Anything).Return(func(_ context.Context, s activities.NominationStep) error {
		e.mu.Lock()
		defer e.mu.Unlock()
		e.saved = append(e.saved, s)
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

func nominationInput() workflows.NominationInput {
	return workflows.NominationInput{Authority: "region-64", Region: "RU", Agency: "agency-1", AgencyName: "Министерство образования области",
		Year: 2026, CreatedBy: reserveHR}
}

// candidateData is a complete candidate of the list: every questionnaire criterion filled.
func candidateData(list domain.ReserveList, cat domain.ReserveCategory, name string) domain.CandidateData {
	years := 6
	q := domain.Questionnaire{DateOfBirth: "1984-05-17", Education: "высшее, СГУ, 2006", PositionSince: "2021-02-01", ManagementExperienceYears: &years}
	if list == domain.ListRepeat {
		q.Achievements, q.ProfessionalQualities, q.ProfessionalThinking, q.Motivation = "реорганизация службы", "ответственность", "системное", "развитие"
	} else {
		q.AdditionalEducation, q.Retraining, q.Internships, q.TestingResults = "ПК 72 ч", "ГМУ, 2019", "Минтруд, 2022", "высокие"
	}
	return domain.CandidateData{List: list, Category: cat, FullName: name, Position: "начальник отдела",
		Department: "Отдел кадровой политики", Questionnaire: q}
}

// stepAt sends an update at the given instant; it must be accepted and succeed.
func (e *reserveEnv) stepAt(when time.Time, name string, arg any) {
	e.updates++
	id := fmt.Sprintf("%s-%d", name, e.updates)
	e.RegisterDelayedCallback(func() {
		e.UpdateWorkflow(name, id, &testsuite.TestUpdateCallback{
			OnReject: func(err error) { e.t.Errorf("update %s rejected: %v", id, err) },
			OnAccept: func() {},
			OnComplete: func(_ any, err error) {
				if err != nil {
					e.t.Errorf("update %s failed: %v", id, err)
				}
				e.answered++
			},
		}, arg)
	}, when.Sub(e.Now()))
}

// refusedAt sends an update at the given instant that the validator must reject with code.
func (e *reserveEnv) refusedAt(when time.Time, name string, arg any, code domain.Code) {
	e.updates++
	id := fmt.Sprintf("refused-%s-%d", name, e.updates)
	e.RegisterDelayedCallback(func() {
		e.UpdateWorkflow(name, id, &testsuite.TestUpdateCallback{
			OnAccept: func() { e.t.Errorf("update %s was accepted", id) },
			OnReject: func(err error) {
				var appErr *temporal.ApplicationError
				if !errors.As(err, &appErr) || appErr.Type() != string(code) {
					e.t.Errorf("update %s: refused with %v, want %s", id, err, code)
				}
				e.answered++
			},
			OnComplete: func(any, error) {},
		}, arg)
	}, when.Sub(e.Now()))
}

func (e *reserveEnv) result() domain.Nomination {
	e.t.Helper()
	if !e.IsWorkflowCompleted() {
		e.t.Fatal("workflow did not complete")
	}
	if err := e.GetWorkflowError(); err != nil {
		e.t.Fatalf("workflow error: %v", err)
	}
	if e.answered != e.updates {
		e.t.Errorf("%d of %d updates answered as expected", e.answered, e.updates)
	}
	var n domain.Nomination
	if err := e.GetWorkflowResult(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

func (e *reserveEnv) actions() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []string
	for _, s := range e.saved {
		out = append(out, s.Event.Action)
	}
	return out
}

// savedAt returns the nomination as saved with the first step of the action.
func (e *reserveEnv) savedAt(action string) (activities.NominationStep, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, s := range e.saved {
		if s.Event.Action == action {
			return s, true
		}
	}
	return activities.NominationStep{}, false
}

func (e *reserveEnv) noticesOf(prefix string) []notice {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []notice
	for _, n := range e.notices {
		if len(n.Step) >= len(prefix) && n.Step[:len(prefix)] == prefix {
			out = append(out, notice{Step: prefix, Audience: n.Audience, At: n.At})
		}
	}
	return out
}

// TestReserveCorrectionLapsesAndReviewEscalates submits on Monday 2 March 2026. The authority
// asks on Tuesday 3 March for a correction of C1: 7 working days, skipping the 8 March
// holiday moved to Monday 9 March, run to Friday 13 March; HR is reminded at 09:00 on
// Wednesday 11 March, and with no correction C1 is not admitted at the end of the 13th. The
// authority's own 10 working days run to Tuesday 17 March; still undecided, C2 is escalated
// at the end of that day. C2 is admitted and included, and the nomination closes after its year.
func TestReserveCorrectionLapsesAndReviewEscalates(t *testing.T) {
	previous := map[string]*domain.PreviousReserve{
		"Петров Пётр Петрович|1984-05-17": {Year: 2025, Category: domain.CategoryI, Agency: "agency-1", NominationID: "reserve-region-64-agency-1-2025"},
	}
	e := newReserveEnv(t, at(2026, 3, 2, 9, 0), domain.ReserveQuotas{I: 1, II: 1, III: 1, Revision: 1}, previous)
	e.stepAt(at(2026, 3, 2, 10, 0), workflows.UpdateAddCandidate, workflows.CandidateStep{Actor: reserveHR, Data: candidateData(domain.ListRepeat, domain.CategoryI, "Петров Пётр Петрович")})
	e.stepAt(at(2026, 3, 2, 10, 5), workflows.UpdateAddCandidate, workflows.CandidateStep{Actor: reserveHR, Data: candidateData(domain.ListNew, domain.CategoryII, "Сидорова Анна Ивановна")})
	e.stepAt(at(2026, 3, 2, 10, 10), workflows.UpdateApproveNomination, reserveHead)
	e.stepAt(at(2026, 3, 2, 10, 15), workflows.UpdateSubmitNomination, reserveHR)
	e.stepAt(at(2026, 3, 3, 10, 0), workflows.UpdateDecideCandidate, workflows.CandidateDecision{Actor: reserveAuthority, CandidateID: "C1", Decision: workflows.CandidateCorrection, Reason: "уточнить управленческий стаж"})
	e.stepAt(at(2026, 3, 19, 12, 0), workflows.UpdateDecideCandidate, workflows.CandidateDecision{Actor: reserveAuthority, CandidateID: "C2", Decision: workflows.CandidateAdmit})
	e.stepAt(at(2026, 4, 20, 12, 0), workflows.UpdateRecordSelection, workflows.SelectionResult{Actor: reserveAuthority, CandidateID: "C2", Included: true})
	e.ExecuteWorkflow(workflows.NominationWorkflowType, nominationInput())
	n := e.result()

	type outcome struct {
		ID, Note, Reason string
		Status           domain.CandidateStatus
		Included         domain.ReserveCategory
		Previous         *domain.PreviousReserve
	}
	var got []outcome
	for _, c := range n.Candidates {
		got = append(got, outcome{c.ID, c.Note, c.Reason, c.Status, c.IncludedCategory, c.PreviousReserve})
	}
	want := []outcome{
		{"C1", "повторно", workflows.ReasonCorrectionLapsed, domain.CandidateNotAdmitted, "", previous["Петров Пётр Петрович|1984-05-17"]},
		{"C2", "", "", domain.CandidateIncluded, domain.CategoryII, nil},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("candidates mismatch (-want +got):\n%s", diff)
	}
	if n.Status != domain.NominationDecided || n.ClosedAt == nil || !n.ClosedAt.Equal(at(2027, 1, 1, 0, 0)) || n.Overdue {
		t.Errorf("nomination = %s closed %v overdue %v; want decided, closed at the start of 2027, not overdue", n.Status, n.ClosedAt, n.Overdue)
	}

	requested, _ := e.savedAt("correction_requested")
	if c, _ := requested.Nomination.Candidate("C1"); c.CorrectionDue == nil || *c.CorrectionDue != (civil.Date{Year: 2026, Month: 3, Day: 13}) {
		t.Errorf("correction_due = %v, want 2026-03-13", c.CorrectionDue)
	}
	submitted, _ := e.savedAt("submitted")
	if due := submitted.Nomination.ReviewDue; due == nil || *due != (civil.Date{Year: 2026, Month: 3, Day: 17}) {
		t.Errorf("review_due = %v, want 2026-03-17", due)
	}
	overdue, ok := e.savedAt("review_overdue")
	if !ok || !overdue.Nomination.Overdue {
		t.Errorf("escalation recorded = %v, overdue = %v; want an overdue nomination", ok, overdue.Nomination.Overdue)
	}

	hr, authority := "role:hr:agency-1", "role:reserve_authority:region-64"
	wantNotices := []notice{
		{"correction_reminder", hr, at(2026, 3, 11, 9, 0)},
		{"correction_lapsed", hr, at(2026, 3, 14, 0, 0)},
		{"correction_lapsed", authority, at(2026, 3, 14, 0, 0)},
		{"review_reminder", authority, at(2026, 3, 13, 9, 0)},
		{"review_overdue", authority, at(2026, 3, 18, 0, 0)},
	}
	var gotNotices []notice
	for _, step := range []string{"correction_reminder", "correction_lapsed", "review_reminder", "review_overdue"} {
		gotNotices = append(gotNotices, e.noticesOf(step)...)
	}
	byStepAndAudience := cmpopts.SortSlices(func(a, b notice) bool { return a.Step+a.Audience < b.Step+b.Audience })
	if diff := cmp.Diff(wantNotices, gotNotices, cmp.Comparer(time.Time.Equal), byStepAndAudience); diff != "" {
		t.Errorf("deadline notices mismatch (-want +got):\n%s", diff)
	}
	wantActions := []string{"created", "candidate_added", "candidate_added", "approved", "submitted", "correction_requested",
		"correction_reminder", "review_reminder", "correction_lapsed", "review_overdue", "candidate_admitted", "decided", "included", "closed"}
	if diff := cmp.Diff(wantActions, e.actions()); diff != "" {
		t.Errorf("recorded steps mismatch (-want +got):\n%s", diff)
	}
}

// TestReserveValidatorsRefuseBeforeAnythingIsWritten sends steps the rules refuse, each at a
// moment it could otherwise be taken, and checks that none was recorded.
func TestReserveValidatorsRefuseBeforeAnythingIsWritten(t *testing.T) {
	e := newReserveEnv(t, at(2026, 3, 2, 9, 0), domain.ReserveQuotas{I: 1, II: 0, III: 2, Revision: 1}, nil)
	add := func(a domain.Actor, d domain.CandidateData) workflows.CandidateStep {
		return workflows.CandidateStep{Actor: a, Data: d}
	}
	incomplete := candidateData(domain.ListNew, domain.CategoryIII, "Без Анкеты")
	incomplete.Questionnaire.TestingResults, incomplete.Questionnaire.ManagementExperienceYears = "", nil

	e.stepAt(at(2026, 3, 2, 10, 0), workflows.UpdateAddCandidate, add(reserveHR, candidateData(domain.ListNew, domain.CategoryI, "Кузнецов Иван Сергеевич")))
	draft := at(2026, 3, 2, 11, 0)
	e.refusedAt(draft, workflows.UpdateAddCandidate, add(reserveHR, candidateData(domain.ListNew, domain.CategoryI, "Второй Сверх Квоты")), domain.CodeConflict)
	e.refusedAt(draft, workflows.UpdateAddCandidate, add(reserveHR, candidateData(domain.ListNew, domain.CategoryII, "Нет Квоты")), domain.CodeConflict)
	e.refusedAt(draft, workflows.UpdateAddCandidate, add(reserveHR, candidateData(domain.ListRepeat, domain.CategoryI, "Кузнецов  Иван Сергеевич")), domain.CodeConflict)
	e.refusedAt(draft, workflows.UpdateAddCandidate, add(reserveHR, incomplete), domain.CodeInvalid)
	e.refusedAt(draft, workflows.UpdateAddCandidate, add(reserveOtherHR, candidateData(domain.ListNew, domain.CategoryIII, "Чужой Кандидат")), domain.CodeNotFound)
	e.refusedAt(draft, workflows.UpdateAddCandidate, add(reserveHead, candidateData(domain.ListNew, domain.CategoryIII, "Руководитель Предлагает")), domain.CodeForbidden)
	e.refusedAt(draft, workflows.UpdateSubmitNomination, reserveHR, domain.CodeConflict)
	e.refusedAt(draft, workflows.UpdateApproveNomination, reserveHR, domain.CodeForbidden)
	e.refusedAt(draft, workflows.UpdateDecideCandidate, workflows.CandidateDecision{Actor: reserveAuthority, CandidateID: "C1", Decision: workflows.CandidateAdmit}, domain.CodeConflict)

	e.stepAt(at(2026, 3, 2, 12, 0), workflows.UpdateApproveNomination, reserveHead)
	e.stepAt(at(2026, 3, 2, 13, 0), workflows.UpdateSubmitNomination, reserveHR)
	review := at(2026, 3, 2, 14, 0)
	e.refusedAt(review, workflows.UpdateEditCandidate, workflows.CandidateStep{Actor: reserveHR, CandidateID: "C1", Data: candidateData(domain.ListNew, domain.CategoryI, "Кузнецов Иван Сергеевич")}, domain.CodeConflict)
	e.refusedAt(review, workflows.UpdateAddCandidate, add(reserveHR, candidateData(domain.ListNew, domain.CategoryIII, "Поздний Кандидат")), domain.CodeConflict)
	e.refusedAt(review, workflows.UpdateRemoveCandidate, workflows.CandidateStep{Actor: reserveHR, CandidateID: "C1"}, domain.CodeConflict)
	e.refusedAt(review, workflows.UpdateCorrectCandidate, workflows.CandidateStep{Actor: reserveHR, CandidateID: "C1", Data: candidateData(domain.ListNew, domain.CategoryI, "Кузнецов Иван Сергеевич")}, domain.CodeConflict)
	e.refusedAt(review, workflows.UpdateDecideCandidate, workflows.CandidateDecision{Actor: reserveHead, CandidateID: "C1", Decision: workflows.CandidateAdmit}, domain.CodeForbidden)
	e.refusedAt(review, workflows.UpdateDecideCandidate, workflows.CandidateDecision{Actor: reserveAuthority, CandidateID: "C1", Decision: workflows.CandidateNotAdmitted}, domain.CodeInvalid)
	e.refusedAt(review, workflows.UpdateDecideCandidate, workflows.CandidateDecision{Actor: reserveAuthority, CandidateID: "C9", Decision: workflows.CandidateAdmit}, domain.CodeNotFound)
	e.refusedAt(review, workflows.UpdateRecordSelection, workflows.SelectionResult{Actor: reserveAuthority, CandidateID: "C1", Included: true}, domain.CodeConflict)
	e.stepAt(at(2026, 3, 2, 15, 0), workflows.UpdateDecideCandidate, workflows.CandidateDecision{Actor: reserveAuthority, CandidateID: "C1", Decision: workflows.CandidateNotAdmitted, Reason: "не соответствует требованиям"})
	e.ExecuteWorkflow(workflows.NominationWorkflowType, nominationInput())
	n := e.result()

	want := []string{"created", "candidate_added", "approved", "submitted", "candidate_not_admitted", "decided", "closed"}
	if diff := cmp.Diff(want, e.actions()); diff != "" || n.Status != domain.NominationDecided {
		t.Errorf("recorded steps mismatch (-want +got):\n%s (status %s)", diff, n.Status)
	}
}

// TestReserveEditAfterApprovalWithdrawsIt: an edit of an approved draft sends it back to
// draft and the head is told; quotas the authority raises later let a candidate in.
func TestReserveEditAfterApprovalWithdrawsIt(t *testing.T) {
	e := newReserveEnv(t, at(2026, 10, 5, 9, 0), domain.ReserveQuotas{I: 1, Revision: 3}, nil)
	e.stepAt(at(2026, 10, 5, 10, 0), workflows.UpdateAddCandidate, workflows.CandidateStep{Actor: reserveHR, Data: candidateData(domain.ListNew, domain.CategoryI, "Орлов Олег Олегович")})
	e.stepAt(at(2026, 10, 5, 11, 0), workflows.UpdateApproveNomination, reserveHead)
	e.refusedAt(at(2026, 10, 5, 11, 30), workflows.UpdateAddCandidate, workflows.CandidateStep{Actor: reserveHR, Data: candidateData(domain.ListNew, domain.CategoryIII, "Смирнова Ольга Петровна")}, domain.CodeConflict)
	// A late message with older quotas changes nothing; the newer ones apply.
	e.stepAt(at(2026, 10, 5, 12, 0), workflows.UpdateSetQuotas, workflows.QuotaChange{Actor: reserveAuthority, Quotas: domain.ReserveQuotas{I: 1, II: 1, III: 1, Revision: 5}})
	e.stepAt(at(2026, 10, 5, 12, 5), workflows.UpdateSetQuotas, workflows.QuotaChange{Actor: reserveAuthority, Quotas: domain.ReserveQuotas{Revision: 4}})
	e.stepAt(at(2026, 10, 5, 13, 0), workflows.UpdateAddCandidate, workflows.CandidateStep{Actor: reserveHR, Data: candidateData(domain.ListNew, domain.CategoryIII, "Смирнова Ольга Петровна")})
	e.ExecuteWorkflow(workflows.NominationWorkflowType, nominationInput())
	n := e.result()

	if n.Status != domain.NominationDraft || n.ApprovedBy != nil || len(n.Candidates) != 2 || n.Quotas.Revision != 5 {
		t.Errorf("nomination = %s approved by %v, %d candidates, quotas %+v; want a draft again with 2 and revision 5", n.Status, n.ApprovedBy, len(n.Candidates), n.Quotas)
	}
	added, _ := e.savedAt("quotas_set")
	if added.Event.Details["quotas"] == nil {
		t.Errorf("quota change recorded without the quotas: %+v", added.Event)
	}
	if got := e.noticesOf("approval_withdrawn"); len(got) != 1 || got[0].Audience != "role:agency_head:agency-1" {
		t.Errorf("approval withdrawal notices = %+v, want one to the head", got)
	}
	want := []string{"created", "candidate_added", "approved", "quotas_set", "candidate_added", "closed"}
	if diff := cmp.Diff(want, e.actions()); diff != "" {
		t.Errorf("recorded steps mismatch (-want +got):\n%s", diff)
	}
}

// TestReserveContinuesFromCarriedState starts a nomination as continue-as-new does, from the
// state of a decided one: HR keeps an included candidate current, the timeline goes on from
// the carried step number, and the nomination closes when its year ends.
func TestReserveContinuesFromCarriedState(t *testing.T) {
	e := newReserveEnv(t, at(2026, 12, 30, 9, 0), domain.ReserveQuotas{}, nil)
	included := domain.ReserveCandidate{ID: "C1", Number: 1, CandidateData: candidateData(domain.ListNew, domain.CategoryII, "Орлов Олег Олегович"),
		Status: domain.CandidateIncluded, IncludedCategory: domain.CategoryII}
	in := nominationInput()
	in.State = &workflows.NominationState{Issued: 1, Nomination: domain.Nomination{
		ID: "reserve-region-64-agency-1-2026", WorkflowID: "reserve-region-64-agency-1-2026", Authority: "region-64", Agency: "agency-1",
		Year: 2026, Status: domain.NominationDecided, Candidates: []domain.ReserveCandidate{included}, Revision: 41,
	}}
	in.State.Steps.Seq = 41
	moved := included.CandidateData
	moved.Position, moved.Questionnaire.Education = "заместитель министра", "высшее; MBA"
	e.stepAt(at(2026, 12, 30, 10, 0), workflows.UpdateEditCandidate, workflows.CandidateStep{Actor: reserveHR, CandidateID: "C1", Data: moved})
	e.refusedAt(at(2026, 12, 30, 11, 0), workflows.UpdateEditCandidate, workflows.CandidateStep{Actor: reserveHR, CandidateID: "C1",
		Data: candidateData(domain.ListNew, domain.CategoryI, "Орлов Олег Олегович")}, domain.CodeConflict)
	e.ExecuteWorkflow(workflows.NominationWorkflowType, in)
	n := e.result()

	updated, ok := e.savedAt("candidate_updated")
	if !ok || updated.Event.Seq != 42 {
		t.Fatalf("update recorded = %v as step %d, want step 42", ok, updated.Event.Seq)
	}
	if diff := cmp.Diff([]any{"position", "questionnaire"}, updated.Event.Details["changed"]); diff != "" {
		t.Errorf("changed fields mismatch (-want +got):\n%s", diff)
	}
	if got := e.noticesOf("candidate_updated"); len(got) != 1 || got[0].Audience != "role:reserve_authority:region-64" {
		t.Errorf("notices of the update = %+v, want one to the authority", got)
	}
	if c, _ := n.Candidate("C1"); c.Position != "заместитель министра" || n.ClosedAt == nil || n.Revision != 43 {
		t.Errorf("final = %+v closed %v revision %d", c, n.ClosedAt, n.Revision)
	}
}
