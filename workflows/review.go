package workflows

import (
	"encoding/json"
	"slices"
	"time"

	"cloud.google.com/go/civil"
	"go.temporal.io/sdk/workflow"
)

// The review-with-rework pattern (рассмотрение с возвратом на доработку) that the registry,
// the reserve and the planning processes share: something is submitted; the reviewer decides
// within ReviewDays working days (reminded RemindBefore working days ahead, escalated when
// late); a return for rework gives the submitter ResubmitDays working days, after which the
// submission lapses; a resubmission starts a new round. ReviewCycle keeps the dates and what
// has fired in workflow state; the process workflow owns the decisions and the side effects.

// ReviewTerms are the deadlines of one kind of review.
type ReviewTerms struct {
	ReviewDays   int    `json:"review_days"`
	ResubmitDays int    `json:"resubmit_days"`
	RemindBefore int    `json:"remind_before"` // working days before a deadline; 0: no reminder
	Region       string `json:"region"`        // whose calendar counts
}

// ReviewPhase is where a submission stands in its review.
type ReviewPhase string

// Review phases.
const (
	PhaseUnderReview ReviewPhase = "under_review"
	PhaseReturned    ReviewPhase = "returned"
	PhaseDecided     ReviewPhase = "decided"
	PhaseLapsed      ReviewPhase = "lapsed"
)

// AlarmKind is what the clock does to a review.
type AlarmKind string

// Alarm kinds.
const (
	AlarmRemindReviewer  AlarmKind = "remind_reviewer"
	AlarmEscalate        AlarmKind = "escalate"
	AlarmRemindSubmitter AlarmKind = "remind_submitter"
	AlarmLapse           AlarmKind = "lapse"
)

// Alarm is the next instant at which the review needs attention.
type Alarm struct {
	Kind AlarmKind
	At   time.Time
}

// reminderHour is when reminders go out on their day, Moscow time: the start of office hours.
const reminderHour = 9

// ReviewCycle is the review state of one submission, kept in workflow state.
type ReviewCycle struct {
	Phase           ReviewPhase `json:"phase"`
	Round           int         `json:"round"`
	ReviewDue       civil.Date  `json:"review_due,omitzero"`
	ResubmitDue     civil.Date  `json:"resubmit_due,omitzero"`
	RemindOn        civil.Date  `json:"remind_on,omitzero"`
	Reminded        bool        `json:"reminded"`
	Escalated       bool        `json:"escalated"`
	CalendarVersion string      `json:"calendar_version"`
}

// carriedCycle is a ReviewCycle that survives continue-as-new. A deadline not yet set is a
// zero civil.Date, which marshals as "0000-00-00" and which civil.Date refuses to parse back;
// such dates are left out when decoding, which restores them as zero.
type carriedCycle struct{ ReviewCycle }

// UnmarshalJSON decodes a cycle, leaving out the dates that were never set.
func (c *carriedCycle) UnmarshalJSON(b []byte) error {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(b, &fields); err != nil {
		return err
	}
	unset := []string{}
	for k, v := range fields {
		if string(v) == `"0000-00-00"` {
			unset = append(unset, k)
		}
	}
	for _, k := range unset {
		delete(fields, k)
	}
	clean, err := json.Marshal(fields)
	if err != nil {
		return err
	}
	return json.Unmarshal(clean, &c.ReviewCycle)
}

// Submit starts a review round today: the reviewer's deadline and reminder date are
// computed once and kept.
func (c *ReviewCycle) Submit(ctx workflow.Context, terms ReviewTerms) error {
	due, remind, version, err := deadlineAndReminder(ctx, terms.ReviewDays, terms.RemindBefore, terms.Region)
	if err != nil {
		return err
	}
	c.Phase, c.Round = PhaseUnderReview, c.Round+1
	c.ReviewDue, c.ResubmitDue, c.RemindOn, c.CalendarVersion = due, civil.Date{}, remind, version
	c.Reminded, c.Escalated = reminderPassed(ctx, remind), false
	return nil
}

// Return sends the submission back for rework today, starting the submitter's deadline.
func (c *ReviewCycle) Return(ctx workflow.Context, terms ReviewTerms) error {
	due, remind, version, err := deadlineAndReminder(ctx, terms.ResubmitDays, terms.RemindBefore, terms.Region)
	if err != nil {
		return err
	}
	c.Phase, c.ResubmitDue, c.RemindOn, c.CalendarVersion = PhaseReturned, due, remind, version
	c.Reminded, c.Escalated = reminderPassed(ctx, remind), false
	return nil
}

// Decide closes the review.
func (c *ReviewCycle) Decide() { c.Phase = PhaseDecided }

// Overdue reports whether the reviewer's deadline has passed without a decision.
func (c *ReviewCycle) Overdue() bool { return c.Phase == PhaseUnderReview && c.Escalated }

// NextAlarm is the next instant the review needs attention, if any.
func (c *ReviewCycle) NextAlarm() (Alarm, bool) {
	switch c.Phase {
	case PhaseUnderReview:
		if !c.Reminded && c.RemindOn.IsValid() {
			return Alarm{Kind: AlarmRemindReviewer, At: reminderAt(c.RemindOn)}, true
		}
		if !c.Escalated {
			return Alarm{Kind: AlarmEscalate, At: EndOfDay(c.ReviewDue)}, true
		}
	case PhaseReturned:
		if !c.Reminded && c.RemindOn.IsValid() {
			return Alarm{Kind: AlarmRemindSubmitter, At: reminderAt(c.RemindOn)}, true
		}
		return Alarm{Kind: AlarmLapse, At: EndOfDay(c.ResubmitDue)}, true
	}
	return Alarm{}, false
}

// Fire records that an alarm went off.
func (c *ReviewCycle) Fire(kind AlarmKind) {
	switch kind {
	case AlarmRemindReviewer, AlarmRemindSubmitter:
		c.Reminded = true
	case AlarmEscalate:
		c.Escalated = true
	case AlarmLapse:
		c.Phase = PhaseLapsed
	}
}

// AwaitAlarm blocks until changed() is true or the earliest of the given alarms is due, and
// returns the alarm that fired, if one did. Alarms already due fire at once.
func AwaitAlarm(ctx workflow.Context, changed func() bool, alarms ...Alarm) (Alarm, bool, error) {
	var next Alarm
	found := false
	for _, a := range alarms {
		if !a.At.IsZero() && (!found || a.At.Before(next.At)) {
			next, found = a, true
		}
	}
	if !found {
		return Alarm{}, false, workflow.Await(ctx, changed)
	}
	wait := next.At.Sub(workflow.Now(ctx))
	if wait <= 0 {
		return next, true, nil
	}
	satisfied, err := workflow.AwaitWithTimeout(ctx, wait, changed)
	if err != nil || satisfied {
		return Alarm{}, false, err
	}
	return next, true, nil
}

// stillDue reports whether alarm a is still among the pending ones: a step taken while it
// fired may have made it moot.
func stillDue(pending []Alarm, a Alarm) bool {
	return slices.ContainsFunc(pending, func(p Alarm) bool { return p.Kind == a.Kind && p.At.Equal(a.At) })
}

// deadlineAndReminder computes, through the calendar activity, the deadline n working days
// from today and the day remindBefore working days ahead of it.
func deadlineAndReminder(ctx workflow.Context, n, remindBefore int, region string) (due, remind civil.Date, version string, err error) {
	res, err := WorkingDaysAfter(ctx, Today(ctx), n, region)
	if err != nil {
		return due, remind, "", err
	}
	due, version = res.Date, res.CalendarVersion
	if remindBefore > 0 {
		r, err := WorkingDaysAfter(ctx, due, -remindBefore, region)
		if err != nil {
			return due, remind, "", err
		}
		remind = r.Date
	}
	return due, remind, version, nil
}

func reminderAt(d civil.Date) time.Time {
	return StartOfDay(d).Add(reminderHour * time.Hour)
}

// reminderPassed reports whether the reminder instant is already behind us (a short
// deadline can put it before the submission itself); such a reminder is not sent.
func reminderPassed(ctx workflow.Context, remind civil.Date) bool {
	return !remind.IsValid() || !reminderAt(remind).After(workflow.Now(ctx))
}
