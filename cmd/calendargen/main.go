// Command calendargen turns the Russian production calendar (производственный календарь) as
// published by the xmlcalendar.ru project, one XML file a year, into the project's own
// line-oriented copy that internal/calendar embeds.
//
// It is run through go generate from internal/calendar:
//
//	go run ../../cmd/calendargen -in ../../../shared/calendar/ru -out data/ru.txt
//
// The generator is deliberately strict: a day it cannot classify without guessing (an unknown
// type, a holiday id missing from the <holidays> block, a working weekend on a weekday, a gap
// between years) stops it, so a change in the published format reaches a person instead of
// being embedded silently. Its output depends only on the input files, so regenerating
// unchanged data gives a byte-identical file and the calendar's Version does not move.
package main

import (
	"bytes"
	"encoding/xml"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"cloud.google.com/go/civil"
)

func main() {
	in := flag.String("in", "", "directory holding the YYYY.xml files")
	out := flag.String("out", "", "file to write (e.g. data/ru.txt)")
	flag.Parse()
	if *in == "" || *out == "" || flag.NArg() != 0 {
		fmt.Fprintln(os.Stderr, "usage: calendargen -in DIR -out FILE")
		os.Exit(2)
	}
	if err := run(*in, *out); err != nil {
		fmt.Fprintf(os.Stderr, "calendargen: %v\n", err)
		os.Exit(1)
	}
}

func run(inDir, outFile string) error {
	years, err := readYears(inDir)
	if err != nil {
		return err
	}
	if err := writeFileAtomic(outFile, render(years)); err != nil {
		return err
	}
	n := 0
	for _, y := range years {
		n += len(y.lines)
	}
	fmt.Fprintf(os.Stderr, "calendargen: wrote %s: %d-%d, %d dates\n",
		outFile, years[0].year, years[len(years)-1].year, n)
	return nil
}

// xmlCalendar is the subset of the xmlcalendar.ru format the project relies on
// (see shared/calendar/README.md).
type xmlCalendar struct {
	Year      int    `xml:"year,attr"`
	Published string `xml:"date,attr"`
	Holidays  []struct {
		ID    string `xml:"id,attr"`
		Title string `xml:"title,attr"`
	} `xml:"holidays>holiday"`
	Days []xmlDay `xml:"days>day"`
}

type xmlDay struct {
	D string `xml:"d,attr"` // MM.DD
	T string `xml:"t,attr"` // 1 day off, 2 shortened working day, 3 working weekend
	H string `xml:"h,attr"` // holiday id, for t=1
	F string `xml:"f,attr"` // MM.DD the day off was moved from, for t=1
}

// year is one input file turned into output lines.
type year struct {
	year      int
	file      string
	published string
	lines     []line
}

type line struct {
	date civil.Date
	text string // everything after the date
}

// readYears reads every YYYY.xml in dir, in year order, and insists the years are
// consecutive: the calendar package answers "covered or not" with one range, and a missing
// year inside it would be silently treated as a plain Monday-to-Friday year.
func readYears(dir string) ([]year, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.xml"))
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", dir, err)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no *.xml files in %s", dir)
	}
	var years []year
	for _, f := range files {
		y, err := readYear(f)
		if err != nil {
			return nil, err
		}
		years = append(years, y)
	}
	slices.SortFunc(years, func(a, b year) int { return a.year - b.year })
	for i := 1; i < len(years); i++ {
		if years[i].year != years[i-1].year+1 {
			return nil, fmt.Errorf("years must be consecutive: %s follows %s",
				years[i].file, years[i-1].file)
		}
	}
	return years, nil
}

func readYear(path string) (year, error) {
	base := filepath.Base(path)
	fileYear, err := strconv.Atoi(strings.TrimSuffix(base, ".xml"))
	if err != nil {
		return year{}, fmt.Errorf("%s: file name must be YYYY.xml", path)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return year{}, fmt.Errorf("read %s: %w", path, err)
	}
	var cal xmlCalendar
	if err := xml.Unmarshal(raw, &cal); err != nil {
		return year{}, fmt.Errorf("parse %s: %w", path, err)
	}
	if cal.Year != fileYear {
		return year{}, fmt.Errorf("%s: calendar year=%d does not match the file name", path, cal.Year)
	}
	lines, err := convert(cal)
	if err != nil {
		return year{}, fmt.Errorf("%s: %w", path, err)
	}
	return year{year: cal.Year, file: base, published: cal.Published, lines: lines}, nil
}

// convert classifies each listed day of one year, following shared/calendar/README.md.
func convert(cal xmlCalendar) ([]line, error) {
	titles := make(map[string]string, len(cal.Holidays))
	for _, h := range cal.Holidays {
		title := strings.Join(strings.Fields(h.Title), " ")
		if title == "" {
			return nil, fmt.Errorf("holiday id=%q has no title", h.ID)
		}
		titles[h.ID] = title
	}
	seen := make(map[civil.Date]bool, len(cal.Days))
	lines := make([]line, 0, len(cal.Days))
	for _, day := range cal.Days {
		date, err := monthDay(cal.Year, day.D)
		if err != nil {
			return nil, fmt.Errorf("day d=%q: %w", day.D, err)
		}
		if seen[date] {
			return nil, fmt.Errorf("day %s is listed twice", date)
		}
		seen[date] = true
		text, err := classify(cal.Year, date, day, titles)
		if err != nil {
			return nil, fmt.Errorf("day %s: %w", date, err)
		}
		lines = append(lines, line{date: date, text: text})
	}
	slices.SortFunc(lines, func(a, b line) int { return a.date.Compare(b.date) })
	return lines, nil
}

func classify(yr int, date civil.Date, day xmlDay, titles map[string]string) (string, error) {
	switch day.T {
	case "1":
		switch {
		case day.H != "" && day.F != "":
			return "", errors.New("t=1 with both h= and f=: a day is either a holiday or a moved day off")
		case day.H != "":
			title, ok := titles[day.H]
			if !ok {
				return "", fmt.Errorf("h=%q is not in the <holidays> block", day.H)
			}
			return "holiday " + title, nil
		case day.F != "":
			// f= carries no year; in the published data it always names a date of the same
			// year (e.g. 12.31 f=01.04: the day off of Sunday 4 January moved to 31 December).
			from, err := monthDay(yr, day.F)
			if err != nil {
				return "", fmt.Errorf("f=%q: %w", day.F, err)
			}
			return "dayoff from=" + from.String(), nil
		default:
			// Some years list moved days off without saying where from.
			return "dayoff", nil
		}
	case "2":
		if day.H != "" || day.F != "" {
			return "", errors.New("t=2 (shortened working day) with h= or f=")
		}
		return "short", nil
	case "3":
		if day.H != "" || day.F != "" {
			return "", errors.New("t=3 (working weekend) with h= or f=")
		}
		if !isWeekend(date) {
			return "", fmt.Errorf("t=3 makes a weekend a working day, but this is a %s", date.Weekday())
		}
		return "workday", nil
	default:
		return "", fmt.Errorf("unknown type t=%q", day.T)
	}
}

// monthDay parses the "MM.DD" of the xmlcalendar.ru format within year yr.
func monthDay(yr int, s string) (civil.Date, error) {
	mm, dd, ok := strings.Cut(s, ".")
	m, errM := strconv.Atoi(mm)
	d, errD := strconv.Atoi(dd)
	if !ok || errM != nil || errD != nil {
		return civil.Date{}, errors.New("want MM.DD")
	}
	date := civil.Date{Year: yr, Month: time.Month(m), Day: d}
	if !date.IsValid() {
		return civil.Date{}, fmt.Errorf("%04d-%02d-%02d is not a date", yr, m, d)
	}
	return date, nil
}

func isWeekend(d civil.Date) bool {
	wd := d.Weekday()
	return wd == time.Saturday || wd == time.Sunday
}

// header documents the format inside the file itself, so a reader of a diff of ru.txt needs
// nothing else. internal/calendar/parse.go reads it; keep the two in step.
const header = `# Russian production calendar (производственный календарь), federal.
# Generated by cmd/calendargen from the xmlcalendar.ru files in shared/calendar/ru; DO NOT EDIT.
# Regenerate: cd internal/calendar && go generate
#
# "years FIRST-LAST" names the years this list is complete for. Then one line per date that
# differs from a plain Monday-to-Friday week:
#   YYYY-MM-DD holiday TITLE             public holiday or a day off by decree (non-working)
#   YYYY-MM-DD dayoff [from=YYYY-MM-DD]  a day off moved from another date (non-working);
#                                        from= names that date when it was published
#   YYYY-MM-DD short                     shortened pre-holiday day (a working day)
#   YYYY-MM-DD workday                   a Saturday or Sunday made a working day
# Any other Saturday or Sunday is a day off, any other weekday a working day.
`

func render(years []year) []byte {
	var buf bytes.Buffer
	buf.WriteString(header)
	fmt.Fprintf(&buf, "\nyears %d-%d\n", years[0].year, years[len(years)-1].year)
	for _, y := range years {
		fmt.Fprintf(&buf, "\n# %d: %s", y.year, y.file)
		if y.published != "" {
			fmt.Fprintf(&buf, ", published %s", y.published)
		}
		buf.WriteString("\n")
		for _, l := range y.lines {
			fmt.Fprintf(&buf, "%s %s\n", l.date, l.text)
		}
	}
	return buf.Bytes()
}

// writeFileAtomic replaces path in one step, so an interrupted run never leaves a half
// written file for go:embed to pick up.
func writeFileAtomic(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("create directory for %s: %w", path, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name()) // a no-op once the rename succeeded
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
