package calendar

import (
	"strings"
	"testing"

	"cloud.google.com/go/civil"
	"github.com/google/go-cmp/cmp"
)

func TestParseData(t *testing.T) {
	const src = `# comment
years 2025-2026

# 2026
2026-01-01 holiday Новогодние каникулы
2026-01-09 dayoff from=2026-01-03
2026-05-04 dayoff
2026-04-30 short
  2025-11-01   short
2026-03-07 workday
`
	c, err := parseData(src)
	if err != nil {
		t.Fatal(err)
	}
	want := map[civil.Date]Day{
		{Year: 2026, Month: 1, Day: 1}:  {Kind: Holiday, Title: "Новогодние каникулы"},
		{Year: 2026, Month: 1, Day: 9}:  {Kind: DayOff, From: civil.Date{Year: 2026, Month: 1, Day: 3}},
		{Year: 2026, Month: 5, Day: 4}:  {Kind: DayOff},
		{Year: 2026, Month: 4, Day: 30}: {Kind: Short},
		{Year: 2025, Month: 11, Day: 1}: {Kind: Short},
		{Year: 2026, Month: 3, Day: 7}:  {Kind: TransferredWorking},
	}
	if diff := cmp.Diff(want, c.days); diff != "" {
		t.Errorf("parsed days mismatch (-want +got):\n%s", diff)
	}
	if first, last := c.Years(); first != 2025 || last != 2026 {
		t.Errorf("Years() = %d, %d, want 2025, 2026", first, last)
	}
}

// A malformed data file must fail loudly: Russia() turns the error into a panic at first
// use, and the tests catch it before a release.
func TestParseDataErrors(t *testing.T) {
	tests := []struct {
		name, src, wantInError string
	}{
		{"empty", "# nothing\n", `no "years FIRST-LAST" line`},
		{"date before years", "2026-01-01 short\nyears 2026-2026\n", `line 1 "2026-01-01 short": date before the "years" line`},
		{"bad years", "years 2026\n", `want "years FIRST-LAST"`},
		{"backward years", "years 2026-2025\n", `want "years FIRST-LAST"`},
		{"second years", "years 2026-2026\nyears 2027-2027\n", `line 2 "years 2027-2027": second "years" line`},
		{"date outside years", "years 2026-2026\n2027-01-01 short\n", "outside years 2026-2026"},
		{"bad date", "years 2026-2026\n2026-02-30 short\n", "want a YYYY-MM-DD date"},
		{"twice", "years 2026-2026\n2026-04-30 short\n2026-04-30 short\n", "line 3 \"2026-04-30 short\": date listed twice"},
		{"unknown kind", "years 2026-2026\n2026-04-30 shortened\n", `unknown kind of day "shortened"`},
		{"no kind", "years 2026-2026\n2026-04-30\n", `unknown kind of day ""`},
		{"holiday without title", "years 2026-2026\n2026-01-01 holiday\n", "holiday without a title"},
		{"dayoff junk", "years 2026-2026\n2026-01-09 dayoff 2026-01-03\n", "want from=YYYY-MM-DD"},
		{"dayoff bad from", "years 2026-2026\n2026-01-09 dayoff from=2026-01-32\n", "from=:"},
		{"short with text", "years 2026-2026\n2026-04-30 short 1h\n", `unexpected "1h" after "short"`},
		{"workday on a weekday", "years 2026-2026\n2026-04-01 workday\n", "workday on a Wednesday"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseData(tt.src)
			if err == nil || !strings.Contains(err.Error(), tt.wantInError) {
				t.Errorf("parseData error = %v, want one containing %q", err, tt.wantInError)
			}
		})
	}
}
