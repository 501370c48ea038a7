package workflows

import (
	"fmt"

	"go.temporal.io/sdk/workflow"

	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/internal/notify"
)

// What an application's parties are told, and when: the provider that applied and the
// authority's reviewers. Each notice's step name keys its delivery, so it is unique in the
// workflow (a review round's number where a notice can recur).

func (w *admission) notify(ctx workflow.Context, rs ...notify.Request) {
	for _, r := range rs {
		w.notes.send(ctx, r)
	}
}

func (w *admission) toProvider(step, subject, body string) notify.Request {
	return notify.Request{
		WorkflowID: w.app.WorkflowID, Step: step, Audience: domain.RoleAudience(domain.RoleProvider, w.app.ProviderID),
		Emails: []string{w.app.Provider.Email}, Subject: subject, Body: body, Link: "/api/v1/registry/applications/" + w.app.ID,
	}
}

func (w *admission) toReviewers(step, subject, body string) notify.Request {
	return notify.Request{
		WorkflowID: w.app.WorkflowID, Step: step, Audience: domain.RoleAudience(domain.RoleMinistry, w.app.Authority),
		Subject: subject, Body: body, Link: "/api/v1/registry/applications/" + w.app.ID,
	}
}

func (w *admission) submittedNotices() []notify.Request {
	return []notify.Request{
		w.toProvider("submitted", "Заявка на включение в реестр принята к рассмотрению",
			fmt.Sprintf("Заявка %s принята к рассмотрению. Срок рассмотрения: до %s.", w.app.ID, w.review.ReviewDue)),
		w.toReviewers("submitted", "Новая заявка на включение в реестр",
			fmt.Sprintf("Поступила заявка %s от %s. Рассмотреть до %s.", w.app.ID, w.app.Provider.Name, w.review.ReviewDue)),
	}
}

func (w *admission) returnedNotice() notify.Request {
	return w.toProvider(fmt.Sprintf("returned_%d", w.review.Round), "Заявка возвращена на доработку",
		fmt.Sprintf("Заявка %s возвращена на доработку. Причины: %v. Представить до %s.", w.app.ID, w.app.Reasons, w.review.ResubmitDue))
}

func (w *admission) rejectedNotice() notify.Request {
	return w.toProvider("rejected", "В заявке отказано", fmt.Sprintf("В заявке %s отказано. Причины: %v.", w.app.ID, w.app.Reasons))
}

func (w *admission) admittedNotices() []notify.Request {
	return []notify.Request{
		w.toProvider("admitted", "Организация включена в реестр",
			fmt.Sprintf("По заявке %s организация включена в реестр (%s, %d год).", w.app.ID, w.app.Authority, w.app.Year)),
		w.toReviewers("admitted", "Организация включена в реестр",
			fmt.Sprintf("%s включена в реестр по заявке %s.", w.app.Provider.Name, w.app.ID)),
	}
}

func (w *admission) resubmittedNotice() notify.Request {
	return w.toReviewers(fmt.Sprintf("resubmitted_%d", w.review.Round), "Доработанная заявка",
		fmt.Sprintf("Заявка %s доработана и представлена повторно. Рассмотреть до %s.", w.app.ID, w.review.ReviewDue))
}

// The clock's notices.

func (w *admission) targetMissedNotice() notify.Request {
	return w.toReviewers("admission_target_missed", "Превышен срок включения в реестр",
		fmt.Sprintf("Заявка %s не рассмотрена в течение %d календарных дней.", w.app.ID, admissionTargetDays))
}

func (w *admission) reviewReminderNotice() notify.Request {
	return w.toReviewers(fmt.Sprintf("review_reminder_%d", w.review.Round), "Напоминание о сроке рассмотрения заявки",
		fmt.Sprintf("Заявку %s нужно рассмотреть до %s.", w.app.ID, w.review.ReviewDue))
}

func (w *admission) reviewOverdueNotice() notify.Request {
	return w.toReviewers(fmt.Sprintf("review_overdue_%d", w.review.Round), "Просрочено рассмотрение заявки",
		fmt.Sprintf("Срок рассмотрения заявки %s истёк %s.", w.app.ID, w.review.ReviewDue))
}

func (w *admission) resubmissionReminderNotice() notify.Request {
	return w.toProvider(fmt.Sprintf("resubmission_reminder_%d", w.review.Round), "Напоминание о сроке доработки заявки",
		fmt.Sprintf("Доработанную заявку %s нужно представить до %s.", w.app.ID, w.review.ResubmitDue))
}

func (w *admission) lapsedNotices() []notify.Request {
	return []notify.Request{
		w.toProvider("lapsed", "Заявка не доработана в срок",
			fmt.Sprintf("Заявка %s не была доработана до %s и оставлена без рассмотрения.", w.app.ID, w.review.ResubmitDue)),
		w.toReviewers("lapsed", "Заявка не доработана в срок",
			fmt.Sprintf("Заявка %s не доработана до %s.", w.app.ID, w.review.ResubmitDue)),
	}
}
