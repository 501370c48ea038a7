package workflows

import (
	"go.temporal.io/sdk/workflow"

	"github.com/profdev/profdev/internal/domain"
)

// The clock of an application: the review's reminder and escalation, the provider's rework
// deadline and its lapse (ReviewCycle), and the overall 30-day target.

// AdmissionTerms are the deadlines of the regulation, in working days.
var AdmissionTerms = ReviewTerms{ReviewDays: 3, ResubmitDays: 3, RemindBefore: 1}

// admissionTargetDays is the overall target in calendar days from the first submission.
const admissionTargetDays = 30

// alarmAdmissionTarget fires when the 30-day target passes without a decision.
const alarmAdmissionTarget AlarmKind = "admission_target"

func (w *admission) terms() ReviewTerms {
	t := AdmissionTerms
	t.Region = w.in.Region
	return t
}

func (w *admission) alarms() []Alarm {
	var out []Alarm
	if a, ok := w.review.NextAlarm(); ok {
		out = append(out, a)
	}
	if !w.targetMissed {
		out = append(out, Alarm{Kind: alarmAdmissionTarget, At: EndOfDay(w.app.AdmissionDue)})
	}
	return out
}

// onAlarm acts on a deadline, unless a step taken meanwhile made it moot.
func (w *admission) onAlarm(ctx workflow.Context, a Alarm) error {
	_, err := take(ctx, &w.stepper, nil, func() (struct{}, error) {
		if w.app.Status.Final() || !stillDue(w.alarms(), a) {
			return struct{}{}, nil
		}
		switch a.Kind {
		case alarmAdmissionTarget:
			w.targetMissed = true
			w.syncDates()
			w.notify(ctx, w.targetMissedNotice())
			return struct{}{}, w.record(ctx, domain.SystemActor, "admission_target_missed", map[string]any{"admission_due": w.app.AdmissionDue})
		case AlarmRemindReviewer:
			w.review.Fire(a.Kind)
			w.notify(ctx, w.reviewReminderNotice())
			return struct{}{}, w.record(ctx, domain.SystemActor, "review_reminder", map[string]any{"review_due": w.review.ReviewDue})
		case AlarmEscalate:
			w.review.Fire(a.Kind)
			w.syncDates()
			w.notify(ctx, w.reviewOverdueNotice())
			return struct{}{}, w.record(ctx, domain.SystemActor, "review_overdue", map[string]any{"review_due": w.review.ReviewDue})
		case AlarmRemindSubmitter:
			w.review.Fire(a.Kind)
			w.notify(ctx, w.resubmissionReminderNotice())
			return struct{}{}, w.record(ctx, domain.SystemActor, "resubmission_reminder", map[string]any{"resubmit_due": w.review.ResubmitDue})
		case AlarmLapse:
			w.review.Fire(a.Kind)
			w.app.Status = domain.ApplicationLapsed
			w.syncDates()
			w.notify(ctx, w.lapsedNotices()...)
			return struct{}{}, w.record(ctx, domain.SystemActor, "lapsed", map[string]any{"resubmit_due": w.review.ResubmitDue})
		}
		return struct{}{}, nil
	})
	return err
}
