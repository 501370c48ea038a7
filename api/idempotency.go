package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"io"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/rs/zerolog"

	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/internal/postgres"
)

// IdempotencyStore keeps the first response given under each (caller, Idempotency-Key).
type IdempotencyStore interface {
	ClaimIdempotencyKey(ctx context.Context, r postgres.IdempotentRequest) (*postgres.StoredResponse, error)
	CompleteIdempotencyKey(ctx context.Context, r postgres.IdempotentRequest, resp postgres.StoredResponse) error
	ReleaseIdempotencyKey(ctx context.Context, r postgres.IdempotentRequest) error
}

// IdempotencyKeyHeader is the header of the contract.
const IdempotencyKeyHeader = "Idempotency-Key"

// idempotent wraps a creating or deciding POST handler. With an Idempotency-Key, the first
// response (any status below 500) is stored and replayed to every retry with the same key
// and body; a different body under the same key is 409 idempotency_conflict. A 5xx is not
// stored, so a retry after an outage is served afresh. Keys are per caller.
func (s *Server) idempotent(h gin.HandlerFunc) gin.HandlerFunc {
	return func(c *gin.Context) {
		key := c.GetHeader(IdempotencyKeyHeader)
		if key == "" {
			h(c)
			return
		}
		if len(key) > 200 || !printable(key) {
			fail(c, domain.Invalid("invalid header", domain.FieldError{Field: IdempotencyKeyHeader, Message: "must be 1-200 printable ASCII characters"}))
			return
		}
		body, err := io.ReadAll(c.Request.Body)
		if err != nil {
			fail(c, decodeError(err))
			return
		}
		c.Request.Body = io.NopCloser(bytes.NewReader(body))
		req := postgres.IdempotentRequest{
			ActorSub:    actorOf(c).Sub,
			Key:         key,
			Method:      c.Request.Method,
			Path:        c.Request.URL.Path,
			RequestHash: requestHash(body),
		}
		ctx := c.Request.Context()
		stored, err := s.idem.ClaimIdempotencyKey(ctx, req)
		if err != nil {
			fail(c, err)
			return
		}
		if stored != nil {
			c.Header("Idempotent-Replayed", "true")
			c.Data(stored.Status, stored.ContentType, stored.Body)
			c.Abort()
			return
		}
		rec := &recordingWriter{ResponseWriter: c.Writer}
		c.Writer = rec
		h(c)

		// The request may have been cancelled by now; the bookkeeping must still happen.
		bg := context.WithoutCancel(ctx)
		status := rec.Status()
		if status >= http.StatusInternalServerError {
			if err := s.idem.ReleaseIdempotencyKey(bg, req); err != nil {
				zerolog.Ctx(ctx).Error().Err(err).Msg("could not release idempotency key")
			}
			return
		}
		resp := postgres.StoredResponse{Status: status, ContentType: rec.Header().Get("Content-Type"), Body: rec.body.Bytes()}
		if err := s.idem.CompleteIdempotencyKey(bg, req, resp); err != nil {
			zerolog.Ctx(ctx).Error().Err(err).Msg("could not store idempotent response")
		}
	}
}

// requestHash fingerprints the body; JSON is compacted first so that whitespace alone does
// not make a retry look like a different request.
func requestHash(body []byte) []byte {
	var buf bytes.Buffer
	if json.Compact(&buf, body) == nil {
		body = buf.Bytes()
	}
	sum := sha256.Sum256(body)
	return sum[:]
}

func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// recordingWriter keeps a copy of the response body for the idempotency store.
type recordingWriter struct {
	gin.ResponseWriter
	body bytes.Buffer
}

func (w *recordingWriter) Write(b []byte) (int, error) {
	w.body.Write(b)
	return w.ResponseWriter.Write(b)
}

func (w *recordingWriter) WriteString(s string) (int, error) {
	w.body.WriteString(s)
	return w.ResponseWriter.WriteString(s)
}
