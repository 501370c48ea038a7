package console_test

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestPlanningInTheBrowser: the ministry opens the year's cycle (a cycle without priority
// directions is refused beside the field), HR submits its agency's plan of events, the
// ministry accepts it, and HR sees the plan accepted and sends a quarterly report.
func TestPlanningInTheBrowser(t *testing.T) {
	sys := mustSystem(t)
	due := time.Now().AddDate(0, 0, 7)
	if yearEnd := time.Date(time.Now().Year(), 12, 31, 0, 0, 0, 0, time.UTC); due.After(yearEnd) {
		due = yearEnd
	}

	ministry := sys.browser(t)
	ministry.signIn("dev-ministry-mintrud")
	ministry.open("/planning")
	ministry.mustSee(".no-cycle", "ещё не открыт")
	ministry.fill(map[string]string{"f-plans_due": due.Format("2006-01-02")})
	ministry.click(`form.open-cycle button[type=submit]`)
	ministry.mustSee(".error-summary", "Приоритетные направления: заполните поле")
	ministry.fill(map[string]string{"f-priority_directions": "Цифровая трансформация\nПроектное управление"})
	ministry.click(`form.open-cycle button[type=submit]`)
	ministry.mustSee(".banner.success", "Цикл планирования на")
	ministry.mustSee(".directions", "Цифровая трансформация", "Проектное управление")
	ministry.mustSee(`.participants tr[data-participant="agency-1"]`, "ещё не представлен")
	ministry.accessible("the ministry's planning cycle")

	hr := sys.browser(t)
	hr.signIn("dev-hr-agency-1")
	hr.open("/planning")
	hr.mustSee(".cycle", "Сбор планов")
	hr.fill(map[string]string{"f-events[0].title": "Семинар по проектному управлению", "f-events[0].direction": "Проектное управление",
		"f-events[0].kind": "seminar", "f-events[0].participants": "25"})
	hr.click(`form.submit-plan button[type=submit]`)
	hr.mustSee(".error-summary", "Исправьте ошибки")
	hr.mustSee(`#row-0 .invalid p.field-error`, "заполните поле")
	hr.fill(map[string]string{"f-events[0].planned_quarter": "2"})
	hr.run("mark it central", chromedp.Click(chromedp.CSS(`[id="f-events[0].central"]`)))
	hr.accessible("HR's plan form")
	hr.click(`form.submit-plan button[type=submit]`)
	hr.mustSee(".banner.success", "План мероприятий на")
	hr.mustSee("section.plan", "Семинар по проектному управлению", "На рассмотрении")

	ministry.open("/planning")
	ministry.mustSee(`.participants tr[data-participant="agency-1"]`, "представлен")
	ministry.mustSee("section.plan", "Росстат", "Семинар по проектному управлению")
	ministry.run("accept the plan", chromedp.Click(chromedp.CSS(`section.plan input[value=accept]`)))
	ministry.click(`form.decide-plan button[type=submit]`)
	ministry.mustSee(".banner.success", "принят")
	ministry.mustSee("section.plan", "Принято")

	hr.open("/planning")
	hr.mustSee("section.plan", "Принято")
	hr.fill(map[string]string{"f-quarter": "1", "f-figures.events_held": "3", "f-reserve_form.in_reserve.I": "2"})
	hr.click(`form.submit-report button[type=submit]`)
	hr.mustSee(".banner.success", "Отчёт за 1 квартал принят")
	hr.mustSee(".reports", "1 квартал")
}
