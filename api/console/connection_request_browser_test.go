package console_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

func (s *system) connectionCount() int {
	s.t.Helper()
	var n int
	if err := s.db.Pool().QueryRow(context.Background(), `SELECT count(*) FROM connection_requests`).Scan(&n); err != nil {
		s.t.Fatal(err)
	}
	return n
}

// TestConnectionRequestInTheBrowser: a person signed in with no role yet asks for their
// organisation to be connected. A wrong INN and a missing email are refused beside their
// fields with nothing sent; a second person is added to the form without losing what was
// typed; the request goes to review. The ministry returns it with a reason; the applicant
// finds it in their inbox, corrects it on the same form, filled in with what it said, and
// sends it again; the ministry accepts it.
func TestConnectionRequestInTheBrowser(t *testing.T) {
	sys := mustSystem(t)
	applicant := sys.browser(t)
	applicant.signIn("dev-applicant")
	applicant.mustSee(".who-role", "Заявитель")
	applicant.mustSee("#connections-title + p", "ещё не подключена")
	applicant.click(`a[href="/connections/new"]`)
	applicant.mustSee("h1", "Заявка на подключение организации")
	applicant.accessible("the connection request form")

	org := map[string]string{
		"f-authority": "mintrud", "f-organisation.kind": "agency", "f-organisation.name": "Комитет по делам молодёжи",
		"f-organisation.id": "agency-youth", "f-organisation.inn": "7707083894", "f-organisation.ogrn": "1027700132195",
		"f-organisation.address": "Москва, ул. Ильинка, 21", "f-organisation.head.full_name": "Иванов Иван Иванович",
		"f-organisation.head.position": "Председатель",
		"f-people[0].full_name":        "Петрова Анна Сергеевна", "f-people[0].position": "Специалист кадровой службы",
		"f-people[0].phone": "+7 (495) 500-55-50", "f-people[0].kind": "employee", "f-people[0].role": "hr",
	}
	applicant.fill(org)
	applicant.click(`form.connection-request button[type=submit]:not([name])`)
	applicant.mustSee(".error-summary", "ИНН", "Лицо 1: электронная почта")
	applicant.mustSee(`.invalid:has([id="f-organisation.inn"]) .field-error`, "ИНН указан с ошибкой")
	applicant.mustSee(`.invalid:has([id="f-people[0].email"]) .field-error`, "заполните поле")
	if n := sys.connectionCount(); n != 0 {
		t.Fatalf("a refused form made %d connection requests", n)
	}
	if got := get(applicant, "read the typed name", chromedp.Evaluate[string](`document.getElementById("f-organisation.name").value`)); got != "Комитет по делам молодёжи" {
		t.Errorf("the refused form lost what was typed: name %q", got)
	}

	applicant.fill(map[string]string{"f-organisation.inn": "7707083893", "f-people[0].email": "petrova@youth.test"})
	applicant.click(`form.connection-request button[name=more]`)
	applicant.mustSee("#person-2 legend", "Уполномоченное лицо 2")
	if got := get(applicant, "read the kept email", chromedp.Evaluate[string](`document.getElementById("f-people[0].email").value`)); got != "petrova@youth.test" {
		t.Errorf("adding a person lost what was typed: email %q", got)
	}
	applicant.fill(map[string]string{
		"f-people[1].full_name": "Сидоров Борис Петрович", "f-people[1].position": "Начальник отдела", "f-people[1].email": "sidorov@youth.test",
		"f-people[1].phone": "+7 (495) 500-55-51", "f-people[1].kind": "official", "f-people[1].role": "org_admin",
	})
	applicant.click(`form.connection-request button[type=submit]:not([name])`)
	applicant.mustSee(".banner.success", "направлена на рассмотрение")
	id := strings.TrimPrefix(applicant.location(), "/connections/")
	if !strings.HasPrefix(id, "conn-") {
		t.Fatalf("after sending, the page is %q; want the request's page", applicant.location())
	}
	applicant.mustSee(".lead", "На рассмотрении")
	applicant.mustSee("main", "Петрова Анна Сергеевна", "Сидоров Борис Петрович")
	applicant.screenshot("applicant-connection")

	ministry := sys.browser(t)
	ministry.signIn("dev-ministry-mintrud")
	ministry.open("/connections/" + id)
	ministry.run("return", chromedp.Click(chromedp.CSS("#d-return")))
	ministry.fill(map[string]string{"f-reasons": "Уточните адрес организации"})
	ministry.click(`form[action$="/decision"] button`)
	ministry.mustSee(".banner.success", "возвращена на доработку")

	applicant.open("/")
	applicant.mustSee("table.tasks", "Доработать заявку на подключение: Комитет по делам молодёжи")
	applicant.mustSee(`tr[data-connection="`+id+`"]`, "Возвращено на доработку")
	applicant.click(`table.tasks a[href="/connections/` + id + `"]`)
	applicant.mustSee("main", "Уточните адрес организации")
	applicant.click(`a[href="/connections/` + id + `/resubmission"]`)
	applicant.mustSee("h1", "Доработка заявки")
	if got := get(applicant, "read the filled-in request", chromedp.Evaluate[string](`document.getElementById("f-people[1].email").value + " " + document.getElementById("f-organisation.kind").value`)); got != "sidorov@youth.test agency" {
		t.Errorf("the resubmission form holds %q; want what the request said", got)
	}
	applicant.accessible("the resubmission form")
	applicant.fill(map[string]string{"f-organisation.address": "Москва, ул. Ильинка, д. 21, стр. 1"})
	applicant.click(`form.connection-request button[type=submit]:not([name])`)
	applicant.mustSee(".banner.success", "снова направлена")
	applicant.mustSee(".lead", "На рассмотрении")
	applicant.mustSee("main", "ул. Ильинка, д. 21, стр. 1")

	ministry.open("/connections/" + id)
	ministry.run("accept", chromedp.Click(chromedp.CSS("#d-accept")))
	ministry.click(`form[action$="/decision"] button`)
	ministry.mustSee(".banner.success", "Заявка принята")
	if n := sys.connectionCount(); n != 1 {
		t.Errorf("there are %d connection requests; want the one", n)
	}
}
