package console_test

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// acceptConfirms answers "yes" to the page's confirmation dialogs (a headless browser has
// no one to press the button).
func (b *browser) acceptConfirms() {
	b.t.Helper()
	get(b, "accept confirmations", chromedp.Evaluate[bool](`window.confirm = () => true; true`))
}

// TestReserveNominationInTheBrowser: HR creates the year's nomination and edits its lists
// (a questionnaire missing a required field is refused beside the field, a candidate is
// changed after adding), the reserve authority sets the quotas the counters show, the head
// approves, HR submits, the reserve authority admits one candidate and asks a correction for
// another (a correction without its reason is refused first), HR sees the correction asked
// in its inbox and sends it back corrected. A candidate over the quota is refused with the
// reason; another agency's HR gets the console's 404.
func TestReserveNominationInTheBrowser(t *testing.T) {
	sys := mustSystem(t)
	year := strconv.Itoa(sys.year)

	hr := sys.browser(t)
	hr.signIn("dev-hr-agency-1")
	hr.open("/reserve/nominations")
	hr.mustSee("main", "Представлений пока нет")
	hr.accessible("HR's nominations list")
	hr.click(`form.create-nomination button[type=submit]`)
	hr.mustSee(".banner.success", "Представление на "+year+" год создано")
	hr.mustSee("h1", "Представление в резерв на "+year+" год")
	page := hr.location()
	if !strings.HasPrefix(page, "/reserve/nominations/") {
		t.Fatalf("after creating, the page is %q; want the nomination's page", page)
	}

	hr.open("/reserve/nominations")
	hr.mustSee("main table", page[len("/reserve/nominations/"):], "Черновик")
	if got := get(hr, "years offered", chromedp.Evaluate[string](`[...document.querySelectorAll("#f-year option")].map(o => o.value).join(",")`)); got != strconv.Itoa(sys.year+1) {
		t.Errorf("after this year's nomination, the form offers the years %q; want only %d", got, sys.year+1)
	}

	authority := sys.browser(t)
	authority.signIn("dev-reserve_authority-mintrud")
	authority.open(page)
	authority.fill(map[string]string{"f-I": "0", "f-II": "1", "f-III": "-1"})
	authority.click(`form.quotas button`)
	authority.mustSee(".error-summary", "Квота категории III")
	authority.fill(map[string]string{"f-III": "0"})
	authority.click(`form.quotas button`)
	authority.mustSee(".banner.success", "Квоты списка 2 установлены")

	// List 1, category I: the questionnaire's list-1 criterion left empty is refused.
	hr.open(page + "/candidates/new")
	hr.run("choose list 1, category I", chromedp.Click(chromedp.CSS("#l-repeat")), chromedp.Click(chromedp.CSS("#c-I")))
	hr.fill(map[string]string{"f-full_name": "Петров Пётр Петрович", "f-position": "заместитель начальника управления",
		"f-department": "Управление статистики", "f-note": "повторно", "f-questionnaire.date_of_birth": "1980-04-12",
		"f-questionnaire.education": "высшее, МГУ", "f-questionnaire.position_since": "2019-09-01",
		"f-questionnaire.management_experience_years": "8", "f-questionnaire.achievements": "цифровизация отчётности",
		"f-questionnaire.professional_qualities": "ответственность", "f-questionnaire.professional_thinking": "системное"})
	hr.accessible("the candidate editor")
	hr.click(`form.candidate button[type=submit]`)
	hr.mustSee(".error-summary", "Исправьте ошибки", "Мотивация: заполните поле")
	hr.mustSee(`.invalid p.field-error`, "заполните поле")
	hr.accessible("the candidate editor with errors")
	hr.fill(map[string]string{"f-questionnaire.motivation": "рост в должности"})
	hr.click(`form.candidate button[type=submit]`)
	hr.mustSee(".banner.success", "Петров Пётр Петрович добавлен в список 1")
	hr.mustSee("#candidate-C1", "Петров Пётр Петрович", "Предложен")

	// List 2, category II, within its quota of one.
	hr.open(page + "/candidates/new")
	hr.run("choose list 2, category II", chromedp.Click(chromedp.CSS("#l-new")), chromedp.Click(chromedp.CSS("#c-II")))
	hr.fill(map[string]string{"f-full_name": "Сидорова Анна Ивановна", "f-position": "начальник отдела",
		"f-department": "Отдел кадров", "f-questionnaire.date_of_birth": "1988-03-12",
		"f-questionnaire.education": "высшее, РАНХиГС", "f-questionnaire.position_since": "2021-02-01",
		"f-questionnaire.management_experience_years": "4", "f-questionnaire.additional_education": "ПК «Управление проектами»",
		"f-questionnaire.retraining": "государственное управление", "f-questionnaire.internships": "Минтруд, 2023",
		"f-questionnaire.testing_results": "высокие"})
	hr.click(`form.candidate button[type=submit]`)
	hr.mustSee(".banner.success", "Сидорова Анна Ивановна добавлен в список 2")
	hr.mustSee(`[data-quota="new-II"]`, "1 / 1")

	// A third candidate over the quota of list 2 is refused with the reason, the typed data kept.
	hr.open(page + "/candidates/new")
	hr.run("choose list 2, category II", chromedp.Click(chromedp.CSS("#l-new")), chromedp.Click(chromedp.CSS("#c-II")))
	hr.fill(map[string]string{"f-full_name": "Кузнецов Илья Олегович", "f-position": "советник",
		"f-department": "Отдел кадров", "f-questionnaire.date_of_birth": "1990-01-20",
		"f-questionnaire.education": "высшее", "f-questionnaire.position_since": "2022-05-01",
		"f-questionnaire.management_experience_years": "2", "f-questionnaire.additional_education": "ПК",
		"f-questionnaire.retraining": "нет", "f-questionnaire.internships": "нет", "f-questionnaire.testing_results": "средние"})
	hr.click(`form.candidate button[type=submit]`)
	hr.mustSee(".error-summary", "Действие сейчас невозможно", "Превышена квота списка 2")
	if got := get(hr, "read the typed name", chromedp.Evaluate[string](`document.getElementById("f-full_name").value`)); got != "Кузнецов Илья Олегович" {
		t.Errorf("the refused editor shows the name %q; want what was typed", got)
	}

	// HR edits the first candidate.
	hr.open(page)
	hr.click(`#candidate-C1 a[href$="/candidates/C1"]`)
	hr.fill(map[string]string{"f-position": "начальник управления"})
	hr.click(`form.candidate button[type=submit]`)
	hr.mustSee(".banner.success", "Сведения о кандидате Петров Пётр Петрович сохранены")
	hr.mustSee("#candidate-C1", "начальник управления")
	hr.accessible("HR's nomination")
	hr.screenshot("hr-nomination")

	head := sys.browser(t)
	head.signIn("dev-agency_head-agency-1")
	head.open(page)
	head.mustSee("#candidate-C1", "начальник управления")
	head.mustSee("#candidate-C2", "Сидорова Анна Ивановна")
	head.accessible("the head's nomination")
	head.screenshot("head-nomination")
	head.acceptConfirms()
	head.click(`form[action$="/approval"] button`)
	head.mustSee(".banner.success", "Списки согласованы")
	head.mustSee(".lead", "Утверждено руководителем")

	hr.open(page)
	hr.click(`form[action$="/submission"] button`)
	hr.mustSee(".banner.success", "Списки направлены")

	authority.open(page)
	authority.mustSee("#candidate-C1", "На рассмотрении")
	authority.accessible("the reserve authority's review")
	authority.screenshot("reserve-authority-review")
	authority.run("admit C1", chromedp.Click(chromedp.CSS("#d-C1-admit")))
	authority.click(`form[action$="/candidates/C1/decision"] button`)
	authority.mustSee(".banner.success", "Петров Пётр Петрович допущен(а) к конкурсному отбору")
	authority.mustSee("#candidate-C1", "Допущен к конкурсному отбору")
	// A correction asked without its reason is refused, the error named after the candidate.
	authority.run("ask a correction of C2", chromedp.Click(chromedp.CSS("#d-C2-correction")))
	authority.click(`form[action$="/candidates/C2/decision"] button`)
	authority.mustSee(".error-summary", "C2, причина: заполните поле")
	authority.mustSee(`#review-C2 .invalid p.field-error`, "заполните поле")
	authority.fill(map[string]string{"f-C2.reason": "Не приложены результаты тестирования"})
	authority.click(`form[action$="/candidates/C2/decision"] button`)
	authority.mustSee(".banner.success", "запрошено исправление сведений о кандидате Сидорова Анна Ивановна")
	authority.mustSee("#candidate-C2", "Запрошено исправление", "Не приложены результаты тестирования")

	// HR sees the correction asked in its inbox, and its link leads to the candidate.
	hr.open("/")
	hr.mustSee(".tasks", "Исправить сведения о кандидате Сидорова Анна Ивановна")
	hr.click(`.tasks a[href$="#candidate-C2"]`)
	hr.mustSee("#candidate-C2", "Запрошено исправление", "Исправить сведения")
	if loc := hr.location(); loc != page+"#candidate-C2" {
		t.Errorf("the inbox item leads to %q; want %q", loc, page+"#candidate-C2")
	}
	// HR corrects the candidate and sends it back for review.
	hr.click(`#candidate-C2 a[href$="/candidates/C2"]`)
	hr.mustSee(".banner", "Уполномоченный орган запросил исправление сведений", "Не приложены результаты тестирования")
	hr.accessible("the correction editor")
	hr.fill(map[string]string{"f-questionnaire.testing_results": "высокие; протокол № 12 от 01.10", "f-comment": "Приложен протокол тестирования"})
	hr.click(`form.candidate button[value=correction]`)
	hr.mustSee(".banner.success", "направлены на повторное рассмотрение")
	hr.mustSee("#candidate-C2", "На рассмотрении")
	csv := get(hr, "fetch the CSV lists", chromedp.Evaluate[string](fmt.Sprintf(`fetch(%q).then(r => r.text().then(t => r.status + " " + r.headers.get("Content-Type") + " " + t))`, page+"/lists?format=csv"), chromedp.EvalAwaitPromise))
	if !strings.HasPrefix(csv, "200 text/csv") || !strings.Contains(csv, "Сидорова Анна Ивановна") {
		t.Errorf("the CSV lists answer %.200q; want 200 text/csv naming the candidates", csv)
	}

	stranger := sys.browser(t)
	stranger.signIn("dev-hr-agency-2")
	stranger.open(page)
	stranger.mustSee("h1", "Страница не найдена")
}
