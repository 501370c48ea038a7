package calendar

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"

	"cloud.google.com/go/civil"
)

//go:generate go run ../../cmd/calendargen -in ../../../shared/calendar/ru -out data/ru.txt

// ruData is the federal calendar. Its format is described in its own header; cmd/calendargen
// writes it and parseData reads it.
//
//go:embed data/ru.txt
var ruData string

// russia parses the embedded data once, on first use rather than at init, so that programs
// that never ask about working days pay nothing.
var russia = sync.OnceValue(func() *Calendar {
	c, err := parseData(ruData)
	if err != nil {
		// The data is compiled in and the read-back test checks it, so a failure here is a
		// build defect, not a condition a caller could handle.
		panic(fmt.Sprintf("calendar: embedded data/ru.txt is invalid, regenerate it with "+
			"go generate ./internal/calendar: %v", err))
	}
	return c
})

// Russia returns the federal production calendar of the Russian Federation. Every call
// returns the same immutable value.
func Russia() *Calendar {
	return russia()
}

// The data file's words for the listed kinds of day. Working and Weekend days are implied by
// the weekday and RegionalHoliday never comes from the file.
var dataKinds = map[string]DayKind{
	"holiday": Holiday,
	"dayoff":  DayOff,
	"short":   Short,
	"workday": TransferredWorking,
}

// parseData reads the data file format written by cmd/calendargen. It is strict so that a
// hand edit or a generator change that the calendar would misread fails the tests instead.
func parseData(src string) (*Calendar, error) {
	c := &Calendar{days: make(map[civil.Date]Day), source: src}
	for i, text := range strings.Split(src, "\n") {
		text = strings.TrimSpace(text)
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		if err := c.parseLine(text); err != nil {
			return nil, fmt.Errorf("parse calendar data: line %d %q: %w", i+1, text, err)
		}
	}
	if c.first == 0 {
		return nil, errors.New("parse calendar data: no \"years FIRST-LAST\" line")
	}
	c.version = digest(src, nil)
	return c, nil
}

func (c *Calendar) parseLine(text string) error {
	head, rest, _ := strings.Cut(text, " ")
	rest = strings.TrimSpace(rest)
	if head == "years" {
		return c.parseYears(rest)
	}
	date, err := civil.ParseDate(head)
	if err != nil {
		return fmt.Errorf("want a YYYY-MM-DD date or \"years\": %w", err)
	}
	if c.first == 0 {
		return errors.New("date before the \"years\" line")
	}
	if !c.Covers(date.Year) {
		return fmt.Errorf("date outside years %d-%d", c.first, c.last)
	}
	if _, dup := c.days[date]; dup {
		return errors.New("date listed twice")
	}
	word, arg, _ := strings.Cut(rest, " ")
	arg = strings.TrimSpace(arg)
	kind, ok := dataKinds[word]
	if !ok {
		return fmt.Errorf("unknown kind of day %q", word)
	}
	day := Day{Kind: kind}
	switch kind {
	case Holiday:
		if day.Title = arg; day.Title == "" {
			return errors.New("holiday without a title")
		}
	case DayOff:
		if arg != "" {
			from, ok := strings.CutPrefix(arg, "from=")
			if !ok {
				return fmt.Errorf("want from=YYYY-MM-DD, got %q", arg)
			}
			if day.From, err = civil.ParseDate(from); err != nil {
				return fmt.Errorf("from=: %w", err)
			}
		}
	case Short, TransferredWorking:
		if arg != "" {
			return fmt.Errorf("unexpected %q after %q", arg, word)
		}
		// Only a weekend can be made a working day; a weekday here means the data and the
		// weekday rule disagree about what the line is for.
		if kind == TransferredWorking && !isWeekend(date) {
			return fmt.Errorf("workday on a %s: only a Saturday or Sunday can be made working", date.Weekday())
		}
	}
	c.days[date] = day
	return nil
}

func (c *Calendar) parseYears(arg string) error {
	if c.first != 0 {
		return errors.New("second \"years\" line")
	}
	firstText, lastText, ok := strings.Cut(arg, "-")
	first, err1 := strconv.Atoi(firstText)
	last, err2 := strconv.Atoi(lastText)
	// Year 0 is excluded: the zero value of first means "no data".
	if !ok || err1 != nil || err2 != nil || first <= 0 || last < first {
		return fmt.Errorf("want \"years FIRST-LAST\", got %q", arg)
	}
	c.first, c.last = first, last
	return nil
}

// digest is the Version of a calendar built from src plus the regional holidays extras
// (sorted): the first 12 hex digits of SHA-256, enough to tell data versions apart in logs
// and records, short enough to read.
func digest(src string, extras []civil.Date) string {
	h := sha256.New()
	io.WriteString(h, src)
	for _, d := range extras {
		io.WriteString(h, "\nregional-holiday "+d.String())
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}
