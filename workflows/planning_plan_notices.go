package workflows

import (
	"fmt"

	"go.temporal.io/sdk/workflow"

	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/internal/notify"
)

// What a plan's parties are told: its participant (an agency's HR officers or a provider)
// and the authority's ministry staff. A notice is sent before the step it reports is saved,
// and its step name carries that step's number (stepName).

func (w *planReview) notify(ctx workflow.Context, rs ...notify.Request) {
	for _, r := range rs {
		w.notes.send(ctx, r)
	}
}

// stepName makes a notification step unique within the plan: the next step's number.
func (w *planReview) stepName(action string) string {
	return fmt.Sprintf("%s_%d", action, w.in.Steps.Seq+1)
}

func (w *planReview) toParticipant(action, subject, body string) notify.Request {
	p := w.in.Plan
	return notify.Request{
		WorkflowID: p.WorkflowID, Step: w.stepName(action), Audience: participantAudience(p.ParticipantKind, p.ParticipantID),
		Emails: w.in.Emails, Subject: subject, Body: body, Link: w.link(),
	}
}

func (w *planReview) toMinistry(action, subject, body string) notify.Request {
	return notify.Request{
		WorkflowID: w.in.Plan.WorkflowID, Step: w.stepName(action), Audience: domain.RoleAudience(domain.RoleMinistry, w.in.Plan.Authority),
		Subject: subject, Body: body, Link: w.link(),
	}
}

func (w *planReview) link() string {
	return fmt.Sprintf("/api/v1/planning/cycles/%d?authority=%s", w.in.Plan.Year, w.in.Plan.Authority)
}

func (w *planReview) acceptedNotice() notify.Request {
	return w.toParticipant("accepted", "План мероприятий принят", fmt.Sprintf("План мероприятий %s на %d год принят.", w.id(), w.in.Plan.Year))
}

func (w *planReview) returnedNotice() notify.Request {
	return w.toParticipant("returned", "План мероприятий возвращён на доработку",
		fmt.Sprintf("План мероприятий %s возвращён на доработку: %v. Представить повторно до %s.", w.id(), w.in.Plan.Reasons, w.in.Review.ResubmitDue))
}

func (w *planReview) resubmittedNotice() notify.Request {
	return w.toMinistry("resubmitted", "План мероприятий представлен повторно",
		fmt.Sprintf("%s повторно представил(а) план %s; рассмотреть до %s.", w.in.Plan.ParticipantName, w.id(), w.in.Review.ReviewDue))
}

// alarmNotices are the clock's: reminders and escalation to the ministry, the rework
// reminder to the participant, and the lapse of the rework to both.
func (w *planReview) alarmNotices(kind AlarmKind) []notify.Request {
	r, name := w.in.Review, w.in.Plan.ParticipantName
	switch kind {
	case AlarmRemindReviewer:
		return []notify.Request{w.toMinistry("review_reminder", "Напоминание: рассмотреть план мероприятий",
			fmt.Sprintf("План %s (%s) нужно рассмотреть до %s.", w.id(), name, r.ReviewDue))}
	case AlarmEscalate:
		return []notify.Request{w.toMinistry("review_overdue", "Просрочено рассмотрение плана мероприятий",
			fmt.Sprintf("Срок рассмотрения плана %s (%s) истёк %s.", w.id(), name, r.ReviewDue))}
	case AlarmRemindSubmitter:
		return []notify.Request{w.toParticipant("resubmit_reminder", "Напоминание: доработать план мероприятий",
			fmt.Sprintf("Доработанный план %s нужно представить до %s.", w.id(), r.ResubmitDue))}
	case AlarmLapse:
		body := fmt.Sprintf("Доработанный план %s (%s) не представлен до %s.", w.id(), name, r.ResubmitDue)
		return []notify.Request{
			w.toParticipant("resubmit_overdue", "Просрочена доработка плана мероприятий", body),
			w.toMinistry("resubmit_overdue", "Просрочена доработка плана мероприятий", body),
		}
	}
	return nil
}
