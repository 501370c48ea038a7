package calendar_test

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"sync"
	"testing"

	"cloud.google.com/go/civil"
	"github.com/google/go-cmp/cmp"

	"github.com/profdev/profdev/internal/calendar"
)

// mustDate parses a YYYY-MM-DD literal of a test table; a typo there is a bug in the test.
func mustDate(s string) civil.Date {
	d, err := civil.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// Facts checked by hand against the published calendar (shared/calendar/ru) and the
// Government's decrees; the read-back test checks every other date mechanically.
func TestRussiaPinnedFacts(t *testing.T) {
	cal := calendar.Russia()
	tests := []struct {
		date        string
		wantWorking bool
		want        calendar.Day
	}{
		// 2026
		{"2026-01-01", false, calendar.Day{Kind: calendar.Holiday, Title: "Новогодние каникулы"}},
		{"2026-01-07", false, calendar.Day{Kind: calendar.Holiday, Title: "Рождество Христово"}},
		{"2026-01-09", false, calendar.Day{Kind: calendar.DayOff, From: mustDate("2026-01-03")}}, // Friday
		{"2026-01-12", true, calendar.Day{Kind: calendar.Working}},
		{"2026-04-01", true, calendar.Day{Kind: calendar.Working}}, // Wednesday
		{"2026-04-30", true, calendar.Day{Kind: calendar.Short}},
		{"2026-05-10", false, calendar.Day{Kind: calendar.Weekend}},
		{"2026-05-11", false, calendar.Day{Kind: calendar.DayOff, From: mustDate("2026-05-09")}},
		{"2026-12-31", false, calendar.Day{Kind: calendar.DayOff, From: mustDate("2026-01-04")}}, // Thursday
		// 2025: Saturday 1 November worked (shortened) for Monday 3 November off.
		{"2025-11-01", true, calendar.Day{Kind: calendar.Short}},
		{"2025-11-03", false, calendar.Day{Kind: calendar.DayOff, From: mustDate("2025-11-01")}},
		{"2025-12-31", false, calendar.Day{Kind: calendar.DayOff, From: mustDate("2025-01-05")}},
		// 2024: two Saturdays worked in full.
		{"2024-04-27", true, calendar.Day{Kind: calendar.TransferredWorking}},
		{"2024-04-29", false, calendar.Day{Kind: calendar.DayOff, From: mustDate("2024-04-27")}},
		{"2024-12-28", true, calendar.Day{Kind: calendar.TransferredWorking}},
		{"2024-12-30", false, calendar.Day{Kind: calendar.DayOff, From: mustDate("2024-12-28")}},
		// 2023, 2022, 2021.
		{"2023-02-24", false, calendar.Day{Kind: calendar.DayOff, From: mustDate("2023-01-01")}},
		{"2022-03-05", true, calendar.Day{Kind: calendar.Short}}, // Saturday
		{"2021-11-05", false, calendar.Day{Kind: calendar.DayOff, From: mustDate("2021-01-02")}},
		{"2021-11-01", false, calendar.Day{Kind: calendar.Holiday, Title: "Нерабочие дни (Указ Президента от 20.10.2021 №595)"}},
		// 2020: the non-working days decreed in spring are days off.
		{"2020-04-15", false, calendar.Day{Kind: calendar.Holiday, Title: "Нерабочие дни (Указ Президента от 02.04.2020 №239)"}},
		// 2019: moved days off published without their origin.
		{"2019-05-02", false, calendar.Day{Kind: calendar.DayOff}},
		{"2019-12-31", true, calendar.Day{Kind: calendar.Short}},
	}
	for _, tt := range tests {
		t.Run(tt.date, func(t *testing.T) {
			d := mustDate(tt.date)
			if got := cal.IsWorkingDay(d); got != tt.wantWorking {
				t.Errorf("IsWorkingDay(%s) = %v, want %v", d, got, tt.wantWorking)
			}
			if diff := cmp.Diff(tt.want, cal.Day(d)); diff != "" {
				t.Errorf("Day(%s) mismatch (-want +got):\n%s", d, diff)
			}
			if got := cal.Kind(d); got != tt.want.Kind {
				t.Errorf("Kind(%s) = %v, want %v", d, got, tt.want.Kind)
			}
		})
	}
}

// The yearly number of working days is published with each calendar; it pins the whole
// year at once. 2020 and 2021 are left out: their published norms ignore the days off
// decreed by the President, which the data (rightly, for deadlines) counts as days off.
func TestRussiaWorkingDaysPerYear(t *testing.T) {
	cal := calendar.Russia()
	want := map[int]int{2019: 247, 2022: 247, 2023: 247, 2024: 248, 2025: 247, 2026: 247}
	got := make(map[int]int)
	for year := range want {
		got[year] = cal.WorkingDaysBetween(civil.Date{Year: year - 1, Month: 12, Day: 31},
			civil.Date{Year: year, Month: 12, Day: 31})
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("working days per year mismatch (-want +got):\n%s", diff)
	}
}

func TestRussiaYears(t *testing.T) {
	cal := calendar.Russia()
	first, last := cal.Years()
	if first != 2019 || last != 2026 {
		t.Errorf("Years() = %d, %d, want 2019, 2026", first, last)
	}
	for year, want := range map[int]bool{2018: false, 2019: true, 2023: true, 2026: true, 2027: false} {
		if got := cal.Covers(year); got != want {
			t.Errorf("Covers(%d) = %v, want %v", year, got, want)
		}
	}
}

// Outside the covered years only weekends and the fixed holidays of the Labour Code are days
// off, with no transfers.
func TestOutsideCoveredYears(t *testing.T) {
	cal := calendar.Russia()
	tests := []struct {
		date string
		want calendar.Day
	}{
		{"2027-01-01", calendar.Day{Kind: calendar.Holiday, Title: "Новогодние каникулы"}},
		{"2027-01-02", calendar.Day{Kind: calendar.Holiday, Title: "Новогодние каникулы"}}, // Saturday
		{"2027-01-07", calendar.Day{Kind: calendar.Holiday, Title: "Рождество Христово"}},
		{"2027-01-08", calendar.Day{Kind: calendar.Holiday, Title: "Новогодние каникулы"}},
		{"2027-01-11", calendar.Day{Kind: calendar.Working}},
		{"2027-02-23", calendar.Day{Kind: calendar.Holiday, Title: "День защитника Отечества"}},
		{"2027-03-08", calendar.Day{Kind: calendar.Holiday, Title: "Международный женский день"}},
		{"2027-05-01", calendar.Day{Kind: calendar.Holiday, Title: "Праздник Весны и Труда"}}, // Saturday: no transfer
		{"2027-05-03", calendar.Day{Kind: calendar.Working}},
		{"2027-05-09", calendar.Day{Kind: calendar.Holiday, Title: "День Победы"}},
		{"2027-06-12", calendar.Day{Kind: calendar.Holiday, Title: "День России"}},
		{"2027-11-04", calendar.Day{Kind: calendar.Holiday, Title: "День народного единства"}},
		{"2027-11-05", calendar.Day{Kind: calendar.Working}},
		{"2027-11-06", calendar.Day{Kind: calendar.Weekend}},
		{"2018-05-09", calendar.Day{Kind: calendar.Holiday, Title: "День Победы"}},
		{"2018-04-28", calendar.Day{Kind: calendar.Weekend}}, // worked in reality: unknown here
		{"2018-12-31", calendar.Day{Kind: calendar.Working}},
		{"2031-01-09", calendar.Day{Kind: calendar.Working}},
	}
	for _, tt := range tests {
		d := mustDate(tt.date)
		if diff := cmp.Diff(tt.want, cal.Day(d)); diff != "" {
			t.Errorf("Day(%s) mismatch (-want +got):\n%s", d, diff)
		}
	}
	// A term running out of the data continues under the approximation.
	if got, want := cal.AddWorkingDays(mustDate("2026-12-30"), 1), mustDate("2027-01-11"); got != want {
		t.Errorf("AddWorkingDays(2026-12-30, 1) = %s, want %s", got, want)
	}
}

func TestZeroCalendarUsesTheApproximation(t *testing.T) {
	var cal calendar.Calendar
	if cal.Covers(2026) {
		t.Error("zero Calendar covers 2026")
	}
	if got := cal.Kind(mustDate("2026-01-09")); got != calendar.Working {
		t.Errorf("zero Calendar: Kind(2026-01-09) = %v, want %v", got, calendar.Working)
	}
	if got := cal.Kind(mustDate("2026-01-05")); got != calendar.Holiday {
		t.Errorf("zero Calendar: Kind(2026-01-05) = %v, want %v", got, calendar.Holiday)
	}
}

func TestVersion(t *testing.T) {
	raw, err := os.ReadFile("data/ru.txt")
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(raw)
	want := hex.EncodeToString(sum[:])[:12]
	fed := calendar.Russia()
	if got := fed.Version(); got != want {
		t.Errorf("Russia().Version() = %q, want the first 12 hex digits of SHA-256(data/ru.txt) %q", got, want)
	}

	a := fed.WithExtraHolidays(mustDate("2026-08-30"), mustDate("2026-11-06"))
	b := fed.WithExtraHolidays(mustDate("2026-11-06")).WithExtraHolidays(mustDate("2026-08-30"), mustDate("2026-11-06"))
	if a.Version() == fed.Version() {
		t.Error("adding regional holidays did not change Version")
	}
	if a.Version() != b.Version() {
		t.Errorf("same holidays added in another order or twice: Version %q != %q", a.Version(), b.Version())
	}
	if got := fed.WithExtraHolidays().Version(); got != fed.Version() {
		t.Errorf("WithExtraHolidays() with no dates changed Version to %q", got)
	}
}

func TestRussiaIsParsedOnce(t *testing.T) {
	// Many goroutines asking at once must all get the one immutable calendar (run with
	// -race to check the once-only parse).
	const n = 8
	got := make([]*calendar.Calendar, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			got[i] = calendar.Russia()
			got[i].AddWorkingDays(mustDate("2026-05-08"), 3)
		})
	}
	wg.Wait()
	for i := range got {
		if got[i] != got[0] {
			t.Fatalf("Russia() returned different calendars")
		}
	}
}

func TestDayKindString(t *testing.T) {
	got := map[calendar.DayKind]string{}
	for k := calendar.Working; k <= calendar.RegionalHoliday+1; k++ {
		got[k] = k.String()
	}
	want := map[calendar.DayKind]string{
		calendar.Working:             "working",
		calendar.Short:               "short",
		calendar.TransferredWorking:  "transferred-working",
		calendar.Weekend:             "weekend",
		calendar.Holiday:             "holiday",
		calendar.DayOff:              "dayoff",
		calendar.RegionalHoliday:     "regional-holiday",
		calendar.RegionalHoliday + 1: "DayKind(8)",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("DayKind.String mismatch (-want +got):\n%s", diff)
	}
}
