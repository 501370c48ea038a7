package console_test

import (
	"context"
	"testing"
	"time"

	"cloud.google.com/go/civil"
	"github.com/chromedp/chromedp"

	"github.com/profdev/profdev/api"
	"github.com/profdev/profdev/internal/domain"
)

// TestBlockedPersonIsSignedOutOnTheNextClick: with roles from the registry of authorised
// people, the ministry connects an agency in the console, its HR officer works in the
// console under the registry's role, the org_admin reports the officer's dismissal and the
// ministry applies the block; the officer's very next click lands on the sign-in page,
// which says why.
func TestBlockedPersonIsSignedOutOnTheNextClick(t *testing.T) {
	sys := mustSystemWith(t, func(c *api.Config) { c.RegistryAuthorisation = true })
	ctx := context.Background()
	clerk := domain.Actor{Sub: "dev-ministry-mintrud", Role: domain.RoleMinistry, Authority: "mintrud"}
	conn, err := sys.app.SubmitConnection(ctx, clerk, domain.ConnectionRequest{
		Authority: "mintrud", Letter: &domain.Letter{Number: "12-345", Date: civil.DateOf(time.Now())},
		Organisation: domain.Organisation{Kind: "agency", ID: "agency-new", Name: "Комитет по делам молодёжи", INN: "7707083893",
			OGRN: "1027700132195", Address: "Москва, ул. Ильинка, 21", Head: domain.OrganisationHead{FullName: "Иванов Иван Иванович", Position: "Председатель"}},
		People: []domain.PersonDetails{
			{FullName: "Петрова Анна Сергеевна", Position: "Специалист кадровой службы", Email: "petrova@agency-new.test", Phone: "+7 (495) 500-55-50", Kind: "employee", Role: domain.RoleHR},
			{FullName: "Сидоров Борис Петрович", Position: "Начальник отдела", Email: "sidorov@agency-new.test", Phone: "+7 (495) 500-55-51", Kind: "official", Role: domain.RoleOrgAdmin},
		},
	})
	if err != nil {
		t.Fatal(err)
	}

	ministry := sys.browser(t)
	ministry.signIn("dev-ministry-mintrud")
	ministry.open("/connections/" + conn.ID)
	ministry.mustSee(".lead", "На рассмотрении")
	ministry.accessible("a connection request")
	ministry.run("accept", chromedp.Click(chromedp.CSS("#d-accept")))
	ministry.click(`form[action$="/decision"] button`)
	ministry.mustSee(".banner.success", "Заявка принята")

	// Each person accepts the invitation from the email on first sign-in.
	var accepted domain.Connection
	for deadline := time.Now().Add(20 * time.Second); len(accepted.PersonIDs) < 2; time.Sleep(200 * time.Millisecond) {
		if accepted, err = sys.app.Connection(ctx, clerk, conn.ID); err != nil || time.Now().After(deadline) {
			t.Fatalf("accepted connection = %+v, %v", accepted, err)
		}
	}
	for i, sub := range []string{"esia-petrova", "esia-sidorov"} {
		var code string
		if err := sys.db.Pool().QueryRow(ctx, `SELECT invite_code FROM people WHERE id = $1`, accepted.PersonIDs[i]).Scan(&code); err != nil {
			t.Fatal(err)
		}
		if _, err := sys.app.AcceptInvitation(ctx, domain.Actor{Sub: sub, Role: domain.RoleApplicant}, code); err != nil {
			t.Fatal(err)
		}
	}

	officer := sys.browser(t)
	officer.signIn("esia-petrova")
	officer.mustSee(".who-role", "Кадровая служба")

	admin := sys.browser(t)
	admin.signIn("esia-sidorov")
	admin.open("/organisations/agency-new/people")
	admin.mustSee("#person-"+accepted.PersonIDs[0], "Петрова", "Действует")
	admin.accessible("the registry of authorised people")
	admin.fill(map[string]string{"f-person_id": accepted.PersonIDs[0], "f-reason": "увольнение", "f-occurred_on": time.Now().Format("2006-01-02")})
	admin.click(`form[action$="/changes"] button`)
	admin.mustSee(".banner.success", "Сведения направлены")
	change := admin.location()

	ministry.open(change)
	ministry.run("apply", chromedp.Click(chromedp.CSS("#d-apply")))
	ministry.click(`form[action$="/decision"] button`)
	ministry.mustSee(".banner.success", "Решение принято")

	officer.click(`nav a[href="/notifications"]`)
	if loc := officer.location(); loc != "/login?reason=blocked" && loc != "/login?next=%2Fnotifications&reason=blocked" {
		t.Errorf("the blocked officer's next click went to %q; want the sign-in page", loc)
	}
	officer.mustSee(".error-summary", "Доступ прекращён")
}
