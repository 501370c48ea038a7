package workflows

import (
	"errors"
	"fmt"
	"time"

	"cloud.google.com/go/civil"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/profdev/profdev/activities"
	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/internal/notify"
	"github.com/profdev/profdev/internal/postgres"
)

// The educational certificate (process 1): one workflow per certificate, for months. It is
// formed, signed and stored; delivered to the servant, the agency's HR and the provider;
// the provider reports enrolment by start_by (or the certificate lapses) and the outcome by
// end_by plus a grace period (with reminders, then escalation to the ministry); the issuing
// authority may annul it while no outcome is reported, and issue duplicates; after the
// outcome the servant and HR rate the training once each.

// Names of the certificate workflow and its handlers.
const (
	CertificateWorkflowType = "Certificate"
	UpdateCertificateIssued = "issued"
	UpdateEnrol             = "enrol"
	UpdateReportOutcome     = "report_outcome"
	UpdateAnnul             = "annul"
	UpdateDuplicate         = "duplicate"
	UpdateRate              = "rate"
	QueryCertificate        = "certificate"
	ProcessCertificate      = "certificate"
)

// CertificateWorkflowID derives the workflow ID from the certificate number.
func CertificateWorkflowID(number string) string { return "certificate-" + number }

// CertificateTerms are the configurable deadlines of a certificate.
type CertificateTerms struct {
	EnrolmentRemindBefore int `json:"enrolment_remind_before"` // working days before start_by
	OutcomeGraceDays      int `json:"outcome_grace_days"`      // working days after end_by
	OutcomeRemindBefore   int `json:"outcome_remind_before"`   // working days before the outcome is due
	SurveyWindowDays      int `json:"survey_window_days"`      // calendar days the survey stays open
}

// DefaultCertificateTerms are used where configuration says nothing.
var DefaultCertificateTerms = CertificateTerms{EnrolmentRemindBefore: 3, OutcomeGraceDays: 10, OutcomeRemindBefore: 2, SurveyWindowDays: 90}

// CertificateInput is a ministry's request, as the workflow starts it.
type CertificateInput struct {
	Certificate     postgres.Certificate `json:"certificate"`
	Region          string               `json:"region"`
	IssuedBy        domain.Actor         `json:"issued_by"`
	Terms           CertificateTerms     `json:"terms"`
	VerificationURL string               `json:"verification_url"`
}

// Step inputs of the updates.
type (
	EnrolmentReport struct {
		Actor     domain.Actor     `json:"actor"`
		Enrolment domain.Enrolment `json:"enrolment"`
	}
	OutcomeReport struct {
		Actor   domain.Actor   `json:"actor"`
		Outcome domain.Outcome `json:"outcome"`
	}
	AuthorityStep struct {
		Actor  domain.Actor `json:"actor"`
		Reason string       `json:"reason"`
	}
	RatingReport struct {
		Actor  domain.Actor  `json:"actor"`
		Rating domain.Rating `json:"rating"`
	}
)

// Alarm kinds of a certificate.
const (
	alarmEnrolmentReminder AlarmKind = "enrolment_reminder"
	alarmLapse             AlarmKind = "lapse"
	alarmOutcomeReminder   AlarmKind = "outcome_reminder"
	alarmOutcomeOverdue    AlarmKind = "outcome_overdue"
	alarmSurveyCloses      AlarmKind = "survey_closes"
)

type certificate struct {
	in           CertificateInput
	c            postgres.Certificate
	parties      postgres.CertificateParties
	steps        timeline
	refusal      error
	ready        bool
	changes      int
	remindOn     civil.Date
	reminded     bool
	escalated    bool
	surveyEnd    time.Time
	surveyClosed bool
	raters       []string
	mu           workflow.Mutex
	notes        *notifier
}

// Certificate runs one certificate from issue to its end.
func Certificate(ctx workflow.Context, in CertificateInput) (postgres.Certificate, error) {
	ctx = withActivities(ctx)
	w := &certificate{in: in, c: in.Certificate, mu: workflow.NewMutex(ctx), notes: newNotifier(ctx)}
	w.c.WorkflowID = workflow.GetInfo(ctx).WorkflowExecution.ID
	if err := w.registerHandlers(ctx); err != nil {
		return w.c, err
	}
	if err := w.issue(ctx); err != nil {
		var appErr *temporal.ApplicationError
		if errors.As(err, &appErr) && appErr.NonRetryable() {
			// Refused (provider excluded, programme not accepted, a live certificate exists):
			// the request is answered with the reason and nothing else happens.
			w.refusal, w.ready = refuse(domain.Code(appErr.Type()), "%s", appErr.Message()), true
			return w.c, drain(ctx)
		}
		return w.c, err
	}
	upgradeStep(ctx)
	for !w.finished() {
		seen := w.changes
		alarm, fired, err := AwaitAlarm(ctx, func() bool { return w.changes != seen }, w.alarms()...)
		if err != nil {
			return w.c, err
		}
		if fired {
			if err := w.onAlarm(ctx, alarm); err != nil {
				return w.c, err
			}
		}
	}
	if err := drain(ctx); err != nil {
		return w.c, err
	}
	w.notes.wait(ctx)
	return w.c, nil
}

// issue checks, registers, renders, signs and stores the certificate, then delivers it.
func (w *certificate) issue(ctx workflow.Context) error {
	lctx := workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: time.Second, MaximumInterval: time.Minute,
			NonRetryableErrorTypes: []string{string(domain.CodeInvalid), string(domain.CodeConflict), string(domain.CodeNotFound)}},
	})
	issuedAt := workflow.Now(ctx).UTC()
	w.c.Status = domain.CertificateIssuing
	ev := w.steps.next(ctx, w.in.IssuedBy, "requested", map[string]any{"provider_id": w.c.ProviderID, "programme_code": w.c.Programme.Code})
	w.c.Revision = ev.Seq
	var prep activities.Prepared
	if err := workflow.ExecuteLocalActivity(lctx, certificateActivities.PrepareCertificate,
		activities.PrepareInput{Certificate: w.c, Event: ev, VerificationURL: w.in.VerificationURL}).Get(ctx, &prep); err != nil {
		return err
	}
	w.c, w.parties = prep.Certificate, prep.Parties
	// Version 1 signs in a local activity on the worker that prepared the document: one
	// server round trip fewer; the activity stays idempotent (a stored signature is reused).
	var signed activities.Signed
	in := activities.SignInput{Number: w.c.Number, Seq: 0, SigningTime: issuedAt}
	var sign workflow.Future
	if workflow.GetVersion(ctx, "issue-sign-locally", workflow.DefaultVersion, 1) == 1 {
		sign = workflow.ExecuteLocalActivity(lctx, certificateActivities.SignDocument, in)
	} else {
		sign = workflow.ExecuteActivity(ctx, certificateActivities.SignDocument, in)
	}
	if err := sign.Get(ctx, &signed); err != nil {
		return err
	}
	w.c.Status, w.c.IssuedAt = domain.CertificateIssued, &issuedAt
	res, err := WorkingDaysAfter(ctx, w.c.StartBy, -w.in.Terms.EnrolmentRemindBefore, w.in.Region)
	if err != nil {
		return err
	}
	w.remindOn, w.reminded = res.Date, reminderPassed(ctx, res.Date)
	if err := w.saveLocal(lctx, w.in.IssuedBy, "issued", map[string]any{"document_sha256": signed.SHA256, "algorithm": signed.Algorithm}); err != nil {
		return err
	}
	w.ready = true
	servantSubject := "Вам выдан образовательный сертификат"
	servantBody := fmt.Sprintf("Сертификат %s на обучение по программе «%s» (%s). Обучение начать не позднее %s, завершить не позднее %s.",
		w.c.Number, w.c.Programme.Title, w.parties.ProviderName, w.c.StartBy, w.c.EndBy)
	hr := w.request(domain.RoleAudience(domain.RoleHR, w.c.Agency.ID), nil, "issued", "Сертификат доведён до служащего",
		fmt.Sprintf("Сертификат %s выдан служащему %s (программа %s).", w.c.Number, w.c.Servant.ID, w.c.Programme.Code))
	provider := w.request(domain.RoleAudience(domain.RoleProvider, w.c.ProviderID), w.providerEmails(), "issued", "Выдан сертификат на вашу программу",
		fmt.Sprintf("Выдан сертификат %s на программу %s «%s». Сообщите о зачислении до %s.", w.c.Number, w.c.Programme.Code, w.c.Programme.Title, w.c.StartBy))
	// Version 1 fans the three notifications of the issue out in one activity: two round
	// trips fewer per certificate. Workflows started before keep three activities.
	if workflow.GetVersion(ctx, "issue-notifications-fan-out", workflow.DefaultVersion, 1) == 1 {
		w.deliver(ctx, "issued", 0, servantSubject, servantBody, hr, provider)
		return nil
	}
	w.deliver(ctx, "issued", 0, servantSubject, servantBody)
	w.notes.send(ctx, hr)
	w.notes.send(ctx, provider)
	return nil
}

func (w *certificate) finished() bool {
	switch {
	case w.c.Status == domain.CertificateAnnulled || w.c.Status == domain.CertificateLapsed:
		return true
	case w.c.Status.HasOutcome():
		return w.surveyClosed
	}
	return false
}

func (w *certificate) alarms() []Alarm {
	switch {
	case w.c.Status == domain.CertificateIssued:
		var out []Alarm
		if !w.reminded {
			out = append(out, Alarm{Kind: alarmEnrolmentReminder, At: reminderAt(w.remindOn)})
		}
		return append(out, Alarm{Kind: alarmLapse, At: EndOfDay(w.c.StartBy)})
	case w.c.Status == domain.CertificateEnrolled && w.c.OutcomeDue != nil:
		var out []Alarm
		if !w.reminded {
			out = append(out, Alarm{Kind: alarmOutcomeReminder, At: reminderAt(w.remindOn)})
		}
		if !w.escalated {
			out = append(out, Alarm{Kind: alarmOutcomeOverdue, At: EndOfDay(*w.c.OutcomeDue)})
		}
		return out
	case w.c.Status.HasOutcome() && !w.surveyClosed:
		return []Alarm{{Kind: alarmSurveyCloses, At: w.surveyEnd}}
	}
	return nil
}

func (w *certificate) onAlarm(ctx workflow.Context, a Alarm) error {
	if err := w.mu.Lock(ctx); err != nil {
		return err
	}
	defer w.mu.Unlock()
	if !stillDue(w.alarms(), a) {
		return nil
	}
	switch a.Kind {
	case alarmEnrolmentReminder:
		w.reminded = true
		msg := fmt.Sprintf("По сертификату %s нет сведений о зачислении; срок начала обучения — %s.", w.c.Number, w.c.StartBy)
		w.tellProvider(ctx, "enrolment_reminder", "Напоминание о зачислении по сертификату", msg)
		w.tellHR(ctx, "enrolment_reminder", "Напоминание о зачислении по сертификату", msg)
		return w.save(ctx, domain.SystemActor, "enrolment_reminder", nil)
	case alarmLapse:
		w.c.Status = domain.CertificateLapsed
		msg := fmt.Sprintf("Обучение по сертификату %s не начато до %s; сертификат утратил силу.", w.c.Number, w.c.StartBy)
		w.tellAll(ctx, "lapsed", "Сертификат утратил силу", msg)
		return w.save(ctx, domain.SystemActor, "lapsed", map[string]any{"start_by": w.c.StartBy})
	case alarmOutcomeReminder:
		w.reminded = true
		w.tellProvider(ctx, "outcome_reminder", "Напоминание о результатах обучения",
			fmt.Sprintf("Сообщите результат обучения по сертификату %s до %s.", w.c.Number, *w.c.OutcomeDue))
		return w.save(ctx, domain.SystemActor, "outcome_reminder", nil)
	case alarmOutcomeOverdue:
		w.escalated, w.c.Overdue = true, true
		msg := fmt.Sprintf("Результат обучения по сертификату %s не представлен до %s.", w.c.Number, *w.c.OutcomeDue)
		w.tellMinistry(ctx, "outcome_overdue", "Просрочено представление результатов обучения", msg)
		w.tellProvider(ctx, "outcome_overdue", "Просрочено представление результатов обучения", msg)
		return w.save(ctx, domain.SystemActor, "outcome_overdue", map[string]any{"outcome_due": *w.c.OutcomeDue})
	case alarmSurveyCloses:
		w.surveyClosed = true
		return w.save(ctx, domain.SystemActor, "survey_closed", nil)
	}
	return nil
}

func (w *certificate) save(ctx workflow.Context, actor domain.Actor, action string, details map[string]any) error {
	ctx = withActivities(ctx)
	ev := w.steps.next(ctx, actor, action, details)
	w.c.Revision = ev.Seq
	if err := w.upsertSearch(ctx); err != nil {
		return err
	}
	return workflow.ExecuteActivity(ctx, certificateActivities.SaveCertificate, activities.CertificateStep{Certificate: w.c, Event: ev}).Get(ctx, nil)
}

// saveLocal records a step on the issue path as a local activity: one round trip fewer.
func (w *certificate) saveLocal(lctx workflow.Context, actor domain.Actor, action string, details map[string]any) error {
	ev := w.steps.next(lctx, actor, action, details)
	w.c.Revision = ev.Seq
	if err := w.upsertSearch(lctx); err != nil {
		return err
	}
	return workflow.ExecuteLocalActivity(lctx, certificateActivities.SaveCertificate, activities.CertificateStep{Certificate: w.c, Event: ev}).Get(lctx, nil)
}

func (w *certificate) upsertSearch(ctx workflow.Context) error {
	return workflow.UpsertTypedSearchAttributes(ctx,
		AttrProcess.ValueSet(ProcessCertificate), AttrStatus.ValueSet(string(w.c.Status)),
		AttrAuthority.ValueSet(w.c.Authority), AttrAgency.ValueSet(w.c.Agency.ID), AttrProvider.ValueSet(w.c.ProviderID),
		AttrYear.ValueSet(int64(w.c.Year)), AttrOverdue.ValueSet(w.c.Overdue))
}

func (w *certificate) link() string { return "/api/v1/certificates/" + w.c.Number }

// deliver brings the servant the signed document (the step's seq-th document), and sends
// the other notifications given in the same activity.
func (w *certificate) deliver(ctx workflow.Context, step string, seq int, subject, body string, also ...notify.Request) {
	req := w.request(domain.RoleAudience(domain.RoleServant, w.c.Servant.ID), []string{w.c.Servant.Email}, step, subject, body)
	w.notes.wg.Add(1)
	workflow.Go(ctx, func(ctx workflow.Context) {
		defer w.notes.wg.Done()
		if err := workflow.ExecuteActivity(withActivities(ctx), certificateActivities.DeliverDocument,
			activities.DeliveryInput{Request: req, Number: w.c.Number, Seq: seq, Also: also}).Get(ctx, nil); err != nil {
			workflow.GetLogger(ctx).Error("delivery failed", "step", step, "error", err)
		}
	})
}

func (w *certificate) request(aud domain.Audience, emails []string, step, subject, body string) notify.Request {
	return notify.Request{WorkflowID: w.c.WorkflowID, Step: step, Audience: aud, Emails: emails, Subject: subject, Body: body, Link: w.link()}
}

func (w *certificate) tell(ctx workflow.Context, aud domain.Audience, emails []string, step, subject, body string) {
	w.notes.send(ctx, w.request(aud, emails, step, subject, body))
}

func (w *certificate) providerEmails() []string {
	if w.parties.ProviderEmail == "" {
		return nil
	}
	return []string{w.parties.ProviderEmail}
}

func (w *certificate) tellServant(ctx workflow.Context, step, subject, body string) {
	w.tell(ctx, domain.RoleAudience(domain.RoleServant, w.c.Servant.ID), []string{w.c.Servant.Email}, step, subject, body)
}

func (w *certificate) tellHR(ctx workflow.Context, step, subject, body string) {
	w.tell(ctx, domain.RoleAudience(domain.RoleHR, w.c.Agency.ID), nil, step, subject, body)
}

func (w *certificate) tellProvider(ctx workflow.Context, step, subject, body string) {
	w.tell(ctx, domain.RoleAudience(domain.RoleProvider, w.c.ProviderID), w.providerEmails(), step, subject, body)
}

func (w *certificate) tellMinistry(ctx workflow.Context, step, subject, body string) {
	w.tell(ctx, domain.RoleAudience(domain.RoleMinistry, w.c.Authority), nil, step, subject, body)
}

func (w *certificate) tellAll(ctx workflow.Context, step, subject, body string) {
	w.tellServant(ctx, step, subject, body)
	w.tellHR(ctx, step, subject, body)
	w.tellProvider(ctx, step, subject, body)
}
