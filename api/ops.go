package api

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"go.temporal.io/api/workflowservice/v1"
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
	if q := strings.TrimSpace(c.Query("query")); q != "" {
		clauses = append(clauses, "("+q+")")
	}
	if len(fields) > 0 {
		fail(c, domain.Invalid("invalid query", fields...))
		return
	}
	limit, cursor, err := pageFrom(c)
	if err != nil {
		fail(c, err)
		return
	}
	if limit == 0 {
		limit = 50
	}
	token, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil {
		fail(c, domain.Invalid("invalid query", domain.FieldError{Field: "cursor", Message: "not a cursor returned by this list"}))
		return
	}
	resp, err := s.temporal.ListWorkflow(c.Request.Context(), &workflowservice.ListWorkflowExecutionsRequest{
		Query: strings.Join(clauses, " AND "), PageSize: int32(limit), NextPageToken: token,
	})
	if err != nil {
		// A malformed raw query is the caller's mistake, not an outage.
		if c.Query("query") != "" {
			fail(c, domain.Invalid("invalid query", domain.FieldError{Field: "query", Message: "not a valid Temporal list filter: " + err.Error()}))
			return
		}
		fail(c, workflowError(err))
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
	c.JSON(http.StatusOK, list(items, base64.RawURLEncoding.EncodeToString(resp.NextPageToken)))
}

// workflowHistory returns the raw history events of a workflow's latest run and the domain
// timeline recorded for its subject (who did what, when).
func (s *Server) workflowHistory(c *gin.Context) {
	if _, ok := require(c, domain.RoleOperator); !ok {
		return
	}
	id := c.Param("workflow_id")
	ctx := c.Request.Context()
	it := s.temporal.GetWorkflowHistory(ctx, id, "", false, 0)
	var events []any
	for it.HasNext() {
		e, err := it.Next()
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
