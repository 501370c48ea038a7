package api

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/workflows"
)

// Operators (read-only everywhere): find workflows through Temporal visibility, and read a
// workflow's raw history next to its domain timeline.

func (s *Server) opsRoutes(authed *gin.RouterGroup) {
	authed.GET("/ops/workflows", s.listWorkflows)
	authed.GET("/ops/workflows/:workflow_id/history", s.workflowHistory)
}

// workflowSummary is one row of the operators' list.
type workflowSummary struct {
	WorkflowID string    `json:"workflow_id"`
	RunID      string    `json:"run_id"`
	Type       string    `json:"type"`
	Status     string    `json:"status"`
	StartedAt  time.Time `json:"started_at"`
	Process    string    `json:"process,omitempty"`
	State      string    `json:"state,omitempty"`
	Overdue    bool      `json:"overdue"`
}

var safeValue = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,100}$`)

// Bounds of the operators' list: Temporal answers a list in milliseconds, and the SDK would
// otherwise retry an error it takes for transient for its default of 10 seconds (a page token
// Temporal cannot read is one: issue 11). opsProbeTimeout bounds the second look that tells
// a bad token from a slow service.
const (
	opsListTimeout    = 5 * time.Second
	opsProbeTimeout   = time.Second
	maxRawQueryBytes  = 1000
	maxWorkflowIDSize = 1000 // Temporal's default limit on workflow IDs
)

func (s *Server) listWorkflows(c *gin.Context) {
	if _, ok := require(c, domain.RoleOperator); !ok {
		return
	}
	var clauses []string
	var fields []domain.FieldError
	add := func(param, clause string) {
		v := c.Query(param)
		if v == "" {
			return
		}
		if !safeValue.MatchString(v) {
			fields = append(fields, domain.FieldError{Field: param, Message: "letters, digits, '.', '_' or '-' only"})
			return
		}
		clauses = append(clauses, fmt.Sprintf(clause, v))
	}
	add("type", "WorkflowType = '%s'")
	add("process", workflows.AttrProcess.GetName()+" = '%s'")
	add("status", workflows.AttrStatus.GetName()+" = '%s'")
	if v := c.Query("overdue"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			fields = append(fields, domain.FieldError{Field: "overdue", Message: "must be true or false"})
		} else {
			clauses = append(clauses, fmt.Sprintf("%s = %t", workflows.AttrOverdue.GetName(), b))
		}
	}
	raw := strings.TrimSpace(c.Query("query"))
	if len(raw) > maxRawQueryBytes {
		fields = append(fields, domain.FieldError{Field: "query", Message: fmt.Sprintf("longer than %d bytes", maxRawQueryBytes)})
	} else if raw != "" {
		clauses = append(clauses, "("+raw+")")
	}
	limit, cursor, err := pageFrom(c)
	if err != nil {
		fail(c, err)
		return
	}
	if len(fields) > 0 {
		fail(c, domain.Invalid("invalid query", fields...))
		return
	}
	if limit == 0 {
		limit = 50
	}
	query := strings.Join(clauses, " AND ")
	token, err := decodeOpsCursor(query, cursor)
	if err != nil {
		fail(c, err)
		return
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), opsListTimeout)
	defer cancel()
	resp, err := s.temporal.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
		Query: query, PageSize: int32(limit), NextPageToken: token,
	})
	if err != nil {
		if len(token) > 0 && !isInvalidArgument(err) && s.listAnswers(c.Request.Context(), query) {
			// The same filter answers without the token: the token was at fault. Only a
			// forged cursor gets here (garbage fails the check above), and Temporal fails on
			// it with an error its SDK retries until the deadline.
			fail(c, domain.Invalid("invalid query", domain.FieldError{Field: "cursor", Message: "not accepted by the workflow service"}))
			return
		}
		fail(c, listError(err, raw != "", len(token) > 0))
		return
	}
	items := make([]workflowSummary, 0, len(resp.Executions))
	for _, e := range resp.Executions {
		sum := workflowSummary{WorkflowID: e.GetExecution().GetWorkflowId(), RunID: e.GetExecution().GetRunId(),
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
	c.JSON(http.StatusOK, list(items, encodeOpsCursor(query, resp.NextPageToken)))
}

// listAnswers reports whether the first page of query comes back promptly.
func (s *Server) listAnswers(ctx context.Context, query string) bool {
	ctx, cancel := context.WithTimeout(ctx, opsProbeTimeout)
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
// query when there is one. Running out of opsListTimeout is 503, like any dependency that
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
		return domain.Wrap(err, domain.CodeUnavailable, "the workflow service did not answer within %s; retry", opsListTimeout)
	}
	return workflowError(err)
}

// The operators' cursor wraps Temporal's page token with a check over the filter and the
// token, so that a cursor this list did not return, or one returned for another filter, is
// refused here with a 400 instead of reaching Temporal: Temporal fails on an unreadable token
// with an error its SDK retries until the call's deadline. The check is a digest, not a
// secret: it tells garbage from our cursors, which is what it is for.
const opsCursorCheck = 8

func encodeOpsCursor(query string, token []byte) string {
	if len(token) == 0 {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString(append(slices.Clip(token), opsCursorDigest(query, token)...))
}

func decodeOpsCursor(query, cursor string) ([]byte, error) {
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

// workflowHistory returns the raw history events of a workflow's latest run and the domain
// timeline recorded for its subject (who did what, when).
func (s *Server) workflowHistory(c *gin.Context) {
	if _, ok := require(c, domain.RoleOperator); !ok {
		return
	}
	id := c.Param("workflow_id")
	if strings.TrimSpace(id) == "" || len(id) > maxWorkflowIDSize {
		fail(c, domain.Invalid("invalid path", domain.FieldError{Field: "workflow_id", Message: fmt.Sprintf("must be 1-%d bytes", maxWorkflowIDSize)}))
		return
	}
	ctx := c.Request.Context()
	it := s.temporal.GetWorkflowHistory(ctx, id, "", false, 0)
	var events []any
	for it.HasNext() {
		e, err := it.Next()
		var invalid *serviceerror.InvalidArgument
		if errors.As(err, &invalid) { // an ID Temporal refuses names no workflow
			fail(c, domain.NotFound("workflow "+id))
			return
		}
		if err != nil {
			fail(c, notFoundOr(workflowError(err), "workflow "+id))
			return
		}
		raw, err := protojson.Marshal(e)
		if err != nil {
			fail(c, err)
			return
		}
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			fail(c, err)
			return
		}
		events = append(events, v)
	}
	timeline, err := s.store.WorkflowTimeline(ctx, id)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"workflow_id": id, "events": events, "timeline": timeline})
}

// notFoundOr turns "the process has completed" (how a missing workflow reads) into 404.
func notFoundOr(err error, what string) error {
	if closedProcess(err) {
		return domain.NotFound(what)
	}
	return err
}
