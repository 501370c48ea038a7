package workflows

import (
	"fmt"

	"go.temporal.io/sdk/workflow"

	"github.com/profdev/profdev/internal/domain"
)

// The connection's deadlines: review, resubmission, access and handover, each reminded and
// escalated (seed 001 items 10-13), and the 30-day target.

func (w *connection) terms() ReviewTerms {
	t := ConnectionTerms.Review
	t.Region = w.in.Region
	return t
}

func (w *connection) alarms() []Alarm {
	var out []Alarm
	if a, ok := w.review.NextAlarm(); ok {
		out = append(out, a)
	}
	if !w.target {
		out = append(out, Alarm{Kind: alarmConnectTarget, At: EndOfDay(w.c.ConnectBy)})
	}
	if w.c.Status == domain.ConnectionAccepted && w.c.HandoverDue != nil {
		if !w.handover.Reminded && w.handover.RemindOn.IsValid() {
			out = append(out, Alarm{Kind: alarmHandoverReminder, At: reminderAt(w.handover.RemindOn)})
		}
		if !w.handover.Escalated {
			out = append(out, Alarm{Kind: alarmHandoverOverdue, At: EndOfDay(*w.c.HandoverDue)})
		}
	}
	return out
}

// onAlarm acts on a deadline, unless a step taken meanwhile made it moot.
func (w *connection) onAlarm(ctx workflow.Context, a Alarm) error {
	if err := w.mu.Lock(ctx); err != nil {
		return err
	}
	defer w.mu.Unlock()
	if w.c.Status.Final() || !stillDue(w.alarms(), a) {
		return nil
	}
	switch a.Kind {
	case alarmConnectTarget:
		w.target = true
		if w.c.Status == domain.ConnectionAccepted {
			// The 30 days ran out with access handed over: the organisation is connected; who
			// has not signed in yet still may, with the invitation they hold.
			return w.connect(ctx, "connected_at_target")
		}
		w.sync()
		w.tellReviewers(ctx, "connect_target_missed", "Превышен срок подключения",
			fmt.Sprintf("Заявка %s на подключение не завершена в течение %d календарных дней.", w.c.ID, ConnectionTerms.TargetDays))
		return w.save(ctx, domain.SystemActor, "connect_target_missed", map[string]any{"connect_by": w.c.ConnectBy})
	case AlarmRemindReviewer:
		w.review.Fire(a.Kind)
		w.tellReviewers(ctx, fmt.Sprintf("review_reminder_%d", w.review.Round), "Напоминание о сроке рассмотрения заявки на подключение",
			fmt.Sprintf("Заявку %s нужно рассмотреть до %s.", w.c.ID, w.review.ReviewDue))
		return w.save(ctx, domain.SystemActor, "review_reminder", map[string]any{"review_due": w.review.ReviewDue})
	case AlarmEscalate:
		w.review.Fire(a.Kind)
		w.sync()
		w.tellReviewers(ctx, fmt.Sprintf("review_overdue_%d", w.review.Round), "Просрочено рассмотрение заявки на подключение",
			fmt.Sprintf("Срок рассмотрения заявки %s истёк %s.", w.c.ID, w.review.ReviewDue))
		return w.save(ctx, domain.SystemActor, "review_overdue", map[string]any{"review_due": w.review.ReviewDue})
	case AlarmRemindSubmitter:
		w.review.Fire(a.Kind)
		w.tellApplicant(ctx, fmt.Sprintf("resubmission_reminder_%d", w.review.Round), "Напоминание о сроке доработки заявки на подключение",
			fmt.Sprintf("Доработанную заявку %s нужно представить до %s.", w.c.ID, w.review.ResubmitDue))
		return w.save(ctx, domain.SystemActor, "resubmission_reminder", map[string]any{"resubmit_due": w.review.ResubmitDue})
	case AlarmLapse:
		w.review.Fire(a.Kind)
		w.c.Status = domain.ConnectionLapsed
		w.sync()
		w.tellApplicant(ctx, "lapsed", "Заявка на подключение не доработана в срок",
			fmt.Sprintf("Заявка %s не была доработана до %s и оставлена без рассмотрения.", w.c.ID, w.review.ResubmitDue))
		w.tellReviewers(ctx, "lapsed", "Заявка на подключение не доработана в срок",
			fmt.Sprintf("Заявка %s не доработана до %s.", w.c.ID, w.review.ResubmitDue))
		return w.save(ctx, domain.SystemActor, "lapsed", map[string]any{"resubmit_due": w.review.ResubmitDue})
	case alarmHandoverReminder:
		w.handover.Reminded = true
		w.tellReviewers(ctx, "handover_reminder", "Напоминание о сроке передачи доступа",
			fmt.Sprintf("Доступ по заявке %s нужно передать до %s; вошли %d из %d.", w.c.ID, *w.c.HandoverDue, len(w.c.SignedIn), len(w.c.PersonIDs)))
		return w.save(ctx, domain.SystemActor, "handover_reminder", map[string]any{"handover_due": w.c.HandoverDue})
	case alarmHandoverOverdue:
		w.handover.Escalated = true
		w.sync()
		w.tellReviewers(ctx, "handover_overdue", "Просрочена передача доступа",
			fmt.Sprintf("Срок передачи доступа по заявке %s истёк %s; вошли %d из %d.", w.c.ID, *w.c.HandoverDue, len(w.c.SignedIn), len(w.c.PersonIDs)))
		return w.save(ctx, domain.SystemActor, "handover_overdue", map[string]any{"handover_due": w.c.HandoverDue})
	}
	return nil
}
