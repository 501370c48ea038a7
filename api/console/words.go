package console

import (
	"fmt"
	"strings"

	"github.com/profdev/profdev/internal/domain"
)

// The console speaks Russian: statuses, roles, fields and the application layer's messages
// are put in the words the regulations use.

var statusLabels = map[string]string{
	// certificates
	"issuing": "Оформляется", "issued": "Выдан", "enrolled": "Зачислен на обучение", "completed": "Обучение завершено",
	"failed_attestation": "Не прошёл итоговую аттестацию", "partially_completed": "Программа освоена частично",
	"expelled": "Отчислен", "annulled": "Аннулирован", "lapsed": "Срок истёк",
	// registry, planning, connections
	"under_review": "На рассмотрении", "returned": "Возвращено на доработку", "admitted": "Включён в реестр",
	"rejected": "Отказано", "accepted": "Принято", "connected": "Подключено", "excluded": "Исключён",
	"open": "Открыт", "closed": "Завершён",
	// reserve
	"draft": "Черновик", "approved": "Утверждено руководителем", "submitted": "Направлено", "decided": "Рассмотрено",
	"proposed": "Предложен", "correction_requested": "Запрошено исправление", "not_admitted": "Не допущен",
	"included": "Включён в резерв", "not_included": "Не включён в резерв",
	// people, batches
	"invited": "Приглашён", "active": "Действует", "blocked": "Заблокирован",
	"pending": "Ожидает", "refused": "Отказано",
}

func statusLabel(v any) string {
	s := fmt.Sprint(v)
	if l, ok := statusLabels[s]; ok {
		return l
	}
	return s
}

var roleLabels = map[domain.Role]string{
	domain.RoleMinistry:         "Сотрудник министерства",
	domain.RoleReserveAuthority: "Уполномоченный орган по кадровому резерву",
	domain.RoleHR:               "Кадровая служба",
	domain.RoleAgencyHead:       "Руководитель органа",
	domain.RoleProvider:         "Образовательная организация",
	domain.RoleServant:          "Государственный служащий",
	domain.RoleOperator:         "Оператор",
	domain.RoleOrgAdmin:         "Администратор организации",
	domain.RoleApplicant:        "Заявитель",
	"system":                    "Система",
}

func roleLabel(v any) string {
	r := domain.Role(fmt.Sprint(v))
	if l, ok := roleLabels[r]; ok {
		return l
	}
	return string(r)
}

var fieldLabels = map[string]string{
	"servant.id": "Идентификатор служащего", "servant.full_name": "ФИО служащего", "servant.snils": "СНИЛС",
	"servant.email": "Электронная почта служащего", "servant.position": "Должность",
	"agency.id": "Код органа", "agency.name": "Наименование органа",
	"provider_id": "Образовательная организация", "programme_code": "Программа", "year": "Год",
	"hours": "Объём программы, часов", "amount": "Стоимость, рублей", "start_by": "Начать обучение не позднее",
	"end_by": "Завершить обучение не позднее", "enrolled_on": "Дата зачисления", "started_on": "Дата начала обучения",
	"order_number": "Номер приказа о зачислении", "outcome": "Результат", "finished_on": "Дата окончания",
	"document_number": "Номер документа об обучении", "hours_completed": "Освоено часов", "reason": "Причина",
	"score": "Оценка", "comment": "Комментарий", "file": "Файл", "offer": "Организация и программа", "confirm": "Подтверждение", "status": "Статус",
}

func fieldLabel(field string) string {
	if l, ok := fieldLabels[field]; ok {
		return l
	}
	return field
}

// ruMessages translate the application layer's messages, longest prefix first.
var ruMessages = []struct{ en, ru string }{
	{"required: a date YYYY-MM-DD", "укажите дату"},
	{"required", "заполните поле"},
	{"not an email address", "укажите адрес электронной почты, например ivanov@example.ru"},
	{"not a valid SNILS", "СНИЛС указан с ошибкой: 11 цифр, контрольное число должно сходиться"},
	{"not a valid INN", "ИНН указан с ошибкой: 10 или 12 цифр с верными контрольными цифрами"},
	{"not a valid OGRN", "ОГРН указан с ошибкой: 13 цифр (15 для ИП) с верной контрольной цифрой"},
	{"not a Russian phone number", "укажите телефон в формате +7 и 10 цифр"},
	{"must be after start_by", "дата должна быть позже даты начала"},
	{"must be greater than 0", "должно быть больше нуля"},
	{"must be 1-64 letters", "1-64 латинские буквы, цифры, точка, дефис или подчёркивание"},
	{"must be a year from", "укажите год"},
	{"a reason is required", "укажите причину"},
	{"score must be 1 to 5", "выберите оценку от 1 до 5"},
	{"hours_completed must be between 1 and", "для частичного освоения укажите, сколько часов освоено: меньше объёма программы"},
	{"outcome must be completed", "выберите результат из списка"},
	{"a completed programme carries the number of the issued document", "для завершённого обучения укажите номер выданного документа"},
	{"is not a number", "введите число"},
	{"unknown agency", "выберите орган из списка"},
	{"unknown status", "выберите статус из списка"},
	{"is not a date", "введите дату"},
}

func ruMessage(msg string) string {
	if ru, ok := translateFormatted(msg); ok { // a refusal naming records: words_messages.go
		return ru
	}
	for _, m := range ruMessages {
		if strings.HasPrefix(msg, m.en) {
			return m.ru
		}
	}
	if msg == "" {
		return ""
	}
	// A message without a translation is still shown: better in English than not at all.
	return "Подробности: " + msg
}

// taskLink is the page of an inbox item.
func taskLink(t domain.Task) string {
	switch t.Kind {
	case "certificate_enrolment", "certificate_outcome", "certificate_outcome_overdue", "quality_survey", "certificate":
		return "/certificates/" + t.SubjectID
	case "application_review", "application_resubmission":
		return "/registry/applications/" + t.SubjectID
	case "declaration_review":
		return "/registry/declarations/" + t.SubjectID
	case "candidate_correction", "candidate_review":
		nom, cand, _ := strings.Cut(t.SubjectID, "/")
		return "/reserve/nominations/" + nom + "#candidate-" + cand
	case "nomination_submission", "nomination_approval", "reserve_nomination":
		return "/reserve/nominations/" + t.SubjectID
	case "plan_review", "plan_submission", "plan_resubmission", "quarterly_report", "plan":
		return "/planning"
	case "connection_review", "connection_resubmission":
		return "/connections/" + t.SubjectID
	case "change_review", "change_returned":
		return "/changes/" + t.SubjectID // leads on to the page under its organisation
	case "invitation_pending":
		return "/organisation/people" // the org_admin's own organisation
	}
	return "/"
}

// navFor is the menu of a role: its main pages.
func navFor(a domain.Actor, current string) []navItem {
	items := []navItem{{Href: "/", Label: "Входящие"}}
	switch a.Role {
	case domain.RoleMinistry:
		items = append(items, navItem{Href: "/certificates", Label: "Сертификаты"}, navItem{Href: "/certificates/new", Label: "Выдать сертификат"},
			navItem{Href: "/certificates/batch", Label: "Пакетная выдача"}, navItem{Href: "/registry/applications", Label: "Реестр"},
			navItem{Href: "/planning", Label: "Планирование"}, navItem{Href: "/summary", Label: "Сводка"})
	case domain.RoleProvider:
		items = append(items, navItem{Href: "/certificates", Label: "Сертификаты"}, navItem{Href: "/certificates/outcomes", Label: "Результаты группы"},
			navItem{Href: "/registry/applications", Label: "Реестр"}, navItem{Href: "/planning", Label: "Планирование"})
	case domain.RoleHR:
		items = append(items, navItem{Href: "/agency", Label: "Орган"}, navItem{Href: "/certificates", Label: "Сертификаты"},
			navItem{Href: "/reserve/nominations", Label: "Кадровый резерв"}, navItem{Href: "/planning", Label: "Планирование"})
	case domain.RoleAgencyHead, domain.RoleReserveAuthority:
		items = append(items, navItem{Href: "/reserve/nominations", Label: "Кадровый резерв"})
	case domain.RoleServant:
		items = append(items, navItem{Href: "/certificates", Label: "Мои сертификаты"})
	case domain.RoleOperator:
		items = append(items, navItem{Href: "/ops", Label: "Процессы"}, navItem{Href: "/certificates", Label: "Сертификаты"})
	}
	items = append(items, navItem{Href: "/notifications", Label: "Уведомления"})
	for i := range items {
		items[i].Current = items[i].Href == current
	}
	return items
}

var actionLabels = map[string]string{
	"requested": "Запрошена выдача", "issued": "Сертификат выдан и подписан", "enrolled": "Сообщено о зачислении",
	"outcome_reported": "Сообщён результат обучения", "outcome_overdue": "Просрочен срок сообщения результата",
	"annulled": "Сертификат аннулирован", "duplicate_issued": "Выдан дубликат", "rated": "Оценено качество обучения",
	"lapsed": "Срок истёк", "submitted": "Направлено", "resubmitted": "Направлено повторно", "returned": "Возвращено на доработку",
	"admitted": "Включено в реестр", "rejected": "Отказано", "accepted": "Принято", "approved": "Утверждено",
	"decided": "Принято решение", "corrected": "Исправлено", "created": "Создано", "opened": "Открыто", "closed": "Завершено",
	"excluded": "Исключено", "exclusion_requested": "Запрошено исключение", "quotas_set": "Установлены квоты",
	"candidate_updated": "Изменены сведения о кандидате", "plan_submitted": "Представлен план", "report_submitted": "Представлен отчёт",
	"reminder": "Направлено напоминание", "review_reminder": "Напоминание о рассмотрении", "review_overdue": "Просрочен срок рассмотрения",
	"overdue": "Просрочено", "resubmission_reminder": "Напоминание о доработке", "plans_reminder": "Напоминание о планах",
	"plans_due": "Наступил срок планов", "report_due": "Наступил срок отчёта", "report_reminder": "Напоминание об отчёте",
	"invitations_sent": "Направлены приглашения", "access_prepared": "Доступ подготовлен", "signed_in": "Выполнен первый вход",
	"handover_reminder": "Напоминание о передаче доступа", "handover_overdue": "Просрочена передача доступа",
	"admission_target_missed": "Пропущен срок включения", "connect_target_missed": "Пропущен срок подключения",
}

func actionLabel(a string) string {
	if l, ok := actionLabels[a]; ok {
		return l
	}
	return a
}
