package calendar

import (
	"fmt"
	"time"

	"cloud.google.com/go/civil"
)

// DayKind classifies a date. Each kind is either a working day or a day off (IsWorking); the
// finer kinds exist so a user can be told why a deadline moved.
type DayKind int

// The kinds of day. The zero DayKind is not a kind: Calendar.Day never returns it.
const (
	// Working is an ordinary Monday-to-Friday working day.
	Working DayKind = iota + 1
	// Short is a shortened pre-holiday day (сокращённый предпраздничный день): one hour
	// shorter, but a full working day for deadlines. It may fall on a Saturday made working.
	Short
	// TransferredWorking is a Saturday or Sunday made a working day (рабочая суббота), the
	// other half of a transfer of a day off.
	TransferredWorking
	// Weekend is an ordinary Saturday or Sunday.
	Weekend
	// Holiday is a public holiday (нерабочий праздничный день), or a day made non-working by
	// decree (e.g. the 2020 нерабочие дни); Day.Title names it.
	Holiday
	// DayOff is a day off that is not itself a holiday, usually a weekday that took the day
	// off of a holiday falling on a weekend (перенесённый выходной); Day.From names the date
	// it was moved from, when the published data says.
	DayOff
	// RegionalHoliday is a day off added by a regional body (see WithExtraHolidays).
	RegionalHoliday
)

var kindNames = [...]string{
	Working:            "working",
	Short:              "short",
	TransferredWorking: "transferred-working",
	Weekend:            "weekend",
	Holiday:            "holiday",
	DayOff:             "dayoff",
	RegionalHoliday:    "regional-holiday",
}

func (k DayKind) String() string {
	if k > 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("DayKind(%d)", int(k))
}

// IsWorking reports whether a day of this kind counts as a working day.
func (k DayKind) IsWorking() bool {
	return k == Working || k == Short || k == TransferredWorking
}

// Day is what the calendar knows about one date.
type Day struct {
	Kind DayKind
	// Title names the holiday, for Holiday; empty otherwise.
	Title string
	// From is the date whose day off was moved here, for a DayOff when published; zero
	// otherwise.
	From civil.Date
}

// Calendar is a production calendar: the federal one (Russia) or the federal one plus
// regional holidays (WithExtraHolidays). It is immutable, so it is safe for concurrent use;
// the zero Calendar covers no year and applies the approximation described in the package
// documentation to every date.
type Calendar struct {
	// first and last are the years the data is complete for; 0, 0 when none.
	first, last int
	// days holds every date that differs from a plain Monday-to-Friday week, in the covered
	// years and (regional holidays) outside them. Never written after construction.
	days map[civil.Date]Day
	// extras are the regional holidays added to the federal data, sorted and deduplicated,
	// kept so that Version can name them.
	extras []civil.Date
	// source is the embedded data file the calendar was built from, for Version.
	source  string
	version string
}

// Day describes date d. See the package documentation for dates outside Years.
func (c *Calendar) Day(d civil.Date) Day {
	if day, ok := c.days[d]; ok {
		return day
	}
	if !c.Covers(d.Year) {
		if title, ok := fixedHoliday(d); ok {
			return Day{Kind: Holiday, Title: title}
		}
	}
	if isWeekend(d) {
		return Day{Kind: Weekend}
	}
	return Day{Kind: Working}
}

// Kind classifies date d; shorthand for c.Day(d).Kind.
func (c *Calendar) Kind(d civil.Date) DayKind {
	return c.Day(d).Kind
}

// IsWorkingDay reports whether d is a working day. Shortened pre-holiday days are working
// days.
func (c *Calendar) IsWorkingDay(d civil.Date) bool {
	return c.Day(d).Kind.IsWorking()
}

// Covers reports whether the calendar holds published data for the whole year, so that its
// answers for that year are facts rather than the approximation.
func (c *Calendar) Covers(year int) bool {
	return c.first != 0 && c.first <= year && year <= c.last
}

// Years returns the first and last year the calendar holds published data for; every year
// between them is covered. Both are 0 for a calendar without data.
func (c *Calendar) Years() (first, last int) {
	return c.first, c.last
}

// Version is a short, stable digest of the data behind the calendar: the embedded federal
// data and any regional holidays. Two calendars with the same Version give the same answers.
// It is empty for the zero Calendar, which has no data.
func (c *Calendar) Version() string {
	return c.version
}

// fixedHoliday reports the public holidays of article 112 of the Labour Code, used only for
// years without published data (the published data lists them itself, with the transfers).
func fixedHoliday(d civil.Date) (title string, ok bool) {
	switch {
	case d.Month == time.January && d.Day == 7:
		return "Рождество Христово", true
	case d.Month == time.January && d.Day >= 1 && d.Day <= 8:
		return "Новогодние каникулы", true
	case d.Month == time.February && d.Day == 23:
		return "День защитника Отечества", true
	case d.Month == time.March && d.Day == 8:
		return "Международный женский день", true
	case d.Month == time.May && d.Day == 1:
		return "Праздник Весны и Труда", true
	case d.Month == time.May && d.Day == 9:
		return "День Победы", true
	case d.Month == time.June && d.Day == 12:
		return "День России", true
	case d.Month == time.November && d.Day == 4:
		return "День народного единства", true
	}
	return "", false
}

func isWeekend(d civil.Date) bool {
	wd := d.Weekday()
	return wd == time.Saturday || wd == time.Sunday
}
