package api

import (
	"encoding/json"
	"net/http"

	"cloud.google.com/go/civil"
	"github.com/gin-gonic/gin"

	"github.com/profdev/profdev/internal/app"
	"github.com/profdev/profdev/internal/domain"
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
const MaxBatchItems = app.MaxBatchItems

type batchRequest struct {
	Items []json.RawMessage `json:"items" validate:"required,min=1,max=10000"`
}

// issueBatch reads and validates each item on its own, so that a bad item is refused by its
// index while the others go ahead; the application layer checks them against the registry
// and starts the batch. GET /certificates/batches/{id} reports progress.
func (s *Server) issueBatch(c *gin.Context) {
	if err := app.Require(actorOf(c), domain.RoleMinistry); err != nil {
		fail(c, err)
		return
	}
	var req batchRequest
	if err := s.bindJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	entries := make([]app.BatchEntry, len(req.Items))
	for i, raw := range req.Items {
		err := decodeStrict(raw, &entries[i].Request)
		if err == nil {
			err = s.validate(&entries[i].Request)
		}
		entries[i].Err = err
	}
	out, err := s.app.IssueBatch(c.Request.Context(), actorOf(c), entries)
	respond(c, http.StatusAccepted, out, err)
}

func (s *Server) getBatch(c *gin.Context) {
	out, err := s.app.Batch(c.Request.Context(), actorOf(c), c.Param("batch_id"))
	respond(c, http.StatusOK, out, err)
}
