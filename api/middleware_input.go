package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/profdev/profdev/internal/domain"
)

// maxParamBytes bounds every query and path value: identifiers are at most 200 characters,
// a raw Temporal list filter a few hundred.
const maxParamBytes = 2048

// checkInput validates what a request carries outside its JSON fields, once for every route,
// before the handler runs (and after authentication, so that a caller without a token learns
// nothing but 401):
//
//   - every query and path value is valid UTF-8 without control characters and at most
//     maxParamBytes long: PostgreSQL refuses invalid UTF-8 and NUL in a text parameter, and
//     what it refuses must be the caller's 400, not our 500;
//   - every parameter the OpenAPI document declares for the route is checked against its
//     schema there (type, enum, pattern, bounds, required), so the served contract is the
//     one enforced;
//   - the body is read in full (limitBody's cap gives 413) and may not hold an escaped NUL
//     (\u0000), which no text or jsonb column accepts.
//
// Each failure is a 400 naming the field; handlers still check what the document cannot say.
func (s *Server) checkInput() gin.HandlerFunc {
	return func(c *gin.Context) {
		query := c.Request.URL.Query()
		declared := declaredParams(c.Request.Method, c.FullPath())
		var inPath, inQuery []domain.FieldError
		for _, p := range c.Params {
			if msg := hostileValue(p.Value); msg != "" {
				inPath = append(inPath, domain.FieldError{Field: p.Key, Message: msg})
			} else if msg := declared.path[p.Key].check(p.Value); msg != "" {
				inPath = append(inPath, domain.FieldError{Field: p.Key, Message: msg})
			}
		}
		for _, key := range slices.Sorted(maps.Keys(query)) {
			spec, isDeclared := declared.query[key]
			for _, v := range query[key] {
				msg := hostileValue(v)
				if msg == "" && isDeclared {
					msg = spec.check(v)
				}
				if msg != "" {
					inQuery = append(inQuery, domain.FieldError{Field: strings.ToValidUTF8(key, "\uFFFD"), Message: msg})
					break
				}
			}
		}
		for _, name := range declared.required {
			if _, ok := query[name]; !ok {
				inQuery = append(inQuery, domain.FieldError{Field: name, Message: "required"})
			}
		}
		switch {
		case len(inPath) > 0:
			fail(c, domain.Invalid("invalid path", inPath...))
			return
		case len(inQuery) > 0:
			fail(c, domain.Invalid("invalid query", inQuery...))
			return
		}
		if c.Request.Body != nil && c.Request.Body != http.NoBody {
			body, err := io.ReadAll(c.Request.Body)
			var tooBig *http.MaxBytesError
			switch {
			case errors.As(err, &tooBig):
				tooLarge(c, tooBig.Limit)
				return
			case err != nil:
				fail(c, domain.Wrap(err, domain.CodeInvalid, "could not read the request body"))
				return
			case hasEscapedNUL(body):
				fail(c, domain.Invalid("invalid request", domain.FieldError{Field: nulField(body), Message: `holds a NUL character (\u0000)`}))
				return
			}
			c.Request.Body = io.NopCloser(bytes.NewReader(body))
		}
		c.Next()
	}
}

// hostileValue says what is wrong with a query or path value that no parameter accepts, or
// returns "".
func hostileValue(v string) string {
	if len(v) > maxParamBytes {
		return fmt.Sprintf("longer than %d bytes", maxParamBytes)
	}
	if !utf8.ValidString(v) {
		return "not valid UTF-8"
	}
	for _, r := range v {
		if r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0x7f {
			return "holds a control character"
		}
	}
	return ""
}

// hasEscapedNUL reports whether a JSON text holds the escape \u0000 in a string. Backslashes
// occur in strings only, and each starts an escape unless escaped itself, so a left-to-right
// scan that skips every escaped character finds exactly the escapes. (A raw NUL byte is not
// valid JSON; the decoder refuses it.)
func hasEscapedNUL(body []byte) bool {
	for i := 0; i < len(body); i++ {
		if body[i] != '\\' {
			continue
		}
		if i+5 < len(body) && body[i+1] == 'u' && string(body[i+2:i+6]) == "0000" {
			return true
		}
		i++ // the escaped character
	}
	return false
}

// nulField is the JSON path of the first string of body that holds a NUL, "(body)" when the
// body does not parse (the handler's decoder then says why).
func nulField(body []byte) string {
	var v any
	if json.Unmarshal(body, &v) != nil {
		return "(body)"
	}
	var find func(v any, path string) (string, bool)
	find = func(v any, path string) (string, bool) {
		switch x := v.(type) {
		case string:
			return path, strings.ContainsRune(x, 0)
		case []any:
			for i, e := range x {
				if p, ok := find(e, fmt.Sprintf("%s[%d]", path, i)); ok {
					return p, true
				}
			}
		case map[string]any:
			for _, k := range slices.Sorted(maps.Keys(x)) {
				sub := k
				if path != "" {
					sub = path + "." + k
				}
				if strings.ContainsRune(k, 0) {
					return sub, true
				}
				if p, ok := find(x[k], sub); ok {
					return p, true
				}
			}
		}
		return "", false
	}
	if p, ok := find(v, ""); ok && p != "" {
		return p
	}
	return "(body)"
}
