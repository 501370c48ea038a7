package console_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestCertificateLifeInTheBrowser: the ministry issues a certificate from the form (a bad
// SNILS is refused first, in words, beside the field), the provider enrols and reports the
// outcome from its inbox, the servant opens the PDF and rates the course; a form without
// its CSRF token changes nothing, and another agency's HR gets the console's 404.
func TestCertificateLifeInTheBrowser(t *testing.T) {
	sys := mustSystem(t)
	today := time.Now().Format("2006-01-02")
	startBy := time.Now().AddDate(0, 1, 0).Format("2006-01-02")
	endBy := time.Now().AddDate(0, 3, 0).Format("2006-01-02")

	ministry := sys.browser(t)
	ministry.signIn("dev-ministry-mintrud")
	ministry.accessible("the ministry's inbox")
	ministry.open("/certificates/new")
	ministry.fill(map[string]string{
		"f-servant.full_name": "Иванова Мария Петровна", "f-servant.snils": "112-233-445 96", "f-servant.id": "servant-1",
		"f-servant.email": "ivanova@gov.test", "f-servant.position": "консультант", "f-agency.id": "agency-1",
		"f-offer": "provider-a|PK-01", "f-hours": "72", "f-amount": "35000", "f-start_by": startBy, "f-end_by": endBy,
	})
	ministry.accessible("the issue form")
	ministry.click(`form.issue button[type=submit]`)
	ministry.mustSee(".error-summary", "Исправьте ошибки", "СНИЛС")
	ministry.mustSee(`.invalid p.field-error:not([hidden])`, "СНИЛС указан с ошибкой")
	ministry.fill(map[string]string{"f-servant.snils": "112-233-445 95"})
	ministry.click(`form.issue button[type=submit]`)
	ministry.mustSee(".banner.success", "выдан, подписан")
	number := strings.TrimPrefix(ministry.location(), "/certificates/")
	if !strings.HasPrefix(number, "MINTRUD-") {
		t.Fatalf("after issuing, the page is %q; want the certificate's page", ministry.location())
	}
	ministry.mustSee("h1", number)
	ministry.mustSee(".lead", "Выдан")
	ministry.mustSee(".timeline", "Сертификат выдан и подписан")
	ministry.screenshot("ministry-certificate")

	provider := sys.browser(t)
	provider.signIn("dev-provider-provider-a")
	provider.mustSee(".tasks", "Сообщить о зачислении по сертификату "+number)
	provider.screenshot("provider-inbox")
	provider.accessible("the provider's inbox")
	provider.click(`.tasks a[href="/certificates/` + number + `"]`)
	provider.fill(map[string]string{"f-enrolled_on": today, "f-started_on": today, "f-order_number": "17-к"})
	provider.click(`form[action$="/enrolment"] button`)
	provider.mustSee(".banner.success", "Сведения о зачислении приняты")
	provider.mustSee(".lead", "Зачислен на обучение")
	provider.run("choose completed", chromedp.Click(chromedp.CSS("#o-completed")))
	provider.fill(map[string]string{"f-finished_on": today, "f-document_number": "УД-0001"})
	provider.click(`form[action$="/outcome"] button`)
	provider.mustSee(".banner.success", "Результат обучения принят")
	provider.mustSee(".lead", "Обучение завершено")

	servant := sys.browser(t)
	servant.signIn("dev-servant-servant-1")
	servant.mustSee(".tasks", "Оценить качество обучения по сертификату "+number)
	servant.screenshot("servant-inbox")
	servant.click(`.tasks a[href="/certificates/` + number + `"]`)
	pdf := get(servant, "fetch the PDF", chromedp.Evaluate[string](`fetch(document.querySelector('a[href$="/document"]').href).then(r => r.status + " " + r.headers.get("Content-Type"))`, chromedp.EvalAwaitPromise))
	if pdf != "200 application/pdf" {
		t.Errorf("the servant's PDF link answers %q; want 200 application/pdf", pdf)
	}
	servant.run("choose 5", chromedp.Click(chromedp.CSS("#s-5")))
	servant.fill(map[string]string{"f-comment": "Полезный курс"})
	servant.click(`form[action$="/quality-survey"] button`)
	servant.mustSee(".banner.success", "Ваша оценка учтена")
	servant.mustSee(".timeline", "Оценено качество обучения")

	// On a phone screen the page fits: nothing wider than the screen, the menu wraps.
	servant.run("phone screen", chromedp.EmulateViewport(375, 740, chromedp.EmulateMobile, chromedp.EmulateScale(2)))
	servant.open("/certificates/" + number)
	if over := get(servant, "page width", chromedp.Evaluate[int](`document.documentElement.scrollWidth - window.innerWidth`)); over > 0 {
		t.Errorf("on a 375 px screen the certificate page is %d px too wide", over)
	}
	servant.mustSee("h1", number)
	servant.screenshot("servant-phone")
	servant.run("desktop screen", chromedp.ResetViewport())

	// A form posted without its token is refused and changes nothing.
	status := get(ministry, "post without a token", chromedp.Evaluate[int](`fetch("/certificates/`+number+`/duplicates", {method: "POST", body: new URLSearchParams({reason: "утрата"})}).then(r => r.status)`, chromedp.EvalAwaitPromise))
	if status != 403 {
		t.Errorf("a form without its CSRF token got %d; want 403", status)
	}
	ministry.open("/certificates/" + number)
	if got := ministry.text(".summary"); strings.Contains(got, "Дубликатов") {
		t.Errorf("the refused form issued a duplicate: %s", got)
	}

	// Another agency's HR sees no such certificate.
	stranger := sys.browser(t)
	stranger.signIn("dev-hr-agency-2")
	stranger.open("/certificates/" + number)
	stranger.mustSee("h1", "Страница не найдена")
}
