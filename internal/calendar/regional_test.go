package calendar_test

import (
	"strings"
	"testing"

	"cloud.google.com/go/civil"
	"github.com/google/go-cmp/cmp"

	"github.com/profdev/profdev/internal/calendar"
)

func TestParseRegionalHolidays(t *testing.T) {
	tests := []struct {
		in   string
		want map[string][]civil.Date
	}{
		{"", map[string][]civil.Date{}},
		{"  ", map[string][]civil.Date{}},
		{
			"region-16=2026-08-30,2026-11-06;region-02=2026-10-11",
			map[string][]civil.Date{
				"region-16": {mustDate("2026-08-30"), mustDate("2026-11-06")},
				"region-02": {mustDate("2026-10-11")},
			},
		},
		{
			" region-16 = 2026-08-30 , 2026-11-06 ; ",
			map[string][]civil.Date{"region-16": {mustDate("2026-08-30"), mustDate("2026-11-06")}},
		},
	}
	for _, tt := range tests {
		got, err := calendar.ParseRegionalHolidays(tt.in)
		if err != nil {
			t.Errorf("ParseRegionalHolidays(%q): %v", tt.in, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("ParseRegionalHolidays(%q) mismatch (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestParseRegionalHolidaysErrors(t *testing.T) {
	tests := []struct {
		in string
		// wantInError are the parts the message must name, so the operator can find them.
		wantInError []string
	}{
		{"region-16", []string{`"region-16"`, "REGION=YYYY-MM-DD"}},
		{"=2026-08-30", []string{`"=2026-08-30"`, "region code"}},
		{"region-16=", []string{`"region-16="`, "empty date"}},
		{"region-16=2026-08-30,,2026-11-06", []string{"empty date"}},
		{"region-16=2026-13-01", []string{`"region-16=2026-13-01"`, `date "2026-13-01"`}},
		{"region-16=30.08.2026", []string{`date "30.08.2026"`}},
		{"region-02=2026-10-11;region 16=2026-08-30", []string{`"region 16"`}},
		{"region-16=2026-08-30;region-16=2026-11-06", []string{`"region-16=2026-11-06"`, "listed twice"}},
	}
	for _, tt := range tests {
		got, err := calendar.ParseRegionalHolidays(tt.in)
		if err == nil {
			t.Errorf("ParseRegionalHolidays(%q) = %v, want an error", tt.in, got)
			continue
		}
		for _, part := range tt.wantInError {
			if !strings.Contains(err.Error(), part) {
				t.Errorf("ParseRegionalHolidays(%q) error %q does not mention %s", tt.in, err, part)
			}
		}
	}
}

func TestRegionalHolidays(t *testing.T) {
	holidays, err := calendar.ParseRegionalHolidays("region-16=2026-08-30,2026-11-06,2026-01-07,2030-08-30")
	if err != nil {
		t.Fatal(err)
	}
	fed := calendar.Russia()
	regions := calendar.NewRegions(fed, holidays)
	tatarstan := regions.For("region-16")

	if got := regions.For("region-99"); got != fed {
		t.Error("For(a region without holidays of its own) is not the federal calendar")
	}

	tests := []struct {
		date      string
		federal   calendar.Day
		regional  calendar.Day
		deadline  string // in the region
		plusThree string // AddWorkingDays(date, 3) in the region
	}{
		// Friday, a working day federally, a day off in the region.
		{"2026-11-06", calendar.Day{Kind: calendar.Working}, calendar.Day{Kind: calendar.RegionalHoliday}, "2026-11-09", "2026-11-11"},
		// Sunday: already a day off; the regional kind says why.
		{"2026-08-30", calendar.Day{Kind: calendar.Weekend}, calendar.Day{Kind: calendar.RegionalHoliday}, "2026-08-31", "2026-09-02"},
		// A federal holiday keeps its federal title.
		{
			"2026-01-07",
			calendar.Day{Kind: calendar.Holiday, Title: "Рождество Христово"},
			calendar.Day{Kind: calendar.Holiday, Title: "Рождество Христово"},
			"2026-01-12", "2026-01-14",
		},
		// Regional holidays apply outside the covered years too (Friday 30 August 2030).
		{"2030-08-30", calendar.Day{Kind: calendar.Working}, calendar.Day{Kind: calendar.RegionalHoliday}, "2030-09-02", "2030-09-04"},
	}
	for _, tt := range tests {
		d := mustDate(tt.date)
		if diff := cmp.Diff(tt.federal, fed.Day(d)); diff != "" {
			t.Errorf("federal Day(%s) mismatch (-want +got):\n%s", d, diff)
		}
		if diff := cmp.Diff(tt.regional, tatarstan.Day(d)); diff != "" {
			t.Errorf("regional Day(%s) mismatch (-want +got):\n%s", d, diff)
		}
		if tatarstan.IsWorkingDay(d) {
			t.Errorf("regional IsWorkingDay(%s) = true, want false", d)
		}
		if diff := cmp.Diff(mustDate(tt.deadline), tatarstan.Deadline(d)); diff != "" {
			t.Errorf("regional Deadline(%s) mismatch (-want +got):\n%s", d, diff)
		}
		if diff := cmp.Diff(mustDate(tt.plusThree), tatarstan.AddWorkingDays(d, 3)); diff != "" {
			t.Errorf("regional AddWorkingDays(%s, 3) mismatch (-want +got):\n%s", d, diff)
		}
	}

	// The same term, federally and in the region: one working day fewer in the region.
	from, to := mustDate("2026-11-02"), mustDate("2026-11-13")
	if got, want := tatarstan.WorkingDaysBetween(from, to), fed.WorkingDaysBetween(from, to)-1; got != want {
		t.Errorf("regional WorkingDaysBetween(%s, %s) = %d, want %d", from, to, got, want)
	}
	first, last := tatarstan.Years()
	if first != 2019 || last != 2026 {
		t.Errorf("regional Years() = %d, %d, want the federal 2019, 2026", first, last)
	}
	if tatarstan.Version() == fed.Version() {
		t.Error("regional and federal calendars share a Version")
	}
}

func TestWithExtraHolidaysLeavesTheReceiverAlone(t *testing.T) {
	fed := calendar.Russia()
	d := mustDate("2026-11-06")
	before := fed.Version()
	_ = fed.WithExtraHolidays(d)
	if !fed.IsWorkingDay(d) || fed.Version() != before {
		t.Errorf("WithExtraHolidays changed the federal calendar")
	}
}

func TestWithExtraHolidaysRejectsInvalidDates(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("WithExtraHolidays(2026-02-30) did not panic")
		}
	}()
	calendar.Russia().WithExtraHolidays(civil.Date{Year: 2026, Month: 2, Day: 30})
}
