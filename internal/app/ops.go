package app

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
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

// Bounds of the operators' list: Temporal answers a list in milliseconds, and the SDK would
// otherwise retry an error it takes for transient for its default of 10 seconds (a page token
// Temporal cannot read is one: issue 11). OpsProbeTimeout bounds the second look that tells a
// bad token from a slow service.
const (
	OpsListTimeout    = 5 * time.Second
	OpsProbeTimeout   = time.Second
	maxRawQueryBytes  = 1000
	maxWorkflowIDSize = 1000 // Temporal's default limit on workflow IDs
)

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
	if q := strings.TrimSpace(f.Query); len(q) > maxRawQueryBytes {
		fields = append(fields, domain.FieldError{Field: "query", Message: fmt.Sprintf("longer than %d bytes", maxRawQueryBytes)})
	} else if q != "" {
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
	token, err := DecodeOpsCursor(query, page.Cursor)
	if err != nil {
		return nil, "", err
	}
	lctx, cancel := context.WithTimeout(ctx, OpsListTimeout)
	defer cancel()
	resp, err := s.temporal.ListWorkflow(lctx, &workflowservice.ListWorkflowExecutionsRequest{
		Query: query, PageSize: int32(page.Limit), NextPageToken: token,
	})
	if err != nil {
		if len(token) > 0 && !isInvalidArgument(err) && s.listAnswers(ctx, query) {
			// The same filter answers without the token: the token was at fault. Only a
			// forged cursor gets here (garbage fails the check above), and Temporal fails on
			// it with an error its SDK retries until the deadline.
			return nil, "", domain.Invalid("invalid query", domain.FieldError{Field: "cursor", Message: "not accepted by the workflow service"})
		}
		return nil, "", listError(err, strings.TrimSpace(f.Query) != "", len(token) > 0)
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
	return items, EncodeOpsCursor(query, resp.NextPageToken), nil
}

// listAnswers reports whether the first page of query comes back promptly.
func (s *Service) listAnswers(ctx context.Context, query string) bool {
	ctx, cancel := context.WithTimeout(ctx, OpsProbeTimeout)
	defer cancel()
	_, err := s.temporal.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: query, PageSize: 1})
	return err == nil
}

func isInvalidArgument(err error) bool {
	var invalid *serviceerror.InvalidArgument
	return errors.As(err, &invalid)
}

// listError classifies a failed visibility call. Temporal refuses a filter it cannot parse
// (or a page token it cannot read) with InvalidArgument: the caller's 400, naming the raw
// query when there is one. Running out of OpsListTimeout is 503, like any dependency that
// does not answer.
func listError(err error, rawQuery, paged bool) error {
	var invalid *serviceerror.InvalidArgument
	if errors.As(err, &invalid) {
		switch {
		case rawQuery:
			return domain.Invalid("invalid query", domain.FieldError{Field: "query", Message: "not a valid Temporal list filter: " + invalid.Message})
		case paged:
			return domain.Invalid("invalid query", domain.FieldError{Field: "cursor", Message: "not accepted by the workflow service: " + invalid.Message})
		}
		return domain.Wrap(err, domain.CodeInternal, "the workflow list filter was refused")
	}
	var deadline *serviceerror.DeadlineExceeded
	if errors.As(err, &deadline) || errors.Is(err, context.DeadlineExceeded) || status.Code(err) == codes.DeadlineExceeded {
		return domain.Wrap(err, domain.CodeUnavailable, "the workflow service did not answer within %s; retry", OpsListTimeout)
	}
	return workflowError(err)
}

// The operators' cursor wraps Temporal's page token with a check over the filter and the
// token, so that a cursor this list did not return, or one returned for another filter, is
// refused with a 400 instead of reaching Temporal, which fails on an unreadable token with an
// error its SDK retries until the call's deadline. The check is a digest, not a secret: it
// tells garbage from our cursors, which is what it is for.
const opsCursorCheck = 8

// EncodeOpsCursor is the cursor of the next page of the list filtered by query.
func EncodeOpsCursor(query string, token []byte) string {
	if len(token) == 0 {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString(append(slices.Clip(token), opsCursorDigest(query, token)...))
}

// DecodeOpsCursor returns Temporal's page token from a cursor this list returned for query.
func DecodeOpsCursor(query, cursor string) ([]byte, error) {
	if cursor == "" {
		return nil, nil
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(cursor)
	if err == nil && len(raw) > opsCursorCheck {
		token, check := raw[:len(raw)-opsCursorCheck], raw[len(raw)-opsCursorCheck:]
		if subtle.ConstantTimeCompare(check, opsCursorDigest(query, token)) == 1 {
			return token, nil
		}
	}
	return nil, domain.Invalid("invalid query", domain.FieldError{Field: "cursor", Message: "not a cursor returned by this list for these filters"})
}

func opsCursorDigest(query string, token []byte) []byte {
	h := sha256.New()
	h.Write([]byte("profdev ops cursor\x00"))
	h.Write([]byte(query))
	h.Write([]byte{0})
	h.Write(token)
	return h.Sum(nil)[:opsCursorCheck]
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
	if strings.TrimSpace(id) == "" || len(id) > maxWorkflowIDSize {
		return WorkflowHistory{}, domain.Invalid("invalid path", domain.FieldError{Field: "workflow_id", Message: fmt.Sprintf("must be 1-%d bytes", maxWorkflowIDSize)})
	}
	it := s.temporal.GetWorkflowHistory(ctx, id, "", false, 0)
	var events []any
	for it.HasNext() {
		e, err := it.Next()
		if isInvalidArgument(err) { // an ID Temporal refuses names no workflow
			return WorkflowHistory{}, domain.NotFound("workflow " + id)
		}
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
