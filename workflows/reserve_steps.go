package workflows

import (
	"fmt"
	"slices"
	"strings"

	"go.temporal.io/sdk/workflow"

	"github.com/profdev/profdev/activities"
	"github.com/profdev/profdev/internal/domain"
)

// The steps on a nomination, each a Workflow Update: its validator refuses before anything is
// written, and its handler runs on the step skeleton (take), which checks again because
// another update may have changed the state between validation and the handler's turn. This
// file holds the agency's steps on its lists (HR drafts, the head approves, HR submits);
// reserve_steps_review.go the review that follows.

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

func (w *nomination) snapshot(ctx workflow.Context, _ domain.Actor) (domain.Nomination, error) {
	// Answers once the nomination is recorded, so the creator can read it back at once.
	err := workflow.Await(ctx, func() bool { return w.ready })
	return w.st.Nomination, err
}

func (w *nomination) add(ctx workflow.Context, s CandidateStep) (domain.ReserveCandidate, error) {
	return take(ctx, &w.stepper, func() error { return w.mayAdd(s) }, func() (domain.ReserveCandidate, error) {
		w.st.Issued++
		c := domain.ReserveCandidate{ID: fmt.Sprintf("C%d", w.st.Issued), Number: w.st.Issued, CandidateData: listNote(s.Data),
			Status: domain.CandidateProposed, UpdatedAt: workflow.Now(ctx).UTC()}
		var err error
		if c.PreviousReserve, err = w.audit(ctx, c.CandidateData); err != nil {
			return c, err
		}
		w.st.Nomination.Candidates = append(w.st.Nomination.Candidates, c)
		return c, w.edited(ctx, s.Actor, "candidate_added", c)
	})
}

func (w *nomination) edit(ctx workflow.Context, s CandidateStep) (domain.ReserveCandidate, error) {
	return take(ctx, &w.stepper, func() error { return w.mayEdit(s) }, func() (domain.ReserveCandidate, error) {
		c := w.candidate(s.CandidateID)
		before := c.CandidateData
		c.CandidateData, c.UpdatedAt = listNote(s.Data), workflow.Now(ctx).UTC()
		if domain.PersonKey(before.FullName, before.Questionnaire.DateOfBirth) != domain.PersonKey(c.FullName, c.Questionnaire.DateOfBirth) {
			var err error
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
		w.notify(ctx, w.candidateUpdatedNotice(*c, changed))
		return *c, nil
	})
}

func (w *nomination) remove(ctx workflow.Context, s CandidateStep) (domain.Nomination, error) {
	return take(ctx, &w.stepper, func() error { return w.mayRemove(s) }, func() (domain.Nomination, error) {
		c := *w.candidate(s.CandidateID)
		w.st.Nomination.Candidates = slices.DeleteFunc(w.st.Nomination.Candidates, func(x domain.ReserveCandidate) bool { return x.ID == c.ID })
		w.st.Corrections = slices.DeleteFunc(w.st.Corrections, func(x CandidateClock) bool { return x.CandidateID == c.ID })
		w.endFirstRound()
		if err := w.edited(ctx, s.Actor, "candidate_removed", c); err != nil {
			return w.st.Nomination, err
		}
		return w.st.Nomination, w.settle(ctx)
	})
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
		w.notify(ctx, w.approvalWithdrawnNotice(c))
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
	return take(ctx, &w.stepper, func() error { return w.mayApprove(a) }, func() (domain.Nomination, error) {
		now := workflow.Now(ctx).UTC()
		n := &w.st.Nomination
		n.Status, n.ApprovedBy, n.ApprovedAt = domain.NominationApproved, &a, &now
		if err := w.save(ctx, a, "approved", map[string]any{"candidates": len(n.Candidates)}); err != nil {
			return *n, err
		}
		w.notify(ctx, w.approvedNotice())
		return *n, nil
	})
}

func (w *nomination) submit(ctx workflow.Context, a domain.Actor) (domain.Nomination, error) {
	return take(ctx, &w.stepper, func() error { return w.maySubmit(a) }, func() (domain.Nomination, error) {
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
		w.notify(ctx, w.submittedNotices()...)
		return *n, nil
	})
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
