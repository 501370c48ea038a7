package app

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/internal/postgres"
	"github.com/profdev/profdev/workflows"
)

// Operators' reads (read-only everywhere): find workflows through Temporal visibility, and
// read a workflow's raw history next to its domain timeline. These are the only steps that
// ask Temporal rather than the read models, because they are about the workflows themselves.

// WorkflowFilter narrows the operators' list of workflows. Type, Process and Status must be
// letters, digits, '.', '_' or '-'; Query is a raw Temporal list filter, joined with AND.
type WorkflowFilter struct {
	Type, Process, Status string
	Overdue               *bool
	Query                 string
}

// WorkflowSummary is one row of the operators' list.
type WorkflowSummary struct {
	WorkflowID string    `json:"workflow_id"`
	RunID      string    `json:"run_id"`
	Type       string    `json:"type"`
	Status     string    `json:"status"`
	StartedAt  time.Time `json:"started_at"`
	Process    string    `json:"process,omitempty"`
	State      string    `json:"state,omitempty"`
	Overdue    bool      `json:"overdue"`
}

// safeValue is what a filter value may be, so that it can be quoted into a list filter.
var safeValue = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,100}$`)

// visibilityQuery builds the list filter, naming each field whose value cannot be quoted.
func (f WorkflowFilter) visibilityQuery() (string, error) {
	var clauses []string
	var fields []domain.FieldError
	for _, c := range []struct{ field, value, clause string }{
		{"type", f.Type, "WorkflowType = '%s'"},
		{"process", f.Process, workflows.AttrProcess.GetName() + " = '%s'"},
		{"status", f.Status, workflows.AttrStatus.GetName() + " = '%s'"},
	} {
		switch {
		case c.value == "":
		case !safeValue.MatchString(c.value):
			fields = append(fields, domain.FieldError{Field: c.field, Message: "letters, digits, '.', '_' or '-' only"})
		default:
			clauses = append(clauses, fmt.Sprintf(c.clause, c.value))
		}
	}
	if f.Overdue != nil {
		clauses = append(clauses, fmt.Sprintf("%s = %t", workflows.AttrOverdue.GetName(), *f.Overdue))
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		clauses = append(clauses, "("+q+")")
	}
	if len(fields) > 0 {
		return "", domain.Invalid("invalid query", fields...)
	}
	return strings.Join(clauses, " AND "), nil
}

// Workflows lists the workflows that match the filter, 50 a page unless the page says
// otherwise (operator). The cursor is Temporal's page token, base64url-encoded.
func (s *Service) Workflows(ctx context.Context, actor domain.Actor, f WorkflowFilter, page postgres.Page) ([]WorkflowSummary, string, error) {
	if err := Require(actor, domain.RoleOperator); err != nil {
		return nil, "", err
	}
	query, err := f.visibilityQuery()
	if err != nil {
		return nil, "", err
	}
	if page.Limit == 0 {
		page.Limit = 50
	}
	token, err := base64.RawURLEncoding.DecodeString(page.Cursor)
	if err != nil {
		return nil, "", domain.Invalid("invalid query", domain.FieldError{Field: "cursor", Message: "not a cursor returned by this list"})
	}
	resp, err := s.temporal.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
		Query: query, PageSize: int32(page.Limit), NextPageToken: token,
	})
	if err != nil {
		// A malformed raw query is the caller's mistake, not an outage.
		if f.Query != "" {
			return nil, "", domain.Invalid("invalid query", domain.FieldError{Field: "query", Message: "not a valid Temporal list filter: " + err.Error()})
		}
		return nil, "", workflowError(err)
	}
	items := make([]WorkflowSummary, 0, len(resp.Executions))
	for _, e := range resp.Executions {
		sum := WorkflowSummary{WorkflowID: e.GetExecution().GetWorkflowId(), RunID: e.GetExecution().GetRunId(),
			Type: e.GetType().GetName(), Status: strings.ToLower(e.GetStatus().String()), StartedAt: e.GetStartTime().AsTime()}
		for name, p := range e.GetSearchAttributes().GetIndexedFields() {
			var v any
			if err := json.Unmarshal(p.GetData(), &v); err != nil {
				continue
			}
			switch name {
			case workflows.AttrProcess.GetName():
				sum.Process, _ = v.(string)
			case workflows.AttrStatus.GetName():
				sum.State, _ = v.(string)
			case workflows.AttrOverdue.GetName():
				sum.Overdue, _ = v.(bool)
			}
		}
		items = append(items, sum)
	}
	return items, base64.RawURLEncoding.EncodeToString(resp.NextPageToken), nil
}

// WorkflowHistory is a workflow's latest run as Temporal recorded it, event by event, next
// to the domain timeline recorded for it (who did what, when).
type WorkflowHistory struct {
	WorkflowID string         `json:"workflow_id"`
	Events     []any          `json:"events"`
	Timeline   []domain.Event `json:"timeline"`
}

// WorkflowHistory returns the raw history of a workflow's latest run and its domain
// timeline (operator); an unknown workflow is not found.
func (s *Service) WorkflowHistory(ctx context.Context, actor domain.Actor, id string) (WorkflowHistory, error) {
	if err := Require(actor, domain.RoleOperator); err != nil {
		return WorkflowHistory{}, err
	}
	it := s.temporal.GetWorkflowHistory(ctx, id, "", false, 0)
	var events []any
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			if err = workflowError(err); errors.Is(err, errProcessClosed) {
				err = domain.NotFound("workflow " + id)
			}
			return WorkflowHistory{}, err
		}
		raw, err := protojson.Marshal(e)
		if err != nil {
			return WorkflowHistory{}, domain.Wrap(err, domain.CodeInternal, "could not encode the history of %s", id)
		}
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			return WorkflowHistory{}, domain.Wrap(err, domain.CodeInternal, "could not encode the history of %s", id)
		}
		events = append(events, v)
	}
	timeline, err := s.store.WorkflowTimeline(ctx, id)
	if err != nil {
		return WorkflowHistory{}, err
	}
	return WorkflowHistory{WorkflowID: id, Events: events, Timeline: timeline}, nil
}
