package workflows

import (
	"fmt"
	"slices"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/profdev/profdev/activities"
	"github.com/profdev/profdev/internal/domain"
)

// The management reserve (резерв управленческих кадров), process 3: one nomination
// (представление кандидатов) per participant, year and reserve authority (seed 002 items
// 9-16 and 28). The agency's HR officers draft list 1 (ранее включённые и рекомендуемые
// повторно) and list 2 (впервые рекомендуемые или вновь после исключения), by category and
// within the authority's quotas; the head ("первое лицо") approves the lists, and any later
// edit withdraws that approval; HR submits them. The authority decides candidate by
// candidate: admits to the competitive selection, does not admit, or requests corrected
// information, which the participant must provide within 7 working days (item 28) or the
// candidate is not admitted. Once every candidate is decided, the authority records each
// admitted candidate's selection result. HR keeps included candidates' data current and the
// authority is told of every change (item 15). The workflow closes after its year once
// nothing is pending.
//
// reserve_steps.go holds the agency's steps on its lists, reserve_steps_authority.go the
// authority's decisions and the corrections they ask for, reserve_clock.go the deadlines and
// reserve_notices.go the texts sent.

// Names of the nomination workflow and its handlers.
const (
	NominationWorkflowType   = "ReserveNomination"
	ProcessReserveNomination = "reserve_nomination"
	QueryNomination          = "nomination"
	UpdateNominationSnapshot = "nomination_snapshot"
	UpdateAddCandidate       = "add_candidate"
	UpdateEditCandidate      = "edit_candidate"
	UpdateRemoveCandidate    = "remove_candidate"
	UpdateApproveNomination  = "approve_nomination"
	UpdateSubmitNomination   = "submit_nomination"
	UpdateDecideCandidate    = "decide_candidate"
	UpdateCorrectCandidate   = "correct_candidate"
	UpdateRecordSelection    = "record_selection"
	UpdateSetQuotas          = "set_quotas"
)

// The authority's decisions on a candidate.
const (
	CandidateAdmit       = "admit"
	CandidateNotAdmitted = "not_admitted"
	CandidateCorrection  = "correction"
)

// ReasonCorrectionLapsed is why a candidate whose correction never came is not admitted.
const ReasonCorrectionLapsed = "correction not provided"

// reserveActivities is the receiver used to name the reserve activities.
var reserveActivities *activities.Reserve

// NominationWorkflowID is the workflow ID, and the ID, of a nomination.
func NominationWorkflowID(authority, agency string, year int) string {
	return fmt.Sprintf("reserve-%s-%s-%d", authority, agency, year)
}

// NominationInput starts a nomination, or continues one (State set) after continue-as-new.
type NominationInput struct {
	Authority  string           `json:"authority"`
	Region     string           `json:"region"`
	Agency     string           `json:"agency"`
	AgencyName string           `json:"agency_name"`
	Year       int              `json:"year"`
	CreatedBy  domain.Actor     `json:"created_by"`
	ReviewDays int              `json:"review_days,omitempty"` // 0: ReserveTerms.ReviewDays
	State      *NominationState `json:"state,omitempty"`
}

// NominationState is what a nomination carries across continue-as-new.
type NominationState struct {
	Nomination  domain.Nomination `json:"nomination"`
	Review      carriedCycle      `json:"review"`      // the authority's review of the submission
	Corrections []CandidateClock  `json:"corrections"` // per candidate asked for a correction
	Issued      int               `json:"issued"`      // candidate numbers handed out
	PeriodOver  bool              `json:"period_over"`
	Steps       timeline          `json:"steps"`
}

// CandidateClock is one candidate's correction deadline and, once corrected, its re-review.
type CandidateClock struct {
	CandidateID string       `json:"candidate_id"`
	Cycle       carriedCycle `json:"cycle"`
}

// CandidateStep adds, edits, corrects or removes a candidate (CandidateID empty to add).
type CandidateStep struct {
	Actor       domain.Actor         `json:"actor"`
	CandidateID string               `json:"candidate_id,omitempty"`
	Data        domain.CandidateData `json:"data"`
	Comment     string               `json:"comment,omitempty"`
}

// CandidateDecision is the authority's decision on one candidate.
type CandidateDecision struct {
	Actor       domain.Actor `json:"actor"`
	CandidateID string       `json:"candidate_id"`
	Decision    string       `json:"decision"`
	Reason      string       `json:"reason"`
}

// SelectionResult is the outcome of the competitive selection for an admitted candidate.
type SelectionResult struct {
	Actor       domain.Actor           `json:"actor"`
	CandidateID string                 `json:"candidate_id"`
	Included    bool                   `json:"included"`
	Category    domain.ReserveCategory `json:"category,omitempty"` // default: the proposed one
}

// QuotaChange passes quotas the authority set after the nomination started.
type QuotaChange struct {
	Actor  domain.Actor         `json:"actor"`
	Quotas domain.ReserveQuotas `json:"quotas"`
}

type nomination struct {
	stepper
	in      NominationInput
	st      NominationState
	ready   bool
	closing bool // the year is over and nothing is pending: no further steps
	notes   *notifier
}

// ReserveNomination runs one nomination from the draft to the end of its year.
func ReserveNomination(ctx workflow.Context, in NominationInput) (domain.Nomination, error) {
	ctx = withActivities(ctx)
	w := &nomination{in: in, notes: newNotifier(ctx)}
	w.stepper = newStepper(ctx, w)
	if in.State != nil {
		w.st = *in.State
	} else {
		w.st.Nomination = domain.Nomination{
			ID: workflow.GetInfo(ctx).WorkflowExecution.ID, WorkflowID: workflow.GetInfo(ctx).WorkflowExecution.ID,
			Authority: in.Authority, Agency: in.Agency, AgencyName: in.AgencyName, Year: in.Year,
			Status: domain.NominationDraft, Candidates: []domain.ReserveCandidate{}, CreatedAt: workflow.Now(ctx).UTC(),
		}
	}
	if err := w.registerHandlers(ctx); err != nil {
		return w.st.Nomination, err
	}
	if in.State == nil {
		key := activities.QuotaKey{Authority: in.Authority, Agency: in.Agency, Year: in.Year}
		if err := workflow.ExecuteActivity(ctx, reserveActivities.LoadReserveQuotas, key).Get(ctx, &w.st.Nomination.Quotas); err != nil {
			return w.st.Nomination, ownStep(ctx, "loading the quotas", err)
		}
		if err := w.save(ctx, in.CreatedBy, "created", map[string]any{"quotas": w.st.Nomination.Quotas}); err != nil {
			return w.st.Nomination, ownStep(ctx, "the creation", err)
		}
		w.notify(ctx, w.createdNotice())
	}
	w.ready = true

	for !w.finished() {
		seen := w.changes
		alarm, fired, err := AwaitAlarm(ctx, func() bool {
			return w.changes != seen || workflow.GetInfo(ctx).GetContinueAsNewSuggested()
		}, w.alarmTimes()...)
		if err != nil {
			return w.st.Nomination, err
		}
		if fired {
			if err := w.onAlarm(ctx, alarm); err != nil {
				return w.st.Nomination, ownStep(ctx, string(alarm.Kind), err)
			}
		}
		if workflow.GetInfo(ctx).GetContinueAsNewSuggested() && !w.finished() {
			break
		}
	}
	w.closing = w.finished()
	if err := drain(ctx); err != nil {
		return w.st.Nomination, err
	}
	if !w.closing {
		w.notes.wait(ctx)
		next, state := in, w.st
		next.State = &state
		return w.st.Nomination, workflow.NewContinueAsNewError(ctx, ReserveNomination, next)
	}
	now := workflow.Now(ctx).UTC()
	w.st.Nomination.ClosedAt = &now
	if err := w.save(ctx, domain.SystemActor, "closed", map[string]any{"status": w.st.Nomination.Status}); err != nil {
		return w.st.Nomination, ownStep(ctx, "the close", err)
	}
	w.notes.wait(ctx)
	return w.st.Nomination, nil
}

func (w *nomination) id() string { return w.st.Nomination.ID }

func (w *nomination) candidate(id string) *domain.ReserveCandidate {
	i := slices.IndexFunc(w.st.Nomination.Candidates, func(c domain.ReserveCandidate) bool { return c.ID == id })
	if i < 0 {
		return nil
	}
	return &w.st.Nomination.Candidates[i]
}

// finished: the year is over and nothing is pending. A nomination never submitted in its
// year closes then too: its lists are of no use for another year.
func (w *nomination) finished() bool {
	n := w.st.Nomination
	if !w.st.PeriodOver {
		return false
	}
	if n.Status == domain.NominationDraft || n.Status == domain.NominationApproved {
		return true
	}
	return n.Status == domain.NominationDecided && !slices.ContainsFunc(n.Candidates, func(c domain.ReserveCandidate) bool { return !c.Status.Final() })
}

// sync copies the review's deadline and overdue flags into the read model.
func (w *nomination) sync() {
	n := &w.st.Nomination
	n.ReviewDue = nil
	if w.st.Review.Phase == PhaseUnderReview {
		due := w.st.Review.ReviewDue
		n.ReviewDue = &due
	}
	n.Overdue = w.st.Review.Overdue() || slices.ContainsFunc(w.st.Corrections, func(c CandidateClock) bool { return c.Cycle.Overdue() })
}

// save records the nomination after a step, its deadlines and overdue flag brought up to date.
func (w *nomination) save(ctx workflow.Context, actor domain.Actor, action string, details map[string]any) error {
	w.sync()
	return w.record(ctx, actor, action, details)
}

// How the step skeleton records a nomination's steps.

func (w *nomination) stepTimeline() *timeline { return &w.st.Steps }

func (w *nomination) stored(ev domain.Event) storage {
	w.st.Nomination.Revision = ev.Seq
	return storage{activity: reserveActivities.SaveNomination, input: activities.NominationStep{Nomination: w.st.Nomination, Event: ev}}
}

func (w *nomination) searchAttributes() []temporal.SearchAttributeUpdate {
	n := w.st.Nomination
	return []temporal.SearchAttributeUpdate{
		AttrProcess.ValueSet(ProcessReserveNomination), AttrStatus.ValueSet(string(n.Status)),
		AttrAuthority.ValueSet(n.Authority), AttrAgency.ValueSet(n.Agency),
		AttrYear.ValueSet(int64(n.Year)), AttrOverdue.ValueSet(n.Overdue),
	}
}
