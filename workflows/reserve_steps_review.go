package workflows

import (
	"slices"
	"strings"

	"go.temporal.io/sdk/workflow"

	"github.com/profdev/profdev/internal/domain"
)

// The review of a submitted nomination (seed 002 items 13-16, 28): the authority decides
// candidate by candidate, may ask for corrected information, which HR provides, records the
// selection results once every candidate is decided, and may set new quotas at any time. The
// validators and handlers work as those of reserve_steps.go.

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

func (w *nomination) decide(ctx workflow.Context, d CandidateDecision) (domain.ReserveCandidate, error) {
	return take(ctx, &w.stepper, func() error { return w.mayDecide(d) }, func() (domain.ReserveCandidate, error) {
		n, c := &w.st.Nomination, w.candidate(d.CandidateID)
		if n.Status == domain.NominationSubmitted {
			n.Status = domain.NominationUnderReview
		}
		c.UpdatedAt, c.ReviewDue = workflow.Now(ctx).UTC(), nil
		details := map[string]any{"candidate_id": c.ID, "decision": d.Decision}
		var action string
		switch d.Decision {
		case CandidateCorrection:
			clock := w.clock(c.ID)
			if err := clock.Cycle.Return(ctx, w.terms()); err != nil {
				return *c, err
			}
			due := clock.Cycle.ResubmitDue
			c.Status, c.Reason, c.CorrectionDue = domain.CandidateCorrectionRequested, d.Reason, &due
			details["reason"], details["correction_due"] = d.Reason, due
			action = "correction_requested"
		case CandidateNotAdmitted:
			w.closeClock(c.ID)
			c.Status, c.Reason = domain.CandidateNotAdmitted, d.Reason
			details["reason"] = d.Reason
			action = "candidate_not_admitted"
		default:
			w.closeClock(c.ID)
			c.Status, c.Reason = domain.CandidateAdmitted, ""
			action = "candidate_admitted"
		}
		w.endFirstRound()
		out := *c
		if err := w.save(ctx, d.Actor, action, details); err != nil {
			return out, err
		}
		w.notify(ctx, w.candidateDecidedNotice(out, action))
		return out, w.settle(ctx)
	})
}

func (w *nomination) correct(ctx workflow.Context, s CandidateStep) (domain.ReserveCandidate, error) {
	return take(ctx, &w.stepper, func() error { return w.mayCorrect(s) }, func() (domain.ReserveCandidate, error) {
		c, clock := w.candidate(s.CandidateID), w.clock(s.CandidateID)
		if err := clock.Cycle.Submit(ctx, w.terms()); err != nil {
			return *c, err
		}
		before := c.CandidateData
		due := clock.Cycle.ReviewDue
		c.CandidateData, c.Status, c.Reason, c.CorrectionDue, c.ReviewDue = listNote(s.Data), domain.CandidateUnderReview, "", nil, &due
		c.UpdatedAt = workflow.Now(ctx).UTC()
		if domain.PersonKey(before.FullName, before.Questionnaire.DateOfBirth) != domain.PersonKey(c.FullName, c.Questionnaire.DateOfBirth) {
			var err error
			if c.PreviousReserve, err = w.audit(ctx, c.CandidateData); err != nil {
				return *c, err
			}
		}
		changed := changedFields(before, c.CandidateData)
		if err := w.save(ctx, s.Actor, "corrected", map[string]any{"candidate_id": c.ID, "changed": changed, "comment": s.Comment, "review_due": due}); err != nil {
			return *c, err
		}
		w.notify(ctx, w.correctedNotice(*c, changed, due))
		return *c, nil
	})
}

func (w *nomination) recordSelection(ctx workflow.Context, r SelectionResult) (domain.ReserveCandidate, error) {
	return take(ctx, &w.stepper, func() error { return w.maySelect(r) }, func() (domain.ReserveCandidate, error) {
		c := w.candidate(r.CandidateID)
		c.UpdatedAt = workflow.Now(ctx).UTC()
		action := "not_included"
		if r.Included {
			c.Status, c.IncludedCategory = domain.CandidateIncluded, r.Category
			if c.IncludedCategory == "" {
				c.IncludedCategory = c.Category
			}
			action = "included"
		} else {
			c.Status = domain.CandidateNotIncluded
		}
		out := *c
		if err := w.save(ctx, r.Actor, action, map[string]any{"candidate_id": c.ID, "category": c.IncludedCategory}); err != nil {
			return out, err
		}
		w.notify(ctx, w.selectionNotice(out))
		return out, nil
	})
}

// setQuotas applies quotas the authority set after the nomination started. Quotas older than
// those in force (a late message) change nothing.
func (w *nomination) setQuotas(ctx workflow.Context, q QuotaChange) (domain.Nomination, error) {
	return take(ctx, &w.stepper, func() error { return w.maySetQuotas(q) }, func() (domain.Nomination, error) {
		if q.Quotas.Revision <= w.st.Nomination.Quotas.Revision {
			return w.st.Nomination, nil
		}
		w.st.Nomination.Quotas = q.Quotas
		if err := w.save(ctx, q.Actor, "quotas_set", map[string]any{"quotas": q.Quotas}); err != nil {
			return w.st.Nomination, err
		}
		w.notify(ctx, w.quotasSetNotice(q.Quotas))
		return w.st.Nomination, nil
	})
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
	w.notify(ctx, w.decidedNotices(admitted)...)
	return nil
}
