package calendar

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"cloud.google.com/go/civil"
)

// WithExtraHolidays returns a new calendar: c with each of dates made a day off, for the
// holidays a regional body adds (e.g. a republic's day). c itself is unchanged.
//
// The dates are taken as given: they are the days the region does not work, with any
// regional transfer already applied, since the federal transfer rules do not carry over to
// regional holidays. A date that is already a federal holiday keeps its federal title; any
// other date, working or not, becomes a RegionalHoliday.
//
// Every date must be valid; an invalid one is a programming error and panics (dates from
// configuration go through ParseRegionalHolidays, which rejects them).
func (c *Calendar) WithExtraHolidays(dates ...civil.Date) *Calendar {
	if len(dates) == 0 {
		return c // immutable, so sharing is safe
	}
	for _, d := range dates {
		if !d.IsValid() {
			panic(fmt.Sprintf("calendar: WithExtraHolidays: invalid date %v", d))
		}
	}
	days := make(map[civil.Date]Day, len(c.days)+len(dates))
	maps.Copy(days, c.days)
	for _, d := range dates {
		if c.Kind(d) != Holiday {
			days[d] = Day{Kind: RegionalHoliday}
		}
	}
	extras := slices.Concat(c.extras, dates)
	slices.SortFunc(extras, civil.Date.Compare)
	extras = slices.Compact(extras)
	return &Calendar{
		first:   c.first,
		last:    c.last,
		days:    days,
		extras:  extras,
		source:  c.source,
		version: digest(c.source, extras),
	}
}

// Regions holds the calendar of each region that has holidays of its own. It is immutable,
// so it is safe for concurrent use.
type Regions struct {
	federal  *Calendar
	regional map[string]*Calendar
}

// NewRegions builds the calendar of every region in holidays (region code -> extra days off,
// as returned by ParseRegionalHolidays) on top of federal, once, so that For is a lookup.
func NewRegions(federal *Calendar, holidays map[string][]civil.Date) *Regions {
	r := &Regions{federal: federal, regional: make(map[string]*Calendar, len(holidays))}
	for region, dates := range holidays {
		r.regional[region] = federal.WithExtraHolidays(dates...)
	}
	return r
}

// For returns the calendar of region (e.g. "region-16"): the federal calendar plus the
// region's holidays, or the federal calendar itself when the region has none. Region codes
// are compared exactly.
func (r *Regions) For(region string) *Calendar {
	if c, ok := r.regional[region]; ok {
		return c
	}
	return r.federal
}

// ParseRegionalHolidays parses the configuration of regional holidays: entries separated by
// ";", each a region code, "=", and a comma-separated list of YYYY-MM-DD dates, e.g.
//
//	region-16=2026-08-30,2026-11-06;region-02=2026-10-11
//
// Spaces around the parts are ignored, as are empty entries (a trailing ";"). An empty
// string gives an empty map. A region listed twice is an error rather than a merge, since it
// is more likely a copy-paste mistake than intent. Errors name the offending entry.
func ParseRegionalHolidays(s string) (map[string][]civil.Date, error) {
	holidays := make(map[string][]civil.Date)
	for entry := range strings.SplitSeq(s, ";") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		region, dates, err := parseRegionEntry(entry)
		if err != nil {
			return nil, fmt.Errorf("parse regional holidays: entry %q: %w", entry, err)
		}
		if _, dup := holidays[region]; dup {
			return nil, fmt.Errorf("parse regional holidays: entry %q: region %q listed twice", entry, region)
		}
		holidays[region] = dates
	}
	return holidays, nil
}

func parseRegionEntry(entry string) (string, []civil.Date, error) {
	region, list, ok := strings.Cut(entry, "=")
	if !ok {
		return "", nil, errors.New("want REGION=YYYY-MM-DD[,YYYY-MM-DD...]")
	}
	region = strings.TrimSpace(region)
	if region == "" {
		return "", nil, errors.New("missing region code before \"=\"")
	}
	if strings.ContainsAny(region, " \t,=") {
		return "", nil, fmt.Errorf("region code %q contains a space, \",\" or \"=\"", region)
	}
	var dates []civil.Date
	for text := range strings.SplitSeq(list, ",") {
		text = strings.TrimSpace(text)
		if text == "" {
			return "", nil, errors.New("empty date (want YYYY-MM-DD)")
		}
		d, err := civil.ParseDate(text)
		if err != nil {
			return "", nil, fmt.Errorf("date %q: %w", text, err)
		}
		dates = append(dates, d)
	}
	return region, dates, nil
}
