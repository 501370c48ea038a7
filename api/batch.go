package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"cloud.google.com/go/civil"
	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/workflows"
)

// dateField reads a YYYY-MM-DD date without failing the whole body, so that a bad date is
// reported against its field together with every other problem.
type dateField struct {
	civil.Date
}

func (d *dateField) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		d.Date, _ = civil.ParseDate(s)
	}
	return nil
}

func (d dateField) check(name string) []domain.FieldError {
	if !d.Date.IsValid() {
		return []domain.FieldError{{Field: name, Message: "required: a date YYYY-MM-DD"}}
	}
	return nil
}

// MaxBatchItems is the most items one batch may carry.
const MaxBatchItems = 10000

type batchRequest struct {
	Items []json.RawMessage `json:"items" validate:"required,min=1,max=10000"`
}

type batchResponse struct {
	BatchID  string                  `json:"batch_id"`
	Accepted int                     `json:"accepted"`
	Rejected []domain.BatchRejection `json:"rejected"`
}

// issueBatch validates each item, stores the accepted ones and starts the batch workflow
// without holding the request open; GET /certificates/batches/{id} reports progress.
func (s *Server) issueBatch(c *gin.Context) {
	actor, ok := require(c, domain.RoleMinistry)
	if !ok {
		return
	}
	var req batchRequest
	if err := s.bindJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	ctx := c.Request.Context()
	id, err := uuid.NewV7()
	if err != nil {
		fail(c, err)
		return
	}
	b := domain.Batch{ID: "batch-" + id.String(), Authority: actor.Authority, Actor: actor, Rejected: []domain.BatchRejection{}}
	eligible := map[string]error{} // one registry look-up per provider, programme and year
	var items []domain.BatchItem
	for i, raw := range req.Items {
		item, rej := s.batchItem(ctx, actor, raw, eligible)
		if rej != nil {
			b.Rejected = append(b.Rejected, domain.BatchRejection{Index: i, Error: *rej})
			continue
		}
		items = append(items, domain.BatchItem{Index: i, Request: item})
	}
	b.Accepted = len(items)
	if err := s.store.CreateBatch(ctx, b, items); err != nil {
		fail(c, err)
		return
	}
	if b.Accepted > 0 {
		_, err = s.temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
			ID: workflows.CertificateBatchWorkflowID(b.ID), TaskQueue: workflows.TaskQueue,
			WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		}, workflows.CertificateBatchWorkflowType, workflows.BatchInput{
			BatchID: b.ID, Authority: actor.Authority, Region: s.authorityRegion(ctx, actor.Authority),
			IssuedBy: actor, Terms: s.cfg.CertificateTerms, PublicBaseURL: s.cfg.PublicBaseURL,
		})
		if err != nil {
			fail(c, workflowError(err))
			return
		}
	}
	c.JSON(http.StatusAccepted, batchResponse{BatchID: b.ID, Accepted: b.Accepted, Rejected: b.Rejected})
}

// batchItem validates one item as POST /certificates would, returning it re-encoded.
func (s *Server) batchItem(ctx context.Context, actor domain.Actor, raw json.RawMessage, eligible map[string]error) (json.RawMessage, *domain.BatchRejectionError) {
	var r domain.CertificateRequest
	err := decodeStrict(raw, &r)
	if err == nil {
		err = s.validate(&r)
	}
	if err == nil {
		key := fmt.Sprintf("%s|%s|%d", r.ProviderID, r.ProgrammeCode, r.Year)
		e, seen := eligible[key]
		if !seen {
			_, e = s.store.ProgrammeForCertificate(ctx, actor.Authority, r.ProviderID, r.ProgrammeCode, r.Year)
			eligible[key] = e
		}
		err = e
	}
	if err != nil {
		var de *domain.Error
		if !errors.As(err, &de) || de.Code == domain.CodeInternal || de.Code == domain.CodeUnavailable {
			de = &domain.Error{Code: domain.CodeInvalid, Message: "the item could not be checked"}
		}
		return nil, &domain.BatchRejectionError{Code: de.Code, Message: de.Message, Fields: de.Fields}
	}
	out, _ := json.Marshal(r)
	return out, nil
}

func (s *Server) getBatch(c *gin.Context) {
	actor, ok := require(c, domain.RoleMinistry)
	if !ok {
		return
	}
	b, err := s.store.GetBatch(c.Request.Context(), c.Param("batch_id"))
	if err == nil && b.Authority != actor.Authority {
		err = domain.NotFound("batch " + c.Param("batch_id"))
	}
	if err != nil {
		fail(c, err)
		return
	}
	progress, err := s.store.BatchProgress(c.Request.Context(), b.ID)
	if err != nil {
		fail(c, err)
		return
	}
	done := 0
	for st, n := range progress {
		if st != "pending" && st != string(domain.CertificateIssuing) {
			done += n
		}
	}
	c.JSON(http.StatusOK, gin.H{"batch_id": b.ID, "accepted": b.Accepted, "rejected": len(b.Rejected),
		"by_status": progress, "done": done, "complete": done == b.Accepted, "created_at": b.CreatedAt})
}
