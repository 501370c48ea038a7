package activities

import (
	"context"

	"cloud.google.com/go/civil"

	"github.com/profdev/profdev/internal/calendar"
	"github.com/profdev/profdev/internal/domain"
)

// Calendar answers working-day questions for workflows. Workflows call it as a local
// activity (workflows.WorkingDaysAfter): its answer is recorded in the workflow's history,
// so a replay reads the recorded date back instead of asking the calendar again, and a
// running workflow keeps its deadlines when the calendar data changes under it.
type Calendar struct {
	Regions *calendar.Regions
}

// WorkingDaysInput asks for the date Days working days after From (before it when Days is
// negative) in Region's calendar; Days == 0 asks where a deadline on From lands.
type WorkingDaysInput struct {
	From   civil.Date `json:"from"`
	Days   int        `json:"days"`
	Region string     `json:"region,omitempty"`
}

// WorkingDaysResult is the answer and the calendar data it came from.
type WorkingDaysResult struct {
	Date            civil.Date `json:"date"`
	CalendarVersion string     `json:"calendar_version"`
}

// AddWorkingDays computes the date.
func (a *Calendar) AddWorkingDays(_ context.Context, in WorkingDaysInput) (WorkingDaysResult, error) {
	if !in.From.IsValid() {
		return WorkingDaysResult{}, domain.Invalid("invalid date", domain.FieldError{Field: "from", Message: "not a calendar date"})
	}
	cal := a.Regions.For(in.Region)
	return WorkingDaysResult{Date: cal.AddWorkingDays(in.From, in.Days), CalendarVersion: cal.Version()}, nil
}
