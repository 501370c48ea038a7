package console_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/profdev/profdev/internal/domain"
)

// TestRegistryInTheBrowser: a provider (in another ministry's registry already) applies to
// the ministry's registry, a bad INN refused first beside its field; the ministry opens
// the application from its inbox, is refused a return without reasons, returns it with a
// reason; the provider resubmits it corrected, the ministry admits it, and the provider
// sees "Включён в реестр". The provider then declares programmes for next year,
// the ministry returns the declaration with a reason, and the provider sees why. Another
// provider gets the console's 404 for the application and the declaration.
func TestRegistryInTheBrowser(t *testing.T) {
	sys := mustSystem(t)
	ctx := context.Background()
	if _, err := sys.db.PutAuthority(ctx, domain.Authority{ID: "minfin", Name: "Минфин России", Region: "RU", Emails: []string{"ministry@minfin.test"}}); err != nil {
		t.Fatal(err)
	}
	// provider-b is a provider the development sign-in knows: admitted by the other ministry.
	if err := sys.db.EnterRegistry(ctx, domain.Admission{ApplicationID: "app-b", WorkflowID: "registry-minfin-provider-b",
		ProviderID: "provider-b", Authority: "minfin", Year: sys.year,
		Provider:   domain.ProviderDetails{Name: "АНО Академия Б", INN: "7736207543", OGRN: "1027700229193", Email: "academy@provider-b.test"},
		Programmes: []domain.Programme{{Code: "FIN-1", Title: "Финансовый контроль", Kind: domain.QualificationUpgrade, Hours: 40, Format: "in_person", Price: 20000}},
		At:         time.Now()}); err != nil {
		t.Fatal(err)
	}

	provider := sys.browser(t)
	provider.signIn("dev-provider-provider-b")
	provider.openLink("/registry/applications")
	provider.mustSee("h1", "Реестр образовательных организаций")
	provider.accessible("the provider's registry page")
	provider.openLink("/registry/applications/new")
	provider.fill(map[string]string{
		"f-authority": "mintrud", "f-year": strconv.Itoa(sys.year), "f-provider.name": "АНО Академия Б",
		"f-provider.inn": "7736207544", "f-provider.ogrn": "1027700229193", "f-provider.license_number": "Л035-01298-77/00123456",
		"f-provider.address": "Москва, ул. Льва Толстого, 16", "f-provider.email": "academy@provider-b.test", "f-provider.phone": "+7 495 739-70-00",
		"f-programmes[0].code": "DPP-7", "f-programmes[0].title": "Цифровая трансформация госуправления", "f-programmes[0].kind": "qualification_upgrade",
		"f-programmes[0].hours": "36", "f-programmes[0].format": "distance", "f-programmes[0].price": "18000",
	})
	provider.accessible("the application form")
	provider.click(`form.registry-form button[type=submit]`)
	provider.mustSee(".error-summary", "Исправьте ошибки", "ИНН")
	provider.mustSee(`.invalid .field-error`, "ИНН указан с ошибкой")
	kept := get(provider, "read a kept value", chromedp.Evaluate[string](`document.getElementById("f-programmes[0].title").value`))
	if kept != "Цифровая трансформация госуправления" {
		t.Errorf("the refused form kept the programme's title as %q", kept)
	}
	provider.accessible("the application form with errors")
	provider.fill(map[string]string{"f-provider.inn": "7736207543"})
	provider.click(`form.registry-form button[type=submit]`)
	provider.mustSee(".banner.success", "Заявка подана")
	provider.mustSee(".lead", "На рассмотрении")
	provider.mustSee("table.programmes", "DPP-7", "Повышение квалификации", "Дистанционная")
	appPath := provider.location()
	if !strings.HasPrefix(appPath, "/registry/applications/app-") {
		t.Fatalf("after applying, the page is %q; want the application's page", appPath)
	}

	ministry := sys.browser(t)
	ministry.signIn("dev-ministry-mintrud")
	ministry.mustSee(".tasks", "Рассмотреть заявку АНО Академия Б")
	ministry.openLink(appPath)
	ministry.mustSee("h1", "АНО Академия Б")
	ministry.mustSee(".timeline", "Направлено")
	ministry.accessible("the application's page")
	ministry.run("choose return", chromedp.Click(chromedp.CSS("#d-return")))
	ministry.click(`form.decision button`)
	ministry.mustSee(".error-summary", "Причины")
	ministry.mustSee(".invalid .field-error", "укажите причины")
	ministry.fill(map[string]string{"f-reasons": "Укажите номер лицензии полностью"})
	ministry.click(`form.decision button`)
	ministry.mustSee(".banner.success", "Возвращено на доработку")

	// The provider corrects the returned application on a form filled with what it sent.
	provider.open(appPath)
	provider.mustSee(".reasons", "Укажите номер лицензии полностью")
	provider.openLink(appPath + "/resubmission")
	provider.mustSee("h1", "Исправить и подать заявку повторно")
	if got := get(provider, "read the kept programme", chromedp.Evaluate[string](`document.getElementById("f-programmes[0].code").value + " " + document.getElementById("f-provider.inn").value`)); got != "DPP-7 7736207543" {
		t.Errorf("the resubmission form holds %q; want the application's programme and INN", got)
	}
	provider.accessible("the resubmission form")
	provider.fill(map[string]string{"f-provider.license_number": "Л035-01298-77/00123457 от 01.02.2020"})
	provider.click(`form.registry-form button[type=submit]`)
	provider.mustSee(".banner.success", "подана повторно")
	provider.mustSee(".lead", "На рассмотрении")

	ministry.open(appPath)
	ministry.mustSee(".summary", "Л035-01298-77/00123457 от 01.02.2020")
	ministry.run("choose admit", chromedp.Click(chromedp.CSS("#d-admit")))
	ministry.click(`form.decision button`)
	ministry.mustSee(".banner.success", "Решение принято", "Включён в реестр")
	// Deciding it again is refused, saying why, and changes nothing.
	again := get(ministry, "decide again", chromedp.Evaluate[string](`fetch("`+appPath+`/decision", {method: "POST", body: new URLSearchParams({csrf: document.querySelector("input[name=csrf]").value, decision: "reject", reasons: "повторно"})}).then(r => r.text().then(t => r.status + " " + new DOMParser().parseFromString(t, "text/html").querySelector(".error-summary").textContent))`, chromedp.EvalAwaitPromise))
	if !strings.HasPrefix(again, "409 ") || !strings.Contains(again, "уже принято") {
		t.Errorf("a second decision answers %q; want 409 saying the decision was taken", again)
	}
	ministry.open("/registry/applications?status=admitted")
	ministry.mustSee("table.applications", "АНО Академия Б", "Включён в реестр")
	ministry.accessible("the ministry's list of applications")

	provider.open(appPath)
	provider.mustSee(".lead", "Включён в реестр")
	provider.mustSee(".timeline", "Включено в реестр")
	provider.screenshot("provider-registry-application")

	// A declaration of programmes for next year, returned with a reason.
	next := strconv.Itoa(sys.year + 1)
	provider.open("/registry/declarations/new")
	provider.fill(map[string]string{"f-authority": "mintrud", "f-year": next,
		"f-programmes[1].code": "DPP-8", "f-programmes[1].title": "Бюджетный процесс", "f-programmes[1].kind": "retraining",
		"f-programmes[1].hours": "256", "f-programmes[1].format": "blended", "f-programmes[1].price": "90000"})
	provider.accessible("the declaration form")
	provider.click(`form.registry-form button[type=submit]`)
	provider.mustSee(".banner.success", "Сведения о программах на "+next+" год направлены")
	provider.mustSee(".lead", "На рассмотрении")
	declPath := provider.location()

	ministry.open("/")
	ministry.mustSee(".tasks", "Рассмотреть сведения о программах на "+next)
	ministry.openLink(declPath)
	ministry.mustSee("table.programmes", "DPP-8", "Профессиональная переподготовка")
	ministry.accessible("the declaration's page")
	ministry.run("choose return", chromedp.Click(chromedp.CSS("#d-return")))
	ministry.fill(map[string]string{"f-reasons": "Укажите стоимость с учётом НДС"})
	ministry.click(`form.decision button`)
	ministry.mustSee(".banner.success", "Возвращено на доработку")

	provider.open(declPath)
	provider.mustSee(".lead", "Возвращено на доработку")
	provider.mustSee(".reasons", "Укажите стоимость с учётом НДС")

	// Another provider sees neither the application nor the declaration.
	stranger := sys.browser(t)
	stranger.signIn("dev-provider-provider-a")
	stranger.open(appPath)
	stranger.mustSee("h1", "Страница не найдена")
	stranger.open(declPath)
	stranger.mustSee("h1", "Страница не найдена")
}

// openLink checks that the page links to path and opens it by its address: a click that
// navigates can race the next read of the page on a loaded machine.
func (b *browser) openLink(path string) {
	b.t.Helper()
	b.run("find the link to "+path, chromedp.WaitVisible(chromedp.CSS(`a[href="`+path+`"]`)))
	b.open(path)
}
