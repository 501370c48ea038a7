package console_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"cloud.google.com/go/civil"
	"github.com/chromedp/chromedp"

	"github.com/profdev/profdev/internal/domain"
)

// TestYearSummaryInTheBrowser: the ministry's summary of a year shows the certificates
// issued, completed and annulled per agency and per provider, with bars in proportion, and
// the quality scores; another ministry sees only its own (empty) year.
func TestYearSummaryInTheBrowser(t *testing.T) {
	sys := mustSystem(t)
	ctx := context.Background()
	at := time.Now().UTC()
	ev := func(seq int, action string) domain.Event {
		return domain.Event{Seq: seq, At: at, Actor: domain.SystemActor, Action: action}
	}
	// Росстат: 4 issued (2 completed, 1 annulled); Росархив: 1 issued, still issued.
	certs := []struct {
		agency, name string
		status       domain.CertificateStatus
		score        int
	}{
		{"agency-1", "Росстат", domain.CertificateCompleted, 5}, {"agency-1", "Росстат", domain.CertificateCompleted, 4},
		{"agency-1", "Росстат", domain.CertificateAnnulled, 0}, {"agency-1", "Росстат", domain.CertificateIssued, 0},
		{"agency-2", "Росархив", domain.CertificateIssued, 0},
	}
	for i, x := range certs {
		n := strconv.Itoa(i + 1)
		c := domain.Certificate{Number: "MINTRUD-" + strconv.Itoa(sys.year) + "-00000" + n, WorkflowID: "certificate-" + n, Authority: "mintrud", Year: sys.year,
			Agency: domain.AgencyRef{ID: x.agency, Name: x.name}, ProviderID: "provider-a",
			Servant:   domain.Servant{ID: "s-" + n, FullName: "Служащий " + n, SNILS: "112-233-445 95", Email: "s" + n + "@gov.test", Position: "консультант"},
			Programme: domain.Programme{Code: "PK-01", Title: "Управление проектами в госсекторе", Hours: 72},
			Hours:     72, Amount: 35000, StartBy: civil.Date{Year: sys.year, Month: 4, Day: 1}, EndBy: civil.Date{Year: sys.year, Month: 12, Day: 1},
			Status: domain.CertificateIssuing, Revision: 1}
		if err := sys.db.RegisterCertificate(ctx, c, ev(1, "requested")); err != nil {
			t.Fatal(err)
		}
		c.Status, c.Revision = x.status, 2
		if err := sys.db.SaveCertificate(ctx, c, ev(2, string(x.status))); err != nil {
			t.Fatal(err)
		}
		if x.score > 0 {
			if err := sys.db.SaveRating(ctx, c, domain.Actor{Sub: "s-" + n, Role: domain.RoleServant}, domain.Rating{Score: x.score}, ev(3, "rated")); err != nil {
				t.Fatal(err)
			}
		}
	}

	ministry := sys.browser(t)
	ministry.signIn("dev-ministry-mintrud")
	ministry.openLink("/summary")
	ministry.mustSee("h1", "Сводка за "+strconv.Itoa(sys.year)+" год")
	ministry.mustSee(".totals", "Выдано\n5", "Обучение завершено\n2", "Аннулировано\n1")
	// Each row's name and figures; the most issued first.
	rows := func(section string) string {
		return get(ministry, "read "+section, chromedp.Evaluate[string](`[...document.querySelectorAll("section[aria-labelledby=`+section+`] tbody tr")].map(tr => [tr.querySelector("th").textContent, ...[...tr.querySelectorAll(".figure")].map(f => f.textContent)].join(" ")).join("; ")`))
	}
	if got := rows("agencies-title"); got != "Росстат 4 2 1; Росархив 1 0 0" {
		t.Errorf("the agencies' rows (issued, completed, annulled) read %q", got)
	}
	if got := rows("providers-title"); got != "ООО Учебный центр А 5 2 1" {
		t.Errorf("the providers' rows (issued, completed, annulled) read %q", got)
	}
	ministry.mustSee("section[aria-labelledby=quality-title]", "ООО Учебный центр А", "2", "4,5", "Управление проектами в госсекторе")
	// Росстат's issued bar is the longest (100), Росархив's a quarter of it.
	widths := get(ministry, "read the bars", chromedp.Evaluate[string](`[...document.querySelectorAll("section[aria-labelledby=agencies-title] tbody tr td:nth-child(2) svg rect:last-child")].map(r => r.getAttribute("width")).join(" ")`))
	if widths != "100 25" {
		t.Errorf("the agencies' issued bars are %q long; want 100 25", widths)
	}
	ministry.accessible("the year's summary")
	ministry.screenshot("ministry-summary")

	ministry.open("/summary?year=" + strconv.Itoa(sys.year-1))
	ministry.mustSee("section[aria-labelledby=agencies-title]", "сертификаты не выдавались")
	ministry.open("/summary?year=abc")
	ministry.mustSee(".error-summary", "Год")
	if href := get(ministry, "read the error's link", chromedp.Evaluate[string](`document.querySelector(".error-summary a").getAttribute("href") + " " + !!document.getElementById("f-year")`)); href != "#f-year true" {
		t.Errorf("the error summary links %q; want #f-year, a field of the page", href)
	}

	if _, err := sys.db.PutAuthority(ctx, domain.Authority{ID: "minfin", Name: "Минфин России", Region: "RU"}); err != nil {
		t.Fatal(err)
	}
	other := sys.browser(t)
	other.signIn("dev-ministry-minfin")
	other.open("/summary")
	other.mustSee(".totals", "Выдано\n0")
}
