package workflows

import (
	"fmt"
	"slices"

	"go.temporal.io/sdk/workflow"

	"github.com/profdev/profdev/activities"
	"github.com/profdev/profdev/internal/domain"
)

// The steps users take on a certificate, each a Workflow Update whose validator checks the
// actor and the state before anything is written.

// certificateActivities names the certificate activities; the worker registers the real ones.
var certificateActivities *activities.Certificates

func (w *certificate) registerHandlers(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, QueryCertificate, func() (domain.Certificate, error) { return w.c, nil }); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateCertificateIssued,
		func(ctx workflow.Context, actor domain.Actor) (domain.Certificate, error) {
			// Answers once the certificate is signed and stored, or refused.
			if err := workflow.Await(ctx, func() bool { return w.ready }); err != nil {
				return w.c, err
			}
			return w.c, w.refusal
		},
		workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, actor domain.Actor) error { return w.mayRead(actor) }},
	); err != nil {
		return err
	}
	handlers := []struct {
		name string
		fn   any
		val  any
	}{
		{UpdateEnrol, w.enrol, func(ctx workflow.Context, r EnrolmentReport) error { return w.mayEnrol(ctx, r) }},
		{UpdateReportOutcome, w.reportOutcome, func(ctx workflow.Context, r OutcomeReport) error { return w.mayReportOutcome(r) }},
		{UpdateAnnul, w.annul, func(ctx workflow.Context, s AuthorityStep) error { return w.mayAnnul(s) }},
		{UpdateDuplicate, w.duplicate, func(ctx workflow.Context, s AuthorityStep) error { return w.mayDuplicate(s) }},
		{UpdateRate, w.rate, func(ctx workflow.Context, r RatingReport) error { return w.mayRate(r) }},
	}
	for _, h := range handlers {
		if err := workflow.SetUpdateHandlerWithOptions(ctx, h.name, h.fn, workflow.UpdateHandlerOptions{Validator: h.val}); err != nil {
			return err
		}
	}
	return nil
}

// mayRead: the issuing authority, the servant's agency HR, the provider, the servant, operators.
func (w *certificate) mayRead(a domain.Actor) error {
	ok := false
	switch a.Role {
	case domain.RoleOperator:
		ok = true
	case domain.RoleMinistry:
		ok = a.Authority == w.c.Authority
	case domain.RoleHR:
		ok = a.Agency == w.c.Agency.ID
	case domain.RoleProvider:
		ok = a.Provider == w.c.ProviderID
	case domain.RoleServant:
		ok = a.Servant == w.c.Servant.ID
	}
	if !ok {
		return refuse(domain.CodeNotFound, "certificate %s not found", w.c.Number)
	}
	return nil
}

// requireRole: someone who may see the certificate but not take this step gets 403.
func (w *certificate) requireRole(a domain.Actor, role domain.Role, step string) error {
	if err := w.mayRead(a); err != nil {
		return err
	}
	if a.Role != role {
		return refuse(domain.CodeForbidden, "%s is for the %s of the certificate", step, role)
	}
	if !w.ready || w.refusal != nil {
		return refuse(domain.CodeConflict, "certificate %s is not issued", w.c.Number)
	}
	return nil
}

func (w *certificate) mayEnrol(ctx workflow.Context, r EnrolmentReport) error {
	if err := w.requireRole(r.Actor, domain.RoleProvider, "reporting enrolment"); err != nil {
		return err
	}
	if w.c.Status != domain.CertificateIssued {
		return refuse(domain.CodeConflict, "certificate %s is %s: enrolment is reported once, on an issued certificate", w.c.Number, w.c.Status)
	}
	if Today(ctx).After(w.c.StartBy) {
		return refuse(domain.CodeConflict, "enrolment on certificate %s was due by %s", w.c.Number, w.c.StartBy)
	}
	if r.Enrolment.StartedOn.After(w.c.StartBy) {
		return refuse(domain.CodeInvalid, "training must start no later than %s", w.c.StartBy)
	}
	return nil
}

func (w *certificate) mayReportOutcome(r OutcomeReport) error {
	if err := w.requireRole(r.Actor, domain.RoleProvider, "reporting the outcome"); err != nil {
		return err
	}
	if w.c.Status != domain.CertificateEnrolled {
		return refuse(domain.CodeConflict, "certificate %s is %s: the outcome is reported once, after enrolment", w.c.Number, w.c.Status)
	}
	o := r.Outcome
	switch o.Outcome {
	case domain.CertificateCompleted:
		if o.DocumentNumber == "" {
			return refuse(domain.CodeInvalid, "a completed programme carries the number of the issued document")
		}
	case domain.CertificatePartiallyCompleted:
		if o.HoursCompleted <= 0 || o.HoursCompleted >= w.c.Hours {
			return refuse(domain.CodeInvalid, "hours_completed must be between 1 and %d", w.c.Hours-1)
		}
	case domain.CertificateFailedAttestation, domain.CertificateExpelled:
	default:
		return refuse(domain.CodeInvalid, "outcome must be completed, failed_attestation, partially_completed or expelled")
	}
	return nil
}

func (w *certificate) mayAnnul(s AuthorityStep) error {
	if err := w.requireRole(s.Actor, domain.RoleMinistry, "annulment"); err != nil {
		return err
	}
	if s.Reason == "" {
		return refuse(domain.CodeInvalid, "a reason is required")
	}
	if w.c.Status != domain.CertificateIssued && w.c.Status != domain.CertificateEnrolled {
		return refuse(domain.CodeConflict, "certificate %s is %s: only a certificate without an outcome can be annulled", w.c.Number, w.c.Status)
	}
	return nil
}

func (w *certificate) mayDuplicate(s AuthorityStep) error {
	if err := w.requireRole(s.Actor, domain.RoleMinistry, "a duplicate"); err != nil {
		return err
	}
	if s.Reason == "" {
		return refuse(domain.CodeInvalid, "a reason is required")
	}
	if w.c.Status == domain.CertificateAnnulled || w.c.Status == domain.CertificateLapsed {
		return refuse(domain.CodeConflict, "certificate %s is %s: no duplicate is issued", w.c.Number, w.c.Status)
	}
	return nil
}

func (w *certificate) mayRate(r RatingReport) error {
	if err := w.mayRead(r.Actor); err != nil {
		return err
	}
	if r.Actor.Role != domain.RoleServant && r.Actor.Role != domain.RoleHR {
		return refuse(domain.CodeForbidden, "the quality survey is for the servant and the agency's HR")
	}
	if !w.c.Status.HasOutcome() || w.surveyClosed {
		return refuse(domain.CodeConflict, "the quality survey of certificate %s is open after the outcome only", w.c.Number)
	}
	if r.Rating.Score < 1 || r.Rating.Score > 5 {
		return refuse(domain.CodeInvalid, "score must be 1 to 5")
	}
	if slices.Contains(w.raters, r.Actor.Sub) {
		return refuse(domain.CodeConflict, "%s has already rated certificate %s", r.Actor.Sub, w.c.Number)
	}
	return nil
}

// locked runs a step under the mutex after validating again: another update may have won.
func (w *certificate) locked(ctx workflow.Context, check func() error, step func() error) (domain.Certificate, error) {
	if err := w.mu.Lock(ctx); err != nil {
		return w.c, err
	}
	defer w.mu.Unlock()
	if err := check(); err != nil {
		return w.c, err
	}
	defer func() { w.changes++ }()
	return w.c, step()
}

func (w *certificate) enrol(ctx workflow.Context, r EnrolmentReport) (domain.Certificate, error) {
	c, err := w.locked(ctx, func() error { return w.mayEnrol(ctx, r) }, func() error {
		due, err := WorkingDaysAfter(ctx, w.c.EndBy, w.in.Terms.OutcomeGraceDays, w.in.Region)
		if err != nil {
			return err
		}
		remind, err := WorkingDaysAfter(ctx, due.Date, -w.in.Terms.OutcomeRemindBefore, w.in.Region)
		if err != nil {
			return err
		}
		e := r.Enrolment
		w.c.Status, w.c.Enrolment, w.c.OutcomeDue = domain.CertificateEnrolled, &e, &due.Date
		w.remindOn, w.reminded = remind.Date, reminderPassed(ctx, remind.Date)
		msg := fmt.Sprintf("Служащий зачислен на обучение по сертификату %s (приказ %s, начало %s).", w.c.Number, e.OrderNumber, e.StartedOn)
		w.tellServant(ctx, "enrolled", "Зачисление на обучение", msg)
		w.tellHR(ctx, "enrolled", "Зачисление на обучение", msg)
		return w.save(ctx, r.Actor, "enrolled", map[string]any{"enrolled_on": e.EnrolledOn, "started_on": e.StartedOn, "order_number": e.OrderNumber, "outcome_due": due.Date})
	})
	return c, err
}

func (w *certificate) reportOutcome(ctx workflow.Context, r OutcomeReport) (domain.Certificate, error) {
	c, err := w.locked(ctx, func() error { return w.mayReportOutcome(r) }, func() error {
		o := r.Outcome
		w.c.Status, w.c.Outcome, w.c.Overdue = o.Outcome, &o, false
		w.surveyEnd = workflow.Now(ctx).AddDate(0, 0, w.in.Terms.SurveyWindowDays)
		msg := fmt.Sprintf("Результат обучения по сертификату %s: %s. Оцените качество обучения.", w.c.Number, o.Outcome)
		w.tellServant(ctx, "outcome", "Результат обучения", msg)
		w.tellHR(ctx, "outcome", "Результат обучения", msg)
		if w.escalated {
			w.tellMinistry(ctx, "outcome", "Результат обучения представлен", msg)
		}
		return w.save(ctx, r.Actor, "outcome_reported", map[string]any{"outcome": o.Outcome, "finished_on": o.FinishedOn,
			"document_number": o.DocumentNumber, "hours_completed": o.HoursCompleted})
	})
	return c, err
}

func (w *certificate) annul(ctx workflow.Context, s AuthorityStep) (domain.Certificate, error) {
	c, err := w.locked(ctx, func() error { return w.mayAnnul(s) }, func() error {
		w.c.Status, w.c.AnnulmentReason, w.c.Overdue = domain.CertificateAnnulled, s.Reason, false
		w.tellAll(ctx, "annulled", "Сертификат аннулирован", fmt.Sprintf("Сертификат %s аннулирован: %s", w.c.Number, s.Reason))
		return w.save(ctx, s.Actor, "annulled", map[string]any{"reason": s.Reason})
	})
	return c, err
}

func (w *certificate) duplicate(ctx workflow.Context, s AuthorityStep) (domain.Certificate, error) {
	c, err := w.locked(ctx, func() error { return w.mayDuplicate(s) }, func() error {
		seq := w.c.Duplicates + 1
		at := workflow.Now(ctx).UTC()
		var sum string
		if err := workflow.ExecuteActivity(withActivities(ctx), certificateActivities.RenderDuplicate, activities.DuplicateInput{
			Certificate: w.c, Parties: w.parties, Seq: seq, IssuedAt: at, VerificationURL: w.in.VerificationURL,
		}).Get(ctx, &sum); err != nil {
			return err
		}
		var signed activities.Signed
		if err := workflow.ExecuteActivity(withActivities(ctx), certificateActivities.SignDocument,
			activities.SignInput{Number: w.c.Number, Seq: seq, SigningTime: at}).Get(ctx, &signed); err != nil {
			return err
		}
		w.c.Duplicates = seq
		w.deliver(ctx, fmt.Sprintf("duplicate_%d", seq), seq, "Выдан дубликат сертификата",
			fmt.Sprintf("Выдан дубликат № %d сертификата %s.", seq, w.c.Number))
		w.tellHR(ctx, fmt.Sprintf("duplicate_%d", seq), "Выдан дубликат сертификата", fmt.Sprintf("Выдан дубликат № %d сертификата %s.", seq, w.c.Number))
		return w.save(ctx, s.Actor, "duplicate_issued", map[string]any{"duplicate": seq, "reason": s.Reason, "document_sha256": signed.SHA256})
	})
	return c, err
}

func (w *certificate) rate(ctx workflow.Context, r RatingReport) (domain.Certificate, error) {
	c, err := w.locked(ctx, func() error { return w.mayRate(r) }, func() error {
		w.raters = append(w.raters, r.Actor.Sub)
		ev := w.steps.next(ctx, r.Actor, "rated", map[string]any{"score": r.Rating.Score})
		w.c.Revision = ev.Seq
		return workflow.ExecuteActivity(withActivities(ctx), certificateActivities.SaveRating,
			activities.RatingStep{Certificate: w.c, Rater: r.Actor, Rating: r.Rating, Event: ev}).Get(ctx, nil)
	})
	return c, err
}

func (w *certificate) result(c domain.Certificate, err error) (domain.Certificate, error) {
	return c, err
}
