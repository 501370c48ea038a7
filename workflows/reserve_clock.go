package workflows

import (
	"slices"

	"cloud.google.com/go/civil"
	"go.temporal.io/sdk/workflow"

	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/internal/notify"
)

// The clock of a nomination: the authority's review of the submission (reminded and
// escalated), each candidate's correction deadline (reminded, and the candidate not admitted
// when it lapses) and the re-review of the correction, and the end of the nomination's year.

// ReserveTerms: corrections within 7 working days (item 28), reminders 2 working days ahead.
// Seed 002 sets no term for the authority's own review; ReviewDays is a default that a
// nomination's input may override.
var ReserveTerms = ReviewTerms{ReviewDays: 10, ResubmitDays: 7, RemindBefore: 2}

// alarmPeriodEnd fires when the nomination's year is over: it may close from then on.
const alarmPeriodEnd AlarmKind = "period_end"

func (w *nomination) terms() ReviewTerms {
	t := ReserveTerms
	if w.in.ReviewDays > 0 {
		t.ReviewDays = w.in.ReviewDays
	}
	t.Region = w.in.Region
	return t
}

// ownedAlarm is a pending alarm and the candidate it concerns ("" for the whole nomination).
type ownedAlarm struct {
	Alarm
	candidate string
}

func (w *nomination) alarms() []ownedAlarm {
	var out []ownedAlarm
	if a, ok := w.st.Review.NextAlarm(); ok {
		out = append(out, ownedAlarm{a, ""})
	}
	for _, c := range w.st.Corrections {
		if a, ok := c.Cycle.NextAlarm(); ok {
			out = append(out, ownedAlarm{a, c.CandidateID})
		}
	}
	if !w.st.PeriodOver {
		out = append(out, ownedAlarm{Alarm{Kind: alarmPeriodEnd, At: EndOfDay(civil.Date{Year: w.in.Year, Month: 12, Day: 31})}, ""})
	}
	return out
}

func (w *nomination) alarmTimes() []Alarm {
	var out []Alarm
	for _, a := range w.alarms() {
		out = append(out, a.Alarm)
	}
	return out
}

// onAlarm acts on the first pending alarm that matches the one that fired; alarms of other
// candidates due at the same instant fire on the next turns of the loop.
func (w *nomination) onAlarm(ctx workflow.Context, fired Alarm) error {
	_, err := take(ctx, &w.stepper, nil, func() (struct{}, error) {
		i := slices.IndexFunc(w.alarms(), func(p ownedAlarm) bool { return p.Kind == fired.Kind && p.At.Equal(fired.At) })
		if i < 0 {
			return struct{}{}, nil // a step taken meanwhile made it moot
		}
		a := w.alarms()[i]
		if a.Kind == alarmPeriodEnd {
			w.st.PeriodOver = true
			return struct{}{}, nil
		}
		if a.candidate == "" {
			return struct{}{}, w.onReviewAlarm(ctx, a.Kind)
		}
		return struct{}{}, w.onCandidateAlarm(ctx, a)
	})
	return err
}

// onReviewAlarm reminds the authority of its review of the submission, or escalates it.
func (w *nomination) onReviewAlarm(ctx workflow.Context, kind AlarmKind) error {
	w.st.Review.Fire(kind)
	details := map[string]any{"review_due": w.st.Review.ReviewDue}
	if kind == AlarmRemindReviewer {
		return w.alert(ctx, "review_reminder", details, w.reviewReminderNotices)
	}
	return w.alert(ctx, "review_overdue", details, w.reviewOverdueNotices)
}

// onCandidateAlarm acts on the clock of a candidate asked for a correction: the reminder and
// the lapse of the agency's deadline, then the reminder and escalation of the re-review.
func (w *nomination) onCandidateAlarm(ctx workflow.Context, a ownedAlarm) error {
	clock := w.clock(a.candidate)
	clock.Cycle.Fire(a.Kind)
	c := w.candidate(a.candidate)
	details := map[string]any{"candidate_id": c.ID}
	switch a.Kind {
	case AlarmRemindSubmitter:
		details["correction_due"] = clock.Cycle.ResubmitDue
		return w.alert(ctx, "correction_reminder", details, func() []notify.Request { return w.correctionReminderNotices(c, clock.Cycle) })
	case AlarmLapse:
		c.Status, c.Reason, c.CorrectionDue, c.UpdatedAt = domain.CandidateNotAdmitted, ReasonCorrectionLapsed, nil, workflow.Now(ctx).UTC()
		details["reason"] = ReasonCorrectionLapsed
		// The agency and the authority both learn that the candidate is not admitted.
		if err := w.alert(ctx, "correction_lapsed", details, func() []notify.Request { return w.correctionLapsedNotices(c, clock.Cycle) }); err != nil {
			return err
		}
		return w.settle(ctx)
	case AlarmRemindReviewer:
		details["review_due"] = clock.Cycle.ReviewDue
		return w.alert(ctx, "review_reminder", details, func() []notify.Request { return w.correctedReviewReminderNotices(c, clock.Cycle) })
	}
	details["review_due"] = clock.Cycle.ReviewDue
	return w.alert(ctx, "review_overdue", details, func() []notify.Request { return w.correctedReviewOverdueNotices(c, clock.Cycle) })
}

// alert records a step the clock took and then tells the parties concerned; the notices'
// step names carry the recorded step's number.
func (w *nomination) alert(ctx workflow.Context, action string, details map[string]any, notices func() []notify.Request) error {
	if err := w.save(ctx, domain.SystemActor, action, details); err != nil {
		return err
	}
	w.notify(ctx, notices()...)
	return nil
}

// clock returns the candidate's correction clock, starting one if there is none.
func (w *nomination) clock(candidateID string) *CandidateClock {
	i := slices.IndexFunc(w.st.Corrections, func(c CandidateClock) bool { return c.CandidateID == candidateID })
	if i < 0 {
		w.st.Corrections = append(w.st.Corrections, CandidateClock{CandidateID: candidateID})
		i = len(w.st.Corrections) - 1
	}
	return &w.st.Corrections[i]
}

// closeClock stops the correction clock of a decided candidate, if it has one.
func (w *nomination) closeClock(candidateID string) {
	if i := slices.IndexFunc(w.st.Corrections, func(c CandidateClock) bool { return c.CandidateID == candidateID }); i >= 0 {
		w.st.Corrections[i].Cycle.Decide()
	}
}
