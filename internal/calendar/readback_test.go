package calendar_test

import (
	"encoding/xml"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/civil"
	"github.com/google/go-cmp/cmp"

	"github.com/profdev/profdev/internal/calendar"
)

// The read-back test interprets the published XML straight from the rules of
// shared/calendar/README.md, with its own small decoder rather than cmd/calendargen's, and
// compares every date of every covered year with the embedded calendar. It catches a
// generator bug, a parser bug, a stale data/ru.txt and a hand edit alike.

// sharedCalendarDir finds shared/calendar/ru in the package directory or one of its parents:
// the repository is checked out as <somewhere>/main with <somewhere>/shared beside it.
func sharedCalendarDir(t *testing.T) string {
	t.Helper()
	start, err := os.Getwd()
	if err != nil {
		t.Fatalf("get working directory: %v", err)
	}
	for dir := start; ; {
		candidate := filepath.Join(dir, "shared", "calendar", "ru")
		if info, err := os.Stat(candidate); err == nil && info.IsDir() {
			return candidate
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatalf("no shared/calendar/ru directory in %s or any directory above it: the read-back "+
				"test needs the published XML calendar; check out shared/ beside the repository", start)
		}
		dir = parent
	}
}

// publishedYear is one XML file, as the README describes it.
type publishedYear struct {
	Year     int `xml:"year,attr"`
	Holidays []struct {
		ID    string `xml:"id,attr"`
		Title string `xml:"title,attr"`
	} `xml:"holidays>holiday"`
	Days []struct {
		D string `xml:"d,attr"`
		T string `xml:"t,attr"`
		H string `xml:"h,attr"`
		F string `xml:"f,attr"`
	} `xml:"days>day"`
}

// dayFacts is what the test compares for each date.
type dayFacts struct {
	Date    civil.Date
	Working bool
	Day     calendar.Day
}

func TestReadBackPublishedXML(t *testing.T) {
	dir := sharedCalendarDir(t)
	files, err := filepath.Glob(filepath.Join(dir, "*.xml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no XML calendars in %s (err %v)", dir, err)
	}
	cal := calendar.Russia()
	var years []int
	for _, file := range files {
		want := publishedFacts(t, file)
		year := want[0].Date.Year
		years = append(years, year)
		if !cal.Covers(year) {
			t.Errorf("%s: the embedded calendar does not cover %d", filepath.Base(file), year)
			continue
		}
		got := make([]dayFacts, 0, len(want))
		for _, w := range want {
			got = append(got, dayFacts{Date: w.Date, Working: cal.IsWorkingDay(w.Date), Day: cal.Day(w.Date)})
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: embedded calendar mismatch (-want +got):\n%s", filepath.Base(file), diff)
		}
	}
	// The embedded data must cover exactly the published years, no more: a year it claims to
	// cover without a file behind it would be checked by nothing.
	first, last := cal.Years()
	if diff := cmp.Diff([]int{years[0], years[len(years)-1], len(years)},
		[]int{first, last, last - first + 1}); diff != "" {
		t.Errorf("covered years (first, last, count) mismatch (-published +embedded):\n%s", diff)
	}
}

// publishedFacts reads one XML file and returns the facts for every date of its year.
func publishedFacts(t *testing.T, file string) []dayFacts {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("read %s: %v", file, err)
	}
	var py publishedYear
	if err := xml.Unmarshal(raw, &py); err != nil {
		t.Fatalf("parse %s: %v", file, err)
	}
	titles := make(map[string]string)
	for _, h := range py.Holidays {
		titles[h.ID] = strings.Join(strings.Fields(h.Title), " ")
	}
	listed := make(map[civil.Date]dayFacts)
	for _, x := range py.Days {
		d := monthDay(t, py.Year, x.D)
		f := dayFacts{Date: d}
		switch x.T {
		case "1": // a day off: a holiday, or a day off moved here
			if x.H != "" {
				f.Day = calendar.Day{Kind: calendar.Holiday, Title: titles[x.H]}
			} else {
				f.Day = calendar.Day{Kind: calendar.DayOff}
				if x.F != "" {
					f.Day.From = monthDay(t, py.Year, x.F)
				}
			}
		case "2": // shortened, still a working day
			f.Working, f.Day = true, calendar.Day{Kind: calendar.Short}
		case "3": // a weekend made working
			f.Working, f.Day = true, calendar.Day{Kind: calendar.TransferredWorking}
		default:
			t.Fatalf("%s: day %s: unknown t=%q", file, x.D, x.T)
		}
		listed[d] = f
	}
	var facts []dayFacts
	for d := (civil.Date{Year: py.Year, Month: time.January, Day: 1}); d.Year == py.Year; d = d.AddDays(1) {
		if f, ok := listed[d]; ok {
			facts = append(facts, f)
			continue
		}
		switch d.Weekday() {
		case time.Saturday, time.Sunday:
			facts = append(facts, dayFacts{Date: d, Day: calendar.Day{Kind: calendar.Weekend}})
		default:
			facts = append(facts, dayFacts{Date: d, Working: true, Day: calendar.Day{Kind: calendar.Working}})
		}
	}
	return facts
}

func monthDay(t *testing.T, year int, mmdd string) civil.Date {
	t.Helper()
	mm, dd, _ := strings.Cut(mmdd, ".")
	m, errM := strconv.Atoi(mm)
	d, errD := strconv.Atoi(dd)
	date := civil.Date{Year: year, Month: time.Month(m), Day: d}
	if errM != nil || errD != nil || !date.IsValid() {
		t.Fatalf("bad MM.DD %q in the %d calendar", mmdd, year)
	}
	return date
}
