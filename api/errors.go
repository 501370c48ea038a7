package api

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/rs/zerolog"

	"github.com/profdev/profdev/internal/domain"
)

// statusOf is the one table that maps an error code to an HTTP status.
var statusOf = map[domain.Code]int{
	domain.CodeInvalid:             http.StatusBadRequest,
	domain.CodeUnauthenticated:     http.StatusUnauthorized,
	domain.CodeForbidden:           http.StatusForbidden,
	domain.CodeNotFound:            http.StatusNotFound,
	domain.CodeConflict:            http.StatusConflict,
	domain.CodeIdempotencyConflict: http.StatusConflict,
	domain.CodeUnavailable:         http.StatusServiceUnavailable,
	domain.CodeInternal:            http.StatusInternalServerError,
}

// ErrorBody is the error document of the HTTP contract.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail says what went wrong in client-safe words.
type ErrorDetail struct {
	Code    domain.Code         `json:"code"`
	Message string              `json:"message"`
	Fields  []domain.FieldError `json:"fields,omitempty"`
}

// fail writes err as the contract's error body and aborts the request. Errors that are not
// a *domain.Error are internal: the client gets a generic message, the log gets the cause.
// This is the only place errors are logged.
func fail(c *gin.Context, err error) {
	var de *domain.Error
	if !errors.As(err, &de) {
		de = &domain.Error{Code: domain.CodeInternal, Message: "internal error", Err: err}
	}
	status, ok := statusOf[de.Code]
	if !ok {
		status = http.StatusInternalServerError
	}
	msg := de.Message
	if status >= 500 && de.Code == domain.CodeInternal {
		msg = "internal error"
	}
	log := zerolog.Ctx(c.Request.Context())
	ev := log.Info()
	if status >= 500 {
		ev = log.Error()
	}
	ev.Err(err).Str("code", string(de.Code)).Msg("request failed")
	c.AbortWithStatusJSON(status, ErrorBody{Error: ErrorDetail{Code: de.Code, Message: msg, Fields: de.Fields}})
}
