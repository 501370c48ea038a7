package console_test

import (
	"strings"
	"testing"
	"time"
)

// issueOne issues a certificate to servant-1 of agency-1 through the ministry's form and
// returns its number.
func (s *system) issueOne(t *testing.T, ministry *browser) string {
	t.Helper()
	ministry.open("/certificates/new")
	ministry.fill(map[string]string{
		"f-servant.full_name": "Иванова Мария Петровна", "f-servant.snils": "112-233-445 95", "f-servant.id": "servant-1",
		"f-servant.email": "ivanova@gov.test", "f-servant.position": "консультант", "f-agency.id": "agency-1",
		"f-offer": "provider-a|PK-01", "f-hours": "72", "f-amount": "35000",
		"f-start_by": time.Now().AddDate(0, 1, 0).Format("2006-01-02"), "f-end_by": time.Now().AddDate(0, 3, 0).Format("2006-01-02"),
	})
	ministry.click(`form.issue button[type=submit]`)
	ministry.mustSee(".banner.success", "выдан, подписан")
	number := strings.TrimPrefix(ministry.location(), "/certificates/")
	if !strings.HasPrefix(number, "MINTRUD-") {
		t.Fatalf("after issuing, the page is %q; want the certificate's page", ministry.location())
	}
	return number
}

// TestAgencyDashboardInTheBrowser: HR follows the status of its servants' certificates on
// the agency's dashboard: nothing before, one issued after the ministry issues it, and the
// count leads to the list that holds it. Another agency's HR counts none of it.
func TestAgencyDashboardInTheBrowser(t *testing.T) {
	sys := mustSystem(t)
	hr := sys.browser(t)
	hr.signIn("dev-hr-agency-1")
	hr.open("/agency")
	hr.mustSee("main", "Сертификатов служащим органа пока не выдано", "Просроченных дел нет")

	ministry := sys.browser(t)
	ministry.signIn("dev-ministry-mintrud")
	number := sys.issueOne(t, ministry)

	hr.open("/agency")
	hr.mustSee("#certs-title", "Сертификаты служащих (1)")
	hr.mustSee(`.certificates-by-status tr[data-status="issued"]`, "Выдан", "1")
	hr.mustSee(".overdue-work", "Просроченных дел нет")
	hr.accessible("HR's agency dashboard")
	hr.screenshot("hr-agency")
	hr.click(`.certificates-by-status tr[data-status="issued"] a`)
	hr.mustSee("main table", number, "Иванова Мария Петровна")

	other := sys.browser(t)
	other.signIn("dev-hr-agency-2")
	other.open("/agency")
	other.mustSee("main", "Сертификатов служащим органа пока не выдано")
}
