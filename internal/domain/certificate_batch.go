package domain

import (
	"encoding/json"
	"time"
)

// BatchRejection names a batch item refused at validation, by its index.
type BatchRejection struct {
	Index int                 `json:"index"`
	Error BatchRejectionError `json:"error"`
}

// BatchRejectionError is the error document of one refused item.
type BatchRejectionError struct {
	Code    Code         `json:"code"`
	Message string       `json:"message"`
	Fields  []FieldError `json:"fields,omitempty"`
}

// Batch is a batch issuance request as accepted.
type Batch struct {
	ID        string           `json:"batch_id"`
	Authority string           `json:"authority"`
	Actor     Actor            `json:"-"`
	Accepted  int              `json:"accepted"`
	Rejected  []BatchRejection `json:"rejected"`
	CreatedAt time.Time        `json:"created_at"`
}

// BatchItem is one accepted item waiting to be issued.
type BatchItem struct {
	Index   int             `json:"index"`
	Request json.RawMessage `json:"request"`
	Number  string          `json:"number,omitempty"`
}

// BatchItemState is where one item of a batch stands when it has no issued certificate:
// "refused" with the reason, or "waiting" (not numbered yet, or its certificate is still
// being formed and signed, for instance while the database or the signer is down).
type BatchItemState struct {
	Index  int    `json:"index"`
	Number string `json:"number,omitempty"`
	State  string `json:"state"`
	Reason string `json:"reason,omitempty"`
}

// SettledBatchItem is an item of a batch that is settled: its certificate is issued, or it
// is refused (at numbering, or by its certificate) with the code and reason.
type SettledBatchItem struct {
	Index   int    `json:"index"`
	Number  string `json:"number,omitempty"`
	Refused bool   `json:"refused,omitempty"`
	Code    Code   `json:"code,omitempty"`
	Reason  string `json:"reason,omitempty"`
}
