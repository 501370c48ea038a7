package console_test

import (
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"github.com/profdev/profdev/internal/domain"
)

// certificateCount is how many certificates the database holds, being formed or issued.
func (s *system) certificateCount() int {
	s.t.Helper()
	var n int
	if err := s.db.Pool().QueryRow(context.Background(), `SELECT count(*) FROM certificates`).Scan(&n); err != nil {
		s.t.Fatal(err)
	}
	return n
}

// TestBatchFromSpreadsheetInTheBrowser: a ministry user downloads the template, uploads an
// XLSX of five rows of which two are bad (a wrong SNILS; an end date before the start and
// no email), sees both bad rows with their row numbers and errors before anything is
// issued, issues the three good ones, and follows the progress bar until the batch is
// complete: three certificates issued, with links, and the two rows refused.
func TestBatchFromSpreadsheetInTheBrowser(t *testing.T) {
	sys := mustSystem(t)
	start := time.Now().AddDate(0, 1, 0)
	end := time.Now().AddDate(0, 3, 0)
	year := strconv.Itoa(sys.year)
	good := func(id, name, snils string) []any {
		return []any{id, name, snils, id + "@gov.test", "консультант", "agency-1", "provider-a", "PK-01", year, "72", "35000",
			start.Format("02.01.2006"), end.Format("2006-01-02")}
	}
	rows := [][]any{
		{"Табельный номер", "ФИО", "СНИЛС", "Электронная почта", "Должность", "Код органа", "Код образовательной организации",
			"Код программы", "Год", "Объём, часов", "Стоимость, рублей", "Начать не позднее", "Завершить не позднее"},
		good("servant-b1", "Алексеев Алексей Алексеевич", "112-233-445 95"),
		{"servant-b2", "Борисова Вера Игоревна", "112-233-445 96", "b2@gov.test", "советник", "agency-1", "provider-a", "PK-01", year, "72", "35000",
			start.Format("02.01.2006"), end.Format("02.01.2006")},
		good("servant-b3", "Васильев Глеб Олегович", "11223344595"),
		{}, // a blank line between groups is skipped
		{"servant-b4", "Григорьева Дарья Ивановна", "112-233-445 95", "", "ведущий специалист", "agency-2", "provider-a", "PK-01", year, "72", "35000",
			end.Format("02.01.2006"), start.Format("02.01.2006")},
		good("servant-b5", "Дмитриев Егор Павлович", "112-233-445 95"),
	}
	// The last good row's dates are real date cells, as Excel keeps them: serial numbers.
	path := filepath.Join(t.TempDir(), "пакет.xlsx")
	f := excelize.NewFile()
	for i, row := range rows {
		for j, v := range row {
			cell, _ := excelize.CoordinatesToCellName(j+1, i+1)
			if err := f.SetCellValue("Sheet1", cell, v); err != nil {
				t.Fatal(err)
			}
		}
	}
	dateStyle, _ := f.NewStyle(&excelize.Style{NumFmt: 14})
	for col, d := range map[string]time.Time{"L7": start, "M7": end} {
		if err := f.SetCellValue("Sheet1", col, time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC)); err != nil {
			t.Fatal(err)
		}
		_ = f.SetCellStyle("Sheet1", col, col, dateStyle)
	}
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}

	ministry := sys.browser(t)
	ministry.signIn("dev-ministry-mintrud")
	ministry.openLink("/certificates/batch")
	ministry.mustSee("h1", "Пакетная выдача")
	for _, format := range []string{"csv", "xlsx"} {
		got := get(ministry, "fetch the "+format+" template", chromedp.Evaluate[string](`fetch("/certificates/batch/template?format=`+format+`").then(r => r.status + " " + r.headers.get("Content-Disposition"))`, chromedp.EvalAwaitPromise))
		if got != `200 attachment; filename="batch-template.`+format+`"` {
			t.Errorf("the %s template answers %q", format, got)
		}
	}
	ministry.accessible("the batch upload form")

	// Sending the form without a file is refused beside the field.
	ministry.click(`form.batch-upload button[type=submit]`)
	ministry.mustSee(".error-summary", "Файл не принят")
	ministry.mustSee(".invalid .field-error", "Выберите файл")

	ministry.run("choose the spreadsheet", chromedp.SetUploadFiles(chromedp.CSS("#f-file"), []string{path}))
	ministry.click(`form.batch-upload button[type=submit]`)
	ministry.mustSee(".lead", "строк с данными — 5", "готовы к выдаче — 3", "с ошибками — 2", "Пока ничего не выдано")
	ministry.mustSee("#row-3", "Борисова", "СНИЛС", "СНИЛС указан с ошибкой")
	ministry.mustSee("#row-6", "Григорьева", "Электронная почта: заполните поле", "Завершить не позднее: дата должна быть позже даты начала")
	ministry.mustSee(".good-rows", "Алексеев", "Васильев", "Дмитриев")
	if n := sys.certificateCount(); n != 0 {
		t.Errorf("the preview issued %d certificates; want none before the confirmation", n)
	}
	ministry.accessible("the batch preview")
	ministry.mustSee(`form.batch-confirm button`, "Выдать 3 сертификата")
	// Keep the confirmation's fields, to send them again later as a second press would.
	resend := get(ministry, "read the confirmation", chromedp.Evaluate[string](`new URLSearchParams(new FormData(document.querySelector("form.batch-confirm"))).toString()`))
	ministry.click(`form.batch-confirm button`)

	if !strings.HasPrefix(ministry.location(), "/certificates/batches/batch-") {
		t.Fatalf("after confirming, the page is %q; want the batch's page", ministry.location())
	}
	// The page reloads itself when the batch completes, so it is read once the outcome is there.
	ministry.run("wait for the batch to complete", chromedp.WaitVisible(chromedp.CSS("table.batch-items")))
	ministry.mustSee(".lead", "К выдаче — 3, не принято при проверке — 2")
	ministry.mustSee("#progress-title", "Выдача завершена")
	ministry.mustSee("[data-progress-text]", "Выдано 3 из 3")
	ministry.mustSee("table.batch-items", "Алексеев", "Васильев", "Дмитриев", "Выдан: MINTRUD-")
	ministry.mustSee("table.batch-rejected", "СНИЛС указан с ошибкой", "Электронная почта: заполните поле")
	links := get(ministry, "count certificate links", chromedp.Evaluate[int](`document.querySelectorAll("table.batch-items a[href^='/certificates/MINTRUD-']").length`))
	if links != 3 {
		t.Errorf("the batch page links %d certificates; want 3", links)
	}
	// The page's script sets the bar's width once it runs, which may be just after the table
	// shows.
	var width string
	for range 50 {
		if width = get(ministry, "read the bar", chromedp.Evaluate[string](`document.querySelector(".progress > div").style.width`)); width != "" {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if width != "100%" {
		t.Errorf("the complete batch's bar is %q wide; want 100%%", width)
	}
	ministry.screenshot("ministry-batch")
	ministry.accessible("the batch's page")

	// The JSON variant the progress bar polls.
	batchPath := ministry.location()
	got := get(ministry, "poll the batch", chromedp.Evaluate[string](`fetch("`+batchPath+`?format=json").then(r => r.json()).then(s => [s.accepted, s.done, s.issued, s.refused, s.waiting, s.complete].join(" "))`, chromedp.EvalAwaitPromise))
	if got != "3 3 3 0 0 true" {
		t.Errorf("the batch's JSON says accepted, done, issued, refused, waiting, complete = %q; want 3 3 3 0 0 true", got)
	}
	// A second press of the confirmation (the browser resending it) issues nothing more.
	again := get(ministry, "resend the confirmation", chromedp.Evaluate[string](`fetch("/certificates/batch/confirm", {method: "POST", headers: {"Content-Type": "application/x-www-form-urlencoded"}, body: "`+resend+`"}).then(r => r.status + " " + new URL(r.url).pathname)`, chromedp.EvalAwaitPromise))
	if again != "200 "+batchPath {
		t.Errorf("resending the confirmation answers %q; want 200 and the same batch's page %s", again, batchPath)
	}
	if n := sys.certificateCount(); n != 3 {
		t.Errorf("after the confirmation was sent twice there are %d certificates; want 3", n)
	}

	// A confirmation of a preview that is no longer the session's is refused, issuing nothing.
	stale := get(ministry, "confirm a stale preview", chromedp.Evaluate[int](`fetch("/certificates/batch/confirm", {method: "POST", body: new URLSearchParams({csrf: document.querySelector("input[name=csrf]").value, form_key: "another-key", preview: "old"})}).then(r => r.status)`, chromedp.EvalAwaitPromise))
	if stale != 409 {
		t.Errorf("confirming a stale preview answers %d; want 409", stale)
	}
	if n := sys.certificateCount(); n != 3 {
		t.Errorf("after a stale confirmation there are %d certificates; want 3", n)
	}

	// Another authority's ministry sees no such batch.
	if _, err := sys.db.PutAuthority(context.Background(), domain.Authority{ID: "minfin", Name: "Минфин России", Region: "RU"}); err != nil {
		t.Fatal(err)
	}
	other := sys.browser(t)
	other.signIn("dev-ministry-minfin")
	other.open(batchPath)
	other.mustSee("h1", "Страница не найдена")
}
