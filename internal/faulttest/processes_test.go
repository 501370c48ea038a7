package faulttest

import (
	"context"
	"testing"
	"time"

	"cloud.google.com/go/civil"

	"github.com/profdev/profdev/internal/app"
	"github.com/profdev/profdev/internal/calendar"
	"github.com/profdev/profdev/internal/domain"
)

// TestOtherProcessesOutlastMailAndDatabaseOutages: a provider applies to the registry, HR
// starts the year's reserve nomination and the ministry opens next year's planning cycle
// while the mail relay refuses; then PostgreSQL stops for 20 s under the notifications and
// saves those steps left in flight. When both are back every workflow is still running or
// done (none failed), every record is there, the ministry admits the provider, and each
// email went exactly once: the steps were delayed, never lost, never doubled.
func TestOtherProcessesOutlastMailAndDatabaseOutages(t *testing.T) {
	w := newWorld(t)
	w.inProcessWorker(w.gost())
	ctx := context.Background()
	if _, err := w.store.PutAuthority(ctx, domain.Authority{ID: "mintrud", Name: "Минтруд России", Region: "RU", Emails: []string{"ministry@faults.test"}}); err != nil {
		t.Fatal(err)
	}
	ministry := domain.Actor{Sub: "m1", Role: domain.RoleMinistry, Authority: "mintrud"}
	provider := domain.Actor{Sub: "p1", Role: domain.RoleProvider, Provider: "provider-new"}
	hr := domain.Actor{Sub: "h1", Role: domain.RoleHR, Agency: w.party.agency}
	today := civil.DateOf(time.Now().In(calendar.Moscow))

	w.smtp.Refuse(true)
	application, err := w.app.Apply(ctx, provider, app.Submission{Authority: "mintrud", Year: today.Year,
		Provider: domain.ProviderDetails{Name: "ООО Новый центр", INN: "7707083893", OGRN: "1027700132195", LicenseNumber: "Л035-01",
			Address: "Москва", Email: "center@new.provider.test", Phone: "+7 (495) 500-55-50"},
		Programmes: []domain.Programme{{Code: "PK-09", Title: "Цифровые сервисы", Kind: domain.QualificationUpgrade, Hours: 36, Format: "distance", Price: 20000}}})
	if err != nil {
		t.Fatal(err)
	}
	nomination, err := w.app.CreateNomination(ctx, hr, today.Year, "mintrud")
	if err != nil {
		t.Fatal(err)
	}
	cycle, err := w.app.OpenCycle(ctx, ministry, app.CycleOpening{Year: today.Year + 1, Authority: "mintrud",
		PriorityDirections: []string{"цифровая трансформация"}, PlansDue: civil.Date{Year: today.Year + 1, Month: 2, Day: 1}, QuarterlyReports: true})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Second) // the notifications of the three steps are retrying against the relay
	w.stopDB()
	time.Sleep(20 * time.Second)
	w.startDB()
	w.smtp.Refuse(false)
	healed := time.Now()

	// The ministry decides once the database answers again (the console and API answer 503
	// until then; a person retries).
	deadline := healed.Add(recoveryLimit)
	for {
		a, err := w.app.DecideApplication(ctx, ministry, application.ID, "admit", nil)
		if err == nil && a.Status == domain.ApplicationAdmitted {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("admitting after the outage: %+v, %v", a, err)
		}
		time.Sleep(500 * time.Millisecond)
	}
	want := map[string]string{
		"ministry@faults.test":     "the ministry, told of the new application",
		"center@new.provider.test": "the provider, told of its admission",
		w.party.hrEmail:            "HR, told that the planning cycle opened",
	}
	for addr, who := range want {
		for w.smtp.CountTo(addr) == 0 {
			if time.Now().After(deadline) {
				t.Fatalf("%s got no email within %v of the outages' end", who, recoveryLimit)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	time.Sleep(3 * time.Second) // a late duplicate would arrive here
	seen := map[string]int{}
	for _, m := range w.smtp.Messages() {
		for _, to := range m.To {
			seen[to+" "+m.Header.Get("Message-Id")]++
		}
	}
	dups := 0
	for k, n := range seen {
		if n > 1 {
			dups++
			t.Errorf("sent %d times: %s", n, k)
		}
	}
	if n, err := w.app.Nomination(ctx, hr, nomination.ID); err != nil || n.Status != domain.NominationDraft {
		t.Errorf("nomination after the outage = %+v, %v", n, err)
	}
	if c, err := w.app.Cycle(ctx, ministry, "mintrud", today.Year+1); err != nil || c.Status != cycle.Status {
		t.Errorf("planning cycle after the outage = %+v, %v", c.Status, err)
	}
	if closed := w.closedWorkflows(); len(closed) > 0 {
		t.Errorf("workflows that did not survive the outages: %v", closed)
	}
	t.Logf("registry, reserve and planning through SMTP refusing and PostgreSQL stopped 20 s: %d emails, %d duplicates, admitted %.1fs after the end",
		len(w.smtp.Messages()), dups, time.Since(healed).Seconds())
}
