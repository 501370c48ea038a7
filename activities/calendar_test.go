package activities_test

import (
	"testing"
	"time"

	"cloud.google.com/go/civil"
	"github.com/google/go-cmp/cmp"

	"github.com/profdev/profdev/activities"
	"github.com/profdev/profdev/internal/calendar"
	"github.com/profdev/profdev/internal/domain"
)

func TestAddWorkingDays(t *testing.T) {
	date := func(m time.Month, d int) civil.Date { return civil.Date{Year: 2026, Month: m, Day: d} }
	// Region 16 takes a day off on Tuesday 10 March, after the federal 9 March (8 March
	// fell on a Sunday).
	regions := calendar.NewRegions(calendar.Russia(), map[string][]civil.Date{"region-16": {date(3, 10)}})
	federal, regional := regions.For("").Version(), regions.For("region-16").Version()
	for _, tc := range []struct {
		name    string
		in      activities.WorkingDaysInput
		want    activities.WorkingDaysResult
		wantErr *failure
	}{
		{"next working day, over the 9 March day off", activities.WorkingDaysInput{From: date(3, 6), Days: 1},
			activities.WorkingDaysResult{Date: date(3, 10), CalendarVersion: federal}, nil},
		{"one working day before", activities.WorkingDaysInput{From: date(3, 10), Days: -1},
			activities.WorkingDaysResult{Date: date(3, 6), CalendarVersion: federal}, nil},
		{"a deadline on a Sunday moves on", activities.WorkingDaysInput{From: date(3, 8)},
			activities.WorkingDaysResult{Date: date(3, 10), CalendarVersion: federal}, nil},
		{"the region's own holiday", activities.WorkingDaysInput{From: date(3, 6), Days: 1, Region: "region-16"},
			activities.WorkingDaysResult{Date: date(3, 11), CalendarVersion: regional}, nil},
		{"a region without holidays of its own", activities.WorkingDaysInput{From: date(3, 6), Days: 1, Region: "region-02"},
			activities.WorkingDaysResult{Date: date(3, 10), CalendarVersion: federal}, nil},
		{"not a date", activities.WorkingDaysInput{From: civil.Date{Year: 2026, Month: 2, Day: 30}, Days: 1}, activities.WorkingDaysResult{},
			&failure{Type: "invalid", Message: "invalid date", NonRetryable: true,
				Fields: []domain.FieldError{{Field: "from", Message: "not a calendar date"}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := &activities.Calendar{Regions: regions}
			env := newEnv(t, a)
			// Workflows call it as a local activity (workflows.WorkingDaysAfter).
			val, err := env.ExecuteLocalActivity(a.AddWorkingDays, tc.in)
			if diff := cmp.Diff(tc.wantErr, failureOf(t, err)); diff != "" {
				t.Fatalf("failure mismatch (-want +got):\n%s", diff)
			}
			if err != nil {
				return
			}
			var got activities.WorkingDaysResult
			if err := val.Get(&got); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("result mismatch (-want +got):\n%s", diff)
			}
		})
	}
	if federal == regional {
		t.Errorf("the regional calendar has the federal version %q: a replay could not tell them apart", federal)
	}
}
