package app

import (
	"context"

	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/workflows"
)

// The steps on a nomination and its candidates: HR proposes, edits and removes candidates
// and submits the lists, the head approves them (согласование), the reserve authority
// decides each candidate (допуск к конкурсу) and records the selection's result. Each step
// is a Workflow Update, whose validator checks state and quotas again.

// MayTakeNominationStep reports whether the actor may take a step that is the given role's
// on a nomination and, when candidateID is set, one of its candidates: forbidden for another
// role, not found outside the actor's scope or for an unknown candidate. A transport asks
// before it reads the step's input.
func (s *Service) MayTakeNominationStep(ctx context.Context, actor domain.Actor, id, candidateID string, role domain.Role) error {
	_, _, err := s.loadForNominationStep(ctx, actor, id, candidateID, role)
	return err
}

func (s *Service) loadForNominationStep(ctx context.Context, actor domain.Actor, id, candidateID string, role domain.Role) (domain.Nomination, domain.ReserveCandidate, error) {
	if err := Require(actor, role); err != nil {
		return domain.Nomination{}, domain.ReserveCandidate{}, err
	}
	n, err := s.loadNomination(ctx, actor, id)
	if err != nil || candidateID == "" {
		return n, domain.ReserveCandidate{}, err
	}
	cand, found := n.Candidate(candidateID)
	if !found {
		return n, cand, domain.NotFound("candidate " + candidateID)
	}
	return n, cand, nil
}

// nominationUpdate runs one step on the nomination's workflow; once the workflow has ended
// with its year, the step is refused as a conflict that says so.
func (s *Service) nominationUpdate(ctx context.Context, n domain.Nomination, update string, arg, out any) error {
	return s.step(ctx, n.WorkflowID, update, arg, out, domain.Conflict("nomination %s is closed: its year %d is over", n.ID, n.Year))
}

// checkCandidate checks a candidate's data against the nomination's year before it reaches
// the workflow, naming every missing or wrong field at once; an omitted list or category
// keeps the current candidate's own.
func checkCandidate(d domain.CandidateData, year int, current *domain.ReserveCandidate) (domain.CandidateData, error) {
	if current != nil {
		if d.List == "" {
			d.List = current.List
		}
		if d.Category == "" {
			d.Category = current.Category
		}
	}
	if fields := d.Check(year); len(fields) > 0 {
		return d, domain.Invalid("invalid candidate", fields...)
	}
	return d, nil
}

// candidateStep runs a step of the given role on one candidate of a nomination the actor
// may see; step builds the update's argument from what was loaded.
func (s *Service) candidateStep(ctx context.Context, actor domain.Actor, id, candidateID string, role domain.Role, update string,
	step func(n domain.Nomination, cand domain.ReserveCandidate) (any, error)) (domain.ReserveCandidate, error) {
	n, cand, err := s.loadForNominationStep(ctx, actor, id, candidateID, role)
	if err != nil {
		return domain.ReserveCandidate{}, err
	}
	arg, err := step(n, cand)
	if err != nil {
		return domain.ReserveCandidate{}, err
	}
	var out domain.ReserveCandidate
	err = s.nominationUpdate(ctx, n, update, arg, &out)
	return out, err
}

// AddCandidate proposes a candidate on list 1 or 2 (HR); list 2 is held to the quotas.
func (s *Service) AddCandidate(ctx context.Context, actor domain.Actor, id string, d domain.CandidateData) (domain.ReserveCandidate, error) {
	return s.candidateStep(ctx, actor, id, "", domain.RoleHR, workflows.UpdateAddCandidate,
		func(n domain.Nomination, _ domain.ReserveCandidate) (any, error) {
			d, err := checkCandidate(d, n.Year, nil)
			return workflows.CandidateStep{Actor: actor, Data: d}, err
		})
}

// EditCandidate replaces a candidate's data (HR): before submission, while a correction is
// requested (without sending it back yet), or to keep an included candidate's data current.
func (s *Service) EditCandidate(ctx context.Context, actor domain.Actor, id, candidateID string, d domain.CandidateData) (domain.ReserveCandidate, error) {
	return s.candidateStep(ctx, actor, id, candidateID, domain.RoleHR, workflows.UpdateEditCandidate,
		func(n domain.Nomination, cand domain.ReserveCandidate) (any, error) {
			d, err := checkCandidate(d, n.Year, &cand)
			return workflows.CandidateStep{Actor: actor, CandidateID: cand.ID, Data: d}, err
		})
}

// RemoveCandidate withdraws a candidate before submission (HR); the answer is the
// nomination without it.
func (s *Service) RemoveCandidate(ctx context.Context, actor domain.Actor, id, candidateID string) (domain.Nomination, error) {
	n, cand, err := s.loadForNominationStep(ctx, actor, id, candidateID, domain.RoleHR)
	if err != nil {
		return domain.Nomination{}, err
	}
	var out domain.Nomination
	err = s.nominationUpdate(ctx, n, workflows.UpdateRemoveCandidate, workflows.CandidateStep{Actor: actor, CandidateID: cand.ID}, &out)
	return out, err
}

// ApproveNomination is the head's approval of the lists (согласование с "первым лицом").
func (s *Service) ApproveNomination(ctx context.Context, actor domain.Actor, id string) (domain.Nomination, error) {
	return s.nominationStep(ctx, actor, id, domain.RoleAgencyHead, workflows.UpdateApproveNomination)
}

// SubmitNomination sends the approved lists to the reserve authority (HR).
func (s *Service) SubmitNomination(ctx context.Context, actor domain.Actor, id string) (domain.Nomination, error) {
	return s.nominationStep(ctx, actor, id, domain.RoleHR, workflows.UpdateSubmitNomination)
}

// nominationStep runs a step of the given role on the whole nomination; its argument is the
// actor alone.
func (s *Service) nominationStep(ctx context.Context, actor domain.Actor, id string, role domain.Role, update string) (domain.Nomination, error) {
	n, _, err := s.loadForNominationStep(ctx, actor, id, "", role)
	if err != nil {
		return domain.Nomination{}, err
	}
	var out domain.Nomination
	err = s.nominationUpdate(ctx, n, update, actor, &out)
	return out, err
}

// DecideCandidate records the reserve authority's decision on a submitted candidate:
// workflows.CandidateAdmit (допущен к конкурсу), CandidateNotAdmitted or CandidateCorrection
// (на доработку), the last two with a reason.
func (s *Service) DecideCandidate(ctx context.Context, actor domain.Actor, id, candidateID, decision, reason string) (domain.ReserveCandidate, error) {
	return s.candidateStep(ctx, actor, id, candidateID, domain.RoleReserveAuthority, workflows.UpdateDecideCandidate,
		func(_ domain.Nomination, cand domain.ReserveCandidate) (any, error) {
			return workflows.CandidateDecision{Actor: actor, CandidateID: cand.ID, Decision: decision, Reason: reason}, nil
		})
}

// CorrectCandidate sends back the corrected data of a candidate the authority asked to
// correct (HR), with a comment; the candidate is under review again.
func (s *Service) CorrectCandidate(ctx context.Context, actor domain.Actor, id, candidateID string, d domain.CandidateData, comment string) (domain.ReserveCandidate, error) {
	return s.candidateStep(ctx, actor, id, candidateID, domain.RoleHR, workflows.UpdateCorrectCandidate,
		func(n domain.Nomination, cand domain.ReserveCandidate) (any, error) {
			d, err := checkCandidate(d, n.Year, &cand)
			return workflows.CandidateStep{Actor: actor, CandidateID: cand.ID, Data: d, Comment: comment}, err
		})
}

// RecordSelection records the result of the competitive selection (конкурсный отбор) for an
// admitted candidate (reserve authority): included in the reserve, in the proposed category
// unless another is given, or not included.
func (s *Service) RecordSelection(ctx context.Context, actor domain.Actor, id, candidateID string, included bool, category domain.ReserveCategory) (domain.ReserveCandidate, error) {
	return s.candidateStep(ctx, actor, id, candidateID, domain.RoleReserveAuthority, workflows.UpdateRecordSelection,
		func(_ domain.Nomination, cand domain.ReserveCandidate) (any, error) {
			return workflows.SelectionResult{Actor: actor, CandidateID: cand.ID, Included: included, Category: category}, nil
		})
}
