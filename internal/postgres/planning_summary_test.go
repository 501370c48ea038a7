package postgres_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/civil"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/profdev/profdev/internal/domain"
)

func TestPlanningSummary(t *testing.T) {
	db := mustDB(t)
	ctx := context.Background()
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	ev := func(seq int, action string) domain.Event {
		return domain.Event{Seq: seq, At: at, Actor: domain.SystemActor, Action: action}
	}
	if _, err := db.Pool().Exec(ctx, `INSERT INTO registry_providers (id, name, inn, ogrn, license_number, address, email, phone)
		VALUES ('prov-1', 'Академия', '1', '1', '1', 'Москва', 'a@prov-1.test', '1')`); err != nil {
		t.Fatal(err)
	}

	// Certificates: the last three are of another authority, another year, or still being formed.
	enrolment := &domain.Enrolment{EnrolledOn: civil.Date{Year: 2026, Month: 3, Day: 10}, OrderNumber: "1"}
	certs := []struct {
		number, authority, agency, agencyName, provider, programme string
		year                                                       int
		status                                                     domain.CertificateStatus
		enrolled                                                   bool
		duplicates                                                 int
	}{
		{"MT-1", "mintrud", "agency-1", "Минтруд", "prov-1", "PROG-1", 2026, domain.CertificateIssued, false, 0},
		{"MT-2", "mintrud", "agency-1", "Минтруд", "prov-1", "PROG-1", 2026, domain.CertificateCompleted, true, 2},
		{"MT-3", "mintrud", "agency-1", "Минтруд", "prov-2", "PROG-2", 2026, domain.CertificateEnrolled, true, 0},
		{"MT-4", "mintrud", "agency-2", "Минфин", "prov-1", "PROG-1", 2026, domain.CertificateAnnulled, false, 0},
		{"MT-5", "mintrud", "agency-2", "Минфин", "prov-2", "PROG-2", 2026, domain.CertificateFailedAttestation, true, 0},
		{"OT-1", "region-64", "agency-9", "Other", "prov-1", "PROG-1", 2026, domain.CertificateCompleted, true, 1},
		{"MT-0", "mintrud", "agency-1", "Минтруд", "prov-1", "PROG-1", 2025, domain.CertificateCompleted, true, 1},
		{"MT-6", "mintrud", "agency-2", "Минфин", "prov-2", "PROG-2", 2026, domain.CertificateIssuing, false, 0},
	}
	byNumber := map[string]domain.Certificate{}
	for _, x := range certs {
		c := domain.Certificate{Number: x.number, WorkflowID: "certificate-" + x.number, Authority: x.authority, Year: x.year,
			Agency:     domain.AgencyRef{ID: x.agency, Name: x.agencyName},
			Servant:    domain.Servant{ID: "s-" + x.number, FullName: "Иванов", SNILS: "112-233-445 95", Email: "s@x.test", Position: "p"},
			ProviderID: x.provider, Programme: domain.Programme{Code: x.programme, Title: "Программа " + x.programme, Hours: 72},
			Hours: 72, Amount: 30000, StartBy: civil.Date{Year: x.year, Month: 4, Day: 1}, EndBy: civil.Date{Year: x.year, Month: 12, Day: 1},
			Status: domain.CertificateIssuing, Revision: 1}
		if err := db.RegisterCertificate(ctx, c, ev(1, "issuing")); err != nil {
			t.Fatal(err)
		}
		c.Status, c.Duplicates, c.Revision = x.status, x.duplicates, 2
		if x.enrolled {
			c.Enrolment = enrolment
		}
		if err := db.SaveCertificate(ctx, c, ev(2, "step")); err != nil {
			t.Fatal(err)
		}
		byNumber[x.number] = c
	}
	for i, r := range []struct {
		number, rater string
		score         int
	}{{"MT-2", "s-MT-2", 5}, {"MT-2", "hr-1", 4}, {"MT-1", "s-MT-1", 4}, {"MT-5", "s-MT-5", 3}, {"OT-1", "s-OT-1", 1}} {
		rater := domain.Actor{Sub: r.rater, Role: domain.RoleHR}
		if err := db.SaveRating(ctx, byNumber[r.number], rater, domain.Rating{Score: r.score}, ev(10+i, "rated")); err != nil {
			t.Fatal(err)
		}
	}

	// The cycle expects three participants; two plan, one of them late; a plan elsewhere does not count.
	cycle := domain.Cycle{ID: "cycle-mintrud-2026", WorkflowID: "planning-mintrud-2026", Authority: "mintrud", Year: 2026,
		Status: domain.CycleOpen, Phase: domain.PhasePlanning, PlansDue: civil.Date{Year: 2026, Month: 2, Day: 1},
		QuarterlyReports: true, OpenedBy: domain.SystemActor, OpenedAt: at, Revision: 1,
		Participants: []domain.CycleParticipant{{Kind: domain.ParticipantAgency, ID: "agency-1"},
			{Kind: domain.ParticipantAgency, ID: "agency-2"}, {Kind: domain.ParticipantProvider, ID: "prov-1"}}}
	if err := db.SaveCycle(ctx, cycle, ev(1, "opened")); err != nil {
		t.Fatal(err)
	}
	plan := func(id, authority string, kind domain.ParticipantKind, status domain.PlanStatus, onTime bool, events ...domain.PlannedEvent) {
		t.Helper()
		p := domain.Plan{ID: id, WorkflowID: "plan-" + id, CycleID: "cycle-" + authority + "-2026", Authority: authority, Year: 2026,
			ParticipantKind: kind, ParticipantID: id, Events: events, Status: status, Round: 1, OnTime: onTime,
			FirstSubmittedAt: at, SubmittedAt: at, Revision: 1}
		if err := db.SavePlan(ctx, p, ev(1, "submitted")); err != nil {
			t.Fatal(err)
		}
	}
	plan("agency-1", "mintrud", domain.ParticipantAgency, domain.PlanAccepted, true,
		domain.PlannedEvent{Title: "Курс", Direction: "Цифровизация", Participants: 10, Central: true},
		domain.PlannedEvent{Title: "Семинар", Direction: "Антикоррупция", Participants: 5})
	plan("prov-1", "mintrud", domain.ParticipantProvider, domain.PlanReturned, false,
		domain.PlannedEvent{Title: "Тренинг", Direction: "Цифровизация", Participants: 7})
	plan("agency-9", "region-64", domain.ParticipantAgency, domain.PlanAccepted, true,
		domain.PlannedEvent{Title: "Other", Direction: "Цифровизация", Participants: 100, Central: true})

	for i, r := range []struct {
		agency string
		onTime bool
	}{{"agency-1", true}, {"agency-2", false}} {
		q := domain.QuarterlyReport{ID: "report-" + r.agency + "-1", CycleID: cycle.ID, Authority: "mintrud", Year: 2026,
			Agency: r.agency, AgencyName: r.agency, Quarter: 1, Figures: map[string]float64{}, Due: civil.Date{Year: 2026, Month: 4, Day: 10},
			OnTime: r.onTime, SubmittedBy: domain.SystemActor, SubmittedAt: at}
		if err := db.SaveQuarterlyReport(ctx, q, cycle, ev(2+i, "reported")); err != nil {
			t.Fatal(err)
		}
	}

	got, err := db.PlanningSummary(ctx, "mintrud", 2026)
	if err != nil {
		t.Fatal(err)
	}
	if time.Since(got.GeneratedAt) > time.Minute || got.GeneratedAt.Location() != time.UTC {
		t.Errorf("generated_at = %v, want now in UTC", got.GeneratedAt)
	}
	want := domain.PlanningSummary{Authority: "mintrud", Year: 2026,
		Certificates: domain.CertificateSummary{
			Totals: domain.CertificateCounts{Issued: 5, Duplicates: 2, Enrolled: 3, Completed: 1, FailedAttestation: 1,
				Annulled: 1, InTraining: 1, AwaitingEnrolment: 1},
			ByAgency: []domain.CertificateGroup{
				{ID: "agency-1", Name: "Минтруд", CertificateCounts: domain.CertificateCounts{Issued: 3, Duplicates: 2,
					Enrolled: 2, Completed: 1, InTraining: 1, AwaitingEnrolment: 1}},
				{ID: "agency-2", Name: "Минфин", CertificateCounts: domain.CertificateCounts{Issued: 2, Enrolled: 1,
					FailedAttestation: 1, Annulled: 1}}},
			ByProvider: []domain.CertificateGroup{
				{ID: "prov-1", Name: "Академия", CertificateCounts: domain.CertificateCounts{Issued: 3, Duplicates: 2,
					Enrolled: 1, Completed: 1, Annulled: 1, AwaitingEnrolment: 1}},
				{ID: "prov-2", Name: "prov-2", CertificateCounts: domain.CertificateCounts{Issued: 2, Enrolled: 2,
					FailedAttestation: 1, InTraining: 1}}}},
		Plans: domain.PlanCounts{Expected: 3, Submitted: 2, OnTime: 1, Late: 1, Accepted: 1, Returned: 1, NotSubmitted: 1},
		Events: domain.EventSummary{Planned: 3, Central: 1, Participants: 22, ByDirection: []domain.DirectionCounts{
			{Direction: "Антикоррупция", Planned: 1}, {Direction: "Цифровизация", Planned: 2, Central: 1}}},
		Reports: []domain.QuarterCounts{{Quarter: 1, Submitted: 2, OnTime: 1, Late: 1}, {Quarter: 2}, {Quarter: 3}, {Quarter: 4}},
		Quality: []domain.ProgrammeQuality{
			{ProgrammeCode: "PROG-1", ProgrammeTitle: "Программа PROG-1", ProviderID: "prov-1", Ratings: 3, Average: 4.33},
			{ProgrammeCode: "PROG-2", ProgrammeTitle: "Программа PROG-2", ProviderID: "prov-2", Ratings: 1, Average: 3}},
		QualityByProvider: []domain.ProviderQuality{{ProviderID: "prov-1", Ratings: 3, Average: 4.33},
			{ProviderID: "prov-2", Ratings: 1, Average: 3}},
	}
	if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(domain.PlanningSummary{}, "GeneratedAt")); diff != "" {
		t.Errorf("summary mismatch (-want +got):\n%s", diff)
	}

	var buf bytes.Buffer
	if err := got.WriteCSV(&buf); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(buf.String(), "\n")
	if lines[0] != "section,key,name,metric,value" {
		t.Errorf("CSV header = %q", lines[0])
	}
	for _, row := range []string{"totals,,,issued,5", "agency,agency-1,Минтруд,issued,3", "provider,prov-2,prov-2,in_training,1",
		"plans,,,on_time,1", "events,,,central,1", "direction,Цифровизация,,planned,2", "reports,1,,late,1",
		"quality,PROG-1,prov-1,average,4.33", "quality_by_provider,prov-2,,average,3.00"} {
		if !strings.Contains(buf.String(), "\n"+row+"\n") {
			t.Errorf("CSV lacks row %q:\n%s", row, buf.String())
		}
	}

	// A year nobody planned in gives zeros and empty lists, not nulls.
	empty, err := db.PlanningSummary(ctx, "mintrud", 2030)
	if err != nil {
		t.Fatal(err)
	}
	if empty.Certificates.ByAgency == nil || empty.Quality == nil || empty.Events.ByDirection == nil || len(empty.Reports) != 4 {
		t.Errorf("empty summary = %+v", empty)
	}
}
