package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/profdev/profdev/activities"
	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/internal/notify"
)

// What a certificate's parties are told: the servant (who also receives the signed
// document), the agency's HR officers, the provider and the issuing ministry.

func (w *certificate) notify(ctx workflow.Context, rs ...notify.Request) {
	for _, r := range rs {
		w.notes.send(ctx, r)
	}
}

// deliver brings the servant the signed document (the seq-th document of the certificate)
// with the notice servant, and sends the other notices given in the same activity.
func (w *certificate) deliver(ctx workflow.Context, seq int, servant notify.Request, also ...notify.Request) {
	w.notes.wg.Add(1)
	workflow.Go(ctx, func(ctx workflow.Context) {
		defer w.notes.wg.Done()
		in := activities.DeliveryInput{Request: servant, Number: w.c.Number, Seq: seq, Also: also}
		var err error
		// Born at level 2, the delivery runs in a local activity, inside the workflow task
		// that issued the certificate (no activity task), and falls back to a regular one
		// while mail is down.
		if changeVersion(ctx, w.in.Born, "deliver-locally", 1) == 1 {
			err = runLocal(withLocalActivity(ctx, 30*time.Second), certificateActivities.DeliverDocument, in, nil)
		} else {
			err = workflow.ExecuteActivity(withActivities(ctx), certificateActivities.DeliverDocument, in).Get(ctx, nil)
		}
		if err != nil {
			workflow.GetLogger(ctx).Error("delivery failed", "step", servant.Step, "error", err)
		}
	})
}

func (w *certificate) link() string { return "/api/v1/certificates/" + w.c.Number }

func (w *certificate) request(aud domain.Audience, emails []string, step, subject, body string) notify.Request {
	return notify.Request{WorkflowID: w.c.WorkflowID, Step: step, Audience: aud, Emails: emails, Subject: subject, Body: body, Link: w.link()}
}

func (w *certificate) providerEmails() []string {
	if w.parties.ProviderEmail == "" {
		return nil
	}
	return []string{w.parties.ProviderEmail}
}

func (w *certificate) toServant(step, subject, body string) notify.Request {
	return w.request(domain.RoleAudience(domain.RoleServant, w.c.Servant.ID), []string{w.c.Servant.Email}, step, subject, body)
}

func (w *certificate) toHR(step, subject, body string) notify.Request {
	return w.request(domain.RoleAudience(domain.RoleHR, w.c.Agency.ID), nil, step, subject, body)
}

func (w *certificate) toProvider(step, subject, body string) notify.Request {
	return w.request(domain.RoleAudience(domain.RoleProvider, w.c.ProviderID), w.providerEmails(), step, subject, body)
}

func (w *certificate) toMinistry(step, subject, body string) notify.Request {
	return w.request(domain.RoleAudience(domain.RoleMinistry, w.c.Authority), nil, step, subject, body)
}

// toAll: the servant, HR and the provider.
func (w *certificate) toAll(step, subject, body string) []notify.Request {
	return []notify.Request{w.toServant(step, subject, body), w.toHR(step, subject, body), w.toProvider(step, subject, body)}
}

// issuedNotices: the servant's comes with the document (доведение); HR and the provider are
// informed that it was delivered and issued.
func (w *certificate) issuedNotices() (servant, hr, provider notify.Request) {
	servant = w.toServant("issued", "Вам выдан образовательный сертификат",
		fmt.Sprintf("Сертификат %s на обучение по программе «%s» (%s). Обучение начать не позднее %s, завершить не позднее %s.",
			w.c.Number, w.c.Programme.Title, w.parties.ProviderName, w.c.StartBy, w.c.EndBy))
	hr = w.toHR("issued", "Сертификат доведён до служащего",
		fmt.Sprintf("Сертификат %s выдан служащему %s (программа %s).", w.c.Number, w.c.Servant.ID, w.c.Programme.Code))
	provider = w.toProvider("issued", "Выдан сертификат на вашу программу",
		fmt.Sprintf("Выдан сертификат %s на программу %s «%s». Сообщите о зачислении до %s.", w.c.Number, w.c.Programme.Code, w.c.Programme.Title, w.c.StartBy))
	return servant, hr, provider
}

func (w *certificate) enrolledNotices(e domain.Enrolment) []notify.Request {
	msg := fmt.Sprintf("Служащий зачислен на обучение по сертификату %s (приказ %s, начало %s).", w.c.Number, e.OrderNumber, e.StartedOn)
	return []notify.Request{w.toServant("enrolled", "Зачисление на обучение", msg), w.toHR("enrolled", "Зачисление на обучение", msg)}
}

// outcomeNotices; the ministry hears of it too once it had been told the outcome was late.
func (w *certificate) outcomeNotices(o domain.Outcome) []notify.Request {
	msg := fmt.Sprintf("Результат обучения по сертификату %s: %s. Оцените качество обучения.", w.c.Number, o.Outcome)
	out := []notify.Request{w.toServant("outcome", "Результат обучения", msg), w.toHR("outcome", "Результат обучения", msg)}
	if w.escalated {
		out = append(out, w.toMinistry("outcome", "Результат обучения представлен", msg))
	}
	return out
}

func (w *certificate) annulledNotices(reason string) []notify.Request {
	return w.toAll("annulled", "Сертификат аннулирован", fmt.Sprintf("Сертификат %s аннулирован: %s", w.c.Number, reason))
}

// duplicateNotices: the servant's comes with the duplicate's document.
func (w *certificate) duplicateNotices(seq int) (servant, hr notify.Request) {
	step, subject, body := fmt.Sprintf("duplicate_%d", seq), "Выдан дубликат сертификата", fmt.Sprintf("Выдан дубликат № %d сертификата %s.", seq, w.c.Number)
	return w.toServant(step, subject, body), w.toHR(step, subject, body)
}

// The clock's notices.

func (w *certificate) enrolmentReminderNotices() []notify.Request {
	msg := fmt.Sprintf("По сертификату %s нет сведений о зачислении; срок начала обучения — %s.", w.c.Number, w.c.StartBy)
	return []notify.Request{
		w.toProvider("enrolment_reminder", "Напоминание о зачислении по сертификату", msg),
		w.toHR("enrolment_reminder", "Напоминание о зачислении по сертификату", msg),
	}
}

func (w *certificate) lapsedNotices() []notify.Request {
	return w.toAll("lapsed", "Сертификат утратил силу",
		fmt.Sprintf("Обучение по сертификату %s не начато до %s; сертификат утратил силу.", w.c.Number, w.c.StartBy))
}

func (w *certificate) outcomeReminderNotice() notify.Request {
	return w.toProvider("outcome_reminder", "Напоминание о результатах обучения",
		fmt.Sprintf("Сообщите результат обучения по сертификату %s до %s.", w.c.Number, *w.c.OutcomeDue))
}

func (w *certificate) outcomeOverdueNotices() []notify.Request {
	msg := fmt.Sprintf("Результат обучения по сертификату %s не представлен до %s.", w.c.Number, *w.c.OutcomeDue)
	return []notify.Request{
		w.toMinistry("outcome_overdue", "Просрочено представление результатов обучения", msg),
		w.toProvider("outcome_overdue", "Просрочено представление результатов обучения", msg),
	}
}
