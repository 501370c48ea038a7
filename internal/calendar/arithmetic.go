package calendar

import "cloud.google.com/go/civil"

// The arithmetic walks day by day: a deadline spans at most a few dozen working days, and a
// walk keeps every rule (transfers, regional holidays, the approximation outside the covered
// years) in one place, Day, instead of being re-derived by a faster formula.

// Deadline returns d if it is a working day, otherwise the first working day after d. This is
// the rule for a deadline that falls on a non-working day (Civil Code art. 193: the end of the
// term moves to the next working day), e.g. Deadline(Saturday 2026-01-03) is Monday
// 2026-01-12, after the New Year holidays.
func (c *Calendar) Deadline(d civil.Date) civil.Date {
	for !c.IsWorkingDay(d) {
		d = d.AddDays(1)
	}
	return d
}

// AddWorkingDays returns the n-th working day strictly after d for n > 0 ("within 3 working
// days of submission"), and the |n|-th working day strictly before d for n < 0 ("remind one
// working day before the deadline"). For n == 0 it returns Deadline(d).
//
// d itself is never counted, whether or not it is a working day: a term in days starts on the
// day after the event that starts it (Civil Code art. 191).
func (c *Calendar) AddWorkingDays(d civil.Date, n int) civil.Date {
	if n == 0 {
		return c.Deadline(d)
	}
	step := 1
	if n < 0 {
		step, n = -1, -n
	}
	for n > 0 {
		d = d.AddDays(step)
		if c.IsWorkingDay(d) {
			n--
		}
	}
	return d
}

// WorkingDaysBetween counts the working days w with a < w <= b: how many working days of a
// term starting on a have passed by the end of b. It is negative, -WorkingDaysBetween(b, a),
// when b is before a.
//
// For n > 0, WorkingDaysBetween(d, AddWorkingDays(d, n)) == n.
func (c *Calendar) WorkingDaysBetween(a, b civil.Date) int {
	if b.Before(a) {
		return -c.WorkingDaysBetween(b, a)
	}
	n := 0
	for d := a.AddDays(1); !d.After(b); d = d.AddDays(1) {
		if c.IsWorkingDay(d) {
			n++
		}
	}
	return n
}
