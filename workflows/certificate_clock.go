package workflows

import (
	"go.temporal.io/sdk/workflow"

	"github.com/profdev/profdev/internal/domain"
)

// The clock of a certificate: the enrolment reminder and the lapse at the end of start_by;
// once enrolled, the outcome reminder and the escalation when the outcome is late; after
// the outcome, the end of the quality survey.

// Alarm kinds of a certificate.
const (
	alarmEnrolmentReminder AlarmKind = "enrolment_reminder"
	alarmLapse             AlarmKind = "lapse"
	alarmOutcomeReminder   AlarmKind = "outcome_reminder"
	alarmOutcomeOverdue    AlarmKind = "outcome_overdue"
	alarmSurveyCloses      AlarmKind = "survey_closes"
)

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

// onAlarm acts on a deadline, unless a step taken meanwhile made it moot.
func (w *certificate) onAlarm(ctx workflow.Context, a Alarm) error {
	_, err := take(ctx, &w.stepper, nil, func() (struct{}, error) {
		if !stillDue(w.alarms(), a) {
			return struct{}{}, nil
		}
		switch a.Kind {
		case alarmEnrolmentReminder:
			w.reminded = true
			w.notify(ctx, w.enrolmentReminderNotices()...)
			return struct{}{}, w.record(ctx, domain.SystemActor, "enrolment_reminder", nil)
		case alarmLapse:
			w.c.Status = domain.CertificateLapsed
			w.notify(ctx, w.lapsedNotices()...)
			return struct{}{}, w.record(ctx, domain.SystemActor, "lapsed", map[string]any{"start_by": w.c.StartBy})
		case alarmOutcomeReminder:
			w.reminded = true
			w.notify(ctx, w.outcomeReminderNotice())
			return struct{}{}, w.record(ctx, domain.SystemActor, "outcome_reminder", nil)
		case alarmOutcomeOverdue:
			w.escalated, w.c.Overdue = true, true
			w.notify(ctx, w.outcomeOverdueNotices()...)
			return struct{}{}, w.record(ctx, domain.SystemActor, "outcome_overdue", map[string]any{"outcome_due": *w.c.OutcomeDue})
		case alarmSurveyCloses:
			w.surveyClosed = true
			return struct{}{}, w.record(ctx, domain.SystemActor, "survey_closed", nil)
		}
		return struct{}{}, nil
	})
	return err
}
