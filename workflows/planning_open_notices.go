package workflows

import (
	"errors"
	"fmt"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/internal/notify"
)

// What the scheduled opener tells: only the ministry, and only when it cannot open the cycle.

// notOpenedNotice asks the authority's ministry users to open the year's cycle themselves.
func notOpenedNotice(ctx workflow.Context, authority string, year int, err error) notify.Request {
	reason := err.Error()
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		reason = appErr.Message()
	}
	return notify.Request{
		WorkflowID: workflow.GetInfo(ctx).WorkflowExecution.ID, Step: fmt.Sprintf("not_opened_%d", year),
		Audience: domain.RoleAudience(domain.RoleMinistry, authority),
		Subject:  fmt.Sprintf("Цикл планирования на %d год не открыт по расписанию", year),
		Body:     fmt.Sprintf("Цикл планирования на %d год не открыт автоматически: %s. Откройте его вручную.", year, reason),
		Link:     fmt.Sprintf("/api/v1/planning/cycles/%d?authority=%s", year, authority),
	}
}
