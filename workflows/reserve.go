package workflows

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"cloud.google.com/go/civil"
	"go.temporal.io/sdk/workflow"

	"github.com/profdev/profdev/activities"
	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/internal/notify"
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

// ReserveTerms: corrections within 7 working days (item 28), reminders 2 working days ahead.
// Seed 002 sets no term for the authority's own review; ReviewDays is a default that a
// nomination's input may override.
var ReserveTerms = ReviewTerms{ReviewDays: 10, ResubmitDays: 7, RemindBefore: 2}

// alarmPeriodEnd fires when the nomination's year is over: it may close from then on.
const alarmPeriodEnd AlarmKind = "period_end"

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

// carriedCycle is a ReviewCycle that survives continue-as-new. A deadline not yet set is a
// zero civil.Date, which marshals as "0000-00-00" and which civil.Date refuses to parse back;
// such dates are left out when decoding, which restores them as zero.
type carriedCycle struct{ ReviewCycle }

// UnmarshalJSON decodes a cycle, leaving out the dates that were never set.
func (c *carriedCycle) UnmarshalJSON(b []byte) error {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(b, &fields); err != nil {
		return err
	}
	unset := []string{}
	for k, v := range fields {
		if string(v) == `"0000-00-00"` {
			unset = append(unset, k)
		}
	}
	for _, k := range unset {
		delete(fields, k)
	}
	clean, err := json.Marshal(fields)
	if err != nil {
		return err
	}
	return json.Unmarshal(clean, &c.ReviewCycle)
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
	in      NominationInput
	st      NominationState
	ready   bool
	closing bool // the year is over and nothing is pending: no further steps
	changes int
	mu      workflow.Mutex
	notes   *notifier
}

// ReserveNomination runs one nomination from the draft to the end of its year.
func ReserveNomination(ctx workflow.Context, in NominationInput) (domain.Nomination, error) {
	ctx = withActivities(ctx)
	w := &nomination{in: in, mu: workflow.NewMutex(ctx), notes: newNotifier(ctx)}
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
			return w.st.Nomination, err
		}
		if err := w.save(ctx, in.CreatedBy, "created", map[string]any{"quotas": w.st.Nomination.Quotas}); err != nil {
			return w.st.Nomination, err
		}
		w.tell(ctx, domain.RoleHR, "created", "Формируется представление в резерв управленческих кадров",
			fmt.Sprintf("Создано представление %s на %d год. Квоты списка 2: %s.", w.id(), in.Year, quotaText(w.st.Nomination.Quotas)))
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
				return w.st.Nomination, err
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
		return w.st.Nomination, err
	}
	w.notes.wait(ctx)
	return w.st.Nomination, nil
}

func (w *nomination) id() string { return w.st.Nomination.ID }

func (w *nomination) terms() ReviewTerms {
	t := ReserveTerms
	if w.in.ReviewDays > 0 {
		t.ReviewDays = w.in.ReviewDays
	}
	t.Region = w.in.Region
	return t
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

// ownedAlarm is a pending alarm and the candidate it concerns ("" for the whole nomination).
type ownedAlarm struct {
	Alarm
	candidate string
}

func (w *nomination) alarms() []ownedAlarm {
	var out []ownedAlarm
	if a, ok := w.st.Review.NextAlarm(); ok {
		out = append(out, ownedAlarm{a, ""})
	}
	for _, c := range w.st.Corrections {
		if a, ok := c.Cycle.NextAlarm(); ok {
			out = append(out, ownedAlarm{a, c.CandidateID})
		}
	}
	if !w.st.PeriodOver {
		out = append(out, ownedAlarm{Alarm{Kind: alarmPeriodEnd, At: EndOfDay(civil.Date{Year: w.in.Year, Month: 12, Day: 31})}, ""})
	}
	return out
}

func (w *nomination) alarmTimes() []Alarm {
	var out []Alarm
	for _, a := range w.alarms() {
		out = append(out, a.Alarm)
	}
	return out
}

// onAlarm acts on the first pending alarm that matches the one that fired; alarms of other
// candidates due at the same instant fire on the next turns of the loop.
func (w *nomination) onAlarm(ctx workflow.Context, fired Alarm) error {
	if err := w.mu.Lock(ctx); err != nil {
		return err
	}
	defer w.mu.Unlock()
	i := slices.IndexFunc(w.alarms(), func(p ownedAlarm) bool { return p.Kind == fired.Kind && p.At.Equal(fired.At) })
	if i < 0 {
		return nil // a step taken meanwhile made it moot
	}
	a := w.alarms()[i]
	if a.Kind == alarmPeriodEnd {
		w.st.PeriodOver = true
		return nil
	}
	if a.candidate == "" {
		w.st.Review.Fire(a.Kind)
		due := w.st.Review.ReviewDue
		if a.Kind == AlarmRemindReviewer {
			return w.alert(ctx, domain.RoleReserveAuthority, "review_reminder", map[string]any{"review_due": due}, "Напоминание о сроке рассмотрения кандидатов",
				fmt.Sprintf("Кандидатов представления %s (%s) нужно рассмотреть до %s.", w.id(), w.in.AgencyName, due))
		}
		return w.alert(ctx, domain.RoleReserveAuthority, "review_overdue", map[string]any{"review_due": due}, "Просрочено рассмотрение кандидатов в резерв",
			fmt.Sprintf("Срок рассмотрения кандидатов представления %s (%s) истёк %s.", w.id(), w.in.AgencyName, due))
	}
	clock := w.clock(a.candidate)
	clock.Cycle.Fire(a.Kind)
	c := w.candidate(a.candidate)
	details := map[string]any{"candidate_id": c.ID}
	switch a.Kind {
	case AlarmRemindSubmitter:
		details["correction_due"] = clock.Cycle.ResubmitDue
		return w.alert(ctx, domain.RoleHR, "correction_reminder", details, "Напоминание о сроке исправления сведений",
			fmt.Sprintf("Исправленные сведения о кандидате %s (%s) нужно представить до %s.", c.FullName, c.ID, clock.Cycle.ResubmitDue))
	case AlarmLapse:
		c.Status, c.Reason, c.CorrectionDue, c.UpdatedAt = domain.CandidateNotAdmitted, ReasonCorrectionLapsed, nil, workflow.Now(ctx).UTC()
		details["reason"] = ReasonCorrectionLapsed
		body := fmt.Sprintf("Исправленные сведения о кандидате %s (%s) не представлены до %s: кандидат не допущен к конкурсному отбору.", c.FullName, c.ID, clock.Cycle.ResubmitDue)
		if err := w.alert(ctx, domain.RoleHR, "correction_lapsed", details, "Кандидат не допущен: сведения не исправлены", body); err != nil {
			return err
		}
		w.tell(ctx, domain.RoleReserveAuthority, w.stepName("correction_lapsed"), "Кандидат не допущен: сведения не исправлены", body)
		return w.settle(ctx)
	case AlarmRemindReviewer:
		details["review_due"] = clock.Cycle.ReviewDue
		return w.alert(ctx, domain.RoleReserveAuthority, "review_reminder", details, "Напоминание о рассмотрении исправленных сведений",
			fmt.Sprintf("Исправленные сведения о кандидате %s (%s) нужно рассмотреть до %s.", c.FullName, c.ID, clock.Cycle.ReviewDue))
	}
	details["review_due"] = clock.Cycle.ReviewDue
	return w.alert(ctx, domain.RoleReserveAuthority, "review_overdue", details, "Просрочено рассмотрение исправленных сведений",
		fmt.Sprintf("Срок рассмотрения исправленных сведений о кандидате %s (%s) истёк %s.", c.FullName, c.ID, clock.Cycle.ReviewDue))
}

// alert records a step the clock took and tells one party about it.
func (w *nomination) alert(ctx workflow.Context, role domain.Role, action string, details map[string]any, subject, body string) error {
	if err := w.save(ctx, domain.SystemActor, action, details); err != nil {
		return err
	}
	w.tell(ctx, role, w.stepName(action), subject, body)
	return nil
}

// clock returns the candidate's correction clock, starting one if there is none.
func (w *nomination) clock(candidateID string) *CandidateClock {
	i := slices.IndexFunc(w.st.Corrections, func(c CandidateClock) bool { return c.CandidateID == candidateID })
	if i < 0 {
		w.st.Corrections = append(w.st.Corrections, CandidateClock{CandidateID: candidateID})
		i = len(w.st.Corrections) - 1
	}
	return &w.st.Corrections[i]
}

func (w *nomination) candidate(id string) *domain.ReserveCandidate {
	i := slices.IndexFunc(w.st.Nomination.Candidates, func(c domain.ReserveCandidate) bool { return c.ID == id })
	if i < 0 {
		return nil
	}
	return &w.st.Nomination.Candidates[i]
}

// closeClock stops the correction clock of a decided candidate, if it has one.
func (w *nomination) closeClock(candidateID string) {
	if i := slices.IndexFunc(w.st.Corrections, func(c CandidateClock) bool { return c.CandidateID == candidateID }); i >= 0 {
		w.st.Corrections[i].Cycle.Decide()
	}
}

// endFirstRound closes the authority's review of the submission once no candidate awaits a
// first decision: candidates being corrected, and their re-review, run on their own clocks,
// so that the authority is not reminded or escalated for time the agency is taking.
func (w *nomination) endFirstRound() {
	if w.st.Review.Phase != PhaseUnderReview {
		return
	}
	if !slices.ContainsFunc(w.st.Nomination.Candidates, func(c domain.ReserveCandidate) bool {
		return c.Status == domain.CandidateUnderReview && !slices.ContainsFunc(w.st.Corrections, func(k CandidateClock) bool { return k.CandidateID == c.ID })
	}) {
		w.st.Review.Decide()
	}
}

// settle closes the review once no candidate awaits the authority or a correction.
func (w *nomination) settle(ctx workflow.Context) error {
	n := &w.st.Nomination
	if n.Status != domain.NominationSubmitted && n.Status != domain.NominationUnderReview {
		return nil
	}
	if slices.ContainsFunc(n.Candidates, func(c domain.ReserveCandidate) bool {
		return c.Status == domain.CandidateUnderReview || c.Status == domain.CandidateCorrectionRequested
	}) {
		return nil
	}
	w.endFirstRound()
	now := workflow.Now(ctx).UTC()
	n.Status, n.DecidedAt = domain.NominationDecided, &now
	admitted := 0
	for _, c := range n.Candidates {
		if c.Status == domain.CandidateAdmitted {
			admitted++
		}
	}
	if err := w.save(ctx, domain.SystemActor, "decided", map[string]any{"admitted": admitted}); err != nil {
		return err
	}
	body := fmt.Sprintf("Рассмотрение кандидатов представления %s завершено: допущено к конкурсному отбору %d из %d.", w.id(), admitted, len(n.Candidates))
	w.tell(ctx, domain.RoleHR, w.stepName("decided"), "Рассмотрение кандидатов завершено", body)
	w.tell(ctx, domain.RoleAgencyHead, w.stepName("decided"), "Рассмотрение кандидатов завершено", body)
	return nil
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

// save records the nomination after a step, with the step, and refreshes the search attributes.
func (w *nomination) save(ctx workflow.Context, actor domain.Actor, action string, details map[string]any) error {
	ctx = withActivities(ctx) // update handlers get a fresh context without activity options
	w.sync()
	ev := w.st.Steps.next(ctx, actor, action, details)
	n := w.st.Nomination
	n.Revision = ev.Seq
	w.st.Nomination.Revision = ev.Seq
	if err := workflow.UpsertTypedSearchAttributes(ctx,
		AttrProcess.ValueSet(ProcessReserveNomination), AttrStatus.ValueSet(string(n.Status)),
		AttrAuthority.ValueSet(n.Authority), AttrAgency.ValueSet(n.Agency),
		AttrYear.ValueSet(int64(n.Year)), AttrOverdue.ValueSet(n.Overdue)); err != nil {
		return err
	}
	return workflow.ExecuteActivity(ctx, reserveActivities.SaveNomination, activities.NominationStep{Nomination: n, Event: ev}).Get(ctx, nil)
}

// stepName makes a notification step unique within the workflow: the last saved step's number.
func (w *nomination) stepName(action string) string {
	return fmt.Sprintf("%s_%d", action, w.st.Steps.Seq)
}

// tell notifies a party of the nomination: the agency's HR officers or head, or the authority.
func (w *nomination) tell(ctx workflow.Context, role domain.Role, step, subject, body string) {
	scope := w.in.Agency
	if role == domain.RoleReserveAuthority {
		scope = w.in.Authority
	}
	w.notes.send(ctx, notify.Request{
		WorkflowID: w.st.Nomination.WorkflowID, Step: step, Audience: domain.RoleAudience(role, scope),
		Subject: subject, Body: body, Link: "/api/v1/reserve/nominations/" + w.id(),
	})
}

func quotaText(q domain.ReserveQuotas) string {
	return fmt.Sprintf("I — %d, II — %d, III — %d", q.I, q.II, q.III)
}

// registerHandlers installs the query and the updates before the workflow first blocks.
func (w *nomination) registerHandlers(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, QueryNomination, func() (domain.Nomination, error) { return w.st.Nomination, nil }); err != nil {
		return err
	}
	handlers := []struct {
		name          string
		fn, validator any
	}{
		{UpdateNominationSnapshot, w.snapshot, func(_ workflow.Context, a domain.Actor) error { return w.mayRead(a) }},
		{UpdateAddCandidate, w.add, func(_ workflow.Context, s CandidateStep) error { return w.mayAdd(s) }},
		{UpdateEditCandidate, w.edit, func(_ workflow.Context, s CandidateStep) error { return w.mayEdit(s) }},
		{UpdateRemoveCandidate, w.remove, func(_ workflow.Context, s CandidateStep) error { return w.mayRemove(s) }},
		{UpdateApproveNomination, w.approve, func(_ workflow.Context, a domain.Actor) error { return w.mayApprove(a) }},
		{UpdateSubmitNomination, w.submit, func(_ workflow.Context, a domain.Actor) error { return w.maySubmit(a) }},
		{UpdateDecideCandidate, w.decide, func(_ workflow.Context, d CandidateDecision) error { return w.mayDecide(d) }},
		{UpdateCorrectCandidate, w.correct, func(_ workflow.Context, s CandidateStep) error { return w.mayCorrect(s) }},
		{UpdateRecordSelection, w.recordSelection, func(_ workflow.Context, r SelectionResult) error { return w.maySelect(r) }},
		{UpdateSetQuotas, w.setQuotas, func(_ workflow.Context, q QuotaChange) error { return w.maySetQuotas(q) }},
	}
	for _, h := range handlers {
		if err := workflow.SetUpdateHandlerWithOptions(ctx, h.name, h.fn, workflow.UpdateHandlerOptions{Validator: h.validator}); err != nil {
			return err
		}
	}
	return nil
}

// Who may do what. The agency's HR officers and head and the authority's staff are the
// parties; a party taking another's step is refused with forbidden, anyone else is told the
// nomination does not exist.

func (w *nomination) party(a domain.Actor) bool {
	switch a.Role {
	case domain.RoleHR, domain.RoleAgencyHead:
		return a.Agency == w.in.Agency
	case domain.RoleReserveAuthority:
		return a.Authority == w.in.Authority
	}
	return false
}

func (w *nomination) notFound() error {
	return refuse(domain.CodeNotFound, "nomination %s not found", w.id())
}

func (w *nomination) mayRead(a domain.Actor) error {
	if w.party(a) || a.Role == domain.RoleOperator {
		return nil
	}
	return w.notFound()
}

// require checks the role of the step and that the nomination is ready for steps.
func (w *nomination) require(a domain.Actor, role domain.Role, step string) error {
	if err := w.mayRead(a); err != nil {
		return err
	}
	if a.Role != role {
		return refuse(domain.CodeForbidden, "%s is the step of %s, not of %s", step, role, a.Role)
	}
	if !w.ready {
		return refuse(domain.CodeConflict, "nomination %s is still being created; retry shortly", w.id())
	}
	if w.closing {
		return refuse(domain.CodeConflict, "nomination %s is closed: its year %d is over", w.id(), w.in.Year)
	}
	return nil
}

// drafting reports whether the lists may still be edited freely: before submission.
func (w *nomination) drafting() bool {
	s := w.st.Nomination.Status
	return s == domain.NominationDraft || s == domain.NominationApproved
}

// existing finds the candidate a step names, refusing an unknown one.
func (w *nomination) existing(id string) (*domain.ReserveCandidate, error) {
	if c := w.candidate(id); c != nil {
		return c, nil
	}
	return nil, refuse(domain.CodeNotFound, "candidate %s not found in nomination %s", id, w.id())
}

// checkData refuses incomplete data (naming every field), a person already proposed, and a
// list-2 category over its quota; except is the candidate being replaced.
func (w *nomination) checkData(d domain.CandidateData, except string) error {
	if fields := d.Check(w.in.Year); len(fields) > 0 {
		names := make([]string, len(fields))
		for i, f := range fields {
			names[i] = f.Field + ": " + f.Message
		}
		return refuse(domain.CodeInvalid, "invalid candidate: %s", strings.Join(names, "; "))
	}
	key := domain.PersonKey(d.FullName, d.Questionnaire.DateOfBirth)
	for _, c := range w.st.Nomination.Candidates {
		if c.ID != except && domain.PersonKey(c.FullName, c.Questionnaire.DateOfBirth) == key {
			return refuse(domain.CodeConflict, "%s is already candidate %s of nomination %s", d.FullName, c.ID, w.id())
		}
	}
	if d.List != domain.ListNew || !w.drafting() {
		return nil // quotas bound the lists as drafted; later steps do not re-count them
	}
	if n, quota := w.countNew(d.Category, except)+1, w.st.Nomination.Quotas.For(d.Category); n > quota {
		return refuse(domain.CodeConflict, "quota exceeded: category %s «%s» allows %d candidate(s) on list 2 for %s in %d, and %d are already proposed",
			d.Category, d.Category.Title(), quota, w.in.Agency, w.in.Year, n-1)
	}
	return nil
}

func (w *nomination) countNew(cat domain.ReserveCategory, except string) int {
	n := 0
	for _, c := range w.st.Nomination.Candidates {
		if c.ID != except && c.List == domain.ListNew && c.Category == cat {
			n++
		}
	}
	return n
}

// checkLists refuses lists that cannot go further: empty, or over a quota lowered since.
func (w *nomination) checkLists() error {
	if len(w.st.Nomination.Candidates) == 0 {
		return refuse(domain.CodeConflict, "nomination %s has no candidates", w.id())
	}
	for _, cat := range domain.ReserveCategories {
		if n, quota := w.countNew(cat, ""), w.st.Nomination.Quotas.For(cat); n > quota {
			return refuse(domain.CodeConflict, "quota exceeded: list 2 has %d candidate(s) in category %s «%s», over its quota of %d; remove %d",
				n, cat, cat.Title(), quota, n-quota)
		}
	}
	return nil
}

func (w *nomination) mayAdd(s CandidateStep) error {
	if err := w.require(s.Actor, domain.RoleHR, "proposing a candidate"); err != nil {
		return err
	}
	if !w.drafting() {
		return refuse(domain.CodeConflict, "nomination %s is %s: candidates are added only before submission", w.id(), w.st.Nomination.Status)
	}
	return w.checkData(s.Data, "")
}

// mayEdit: a proposed candidate before submission, one whose correction the authority
// requested, or an included one whose data HR keeps current (item 15). Only a proposed
// candidate may move to another list or category.
func (w *nomination) mayEdit(s CandidateStep) error {
	if err := w.require(s.Actor, domain.RoleHR, "editing a candidate"); err != nil {
		return err
	}
	c, err := w.existing(s.CandidateID)
	if err != nil {
		return err
	}
	switch {
	case c.Status == domain.CandidateProposed && w.drafting():
	case c.Status == domain.CandidateCorrectionRequested, c.Status == domain.CandidateIncluded:
		if s.Data.List != c.List || s.Data.Category != c.Category {
			return refuse(domain.CodeConflict, "candidate %s is %s: its list and category can no longer change", c.ID, c.Status)
		}
	default:
		return refuse(domain.CodeConflict, "candidate %s is %s and nomination %s is %s: a candidate is edited before submission, when a correction is requested, or once included",
			c.ID, c.Status, w.id(), w.st.Nomination.Status)
	}
	return w.checkData(s.Data, c.ID)
}

func (w *nomination) mayRemove(s CandidateStep) error {
	if err := w.require(s.Actor, domain.RoleHR, "removing a candidate"); err != nil {
		return err
	}
	c, err := w.existing(s.CandidateID)
	if err != nil {
		return err
	}
	if !(c.Status == domain.CandidateProposed && w.drafting()) && c.Status != domain.CandidateCorrectionRequested {
		return refuse(domain.CodeConflict, "candidate %s is %s: a candidate is removed before submission or when a correction is requested", c.ID, c.Status)
	}
	return nil
}

func (w *nomination) mayApprove(a domain.Actor) error {
	if err := w.require(a, domain.RoleAgencyHead, "approving the lists"); err != nil {
		return err
	}
	if s := w.st.Nomination.Status; s != domain.NominationDraft {
		return refuse(domain.CodeConflict, "nomination %s is %s: only a draft is approved", w.id(), s)
	}
	return w.checkLists()
}

func (w *nomination) maySubmit(a domain.Actor) error {
	if err := w.require(a, domain.RoleHR, "submitting the lists"); err != nil {
		return err
	}
	switch s := w.st.Nomination.Status; s {
	case domain.NominationApproved:
	case domain.NominationDraft:
		return refuse(domain.CodeConflict, "nomination %s is a draft: the agency head approves the lists before they are submitted", w.id())
	default:
		return refuse(domain.CodeConflict, "nomination %s is already %s", w.id(), s)
	}
	return w.checkLists()
}

func (w *nomination) mayDecide(d CandidateDecision) error {
	if err := w.require(d.Actor, domain.RoleReserveAuthority, "deciding on a candidate"); err != nil {
		return err
	}
	switch d.Decision {
	case CandidateAdmit:
	case CandidateNotAdmitted, CandidateCorrection:
		if strings.TrimSpace(d.Reason) == "" {
			return refuse(domain.CodeInvalid, "a reason is required for %s", d.Decision)
		}
	default:
		return refuse(domain.CodeInvalid, "decision must be admit, not_admitted or correction")
	}
	c, err := w.existing(d.CandidateID)
	if err != nil {
		return err
	}
	if c.Status != domain.CandidateUnderReview {
		return refuse(domain.CodeConflict, "candidate %s is %s: only a candidate under review is decided", c.ID, c.Status)
	}
	return nil
}

func (w *nomination) mayCorrect(s CandidateStep) error {
	if err := w.require(s.Actor, domain.RoleHR, "correcting a candidate"); err != nil {
		return err
	}
	c, err := w.existing(s.CandidateID)
	if err != nil {
		return err
	}
	if c.Status != domain.CandidateCorrectionRequested {
		return refuse(domain.CodeConflict, "candidate %s is %s: corrections are accepted only when the authority requests one", c.ID, c.Status)
	}
	if s.Data.List != c.List || s.Data.Category != c.Category {
		return refuse(domain.CodeConflict, "a correction keeps the candidate's list and category")
	}
	return w.checkData(s.Data, c.ID)
}

func (w *nomination) maySelect(r SelectionResult) error {
	if err := w.require(r.Actor, domain.RoleReserveAuthority, "recording a selection result"); err != nil {
		return err
	}
	if r.Category != "" && !r.Category.Valid() {
		return refuse(domain.CodeInvalid, "category must be one of: I, II, III")
	}
	c, err := w.existing(r.CandidateID)
	if err != nil {
		return err
	}
	if s := w.st.Nomination.Status; s != domain.NominationDecided {
		return refuse(domain.CodeConflict, "nomination %s is %s: selection results follow the decision on every candidate", w.id(), s)
	}
	if c.Status != domain.CandidateAdmitted {
		return refuse(domain.CodeConflict, "candidate %s is %s: only an admitted candidate has a selection result", c.ID, c.Status)
	}
	return nil
}

func (w *nomination) maySetQuotas(q QuotaChange) error {
	if err := w.require(q.Actor, domain.RoleReserveAuthority, "setting quotas"); err != nil {
		return err
	}
	if q.Quotas.I < 0 || q.Quotas.II < 0 || q.Quotas.III < 0 {
		return refuse(domain.CodeInvalid, "quotas are counts from 0")
	}
	return nil
}

// The handlers. Each repeats its validator under the lock, because another update may have
// changed the state between validation and the handler's turn.

func (w *nomination) snapshot(ctx workflow.Context, _ domain.Actor) (domain.Nomination, error) {
	// Answers once the nomination is recorded, so the creator can read it back at once.
	err := workflow.Await(ctx, func() bool { return w.ready })
	return w.st.Nomination, err
}

// lock takes the mutex and re-validates; the caller defers the returned unlock.
func (w *nomination) lock(ctx workflow.Context, valid func() error) (func(), error) {
	if err := w.mu.Lock(ctx); err != nil {
		return func() {}, err
	}
	if err := valid(); err != nil {
		w.mu.Unlock()
		return func() {}, err
	}
	return func() { w.changes++; w.mu.Unlock() }, nil
}

func (w *nomination) add(ctx workflow.Context, s CandidateStep) (domain.ReserveCandidate, error) {
	unlock, err := w.lock(ctx, func() error { return w.mayAdd(s) })
	if err != nil {
		return domain.ReserveCandidate{}, err
	}
	defer unlock()
	w.st.Issued++
	c := domain.ReserveCandidate{ID: fmt.Sprintf("C%d", w.st.Issued), Number: w.st.Issued, CandidateData: listNote(s.Data),
		Status: domain.CandidateProposed, UpdatedAt: workflow.Now(ctx).UTC()}
	if c.PreviousReserve, err = w.audit(ctx, c.CandidateData); err != nil {
		return c, err
	}
	w.st.Nomination.Candidates = append(w.st.Nomination.Candidates, c)
	return c, w.edited(ctx, s.Actor, "candidate_added", c)
}

func (w *nomination) edit(ctx workflow.Context, s CandidateStep) (domain.ReserveCandidate, error) {
	unlock, err := w.lock(ctx, func() error { return w.mayEdit(s) })
	if err != nil {
		return domain.ReserveCandidate{}, err
	}
	defer unlock()
	c := w.candidate(s.CandidateID)
	before := c.CandidateData
	c.CandidateData, c.UpdatedAt = listNote(s.Data), workflow.Now(ctx).UTC()
	if domain.PersonKey(before.FullName, before.Questionnaire.DateOfBirth) != domain.PersonKey(c.FullName, c.Questionnaire.DateOfBirth) {
		if c.PreviousReserve, err = w.audit(ctx, c.CandidateData); err != nil {
			return *c, err
		}
	}
	if c.Status != domain.CandidateIncluded {
		return *c, w.edited(ctx, s.Actor, "candidate_edited", *c)
	}
	// Keeping an included candidate's data current: recorded, and the authority informed.
	changed := changedFields(before, c.CandidateData)
	if err := w.save(ctx, s.Actor, "candidate_updated", map[string]any{"candidate_id": c.ID, "changed": changed}); err != nil {
		return *c, err
	}
	w.tell(ctx, domain.RoleReserveAuthority, w.stepName("candidate_updated"), "Изменены сведения о лице, включённом в резерв",
		fmt.Sprintf("%s обновило сведения о %s (%s): %s.", w.in.AgencyName, c.FullName, c.ID, strings.Join(changed, ", ")))
	return *c, nil
}

func (w *nomination) remove(ctx workflow.Context, s CandidateStep) (domain.Nomination, error) {
	unlock, err := w.lock(ctx, func() error { return w.mayRemove(s) })
	if err != nil {
		return w.st.Nomination, err
	}
	defer unlock()
	c := *w.candidate(s.CandidateID)
	w.st.Nomination.Candidates = slices.DeleteFunc(w.st.Nomination.Candidates, func(x domain.ReserveCandidate) bool { return x.ID == c.ID })
	w.st.Corrections = slices.DeleteFunc(w.st.Corrections, func(x CandidateClock) bool { return x.CandidateID == c.ID })
	w.endFirstRound()
	if err := w.edited(ctx, s.Actor, "candidate_removed", c); err != nil {
		return w.st.Nomination, err
	}
	return w.st.Nomination, w.settle(ctx)
}

// edited records a change to the lists; before submission it withdraws the head's approval.
func (w *nomination) edited(ctx workflow.Context, actor domain.Actor, action string, c domain.ReserveCandidate) error {
	n := &w.st.Nomination
	details := map[string]any{"candidate_id": c.ID, "list": c.List, "category": c.Category}
	if c.PreviousReserve != nil {
		details["previous_reserve"] = c.PreviousReserve
	}
	withdrawn := n.Status == domain.NominationApproved
	if withdrawn {
		n.Status, n.ApprovedBy, n.ApprovedAt = domain.NominationDraft, nil, nil
		details["approval_withdrawn"] = true
	}
	if err := w.save(ctx, actor, action, details); err != nil {
		return err
	}
	if withdrawn {
		w.tell(ctx, domain.RoleAgencyHead, w.stepName("approval_withdrawn"), "Согласование списков отозвано",
			fmt.Sprintf("Списки представления %s изменены после согласования (кандидат %s): их нужно согласовать заново.", w.id(), c.ID))
	}
	return nil
}

// audit looks the person up in the previous year's reserve (seed 002 item 11).
func (w *nomination) audit(ctx workflow.Context, d domain.CandidateData) (*domain.PreviousReserve, error) {
	var res activities.PreviousReserveResult
	err := workflow.ExecuteActivity(withActivities(ctx), reserveActivities.FindPreviousReserve, activities.PersonQuery{
		Authority: w.in.Authority, FullName: d.FullName, DateOfBirth: d.Questionnaire.DateOfBirth, Year: w.in.Year - 1,
	}).Get(ctx, &res)
	return res.Found, err
}

func (w *nomination) approve(ctx workflow.Context, a domain.Actor) (domain.Nomination, error) {
	unlock, err := w.lock(ctx, func() error { return w.mayApprove(a) })
	if err != nil {
		return w.st.Nomination, err
	}
	defer unlock()
	now := workflow.Now(ctx).UTC()
	n := &w.st.Nomination
	n.Status, n.ApprovedBy, n.ApprovedAt = domain.NominationApproved, &a, &now
	if err := w.save(ctx, a, "approved", map[string]any{"candidates": len(n.Candidates)}); err != nil {
		return *n, err
	}
	w.tell(ctx, domain.RoleHR, w.stepName("approved"), "Списки согласованы руководителем",
		fmt.Sprintf("Руководитель согласовал списки представления %s; их можно направить в уполномоченный орган.", w.id()))
	return *n, nil
}

func (w *nomination) submit(ctx workflow.Context, a domain.Actor) (domain.Nomination, error) {
	unlock, err := w.lock(ctx, func() error { return w.maySubmit(a) })
	if err != nil {
		return w.st.Nomination, err
	}
	defer unlock()
	if err := w.st.Review.Submit(ctx, w.terms()); err != nil {
		return w.st.Nomination, err
	}
	now := workflow.Now(ctx).UTC()
	n := &w.st.Nomination
	n.Status, n.SubmittedAt = domain.NominationSubmitted, &now
	for i := range n.Candidates {
		n.Candidates[i].Status, n.Candidates[i].UpdatedAt = domain.CandidateUnderReview, now
	}
	if err := w.save(ctx, a, "submitted", map[string]any{"candidates": len(n.Candidates), "review_due": w.st.Review.ReviewDue}); err != nil {
		return *n, err
	}
	w.tell(ctx, domain.RoleReserveAuthority, w.stepName("submitted"), "Поступило представление кандидатов в резерв",
		fmt.Sprintf("%s представило кандидатов в резерв управленческих кадров на %d год (%d). Рассмотреть до %s.", w.in.AgencyName, w.in.Year, len(n.Candidates), w.st.Review.ReviewDue))
	w.tell(ctx, domain.RoleAgencyHead, w.stepName("submitted"), "Представление направлено в уполномоченный орган",
		fmt.Sprintf("Представление %s направлено; срок рассмотрения — до %s.", w.id(), w.st.Review.ReviewDue))
	return *n, nil
}

func (w *nomination) decide(ctx workflow.Context, d CandidateDecision) (domain.ReserveCandidate, error) {
	unlock, err := w.lock(ctx, func() error { return w.mayDecide(d) })
	if err != nil {
		return domain.ReserveCandidate{}, err
	}
	defer unlock()
	n, c := &w.st.Nomination, w.candidate(d.CandidateID)
	if n.Status == domain.NominationSubmitted {
		n.Status = domain.NominationUnderReview
	}
	c.UpdatedAt, c.ReviewDue = workflow.Now(ctx).UTC(), nil
	details := map[string]any{"candidate_id": c.ID, "decision": d.Decision}
	var action, subject, body string
	switch d.Decision {
	case CandidateCorrection:
		clock := w.clock(c.ID)
		if err := clock.Cycle.Return(ctx, w.terms()); err != nil {
			return *c, err
		}
		due := clock.Cycle.ResubmitDue
		c.Status, c.Reason, c.CorrectionDue = domain.CandidateCorrectionRequested, d.Reason, &due
		details["reason"], details["correction_due"] = d.Reason, due
		action, subject = "correction_requested", "Запрошены исправленные сведения о кандидате"
		body = fmt.Sprintf("По кандидату %s (%s) запрошены исправленные сведения: %s. Представить до %s.", c.FullName, c.ID, d.Reason, due)
	case CandidateNotAdmitted:
		w.closeClock(c.ID)
		c.Status, c.Reason = domain.CandidateNotAdmitted, d.Reason
		details["reason"] = d.Reason
		action, subject = "candidate_not_admitted", "Кандидат не допущен к конкурсному отбору"
		body = fmt.Sprintf("Кандидат %s (%s) не допущен к конкурсному отбору: %s.", c.FullName, c.ID, d.Reason)
	default:
		w.closeClock(c.ID)
		c.Status, c.Reason = domain.CandidateAdmitted, ""
		action, subject = "candidate_admitted", "Кандидат допущен к конкурсному отбору"
		body = fmt.Sprintf("Кандидат %s (%s) допущен к конкурсному отбору.", c.FullName, c.ID)
	}
	w.endFirstRound()
	out := *c
	if err := w.save(ctx, d.Actor, action, details); err != nil {
		return out, err
	}
	w.tell(ctx, domain.RoleHR, w.stepName(action), subject, body)
	return out, w.settle(ctx)
}

func (w *nomination) correct(ctx workflow.Context, s CandidateStep) (domain.ReserveCandidate, error) {
	unlock, err := w.lock(ctx, func() error { return w.mayCorrect(s) })
	if err != nil {
		return domain.ReserveCandidate{}, err
	}
	defer unlock()
	c, clock := w.candidate(s.CandidateID), w.clock(s.CandidateID)
	if err := clock.Cycle.Submit(ctx, w.terms()); err != nil {
		return *c, err
	}
	before := c.CandidateData
	due := clock.Cycle.ReviewDue
	c.CandidateData, c.Status, c.Reason, c.CorrectionDue, c.ReviewDue = listNote(s.Data), domain.CandidateUnderReview, "", nil, &due
	c.UpdatedAt = workflow.Now(ctx).UTC()
	if domain.PersonKey(before.FullName, before.Questionnaire.DateOfBirth) != domain.PersonKey(c.FullName, c.Questionnaire.DateOfBirth) {
		if c.PreviousReserve, err = w.audit(ctx, c.CandidateData); err != nil {
			return *c, err
		}
	}
	changed := changedFields(before, c.CandidateData)
	if err := w.save(ctx, s.Actor, "corrected", map[string]any{"candidate_id": c.ID, "changed": changed, "comment": s.Comment, "review_due": due}); err != nil {
		return *c, err
	}
	w.tell(ctx, domain.RoleReserveAuthority, w.stepName("corrected"), "Представлены исправленные сведения о кандидате",
		fmt.Sprintf("%s исправило сведения о кандидате %s (%s): %s. Рассмотреть до %s.", w.in.AgencyName, c.FullName, c.ID, strings.Join(changed, ", "), due))
	return *c, nil
}

func (w *nomination) recordSelection(ctx workflow.Context, r SelectionResult) (domain.ReserveCandidate, error) {
	unlock, err := w.lock(ctx, func() error { return w.maySelect(r) })
	if err != nil {
		return domain.ReserveCandidate{}, err
	}
	defer unlock()
	c := w.candidate(r.CandidateID)
	c.UpdatedAt = workflow.Now(ctx).UTC()
	action, body := "not_included", fmt.Sprintf("По итогам конкурсного отбора %s (%s) не включён в резерв.", c.FullName, c.ID)
	if r.Included {
		c.Status, c.IncludedCategory = domain.CandidateIncluded, r.Category
		if c.IncludedCategory == "" {
			c.IncludedCategory = c.Category
		}
		action = "included"
		body = fmt.Sprintf("По итогам конкурсного отбора %s (%s) включён в резерв управленческих кадров, категория %s «%s».",
			c.FullName, c.ID, c.IncludedCategory, c.IncludedCategory.Title())
	} else {
		c.Status = domain.CandidateNotIncluded
	}
	out := *c
	if err := w.save(ctx, r.Actor, action, map[string]any{"candidate_id": c.ID, "category": c.IncludedCategory}); err != nil {
		return out, err
	}
	w.tell(ctx, domain.RoleHR, w.stepName(action), "Результат конкурсного отбора", body)
	return out, nil
}

// setQuotas applies quotas the authority set after the nomination started. Quotas older than
// those in force (a late message) change nothing.
func (w *nomination) setQuotas(ctx workflow.Context, q QuotaChange) (domain.Nomination, error) {
	unlock, err := w.lock(ctx, func() error { return w.maySetQuotas(q) })
	if err != nil {
		return w.st.Nomination, err
	}
	defer unlock()
	if q.Quotas.Revision <= w.st.Nomination.Quotas.Revision {
		return w.st.Nomination, nil
	}
	w.st.Nomination.Quotas = q.Quotas
	if err := w.save(ctx, q.Actor, "quotas_set", map[string]any{"quotas": q.Quotas}); err != nil {
		return w.st.Nomination, err
	}
	w.tell(ctx, domain.RoleHR, w.stepName("quotas_set"), "Установлены квоты резерва",
		fmt.Sprintf("Квоты списка 2 на %d год: %s.", w.in.Year, quotaText(q.Quotas)))
	return w.st.Nomination, nil
}

// listNote tidies the data and gives list 1 the note the form requires ("повторно", item 10).
func listNote(d domain.CandidateData) domain.CandidateData {
	d.FullName = strings.Join(strings.Fields(d.FullName), " ")
	d.Note = strings.TrimSpace(d.Note)
	if d.List == domain.ListRepeat && !strings.Contains(strings.ToLower(d.Note), "повторно") {
		d.Note = strings.TrimSuffix("повторно; "+d.Note, "; ")
	}
	return d
}

// changedFields names the fields that differ, in a fixed order, for the timeline.
func changedFields(a, b domain.CandidateData) []string {
	out := []string{}
	for _, f := range []struct {
		name string
		same bool
	}{
		{"full_name", a.FullName == b.FullName}, {"position", a.Position == b.Position},
		{"department", a.Department == b.Department}, {"note", a.Note == b.Note},
		{"questionnaire", questionnaireEqual(a.Questionnaire, b.Questionnaire)},
	} {
		if !f.same {
			out = append(out, f.name)
		}
	}
	return out
}

func questionnaireEqual(a, b domain.Questionnaire) bool {
	ea, eb := a.ManagementExperienceYears, b.ManagementExperienceYears
	a.ManagementExperienceYears, b.ManagementExperienceYears = nil, nil
	return a == b && (ea == nil) == (eb == nil) && (ea == nil || *ea == *eb)
}
