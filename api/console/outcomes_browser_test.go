package console_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/civil"
	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/workflows"
)

// mustEnrolled issues n certificates of provider-a's PK-01 (72 hours) and enrols each, as
// the ministry and the provider would: the group whose outcomes the provider reports.
func (s *system) mustEnrolled(n int) []string {
	s.t.Helper()
	ctx := context.Background()
	ministry := domain.Actor{Sub: "dev-ministry-mintrud", Role: domain.RoleMinistry, Authority: "mintrud"}
	provider := domain.Actor{Sub: "dev-provider-provider-a", Role: domain.RoleProvider, Provider: "provider-a"}
	today := civil.DateOf(time.Now().In(workflows.Moscow))
	var numbers []string
	for i := range n {
		cert, err := s.app.IssueCertificate(ctx, ministry, domain.CertificateRequest{
			Servant: domain.Servant{ID: fmt.Sprintf("servant-g%d", i+1), FullName: fmt.Sprintf("Слушатель %d", i+1),
				SNILS: "112-233-445 95", Email: fmt.Sprintf("g%d@gov.test", i+1), Position: "консультант"},
			Agency: domain.AgencyRef{ID: "agency-1", Name: "Росстат"}, ProviderID: "provider-a", ProgrammeCode: "PK-01",
			Year: s.year, Hours: 72, Amount: 35000, StartBy: today.AddDays(30), EndBy: today.AddDays(90)})
		if err != nil {
			s.t.Fatal(err)
		}
		if _, err := s.app.ReportEnrolment(ctx, provider, cert.Number,
			domain.Enrolment{EnrolledOn: today, StartedOn: today, OrderNumber: fmt.Sprintf("%d-к", i+1)}); err != nil {
			s.t.Fatal(err)
		}
		numbers = append(numbers, cert.Number)
	}
	return numbers
}

func (s *system) certificateStatus(number string) string {
	s.t.Helper()
	var st string
	if err := s.db.Pool().QueryRow(context.Background(), `SELECT status FROM certificates WHERE number = $1`, number).Scan(&st); err != nil {
		s.t.Fatal(err)
	}
	return st
}

// TestGroupOutcomesFromSpreadsheetInTheBrowser: the provider downloads the table of its three
// enrolled servants, uploads outcomes for them with three bad rows (a completed course
// without its document number, a number that is not its certificate, a repeated row), sees
// every bad row with its error before anything is sent, sends the two good ones, and finds
// those two certificates with their outcomes and the third still awaiting one. Sending the
// confirmation again changes nothing; HR of another agency's provider sees none of it.
func TestGroupOutcomesFromSpreadsheetInTheBrowser(t *testing.T) {
	sys := mustSystem(t)
	group := sys.mustEnrolled(3)

	provider := sys.browser(t)
	provider.signIn("dev-provider-provider-a")
	provider.openLink("/certificates/outcomes")
	provider.mustSee("h1", "Результаты обучения группы")
	provider.mustSee("#template-title + p", "Результат ожидается по 3 сертификатам")
	got := get(provider, "fetch the table", chromedp.Evaluate[string](`fetch("/certificates/outcomes/template?format=csv").then(r => r.text())`, chromedp.EvalAwaitPromise))
	for _, n := range group {
		if !strings.Contains(got, n+";Слушатель") {
			t.Errorf("the downloaded table lacks %s: %q", n, got)
		}
	}
	xlsx := get(provider, "fetch the XLSX table", chromedp.Evaluate[string](`fetch("/certificates/outcomes/template?format=xlsx").then(r => r.status + " " + r.headers.get("Content-Type"))`, chromedp.EvalAwaitPromise))
	if xlsx != "200 application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
		t.Errorf("the XLSX table answers %q", xlsx)
	}
	provider.accessible("the group outcome form")

	finished := time.Now().Format("02.01.2006")
	rows := [][]any{
		{"Номер сертификата", "ФИО", "Результат", "Дата окончания", "Номер документа об обучении", "Освоено часов"},
		{group[0], "Слушатель 1", "завершено", finished, "УД-0001", ""},
		{group[1], "Слушатель 2", "Завершено", finished, "", ""},       // no document number
		{group[2], "Слушатель 3", "частично", finished, "", "30"},      // good
		{"MINTRUD-1999-000001", "Чужой", "отчислен", finished, "", ""}, // not theirs
		{group[0], "Слушатель 1", "отчислен", finished, "", ""},        // repeats row 2
	}
	path := filepath.Join(t.TempDir(), "результаты.xlsx")
	f := excelize.NewFile()
	for i, row := range rows {
		for j, v := range row {
			cell, _ := excelize.CoordinatesToCellName(j+1, i+1)
			if err := f.SetCellValue("Sheet1", cell, v); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	provider.run("choose the spreadsheet", chromedp.SetUploadFiles(chromedp.CSS("#f-file"), []string{path}))
	provider.click(`form.outcome-upload button[type=submit]`)
	provider.mustSee(".lead", "строк с данными — 5", "готовы к отправке — 2", "с ошибками — 3", "Пока ничего не отправлено")
	provider.mustSee("#row-3", group[1], "Номер документа об обучении", "укажите номер выданного документа")
	provider.mustSee("#row-5", "MINTRUD-1999-000001", "такого номера нет")
	provider.mustSee("#row-6", group[0], "уже указан в строке 2")
	provider.mustSee(".good-rows", group[0], group[2], "Обучение завершено", "Программа освоена частично")
	for _, n := range group {
		if st := sys.certificateStatus(n); st != "enrolled" {
			t.Errorf("the preview changed %s to %s", n, st)
		}
	}
	provider.accessible("the group outcome preview")
	provider.mustSee(`form.outcome-confirm button`, "Отправить 2 результата")
	resend := get(provider, "read the confirmation", chromedp.Evaluate[string](`new URLSearchParams(new FormData(document.querySelector("form.outcome-confirm"))).toString()`))
	provider.click(`form.outcome-confirm button`)

	if provider.location() != "/certificates/outcomes/result" {
		t.Fatalf("after confirming, the page is %q; want the result", provider.location())
	}
	provider.mustSee(".lead", "принято — 2", "не отправлено из-за ошибок в файле — 3")
	provider.mustSee("table.done-rows", group[0], group[2])
	provider.screenshot("provider-outcomes")
	provider.accessible("the group outcome result")
	for n, want := range map[string]string{group[0]: "completed", group[1]: "enrolled", group[2]: "partially_completed"} {
		if st := sys.certificateStatus(n); st != want {
			t.Errorf("%s is %s after the upload; want %s", n, st, want)
		}
	}
	again := get(provider, "resend the confirmation", chromedp.Evaluate[string](`fetch("/certificates/outcomes/confirm", {method: "POST", headers: {"Content-Type": "application/x-www-form-urlencoded"}, body: "`+resend+`"}).then(r => r.status + " " + new URL(r.url).pathname)`, chromedp.EvalAwaitPromise))
	if again != "200 /certificates/outcomes/result" {
		t.Errorf("resending the confirmation answers %q; want the same result page", again)
	}
	provider.openLink("/certificates/outcomes")
	provider.mustSee("#template-title + p", "Результат ожидается по 1 сертификату")

	// The upload is the provider's: the ministry gets the console's refusal, not the form.
	ministry := sys.browser(t)
	ministry.signIn("dev-ministry-mintrud")
	ministry.open("/certificates/outcomes")
	ministry.mustSee("h1", "Нет доступа")
}
