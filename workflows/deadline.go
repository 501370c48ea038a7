package workflows

import (
	"time"

	"cloud.google.com/go/civil"
	"go.temporal.io/sdk/workflow"

	"github.com/profdev/profdev/activities"
)

// How workflows use the working-day calendar
//
// A deadline in working days is computed once, by the Calendar local activity, and kept in
// the workflow's state. The activity's answer is recorded in history as a marker, so a
// replay of the workflow reads the recorded date back and never consults the calendar: a
// running workflow's deadlines stay exactly as computed even after the calendar data
// changes (a new year published, a regional holiday added). New workflows, and new
// deadlines of running ones, use the new data. Never call package calendar directly from
// workflow code for a deadline that decides anything: a replay after a data change would
// take another path and fail with a non-determinism error.

// calendarActivities is the receiver used to name the local activity; the worker registers
// the real one with its regions.
var calendarActivities *activities.Calendar

// WorkingDaysAfter returns the date n working days after from (before it for negative n;
// n == 0 moves a date that is a day off to the next working day) in the region's calendar.
func WorkingDaysAfter(ctx workflow.Context, from civil.Date, n int, region string) (activities.WorkingDaysResult, error) {
	// A transient failure (a worker overloaded past the timeout) falls back to a regular
	// activity and never fails the workflow; an invalid date is returned at once.
	var out activities.WorkingDaysResult
	err := runLocal(withLocalActivity(ctx, 5*time.Second), calendarActivities.AddWorkingDays,
		activities.WorkingDaysInput{From: from, Days: n, Region: region}, &out)
	return out, err
}

// Moscow is the time zone in which deadline dates end. Russia has kept UTC+3 without
// daylight saving since 2014; a fixed zone needs no tz database, which workflow code must
// not read.
var Moscow = time.FixedZone("MSK", 3*60*60)

// EndOfDay is the instant a deadline date runs out: midnight after it, Moscow time.
func EndOfDay(d civil.Date) time.Time {
	return d.AddDays(1).In(Moscow)
}

// StartOfDay is the first instant of the date, Moscow time (reminders are sent then).
func StartOfDay(d civil.Date) time.Time {
	return d.In(Moscow)
}

// Today is the workflow's current date, Moscow time.
func Today(ctx workflow.Context) civil.Date {
	return civil.DateOf(workflow.Now(ctx).In(Moscow))
}
