package workflows

import (
	"fmt"
	"strings"

	"cloud.google.com/go/civil"
	"go.temporal.io/sdk/workflow"

	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/internal/notify"
)

// What a nomination's parties are told: the agency's HR officers and its head, and the
// reserve authority. A notice follows the step it reports, and its step name carries that
// step's number (stepName), which makes it unique in the workflow.

func (w *nomination) notify(ctx workflow.Context, rs ...notify.Request) {
	for _, r := range rs {
		w.notes.send(ctx, r)
	}
}

// to addresses a party of the nomination: the agency's HR officers or head, or the authority.
func (w *nomination) to(role domain.Role, step, subject, body string) notify.Request {
	scope := w.in.Agency
	if role == domain.RoleReserveAuthority {
		scope = w.in.Authority
	}
	return notify.Request{
		WorkflowID: w.st.Nomination.WorkflowID, Step: step, Audience: domain.RoleAudience(role, scope),
		Subject: subject, Body: body, Link: "/api/v1/reserve/nominations/" + w.id(),
	}
}

// stepName makes a notification step unique within the workflow: the last saved step's number.
func (w *nomination) stepName(action string) string {
	return fmt.Sprintf("%s_%d", action, w.st.Steps.Seq)
}

func quotaText(q domain.ReserveQuotas) string {
	return fmt.Sprintf("I — %d, II — %d, III — %d", q.I, q.II, q.III)
}

func (w *nomination) createdNotice() notify.Request {
	return w.to(domain.RoleHR, "created", "Формируется представление в резерв управленческих кадров",
		fmt.Sprintf("Создано представление %s на %d год. Квоты списка 2: %s.", w.id(), w.in.Year, quotaText(w.st.Nomination.Quotas)))
}

// The agency's steps on its lists.

func (w *nomination) candidateUpdatedNotice(c domain.ReserveCandidate, changed []string) notify.Request {
	return w.to(domain.RoleReserveAuthority, w.stepName("candidate_updated"), "Изменены сведения о лице, включённом в резерв",
		fmt.Sprintf("%s обновило сведения о %s (%s): %s.", w.in.AgencyName, c.FullName, c.ID, strings.Join(changed, ", ")))
}

func (w *nomination) approvalWithdrawnNotice(c domain.ReserveCandidate) notify.Request {
	return w.to(domain.RoleAgencyHead, w.stepName("approval_withdrawn"), "Согласование списков отозвано",
		fmt.Sprintf("Списки представления %s изменены после согласования (кандидат %s): их нужно согласовать заново.", w.id(), c.ID))
}

func (w *nomination) approvedNotice() notify.Request {
	return w.to(domain.RoleHR, w.stepName("approved"), "Списки согласованы руководителем",
		fmt.Sprintf("Руководитель согласовал списки представления %s; их можно направить в уполномоченный орган.", w.id()))
}

func (w *nomination) submittedNotices() []notify.Request {
	n, due := w.st.Nomination, w.st.Review.ReviewDue
	return []notify.Request{
		w.to(domain.RoleReserveAuthority, w.stepName("submitted"), "Поступило представление кандидатов в резерв",
			fmt.Sprintf("%s представило кандидатов в резерв управленческих кадров на %d год (%d). Рассмотреть до %s.", w.in.AgencyName, w.in.Year, len(n.Candidates), due)),
		w.to(domain.RoleAgencyHead, w.stepName("submitted"), "Представление направлено в уполномоченный орган",
			fmt.Sprintf("Представление %s направлено; срок рассмотрения — до %s.", w.id(), due)),
	}
}

// The review.

// candidateDecidedNotice tells HR the authority's decision (action) on candidate c.
func (w *nomination) candidateDecidedNotice(c domain.ReserveCandidate, action string) notify.Request {
	var subject, body string
	switch action {
	case "correction_requested":
		subject = "Запрошены исправленные сведения о кандидате"
		body = fmt.Sprintf("По кандидату %s (%s) запрошены исправленные сведения: %s. Представить до %s.", c.FullName, c.ID, c.Reason, *c.CorrectionDue)
	case "candidate_not_admitted":
		subject = "Кандидат не допущен к конкурсному отбору"
		body = fmt.Sprintf("Кандидат %s (%s) не допущен к конкурсному отбору: %s.", c.FullName, c.ID, c.Reason)
	default:
		subject = "Кандидат допущен к конкурсному отбору"
		body = fmt.Sprintf("Кандидат %s (%s) допущен к конкурсному отбору.", c.FullName, c.ID)
	}
	return w.to(domain.RoleHR, w.stepName(action), subject, body)
}

func (w *nomination) correctedNotice(c domain.ReserveCandidate, changed []string, due civil.Date) notify.Request {
	return w.to(domain.RoleReserveAuthority, w.stepName("corrected"), "Представлены исправленные сведения о кандидате",
		fmt.Sprintf("%s исправило сведения о кандидате %s (%s): %s. Рассмотреть до %s.", w.in.AgencyName, c.FullName, c.ID, strings.Join(changed, ", "), due))
}

func (w *nomination) decidedNotices(admitted int) []notify.Request {
	body := fmt.Sprintf("Рассмотрение кандидатов представления %s завершено: допущено к конкурсному отбору %d из %d.", w.id(), admitted, len(w.st.Nomination.Candidates))
	return []notify.Request{
		w.to(domain.RoleHR, w.stepName("decided"), "Рассмотрение кандидатов завершено", body),
		w.to(domain.RoleAgencyHead, w.stepName("decided"), "Рассмотрение кандидатов завершено", body),
	}
}

// selectionNotice tells HR the selection result of candidate c.
func (w *nomination) selectionNotice(c domain.ReserveCandidate) notify.Request {
	action, body := "not_included", fmt.Sprintf("По итогам конкурсного отбора %s (%s) не включён в резерв.", c.FullName, c.ID)
	if c.Status == domain.CandidateIncluded {
		action = "included"
		body = fmt.Sprintf("По итогам конкурсного отбора %s (%s) включён в резерв управленческих кадров, категория %s «%s».",
			c.FullName, c.ID, c.IncludedCategory, c.IncludedCategory.Title())
	}
	return w.to(domain.RoleHR, w.stepName(action), "Результат конкурсного отбора", body)
}

func (w *nomination) quotasSetNotice(q domain.ReserveQuotas) notify.Request {
	return w.to(domain.RoleHR, w.stepName("quotas_set"), "Установлены квоты резерва",
		fmt.Sprintf("Квоты списка 2 на %d год: %s.", w.in.Year, quotaText(q)))
}

// The clock's notices.

func (w *nomination) reviewReminderNotices() []notify.Request {
	return []notify.Request{w.to(domain.RoleReserveAuthority, w.stepName("review_reminder"), "Напоминание о сроке рассмотрения кандидатов",
		fmt.Sprintf("Кандидатов представления %s (%s) нужно рассмотреть до %s.", w.id(), w.in.AgencyName, w.st.Review.ReviewDue))}
}

func (w *nomination) reviewOverdueNotices() []notify.Request {
	return []notify.Request{w.to(domain.RoleReserveAuthority, w.stepName("review_overdue"), "Просрочено рассмотрение кандидатов в резерв",
		fmt.Sprintf("Срок рассмотрения кандидатов представления %s (%s) истёк %s.", w.id(), w.in.AgencyName, w.st.Review.ReviewDue))}
}

func (w *nomination) correctionReminderNotices(c *domain.ReserveCandidate, cycle carriedCycle) []notify.Request {
	return []notify.Request{w.to(domain.RoleHR, w.stepName("correction_reminder"), "Напоминание о сроке исправления сведений",
		fmt.Sprintf("Исправленные сведения о кандидате %s (%s) нужно представить до %s.", c.FullName, c.ID, cycle.ResubmitDue))}
}

// correctionLapsedNotices: HR and the authority both learn that the candidate is not admitted.
func (w *nomination) correctionLapsedNotices(c *domain.ReserveCandidate, cycle carriedCycle) []notify.Request {
	subject := "Кандидат не допущен: сведения не исправлены"
	body := fmt.Sprintf("Исправленные сведения о кандидате %s (%s) не представлены до %s: кандидат не допущен к конкурсному отбору.", c.FullName, c.ID, cycle.ResubmitDue)
	return []notify.Request{
		w.to(domain.RoleHR, w.stepName("correction_lapsed"), subject, body),
		w.to(domain.RoleReserveAuthority, w.stepName("correction_lapsed"), subject, body),
	}
}

func (w *nomination) correctedReviewReminderNotices(c *domain.ReserveCandidate, cycle carriedCycle) []notify.Request {
	return []notify.Request{w.to(domain.RoleReserveAuthority, w.stepName("review_reminder"), "Напоминание о рассмотрении исправленных сведений",
		fmt.Sprintf("Исправленные сведения о кандидате %s (%s) нужно рассмотреть до %s.", c.FullName, c.ID, cycle.ReviewDue))}
}

func (w *nomination) correctedReviewOverdueNotices(c *domain.ReserveCandidate, cycle carriedCycle) []notify.Request {
	return []notify.Request{w.to(domain.RoleReserveAuthority, w.stepName("review_overdue"), "Просрочено рассмотрение исправленных сведений",
		fmt.Sprintf("Срок рассмотрения исправленных сведений о кандидате %s (%s) истёк %s.", c.FullName, c.ID, cycle.ReviewDue))}
}
