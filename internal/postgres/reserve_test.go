package postgres_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"cloud.google.com/go/civil"
	"github.com/google/go-cmp/cmp"

	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/internal/postgres"
)

var reserveAuthorityActor = domain.Actor{Sub: "r1", Role: domain.RoleReserveAuthority, Authority: "region-64"}

func TestReserveQuotasKeepTheLatestRevision(t *testing.T) {
	db := mustDB(t)
	ctx := context.Background()
	q := domain.ReserveQuota{Authority: "region-64", Agency: "agency-1", Year: 2026, SetBy: reserveAuthorityActor,
		ReserveQuotas: domain.ReserveQuotas{I: 1, II: 2, III: 3}}
	first, err := db.PutReserveQuotas(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	q.ReserveQuotas = domain.ReserveQuotas{I: 0, II: 4, III: 1}
	second, err := db.PutReserveQuotas(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if second.Revision <= first.Revision {
		t.Errorf("revisions %d then %d, want increasing", first.Revision, second.Revision)
	}
	got, err := db.ReserveQuotasFor(ctx, "region-64", "agency-1", 2026)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(domain.ReserveQuotas{I: 0, II: 4, III: 1, Revision: second.Revision}, got); diff != "" {
		t.Errorf("quotas mismatch (-want +got):\n%s", diff)
	}
	if none, err := db.ReserveQuotasFor(ctx, "region-64", "agency-1", 2027); err != nil || none != (domain.ReserveQuotas{}) {
		t.Errorf("quotas never set = %+v, %v; want zero", none, err)
	}
	q.III = -1
	if _, err := db.PutReserveQuotas(ctx, q); domain.ErrorCode(err) != domain.CodeInvalid {
		t.Errorf("negative quota: err = %v, want invalid", err)
	}
}

func reserveNomination(year int, rev int, cands ...domain.ReserveCandidate) domain.Nomination {
	id := fmt.Sprintf("reserve-region-64-agency-1-%d", year)
	return domain.Nomination{ID: id, WorkflowID: id, Authority: "region-64", Agency: "agency-1", AgencyName: "Министерство",
		Year: year, Status: domain.NominationDraft, Quotas: domain.ReserveQuotas{I: 2}, Candidates: cands,
		CreatedAt: time.Date(year, 3, 2, 7, 0, 0, 0, time.UTC), Revision: rev}
}

func reserveCandidate(id string, number int, name string, status domain.CandidateStatus) domain.ReserveCandidate {
	years := 5
	return domain.ReserveCandidate{ID: id, Number: number, Status: status, UpdatedAt: time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC),
		CandidateData: domain.CandidateData{List: domain.ListNew, Category: domain.CategoryI, FullName: name,
			Position: "советник", Department: "Отдел", Questionnaire: domain.Questionnaire{DateOfBirth: "1980-01-02", ManagementExperienceYears: &years}}}
}

func TestSaveNominationIgnoresOlderRevisions(t *testing.T) {
	db := mustDB(t)
	ctx := context.Background()
	ev := func(seq int) domain.Event {
		return domain.Event{Seq: seq, At: time.Date(2026, 3, 2, 8, seq, 0, 0, time.UTC), Actor: reserveAuthorityActor, Action: "step"}
	}
	due := civil.Date{Year: 2026, Month: 3, Day: 13}
	c2 := reserveCandidate("C2", 2, "Сидорова Анна Ивановна", domain.CandidateCorrectionRequested)
	c2.CorrectionDue, c2.Reason = &due, "уточнить стаж"
	newer := reserveNomination(2026, 3, reserveCandidate("C1", 1, "Петров Пётр", domain.CandidateUnderReview), c2)
	newer.Status = domain.NominationUnderReview
	if err := db.SaveNomination(ctx, newer, ev(3)); err != nil {
		t.Fatal(err)
	}
	older := reserveNomination(2026, 2, reserveCandidate("C1", 1, "Петров Пётр", domain.CandidateProposed))
	if err := db.SaveNomination(ctx, older, ev(2)); err != nil {
		t.Fatal(err)
	}
	got, err := db.GetNomination(ctx, newer.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(newer, got); diff != "" {
		t.Errorf("nomination mismatch (-want +got):\n%s", diff)
	}
	if history, err := db.Timeline(ctx, newer.ID); err != nil || len(history) != 2 {
		t.Errorf("timeline = %d steps, %v; want both steps", len(history), err)
	}
	// A newer step that removed a candidate removes it from the read model.
	newest := reserveNomination(2026, 4, reserveCandidate("C1", 1, "Петров Пётр", domain.CandidateUnderReview))
	if err := db.SaveNomination(ctx, newest, ev(4)); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.GetNomination(ctx, newer.ID); len(got.Candidates) != 1 {
		t.Errorf("candidates after removal = %d, want 1", len(got.Candidates))
	}
	if _, err := db.GetNomination(ctx, "reserve-nowhere"); domain.ErrorCode(err) != domain.CodeNotFound {
		t.Errorf("unknown nomination: err = %v, want not_found", err)
	}
}

func TestListNominationsAndPreviousReserve(t *testing.T) {
	db := mustDB(t)
	ctx := context.Background()
	last := reserveNomination(2025, 1, reserveCandidate("C1", 1, "Петров Пётр Петрович", domain.CandidateIncluded),
		reserveCandidate("C2", 2, "Орлов Олег Олегович", domain.CandidateNotIncluded))
	last.Candidates[0].IncludedCategory = domain.CategoryII
	last.Status = domain.NominationDecided
	this := reserveNomination(2026, 1)
	for _, n := range []domain.Nomination{this, last} {
		if err := db.SaveNomination(ctx, n, domain.Event{Seq: 1, At: n.CreatedAt, Actor: reserveAuthorityActor, Action: "created"}); err != nil {
			t.Fatal(err)
		}
	}

	page1, next, err := db.ListNominations(ctx, postgres.NominationFilter{Agency: "agency-1"}, postgres.Page{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	page2, end, err := db.ListNominations(ctx, postgres.NominationFilter{Agency: "agency-1"}, postgres.Page{Limit: 1, Cursor: next})
	if err != nil {
		t.Fatal(err)
	}
	if len(page1) != 1 || len(page2) != 1 || page1[0].Year != 2025 || len(page1[0].Candidates) != 2 || page2[0].Year != 2026 || end != "" {
		t.Errorf("pages = %+v / %+v (end %q)", page1, page2, end)
	}
	decided, _, err := db.ListNominations(ctx, postgres.NominationFilter{Authority: "region-64", Status: "decided", Year: 2025}, postgres.Page{})
	if err != nil || len(decided) != 1 {
		t.Errorf("decided in 2025 = %d, %v; want 1", len(decided), err)
	}

	tests := []struct {
		name, born string
		year       int
		want       *domain.PreviousReserve
	}{
		{"петров  пётр петрович", "1980-01-02", 2025, &domain.PreviousReserve{Year: 2025, Category: domain.CategoryII, Agency: "agency-1", NominationID: last.ID}},
		{"Петров Петр Петрович", "1980-01-02", 2025, &domain.PreviousReserve{Year: 2025, Category: domain.CategoryII, Agency: "agency-1", NominationID: last.ID}},
		{"Петров Пётр Петрович", "1980-01-03", 2025, nil}, // another person of the same name
		{"Петров Пётр Петрович", "1980-01-02", 2024, nil}, // not in that year's reserve
		{"Орлов Олег Олегович", "1980-01-02", 2025, nil},  // selected but not included
	}
	for _, tt := range tests {
		got, err := db.PreviousReserve(ctx, "region-64", tt.name, tt.born, tt.year)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("PreviousReserve(%q, %s, %d) mismatch (-want +got):\n%s", tt.name, tt.born, tt.year, diff)
		}
	}
}

func TestCandidateDataCheckNamesEachMissingField(t *testing.T) {
	years := 3
	full := domain.Questionnaire{DateOfBirth: "1985-04-01", Education: "высшее", PositionSince: "2020-01-01", ManagementExperienceYears: &years,
		Achievements: "a", ProfessionalQualities: "b", ProfessionalThinking: "c", Motivation: "d",
		AdditionalEducation: "e", Retraining: "f", Internships: "g", TestingResults: "h"}
	base := domain.CandidateData{List: domain.ListNew, Category: domain.CategoryIII, FullName: "Иванов Иван", Position: "p", Department: "d", Questionnaire: full}
	tests := []struct {
		name   string
		change func(*domain.CandidateData)
		want   []string
	}{
		{"complete", func(*domain.CandidateData) {}, nil},
		{"list 2 criteria", func(d *domain.CandidateData) {
			d.Questionnaire.AdditionalEducation, d.Questionnaire.Retraining, d.Questionnaire.Internships, d.Questionnaire.TestingResults = "", " ", "", ""
		}, []string{"questionnaire.additional_education", "questionnaire.retraining", "questionnaire.internships", "questionnaire.testing_results"}},
		{"list 1 criteria", func(d *domain.CandidateData) {
			d.List = domain.ListRepeat
			d.Questionnaire.Achievements, d.Questionnaire.Motivation = "", ""
		}, []string{"questionnaire.achievements", "questionnaire.motivation"}},
		{"common fields", func(d *domain.CandidateData) {
			d.Questionnaire = domain.Questionnaire{AdditionalEducation: "e", Retraining: "f", Internships: "g", TestingResults: "h"}
		}, []string{"questionnaire.date_of_birth", "questionnaire.education", "questionnaire.position_since", "questionnaire.management_experience_years"}},
		{"bad values", func(d *domain.CandidateData) {
			d.List, d.Category, d.FullName = "third", "IV", ""
			d.Questionnaire.DateOfBirth, d.Questionnaire.PositionSince = "2015-01-01", "01.02.2020"
		}, []string{"list", "category", "full_name", "questionnaire.date_of_birth", "questionnaire.position_since"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := base
			tt.change(&d)
			var got []string
			for _, f := range d.Check(2026) {
				got = append(got, f.Field)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("fields mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
