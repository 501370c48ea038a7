package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/internal/postgres"
	"github.com/profdev/profdev/internal/validate"
)

// bindJSON decodes the body strictly (unknown fields and trailing data are errors) and
// validates it, returning a 400 error that names each offending field.
func (s *Server) bindJSON(c *gin.Context, dst any) error {
	body, err := io.ReadAll(c.Request.Body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return domain.Invalid(fmt.Sprintf("request body is larger than %d bytes", tooBig.Limit))
		}
		return domain.Wrap(err, domain.CodeInvalid, "could not read the request body")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return decodeError(err)
	}
	if dec.More() {
		return domain.Invalid("the body holds more than one JSON value")
	}
	return s.validate(dst)
}

// decodeStrict decodes one JSON value into dst, refusing unknown fields.
func decodeStrict(raw []byte, dst any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return decodeError(err)
	}
	return nil
}

// validate runs the shared validator (internal/validate) over a bound request.
func (s *Server) validate(v any) error { return s.validator.Struct(v) }

// decodeError names the field a JSON decoding error is about.
func decodeError(err error) error {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			field = "(body)"
		}
		return domain.Invalid("invalid request", domain.FieldError{Field: field, Message: "must be of type " + typeErr.Type.String()})
	case errors.As(err, &syntaxErr):
		return domain.Invalid("the body is not valid JSON (at byte " + strconv.FormatInt(syntaxErr.Offset, 10) + ")")
	case errors.Is(err, io.EOF):
		return domain.Invalid("the request body is empty; a JSON object is expected")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return domain.Invalid("the body is truncated JSON")
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return domain.Invalid("invalid request", domain.FieldError{Field: strings.Trim(name, `"`), Message: "unknown field"})
	}
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return domain.Invalid(fmt.Sprintf("request body is larger than %d bytes", tooBig.Limit))
	}
	return domain.Wrap(err, domain.CodeInvalid, "the body is not valid JSON")
}

// pathIdent reads a path parameter that must be an identifier.
func pathIdent(c *gin.Context, name string) (string, error) {
	v := c.Param(name)
	if !validate.Ident(v) {
		return "", domain.Invalid("invalid path", domain.FieldError{Field: name, Message: "must be 1-64 letters, digits, '.', '_' or '-'"})
	}
	return v, nil
}

// pageFrom reads ?limit= and ?cursor=.
func pageFrom(c *gin.Context) (limit int, cursor string, err error) {
	cursor = c.Query("cursor")
	raw := c.Query("limit")
	if raw == "" {
		return 0, cursor, nil
	}
	limit, convErr := strconv.Atoi(raw)
	if convErr != nil || limit < 1 || limit > 500 {
		return 0, "", domain.Invalid("invalid query", domain.FieldError{Field: "limit", Message: "must be a whole number from 1 to 500"})
	}
	return limit, cursor, nil
}

// listBody is the list envelope of the contract.
type listBody[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor"`
}

func list[T any](items []T, next string) listBody[T] {
	if items == nil {
		items = []T{}
	}
	return listBody[T]{Items: items, NextCursor: next}
}

// respond writes body with status, or the error response when err is set.
func respond(c *gin.Context, status int, body any, err error) {
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(status, body)
}

// queryYear reads ?year= (0 when absent).
func queryYear(c *gin.Context) (int, error) {
	raw := c.Query("year")
	if raw == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || !domain.ValidYear(n) {
		return 0, domain.Invalid("invalid query", domain.FieldError{Field: "year", Message: domain.YearMessage})
	}
	return n, nil
}

// queryBool reads an optional true/false query parameter (nil when absent).
func queryBool(c *gin.Context, name string) (*bool, error) {
	raw := c.Query(name)
	if raw == "" {
		return nil, nil
	}
	v, err := strconv.ParseBool(raw)
	if err != nil {
		return nil, domain.Invalid("invalid query", domain.FieldError{Field: name, Message: "must be true or false"})
	}
	return &v, nil
}

// pageOf reads ?limit= and ?cursor= as a store page.
func pageOf(c *gin.Context) (postgres.Page, error) {
	limit, cursor, err := pageFrom(c)
	return postgres.Page{Limit: limit, Cursor: cursor}, err
}
