package workflows

import (
	"fmt"
	"strings"

	"cloud.google.com/go/civil"
	"go.temporal.io/sdk/workflow"

	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/internal/notify"
)

// What a cycle tells the ministry and the participants (each agency's HR officers and each
// provider): the opening with the priority directions, the reminders, who is late, the late
// reports and the year's summary.

func (w *cycle) notify(ctx workflow.Context, rs ...notify.Request) {
	for _, r := range rs {
		w.notes.send(ctx, r)
	}
}

func (w *cycle) toMinistry(step, subject, body string) notify.Request {
	return notify.Request{
		WorkflowID: w.st.Cycle.WorkflowID, Step: step, Audience: domain.RoleAudience(domain.RoleMinistry, w.in.Authority),
		Subject: subject, Body: body, Link: w.link(),
	}
}

func (w *cycle) toParticipant(p domain.CycleParticipant, step, subject, body string) notify.Request {
	return notify.Request{
		WorkflowID: w.st.Cycle.WorkflowID, Step: step, Audience: participantAudience(p.Kind, p.ID), Emails: p.Emails,
		Subject: subject, Body: body, Link: w.link(),
	}
}

func (w *cycle) link() string {
	return fmt.Sprintf("/api/v1/planning/cycles/%d?authority=%s", w.in.Year, w.in.Authority)
}

// participantAudience is who speaks for a participant: an agency's HR officers or a provider.
func participantAudience(kind domain.ParticipantKind, id string) domain.Audience {
	if kind == domain.ParticipantProvider {
		return domain.RoleAudience(domain.RoleProvider, id)
	}
	return domain.RoleAudience(domain.RoleHR, id)
}

// openedNotices announce the priority directions to every participant, and the opening to
// the ministry.
func (w *cycle) openedNotices() []notify.Request {
	c := w.st.Cycle
	body := fmt.Sprintf("Открыт цикл планирования профессионального развития на %d год. Приоритетные направления: %s. План мероприятий нужно представить до %s.",
		w.in.Year, strings.Join(w.in.PriorityDirections, "; "), c.PlansDue)
	var out []notify.Request
	for _, p := range c.Participants {
		out = append(out, w.toParticipant(p, "opened", "Приоритетные направления профессионального развития на "+fmt.Sprint(w.in.Year)+" год", body))
	}
	return append(out, w.toMinistry("opened", "Открыт цикл планирования на "+fmt.Sprint(w.in.Year)+" год",
		fmt.Sprintf("%s Участников: %d.", body, len(c.Participants))))
}

func (w *cycle) planSubmittedNotice(p domain.CycleParticipant, reviewDue civil.Date) notify.Request {
	return w.toMinistry("plan_submitted_"+p.PlanID, "Поступил план мероприятий на "+fmt.Sprint(w.in.Year)+" год",
		fmt.Sprintf("%s представил(а) план мероприятий (%s); рассмотреть до %s.", p.Name, p.PlanID, reviewDue))
}

func (w *cycle) lateReportNotice(r domain.QuarterlyReport, participant string) notify.Request {
	return w.toMinistry("report_late_"+r.ID, fmt.Sprintf("Отчёт за %d квартал представлен с опозданием", r.Quarter),
		fmt.Sprintf("%s представил(а) отчёт за %d квартал %d года после срока (%s).", participant, r.Quarter, w.in.Year, r.Due))
}

// The clock's notices.

func (w *cycle) plansReminderNotices(waiting []domain.CycleParticipant) []notify.Request {
	var out []notify.Request
	for _, p := range waiting {
		out = append(out, w.toParticipant(p, "plans_reminder", "Напоминание: план мероприятий на "+fmt.Sprint(w.in.Year)+" год",
			fmt.Sprintf("План мероприятий по профессиональному развитию на %d год нужно представить до %s.", w.in.Year, w.st.Cycle.PlansDue)))
	}
	return out
}

// plansOverdueNotices tell the ministry who has not submitted a plan; none when nobody is late.
func (w *cycle) plansOverdueNotices(late []domain.CycleParticipant) []notify.Request {
	if len(late) == 0 {
		return nil
	}
	return []notify.Request{w.toMinistry("plans_overdue", "Не представлены планы мероприятий на "+fmt.Sprint(w.in.Year)+" год",
		fmt.Sprintf("Срок представления планов (%s) истёк. Не представили план: %s.", w.st.Cycle.PlansDue, names(late)))}
}

func (w *cycle) reportReminderNotices(q domain.QuarterDeadline, waiting []domain.CycleParticipant) []notify.Request {
	var out []notify.Request
	for _, p := range waiting {
		out = append(out, w.toParticipant(p, fmt.Sprintf("report_q%d_reminder", q.Quarter), fmt.Sprintf("Напоминание: ежеквартальный отчёт за %d квартал", q.Quarter),
			fmt.Sprintf("Ежеквартальный отчёт за %d квартал %d года и сведения по Единой форме нужно представить до %s.", q.Quarter, w.in.Year, q.Due)))
	}
	return out
}

// reportsOverdueNotices tell the ministry who has not reported the quarter; none when nobody is late.
func (w *cycle) reportsOverdueNotices(q domain.QuarterDeadline, late []domain.CycleParticipant) []notify.Request {
	if len(late) == 0 {
		return nil
	}
	return []notify.Request{w.toMinistry(fmt.Sprintf("report_q%d_overdue", q.Quarter), fmt.Sprintf("Не представлены отчёты за %d квартал", q.Quarter),
		fmt.Sprintf("Срок представления отчётов за %d квартал %d года (%s) истёк. Не представили: %s.", q.Quarter, w.in.Year, q.Due, names(late)))}
}

func (w *cycle) closedNotice() notify.Request {
	return w.toMinistry("closed", "Сводная информация за "+fmt.Sprint(w.in.Year)+" год",
		fmt.Sprintf("Цикл планирования на %d год завершён. Сводная информация: /api/v1/planning/cycles/%d/summary?authority=%s", w.in.Year, w.in.Year, w.in.Authority))
}
