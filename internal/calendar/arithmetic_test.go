package calendar_test

import (
	"testing"

	"cloud.google.com/go/civil"
	"github.com/google/go-cmp/cmp"

	"github.com/profdev/profdev/internal/calendar"
)

func TestDeadline(t *testing.T) {
	cal := calendar.Russia()
	tests := []struct {
		date, want string
	}{
		{"2026-04-01", "2026-04-01"}, // a working day stays
		{"2026-04-30", "2026-04-30"}, // so does a shortened one
		{"2025-11-01", "2025-11-01"}, // and a Saturday made working
		{"2026-01-03", "2026-01-12"}, // New Year holidays, then the day off of 9 January, then a weekend
		{"2026-05-09", "2026-05-12"}, // Victory Day on Saturday, its day off on Monday 11 May
		{"2026-12-31", "2027-01-11"}, // into a year without data
		{"2024-12-29", "2025-01-09"},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(mustDate(tt.want), cal.Deadline(mustDate(tt.date))); diff != "" {
			t.Errorf("Deadline(%s) mismatch (-want +got):\n%s", tt.date, diff)
		}
	}
}

func TestAddWorkingDays(t *testing.T) {
	cal := calendar.Russia()
	tests := []struct {
		date string
		n    int
		want string
	}{
		{"2026-05-08", 3, "2026-05-14"},  // Friday; 9-11 May off
		{"2026-05-12", -1, "2026-05-08"}, // a reminder one working day before
		{"2026-01-03", 0, "2026-01-12"},  // n == 0 is Deadline
		{"2026-04-01", 0, "2026-04-01"},
		{"2026-04-01", 1, "2026-04-02"},
		{"2026-01-03", 1, "2026-01-12"},  // from a day off, the first working day after it
		{"2026-01-10", -1, "2025-12-30"}, // back over the New Year and 31 December 2025
		{"2025-12-30", 1, "2026-01-12"},
		{"2024-04-26", 1, "2024-04-27"}, // Saturday 27 April 2024 was worked
		{"2024-04-26", 2, "2024-05-02"}, // 28 April-1 May off
		{"2025-10-31", 1, "2025-11-01"}, // Saturday 1 November 2025, shortened
		{"2025-10-31", 2, "2025-11-05"}, // 3 and 4 November off
		{"2026-06-10", 3, "2026-06-16"}, // over Russia Day (Friday 12 June)
		{"2026-06-10", 30, "2026-07-23"},
		{"2026-07-23", -30, "2026-06-10"},
	}
	for _, tt := range tests {
		got := cal.AddWorkingDays(mustDate(tt.date), tt.n)
		if diff := cmp.Diff(mustDate(tt.want), got); diff != "" {
			t.Errorf("AddWorkingDays(%s, %d) mismatch (-want +got):\n%s", tt.date, tt.n, diff)
		}
	}
}

func TestWorkingDaysBetween(t *testing.T) {
	cal := calendar.Russia()
	tests := []struct {
		a, b string
		want int
	}{
		{"2026-05-08", "2026-05-14", 3},
		{"2026-05-14", "2026-05-08", -3},
		{"2026-04-01", "2026-04-01", 0},
		{"2026-04-01", "2026-04-02", 1},
		{"2026-05-08", "2026-05-11", 0},  // over the Victory Day weekend
		{"2025-12-31", "2026-01-31", 15}, // January 2026 has 15 working days
		{"2026-01-31", "2025-12-31", -15},
		{"2026-06-10", "2026-07-23", 30},
	}
	for _, tt := range tests {
		if got := cal.WorkingDaysBetween(mustDate(tt.a), mustDate(tt.b)); got != tt.want {
			t.Errorf("WorkingDaysBetween(%s, %s) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

// checkArithmetic checks the identities that tie the three operations together, for one
// start date and one count.
func checkArithmetic(t *testing.T, cal *calendar.Calendar, d civil.Date, n int) {
	t.Helper()
	got := cal.AddWorkingDays(d, n)
	if !cal.IsWorkingDay(got) {
		t.Fatalf("AddWorkingDays(%s, %d) = %s, not a working day", d, n, got)
	}
	switch {
	case n > 0 && !got.After(d), n < 0 && !got.Before(d):
		t.Fatalf("AddWorkingDays(%s, %d) = %s, on the wrong side of the start", d, n, got)
	case n == 0 && got != cal.Deadline(d):
		t.Fatalf("AddWorkingDays(%s, 0) = %s, want Deadline = %s", d, got, cal.Deadline(d))
	}
	// Counting forward is exact from any start; backward, from a working day, since a
	// non-working start is itself not counted.
	if n > 0 || (n < 0 && cal.IsWorkingDay(d)) {
		if between := cal.WorkingDaysBetween(d, got); between != n {
			t.Fatalf("WorkingDaysBetween(%s, AddWorkingDays(%[1]s, %d) = %s) = %d, want %[2]d", d, n, got, between)
		}
		if back := cal.AddWorkingDays(got, -n); cal.IsWorkingDay(d) && back != d {
			t.Fatalf("AddWorkingDays(AddWorkingDays(%s, %d), %d) = %s, want the start", d, n, -n, back)
		}
	}
}

// Every start date around and inside the covered years, for the counts deadlines use.
func TestArithmeticIdentities(t *testing.T) {
	cal := calendar.Russia().WithExtraHolidays(mustDate("2026-11-06"))
	end := mustDate("2027-02-01")
	for d := mustDate("2018-11-01"); d.Before(end); d = d.AddDays(1) {
		for _, n := range []int{-30, -10, -3, -1, 0, 1, 3, 10, 30} {
			checkArithmetic(t, cal, d, n)
		}
	}
}

func FuzzAddWorkingDays(f *testing.F) {
	f.Add(int16(0), int8(3))
	f.Add(int16(2688), int8(-1)) // 2026-05-12
	f.Add(int16(2557), int8(30)) // 2026-01-01
	cal := calendar.Russia()
	start := mustDate("2019-01-01")
	f.Fuzz(func(t *testing.T, offset int16, n int8) {
		// int16 days spans about 90 years either side: covered and uncovered years alike.
		checkArithmetic(t, cal, start.AddDays(int(offset)), int(n))
	})
}

func BenchmarkAddWorkingDays30(b *testing.B) {
	cal := calendar.Russia()
	d := mustDate("2026-04-20") // over the May holidays: the slowest month of the year
	for b.Loop() {
		cal.AddWorkingDays(d, 30)
	}
}
