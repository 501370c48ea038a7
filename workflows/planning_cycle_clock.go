package workflows

import (
	"slices"
	"time"

	"cloud.google.com/go/civil"
	"go.temporal.io/sdk/workflow"

	"github.com/profdev/profdev/internal/domain"
)

// The clock of a cycle: the plans' reminder and deadline (after which the cycle moves to
// implementation and the late are flagged), each quarter's report reminder and deadline, and
// the cycle's close once the last report is due.

// The clock's alarms of a cycle.
const (
	alarmPlansReminder  AlarmKind = "plans_reminder"
	alarmPlansDue       AlarmKind = "plans_due"
	alarmReportReminder AlarmKind = "report_reminder"
	alarmReportDue      AlarmKind = "report_due"
	alarmCycleEnd       AlarmKind = "cycle_end"
)

// cycleAlarm is a pending alarm and the quarter it concerns (0: none).
type cycleAlarm struct {
	Alarm
	quarter int
}

// quarterDeadline: a quarter's report is due on the 1st of the month after it, moved to the
// next working day when that is a day off (seed 002 item 30); the reminder goes
// ReportRemindBefore working days ahead.
func (w *cycle) quarterDeadline(ctx workflow.Context, q int) (domain.QuarterDeadline, error) {
	first := civil.Date{Year: w.in.Year, Month: time.Month(3*q + 1), Day: 1}
	if q == 4 {
		first = civil.Date{Year: w.in.Year + 1, Month: time.January, Day: 1}
	}
	due, err := WorkingDaysAfter(ctx, first, 0, w.in.Region)
	if err != nil {
		return domain.QuarterDeadline{}, err
	}
	qd := domain.QuarterDeadline{Quarter: q, Due: due.Date, RemindOn: due.Date}
	if w.in.Terms.ReportRemindBefore > 0 {
		r, err := WorkingDaysAfter(ctx, due.Date, -w.in.Terms.ReportRemindBefore, w.in.Region)
		if err != nil {
			return qd, err
		}
		qd.RemindOn = r.Date
	}
	qd.Reminded = !reminderAt(qd.RemindOn).After(workflow.Now(ctx))
	qd.Escalated = !EndOfDay(qd.Due).After(workflow.Now(ctx))
	return qd, nil
}

// QuarterOpens is the first day on which a quarter's report is accepted: the first day of
// the quarter's last month, when its figures are nearly complete.
func QuarterOpens(year, quarter int) civil.Date {
	return civil.Date{Year: year, Month: time.Month(3 * quarter), Day: 1}
}

// yearEnd is the last instant of the cycle's year.
func (w *cycle) yearEnd() time.Time {
	return EndOfDay(civil.Date{Year: w.in.Year, Month: time.December, Day: 31})
}

func (w *cycle) alarms() []cycleAlarm {
	c := w.st.Cycle
	var out []cycleAlarm
	if c.Phase == domain.PhasePlanning {
		if c.PlansRemindOn != nil && !w.st.PlansReminded {
			out = append(out, cycleAlarm{Alarm{Kind: alarmPlansReminder, At: reminderAt(*c.PlansRemindOn)}, 0})
		}
		out = append(out, cycleAlarm{Alarm{Kind: alarmPlansDue, At: EndOfDay(c.PlansDue)}, 0})
	}
	for _, q := range c.Quarters {
		if !q.Reminded {
			out = append(out, cycleAlarm{Alarm{Kind: alarmReportReminder, At: reminderAt(q.RemindOn)}, q.Quarter})
		}
		if !q.Escalated {
			out = append(out, cycleAlarm{Alarm{Kind: alarmReportDue, At: EndOfDay(q.Due)}, q.Quarter})
		}
	}
	if c.Phase != domain.PhasePlanning {
		out = append(out, cycleAlarm{Alarm{Kind: alarmCycleEnd, At: w.closesAt()}, 0})
	}
	return out
}

// closesAt is when the cycle closes: the end of its year, or of the last report's due date.
func (w *cycle) closesAt() time.Time {
	end := w.yearEnd()
	for _, q := range w.st.Cycle.Quarters {
		if EndOfDay(q.Due).After(end) {
			end = EndOfDay(q.Due)
		}
	}
	return end
}

func (w *cycle) alarmTimes() []Alarm {
	var out []Alarm
	for _, a := range w.alarms() {
		out = append(out, a.Alarm)
	}
	return out
}

// onAlarm acts on the pending alarm that fired and reports whether it ended a phase.
func (w *cycle) onAlarm(ctx workflow.Context, fired Alarm) (bool, error) {
	return take(ctx, &w.stepper, nil, func() (bool, error) {
		i := slices.IndexFunc(w.alarms(), func(a cycleAlarm) bool { return a.Kind == fired.Kind && a.At.Equal(fired.At) })
		if i < 0 {
			return false, nil
		}
		a := w.alarms()[i]
		c := &w.st.Cycle
		switch a.Kind {
		case alarmPlansReminder:
			w.st.PlansReminded = true
			waiting := w.withoutPlan()
			w.notify(ctx, w.plansReminderNotices(waiting)...)
			return false, w.record(ctx, domain.SystemActor, "plans_reminder", map[string]any{"reminded": keys(waiting)})
		case alarmPlansDue:
			late := w.withoutPlan()
			for _, k := range late {
				p, _ := c.Participant(k.Kind, k.ID)
				p.Late = true
			}
			c.Phase = domain.PhaseImplementation
			w.notify(ctx, w.plansOverdueNotices(late)...)
			return true, w.record(ctx, domain.SystemActor, "plans_due", map[string]any{"late": keys(late)})
		case alarmReportReminder:
			q := w.quarter(a.quarter)
			q.Reminded = true
			waiting := w.withoutReport(a.quarter)
			w.notify(ctx, w.reportReminderNotices(*q, waiting)...)
			return false, w.record(ctx, domain.SystemActor, "report_reminder", map[string]any{"quarter": a.quarter, "reminded": keys(waiting)})
		case alarmReportDue:
			q := w.quarter(a.quarter)
			q.Escalated = true
			late := w.withoutReport(a.quarter)
			for _, k := range late {
				p, _ := c.Participant(k.Kind, k.ID)
				p.LateReports = append(p.LateReports, a.quarter)
			}
			w.notify(ctx, w.reportsOverdueNotices(*q, late)...)
			return true, w.record(ctx, domain.SystemActor, "report_due", map[string]any{"quarter": a.quarter, "late": keys(late)})
		}
		now := workflow.Now(ctx).UTC()
		c.Status, c.Phase, c.ClosedAt = domain.CycleClosed, domain.PhaseClosed, &now
		w.notify(ctx, w.closedNotice())
		return true, w.record(ctx, domain.SystemActor, "closed", nil)
	})
}
