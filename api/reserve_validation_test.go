package api

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/profdev/profdev/internal/domain"
)

func TestReserveCandidateValidationNamesFields(t *testing.T) {
	a := mustAPI(t)
	a.mustProcesses()
	a.mustReserveDirectory()
	code, body, _ := a.do("POST", "/api/v1/reserve/nominations", &reserveHRA, fmt.Sprintf(`{"year":%d,"authority":"region-64"}`, thisYear()))
	n := decode[domain.Nomination](t, http.StatusCreated, code, body)
	path := "/api/v1/reserve/nominations/" + n.ID + "/candidates"

	tests := []struct {
		name, body string
		want       []string
	}{
		{"list 2 with an empty questionnaire",
			`{"list":"new","category":"II","full_name":"Иванов Иван Иванович","position":"советник","department":"Отдел","questionnaire":{}}`,
			[]string{"questionnaire.date_of_birth", "questionnaire.education", "questionnaire.position_since", "questionnaire.management_experience_years",
				"questionnaire.additional_education", "questionnaire.retraining", "questionnaire.internships", "questionnaire.testing_results"}},
		{"list 1 without its criteria",
			`{"list":"repeat","category":"I","full_name":"Иванов Иван Иванович","position":"советник","department":"Отдел","questionnaire":
				{"date_of_birth":"1980-01-01","education":"высшее","position_since":"2020-01-01","management_experience_years":5,"achievements":"есть"}}`,
			[]string{"questionnaire.professional_qualities", "questionnaire.professional_thinking", "questionnaire.motivation"}},
		{"nothing at all", `{}`, []string{"list", "category", "full_name", "position", "department", "questionnaire.date_of_birth",
			"questionnaire.education", "questionnaire.position_since", "questionnaire.management_experience_years"}},
		{"a wrong type", `{"list":"new","questionnaire":{"management_experience_years":"много"}}`, []string{"questionnaire.management_experience_years"}},
		{"an unknown field", `{"list":"new","questionnaire":{"hobby":"шахматы"}}`, []string{"hobby"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body, _ := a.do("POST", path, &reserveHRA, tt.body)
			if code != http.StatusBadRequest {
				t.Fatalf("status %d, body %s", code, body)
			}
			var got []string
			for _, f := range errorOf(t, body).Fields {
				got = append(got, f.Field)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("fields mismatch (-want +got):\n%s", diff)
			}
		})
	}
	if got := a.mustNomination(n.ID); len(got.Candidates) != 0 || got.Revision != n.Revision {
		t.Errorf("refused candidates changed the nomination: %+v", got)
	}
	if code, body, _ := a.do("POST", "/api/v1/reserve/nominations", &reserveHRA, `{"year":2019,"authority":"region-64"}`); code != http.StatusBadRequest || !strings.Contains(string(body), `"year"`) {
		t.Errorf("a past year = %d %s, want 400 naming year", code, body)
	}
	if code, body, _ := a.do("POST", "/api/v1/reserve/nominations", &reserveHRA, fmt.Sprintf(`{"year":%d,"authority":"nowhere"}`, thisYear())); code != http.StatusBadRequest || !strings.Contains(string(body), `"authority"`) {
		t.Errorf("an unknown authority = %d %s, want 400 naming authority", code, body)
	}
}
