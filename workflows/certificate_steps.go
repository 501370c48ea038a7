package workflows

import (
	"slices"

	"go.temporal.io/sdk/workflow"

	"github.com/profdev/profdev/activities"
	"github.com/profdev/profdev/internal/domain"
)

// The steps users take on a certificate, each a Workflow Update: its validator checks the
// actor and the state before anything is written, and its handler runs on the step skeleton
// (take), which checks again.

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
	if _, msg := domain.OutcomeProblem(r.Outcome, w.c.Hours); msg != "" {
		return refuse(domain.CodeInvalid, "%s", msg)
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

func (w *certificate) enrol(ctx workflow.Context, r EnrolmentReport) (domain.Certificate, error) {
	return take(ctx, &w.stepper, func() error { return w.mayEnrol(ctx, r) }, func() (domain.Certificate, error) {
		due, err := WorkingDaysAfter(ctx, w.c.EndBy, w.in.Terms.OutcomeGraceDays, w.in.Region)
		if err != nil {
			return w.c, err
		}
		remind, err := WorkingDaysAfter(ctx, due.Date, -w.in.Terms.OutcomeRemindBefore, w.in.Region)
		if err != nil {
			return w.c, err
		}
		e := r.Enrolment
		w.c.Status, w.c.Enrolment, w.c.OutcomeDue = domain.CertificateEnrolled, &e, &due.Date
		w.remindOn, w.reminded = remind.Date, reminderPassed(ctx, remind.Date)
		w.notify(ctx, w.enrolledNotices(e)...)
		return w.c, w.record(ctx, r.Actor, "enrolled", map[string]any{"enrolled_on": e.EnrolledOn, "started_on": e.StartedOn, "order_number": e.OrderNumber, "outcome_due": due.Date})
	})
}

func (w *certificate) reportOutcome(ctx workflow.Context, r OutcomeReport) (domain.Certificate, error) {
	return take(ctx, &w.stepper, func() error { return w.mayReportOutcome(r) }, func() (domain.Certificate, error) {
		o := r.Outcome
		w.c.Status, w.c.Outcome, w.c.Overdue = o.Outcome, &o, false
		w.surveyEnd = workflow.Now(ctx).AddDate(0, 0, w.in.Terms.SurveyWindowDays)
		w.notify(ctx, w.outcomeNotices(o)...)
		return w.c, w.record(ctx, r.Actor, "outcome_reported", map[string]any{"outcome": o.Outcome, "finished_on": o.FinishedOn,
			"document_number": o.DocumentNumber, "hours_completed": o.HoursCompleted})
	})
}

func (w *certificate) annul(ctx workflow.Context, s AuthorityStep) (domain.Certificate, error) {
	return take(ctx, &w.stepper, func() error { return w.mayAnnul(s) }, func() (domain.Certificate, error) {
		w.c.Status, w.c.AnnulmentReason, w.c.Overdue = domain.CertificateAnnulled, s.Reason, false
		w.notify(ctx, w.annulledNotices(s.Reason)...)
		return w.c, w.record(ctx, s.Actor, "annulled", map[string]any{"reason": s.Reason})
	})
}

// duplicate renders and signs the next duplicate (дубликат) and delivers it to the servant.
func (w *certificate) duplicate(ctx workflow.Context, s AuthorityStep) (domain.Certificate, error) {
	return take(ctx, &w.stepper, func() error { return w.mayDuplicate(s) }, func() (domain.Certificate, error) {
		seq := w.c.Duplicates + 1
		at := workflow.Now(ctx).UTC()
		var sum string
		if err := workflow.ExecuteActivity(withActivities(ctx), certificateActivities.RenderDuplicate, activities.DuplicateInput{
			Certificate: w.c, Parties: w.parties, Seq: seq, IssuedAt: at, VerificationURL: w.in.VerificationURL,
		}).Get(ctx, &sum); err != nil {
			return w.c, err
		}
		var signed activities.Signed
		if err := workflow.ExecuteActivity(withActivities(ctx), certificateActivities.SignDocument,
			activities.SignInput{Number: w.c.Number, Seq: seq, SigningTime: at}).Get(ctx, &signed); err != nil {
			return w.c, err
		}
		w.c.Duplicates = seq
		servant, hr := w.duplicateNotices(seq)
		w.deliver(ctx, seq, servant)
		w.notify(ctx, hr)
		return w.c, w.record(ctx, s.Actor, "duplicate_issued", map[string]any{"duplicate": seq, "reason": s.Reason, "document_sha256": signed.SHA256})
	})
}

// rate records one answer to the quality survey, which its own activity saves.
func (w *certificate) rate(ctx workflow.Context, r RatingReport) (domain.Certificate, error) {
	return take(ctx, &w.stepper, func() error { return w.mayRate(r) }, func() (domain.Certificate, error) {
		w.raters = append(w.raters, r.Actor.Sub)
		return w.c, w.recordWith(ctx, r.Actor, "rated", map[string]any{"score": r.Rating.Score}, func(ev domain.Event) storage {
			w.c.Revision = ev.Seq
			return storage{activity: certificateActivities.SaveRating, unsearched: true,
				input: activities.RatingStep{Certificate: w.c, Rater: r.Actor, Rating: r.Rating, Event: ev}}
		})
	})
}
