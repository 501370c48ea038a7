package domain

import (
	"errors"
	"fmt"
)

// Code classifies an Error. The values are the error codes of the HTTP contract.
type Code string

// The error codes of ../shared/API.md.
const (
	CodeInvalid             Code = "invalid"
	CodeUnauthenticated     Code = "unauthenticated"
	CodeForbidden           Code = "forbidden"
	CodeNotFound            Code = "not_found"
	CodeConflict            Code = "conflict"
	CodeIdempotencyConflict Code = "idempotency_conflict"
	CodeUnavailable         Code = "unavailable"
	CodeInternal            Code = "internal"
)

// FieldError names one offending input field by its JSON path (e.g. "servant.snils").
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error is the one error type that crosses layers. Message is safe to show to a client;
// Err, when set, is the underlying cause and is never shown to a client.
type Error struct {
	Code    Code
	Message string
	Fields  []FieldError
	Err     error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf builds an Error with a formatted client-safe message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Wrap attaches a cause to a new Error; the cause is kept for logs only.
func Wrap(err error, code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Err: err}
}

// Invalid reports bad input, naming each offending field.
func Invalid(message string, fields ...FieldError) *Error {
	return &Error{Code: CodeInvalid, Message: message, Fields: fields}
}

// NotFound reports an unknown record or one outside the caller's scope; the two are
// deliberately indistinguishable to the caller.
func NotFound(what string) *Error {
	return &Error{Code: CodeNotFound, Message: what + " not found"}
}

// Conflict reports a step that the current state does not allow; message says why.
func Conflict(format string, args ...any) *Error {
	return Errorf(CodeConflict, format, args...)
}

// Forbidden reports a caller whose role may not take this step.
func Forbidden(format string, args ...any) *Error {
	return Errorf(CodeForbidden, format, args...)
}

// ErrorCode returns the Code of err, CodeInternal when err is not an *Error, and "" for nil.
func ErrorCode(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// IsCode reports whether err is an *Error with the given code.
func IsCode(err error, code Code) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == code
}
