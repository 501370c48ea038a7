package workflows

import (
	"errors"
	"time"

	"cloud.google.com/go/civil"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/profdev/profdev/activities"
	"github.com/profdev/profdev/internal/domain"
)

// The educational certificate (process 1): one workflow per certificate, for months. It is
// formed, signed and stored; delivered to the servant, the agency's HR and the provider;
// the provider reports enrolment by start_by (or the certificate lapses) and the outcome by
// end_by plus a grace period (with reminders, then escalation to the ministry); the issuing
// authority may annul it while no outcome is reported, and issue duplicates; after the
// outcome the servant and HR rate the training once each.
//
// certificate_steps.go holds the updates, certificate_clock.go the deadlines and
// certificate_notices.go the texts sent; certificate_batch.go issues many at once.

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
	Certificate     domain.Certificate `json:"certificate"`
	Region          string             `json:"region"`
	IssuedBy        domain.Actor       `json:"issued_by"`
	Terms           CertificateTerms   `json:"terms"`
	VerificationURL string             `json:"verification_url"`
	// Digest: the batch that starts the certificate tells HR and the provider of its issue
	// in one email for the whole batch (certificate_batch_notices.go), so the certificate's
	// own notices to them go to the feed only. Set by batches from version 1 of
	// "batch-digest"; absent in every earlier input.
	Digest bool `json:"digest,omitempty"`
	// Born is the level of changes the workflow was started at (born.go); 0 in every input
	// written before levels existed.
	Born BornLevel `json:"born,omitempty"`
}

// NewCertificateInput builds a certificate workflow's input from a ministry's request; the
// API and batch issuance share it so a certificate starts the same way from either.
func NewCertificateInput(r domain.CertificateRequest, number, authority, region string, actor domain.Actor,
	terms CertificateTerms, publicBaseURL, batchID string) CertificateInput {
	return CertificateInput{
		Certificate: domain.Certificate{
			Number: number, Authority: authority, Year: r.Year, Agency: r.Agency, Servant: r.Servant,
			ProviderID: r.ProviderID, Programme: domain.Programme{Code: r.ProgrammeCode}, Hours: r.Hours, Amount: r.Amount,
			StartBy: r.StartBy, EndBy: r.EndBy, Status: domain.CertificateIssuing, BatchID: batchID,
		},
		Region: region, IssuedBy: actor, Terms: terms,
		// The QR code opens the console's public verification page (the JSON answer is at
		// /api/v1/public/certificates/{number}/verification for machines).
		VerificationURL: publicBaseURL + "/verify/" + number,
		Born:            BornNow,
	}
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

// certificateActivities names the certificate activities; the worker registers the real ones.
var certificateActivities *activities.Certificates

type certificate struct {
	stepper
	in           CertificateInput
	c            domain.Certificate
	parties      domain.CertificateParties
	steps        timeline
	refusal      error
	ready        bool
	remindOn     civil.Date
	reminded     bool
	escalated    bool
	surveyEnd    time.Time
	surveyClosed bool
	raters       []string
	notes        *notifier
}

// Certificate runs one certificate from issue to its end.
func Certificate(ctx workflow.Context, in CertificateInput) (domain.Certificate, error) {
	ctx = withActivities(ctx)
	w := &certificate{in: in, c: in.Certificate, notes: newNotifier(ctx)}
	w.stepper = newStepper(ctx, w)
	w.c.WorkflowID = workflow.GetInfo(ctx).WorkflowExecution.ID
	if err := w.registerHandlers(ctx); err != nil {
		return w.c, err
	}
	w.answerBatch(ctx)
	if err := w.issue(ctx); err != nil {
		var appErr *temporal.ApplicationError
		if errors.As(err, &appErr) && permanent(err) {
			// Refused (provider excluded, programme not accepted, a live certificate exists):
			// the request is answered with the reason and nothing else happens.
			w.refusal, w.ready = refuse(domain.Code(appErr.Type()), "%s", appErr.Message()), true
			// Version 1 records the refusal against the batch item the certificate was numbered
			// for, so the batch's status accounts for it instead of showing it waiting for ever.
			if w.c.BatchID != "" && changeVersion(ctx, w.in.Born, "batch-item-refusal", 1) == 1 {
				if err := workflow.ExecuteActivity(ctx, batchActivities.RefuseBatchItem,
					activities.BatchRefusal{BatchID: w.c.BatchID, Number: w.c.Number, Code: domain.Code(appErr.Type()), Reason: appErr.Message()}).Get(ctx, nil); err != nil {
					return w.c, ownStep(ctx, "recording the batch refusal", err)
				}
			}
			w.reportToBatch(ctx)
			return w.c, drain(ctx)
		}
		return w.c, ownStep(ctx, "the issue", err)
	}
	w.reportToBatch(ctx)
	upgradeStep(ctx)
	for !w.finished() {
		seen := w.changes
		alarm, fired, err := AwaitAlarm(ctx, func() bool { return w.changes != seen }, w.alarms()...)
		if err != nil {
			return w.c, err
		}
		if fired {
			if err := w.onAlarm(ctx, alarm); err != nil {
				return w.c, ownStep(ctx, string(alarm.Kind), err)
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
	// The issue runs in local activities, one server round trip fewer each; a transient
	// failure (the database down) falls back to regular activities that retry until it is
	// back, and only a refusal no retry can fix ends the issue (see Certificate).
	lctx := withLocalActivity(ctx, 30*time.Second)
	issuedAt := workflow.Now(ctx).UTC()
	w.c.Status = domain.CertificateIssuing
	ev := w.steps.next(ctx, w.in.IssuedBy, "requested", map[string]any{"provider_id": w.c.ProviderID, "programme_code": w.c.Programme.Code})
	w.c.Revision = ev.Seq
	var prep activities.Prepared
	if err := runLocal(lctx, certificateActivities.PrepareCertificate,
		activities.PrepareInput{Certificate: w.c, Event: ev, VerificationURL: w.in.VerificationURL}, &prep); err != nil {
		return err
	}
	w.c, w.parties = prep.Certificate, prep.Parties
	// Version 1 signs in a local activity on the worker that prepared the document: one
	// server round trip fewer; the activity stays idempotent (a stored signature is reused).
	var signed activities.Signed
	in := activities.SignInput{Number: w.c.Number, Seq: 0, SigningTime: issuedAt}
	var err error
	if changeVersion(ctx, w.in.Born, "issue-sign-locally", 1) == 1 {
		err = runLocal(lctx, certificateActivities.SignDocument, in, &signed)
	} else {
		err = workflow.ExecuteActivity(ctx, certificateActivities.SignDocument, in).Get(ctx, &signed)
	}
	if err != nil {
		return err
	}
	w.c.Status, w.c.IssuedAt = domain.CertificateIssued, &issuedAt
	res, err := WorkingDaysAfter(ctx, w.c.StartBy, -w.in.Terms.EnrolmentRemindBefore, w.in.Region)
	if err != nil {
		return err
	}
	w.remindOn, w.reminded = res.Date, reminderPassed(ctx, res.Date)
	// The issue's own step is saved in a local activity too: one round trip fewer.
	if err := w.recordWith(lctx, w.in.IssuedBy, "issued", map[string]any{"document_sha256": signed.SHA256, "algorithm": signed.Algorithm},
		w.storedLocally); err != nil {
		return err
	}
	w.ready = true
	servant, hr, provider := w.issuedNotices()
	hr.FeedOnly, provider.FeedOnly = w.in.Digest, w.in.Digest
	// Version 1 fans the three notifications of the issue out in one activity: two round
	// trips fewer per certificate. Workflows started before keep three activities.
	if changeVersion(ctx, w.in.Born, "issue-notifications-fan-out", 1) == 1 {
		w.deliver(ctx, 0, servant, hr, provider)
		return nil
	}
	w.deliver(ctx, 0, servant)
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

// How the step skeleton records a certificate's steps.

func (w *certificate) stepTimeline() *timeline { return &w.steps }

func (w *certificate) stored(ev domain.Event) storage {
	w.c.Revision = ev.Seq
	return storage{activity: certificateActivities.SaveCertificate, input: activities.CertificateStep{Certificate: w.c, Event: ev}}
}

// storedLocally saves the step in a local activity (the caller's context carries its options).
func (w *certificate) storedLocally(ev domain.Event) storage {
	st := w.stored(ev)
	st.local = true
	return st
}

func (w *certificate) searchAttributes() []temporal.SearchAttributeUpdate {
	return []temporal.SearchAttributeUpdate{
		AttrProcess.ValueSet(ProcessCertificate), AttrStatus.ValueSet(string(w.c.Status)),
		AttrAuthority.ValueSet(w.c.Authority), AttrAgency.ValueSet(w.c.Agency.ID), AttrProvider.ValueSet(w.c.ProviderID),
		AttrYear.ValueSet(int64(w.c.Year)), AttrOverdue.ValueSet(w.c.Overdue),
	}
}

// reportToBatch tells the batch that started the certificate whether it was issued or refused
// (certificate_batch_steps.go). Version 1 reports; certificates started before do not, and
// their batches did not wait for them. Certificates born at level 2 do not either: their
// batch reads what it needs from PostgreSQL, where the issue and the refusal are recorded.
func (w *certificate) reportToBatch(ctx workflow.Context) {
	parent := workflow.GetInfo(ctx).ParentWorkflowExecution
	if w.in.Certificate.BatchID == "" || parent == nil || w.batchReads(ctx) {
		return
	}
	if changeVersion(ctx, w.in.Born, "report-to-batch", 1) == workflow.DefaultVersion {
		return
	}
	s := CertificateSettled{Number: w.c.Number, Issued: w.refusal == nil}
	var appErr *temporal.ApplicationError
	if errors.As(w.refusal, &appErr) {
		s.Code, s.Reason = domain.Code(appErr.Type()), appErr.Message()
	}
	if err := workflow.SignalExternalWorkflow(ctx, parent.ID, "", SignalCertificateSettled, s).Get(ctx, nil); err != nil {
		workflow.GetLogger(ctx).Error("batch not told", "batch", parent.ID, "error", err)
	}
}

// answerBatch reports again whenever the batch asks (a retried batch finds the certificate
// started already), once the certificate is issued or refused; before that, the report
// follows anyway.
func (w *certificate) answerBatch(ctx workflow.Context) {
	if w.in.Certificate.BatchID == "" || w.batchReads(ctx) {
		return
	}
	asks := workflow.GetSignalChannel(ctx, SignalReportSettlement)
	workflow.Go(ctx, func(ctx workflow.Context) {
		for {
			asks.Receive(ctx, nil)
			if w.ready {
				w.reportToBatch(ctx)
			}
		}
	})
}

// batchReads: the certificate's batch reads its settlement from PostgreSQL (born at level 2)
// and is not signalled.
func (w *certificate) batchReads(ctx workflow.Context) bool {
	return changeVersion(ctx, w.in.Born, "batch-reads-settlement", 1) == 1
}
