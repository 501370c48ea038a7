package console

import (
	"fmt"

	"github.com/profdev/profdev/internal/domain"
)

// Words of the management reserve's pages, added to the shared maps from here so that each
// process keeps its own vocabulary in its own file.
func init() {
	for k, v := range map[string]string{
		"list": "Список", "category": "Категория", "full_name": "ФИО", "position": "Должность",
		"department": "Подразделение", "note": "Примечание", "decision": "Решение", "included": "Результат отбора",
		"authority": "Уполномоченный орган", "I": "Квота категории I", "II": "Квота категории II", "III": "Квота категории III",
		"questionnaire.date_of_birth": "Дата рождения", "questionnaire.education": "Образование",
		"questionnaire.position_since": "В должности с", "questionnaire.management_experience_years": "Стаж управленческой деятельности, лет",
		"questionnaire.achievements": "Достижения", "questionnaire.professional_qualities": "Личностные и профессиональные качества",
		"questionnaire.professional_thinking": "Особенности профессионального мышления", "questionnaire.motivation": "Мотивация",
		"questionnaire.additional_education": "Дополнительное профессиональное образование", "questionnaire.retraining": "Профессиональная переподготовка",
		"questionnaire.internships": "Стажировки", "questionnaire.testing_results": "Результаты профессионального и психологического тестирования",
	} {
		if _, taken := fieldLabels[k]; !taken {
			fieldLabels[k] = v
		}
	}
	ruMessages = append(ruMessages, []struct{ en, ru string }{
		{"must be a date, YYYY-MM-DD", "введите дату, например 15.03.1985"},
		{"makes the candidate", "проверьте дату рождения: кандидату должно быть от 18 до 80 лет"},
		{"must fall after the date of birth", "дата должна быть позже даты рождения и не позже года представления"},
		{"must be from 0 to 60", "укажите число лет от 0 до 60"},
		{"must have at most", "слишком длинный текст, сократите его"},
		{"must be one of: repeat, new", "выберите список 1 или 2"},
		{"must be one of: I, II, III", "выберите категорию I, II или III"},
		{"quota exceeded", "Превышена квота списка 2 по категории. Исключите кандидата из списка 2 или попросите уполномоченный орган изменить квоту."},
		{"a correction keeps the candidate's list and category", "При исправлении список и категория кандидата не меняются."},
	}...)
	funcs["listNumber"] = func(l domain.ReserveList) string { return listNumber(l) }
	funcs["categories"] = func() []domain.ReserveCategory { return domain.ReserveCategories }
	funcs["decisions"] = func() []string { return []string{"admit", "correction", "not_admitted"} }
	funcs["decisionLabel"] = func(d string) string { return decisionLabels[d] }
	for k, v := range map[string]string{"candidate_added": "Добавлен кандидат", "candidate_edited": "Изменены сведения о кандидате",
		"candidate_removed": "Кандидат исключён из списков", "candidate_admitted": "Кандидат допущен к конкурсному отбору",
		"candidate_not_admitted": "Кандидат не допущен к конкурсному отбору", "correction_requested": "Запрошено исправление сведений",
		"included": "Кандидат включён в резерв", "not_included": "Кандидат не включён в резерв",
		"correction_lapsed": "Истёк срок исправления сведений", "correction_reminder": "Напоминание об исправлении сведений",
		"approval_withdrawn": "Согласование отозвано после изменения списков"} {
		if _, taken := actionLabels[k]; !taken {
			actionLabels[k] = v
		}
	}
}

var decisionLabels = map[string]string{
	"admit": "Допустить к конкурсному отбору", "correction": "Запросить исправление сведений", "not_admitted": "Не допустить",
}

func init() {
	// dict builds the argument of a sub-template from name/value pairs.
	funcs["dict"] = func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[fmt.Sprint(kv[i])] = kv[i+1]
		}
		return m
	}
	funcs["criterionHint"] = func(list string) string {
		if list == "repeat" {
			return "Обязательно для списка 1"
		}
		return "Обязательно для списка 2"
	}
}

// candidateStatusLabels are where the candidate's words differ from the shared ones
// ("admitted" is a provider's admission to the registry elsewhere).
var candidateStatusLabels = map[string]string{
	"admitted": "Допущен к конкурсному отбору", "under_review": "На рассмотрении", "proposed": "Предложен",
}

func init() {
	funcs["candidateStatus"] = func(v any) string {
		if l, ok := candidateStatusLabels[fmt.Sprint(v)]; ok {
			return l
		}
		return statusLabel(v)
	}
}
