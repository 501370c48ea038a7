package api

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"net/http"
	"regexp"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/profdev/profdev/internal/domain"
)

// RequestIDHeader carries the request ID in and out.
const RequestIDHeader = "X-Request-ID"

var requestIDRE = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)

// requestContext gives each request an ID (the caller's X-Request-ID when it is sane) and a
// logger carrying it, returns the ID in the response, and logs one line when the request ends.
func (s *Server) requestContext() gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		id := c.GetHeader(RequestIDHeader)
		if !requestIDRE.MatchString(id) {
			id = newRequestID()
		}
		c.Header(RequestIDHeader, id)
		log := s.log.With().Str("request_id", id).Logger()
		c.Request = c.Request.WithContext(log.WithContext(c.Request.Context()))
		c.Next()

		route := c.FullPath()
		status := c.Writer.Status()
		ev := zerolog.Ctx(c.Request.Context()).Info()
		if status >= 500 {
			ev = zerolog.Ctx(c.Request.Context()).Error()
		}
		ev.Str("method", c.Request.Method).Str("route", route).Int("status", status).
			Dur("latency", time.Since(start)).Int("bytes", c.Writer.Size()).Msg("request")
	}
}

func newRequestID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// recoverPanics turns a panic into a logged 500 with the contract's error body.
func (s *Server) recoverPanics() gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			if r := recover(); r != nil {
				if r == http.ErrAbortHandler {
					panic(r)
				}
				zerolog.Ctx(c.Request.Context()).Error().Str("panic", fmt.Sprint(r)).
					Bytes("stack", debug.Stack()).Msg("handler panicked")
				fail(c, domain.Errorf(domain.CodeInternal, "internal error"))
			}
		}()
		c.Next()
	}
}

// limitBody caps how much of a request body a handler may read. A body declared larger than
// the limit is refused here, before anything reads it; one that turns out larger (chunked, no
// Content-Length) is refused by checkInput, which reads it first. Either way: 413.
func (s *Server) limitBody() gin.HandlerFunc {
	return func(c *gin.Context) {
		limit := s.cfg.MaxBodyBytes
		if c.Request.ContentLength > limit {
			tooLarge(c, limit)
			return
		}
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, limit)
		c.Next()
	}
}

// tooLarge answers 413 with the contract's error body. The contract has no code of its own
// for it: the input is invalid, the status says how.
func tooLarge(c *gin.Context, limit int64) {
	msg := fmt.Sprintf("request body is larger than %d bytes", limit)
	zerolog.Ctx(c.Request.Context()).Info().Str("code", string(domain.CodeInvalid)).Msg("request failed: " + msg)
	c.AbortWithStatusJSON(http.StatusRequestEntityTooLarge, ErrorBody{Error: ErrorDetail{
		Code: domain.CodeInvalid, Message: msg, Fields: []domain.FieldError{{Field: "(body)", Message: msg}},
	}})
}

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

// paramSpec is the part of a parameter's schema in the OpenAPI document that checkInput
// enforces.
type paramSpec struct {
	typ       string // string, integer, number or boolean
	enum      []string
	pattern   *regexp.Regexp
	min, max  *float64
	maxLength *int
	minLength *int
	format    string // date: YYYY-MM-DD
}

// routeParams are the declared parameters of one operation.
type routeParams struct {
	path, query map[string]paramSpec
	required    []string // required query parameters
}

// check returns what is wrong with v, or "". The zero paramSpec accepts everything.
func (p paramSpec) check(v string) string {
	switch p.typ {
	case "integer":
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return "must be a whole number" + p.boundsText()
		}
		if p.min != nil && float64(n) < *p.min || p.max != nil && float64(n) > *p.max {
			return "must be a whole number" + p.boundsText()
		}
	case "number":
		n, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsNaN(n) || math.IsInf(n, 0) || p.min != nil && n < *p.min || p.max != nil && n > *p.max {
			return "must be a number" + p.boundsText()
		}
	case "boolean":
		if v != "true" && v != "false" {
			return "must be true or false"
		}
	}
	if len(p.enum) > 0 && !slices.Contains(p.enum, v) {
		return "must be one of: " + strings.Join(p.enum, ", ")
	}
	if p.maxLength != nil && utf8.RuneCountInString(v) > *p.maxLength {
		return fmt.Sprintf("must be at most %d characters", *p.maxLength)
	}
	if p.minLength != nil && utf8.RuneCountInString(v) < *p.minLength {
		return fmt.Sprintf("must be at least %d characters", *p.minLength)
	}
	if p.pattern != nil && !p.pattern.MatchString(v) {
		return "must match " + p.pattern.String()
	}
	if p.format == "date" {
		if _, err := time.Parse(time.DateOnly, v); err != nil {
			return "must be a date YYYY-MM-DD"
		}
	}
	return ""
}

func (p paramSpec) boundsText() string {
	switch {
	case p.min != nil && p.max != nil:
		return fmt.Sprintf(" from %v to %v", *p.min, *p.max)
	case p.min != nil:
		return fmt.Sprintf(" of at least %v", *p.min)
	case p.max != nil:
		return fmt.Sprintf(" of at most %v", *p.max)
	}
	return ""
}

// declaredParams returns the parameters the OpenAPI document declares for the operation
// (method and Gin route template); none for routes it does not describe.
func declaredParams(method, route string) routeParams {
	return openapiParams()[method+" "+route]
}

// openapiParams indexes the parameters of the served document by "METHOD /gin/route/:param".
// The document is embedded, and TestOpenAPIMatchesRoutes keeps it in step with the routes;
// a parameter schema this code cannot read is a programming error, found by the first test.
var openapiParams = sync.OnceValue(func() map[string]routeParams {
	idx, err := indexParams(openapiJSON)
	if err != nil {
		panic(fmt.Sprintf("api: parameters of the embedded OpenAPI description: %v", err))
	}
	return idx
})

var openapiPathParam = regexp.MustCompile(`\{([A-Za-z_]+)\}`)

func indexParams(doc []byte) (map[string]routeParams, error) {
	var d struct {
		Paths      map[string]map[string]json.RawMessage `json:"paths"`
		Components struct {
			Parameters map[string]json.RawMessage `json:"parameters"`
			Schemas    map[string]json.RawMessage `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(doc, &d); err != nil {
		return nil, err
	}
	type param struct {
		Ref      string          `json:"$ref"`
		Name     string          `json:"name"`
		In       string          `json:"in"`
		Required bool            `json:"required"`
		Schema   json.RawMessage `json:"schema"`
	}
	resolveParam := func(raw json.RawMessage) (param, error) {
		var p param
		if err := json.Unmarshal(raw, &p); err != nil {
			return p, err
		}
		if name, ok := strings.CutPrefix(p.Ref, "#/components/parameters/"); ok {
			def, found := d.Components.Parameters[name]
			if !found {
				return p, fmt.Errorf("no parameter %q", name)
			}
			p = param{}
			if err := json.Unmarshal(def, &p); err != nil {
				return p, err
			}
		}
		return p, nil
	}
	var readSchema func(raw json.RawMessage, depth int) (paramSpec, error)
	readSchema = func(raw json.RawMessage, depth int) (paramSpec, error) {
		var sch struct {
			Ref       string          `json:"$ref"`
			Type      json.RawMessage `json:"type"`
			Enum      []any           `json:"enum"`
			Pattern   string          `json:"pattern"`
			Minimum   *float64        `json:"minimum"`
			Maximum   *float64        `json:"maximum"`
			MaxLength *int            `json:"maxLength"`
			MinLength *int            `json:"minLength"`
			Format    string          `json:"format"`
		}
		if len(raw) == 0 {
			return paramSpec{}, nil
		}
		if err := json.Unmarshal(raw, &sch); err != nil {
			return paramSpec{}, err
		}
		if name, ok := strings.CutPrefix(sch.Ref, "#/components/schemas/"); ok {
			def, found := d.Components.Schemas[name]
			if !found || depth > 5 {
				return paramSpec{}, fmt.Errorf("no schema %q", name)
			}
			return readSchema(def, depth+1)
		}
		spec := paramSpec{min: sch.Minimum, max: sch.Maximum, maxLength: sch.MaxLength, minLength: sch.MinLength, format: sch.Format}
		if len(sch.Type) > 0 {
			// A single type, or [type, "null"]; a query value is never null.
			var one string
			var many []string
			if json.Unmarshal(sch.Type, &one) == nil {
				spec.typ = one
			} else if json.Unmarshal(sch.Type, &many) == nil {
				for _, t := range many {
					if t != "null" {
						spec.typ = t
					}
				}
			}
		}
		for _, e := range sch.Enum {
			spec.enum = append(spec.enum, fmt.Sprint(e))
		}
		if sch.Pattern != "" {
			re, err := regexp.Compile(sch.Pattern)
			if err != nil {
				return paramSpec{}, fmt.Errorf("pattern %q: %w", sch.Pattern, err)
			}
			spec.pattern = re
		}
		return spec, nil
	}

	idx := map[string]routeParams{}
	for path, item := range d.Paths {
		var shared []json.RawMessage // parameters of the path item apply to all its operations
		if raw, ok := item["parameters"]; ok {
			if err := json.Unmarshal(raw, &shared); err != nil {
				return nil, fmt.Errorf("%s: parameters: %w", path, err)
			}
		}
		route := openapiPathParam.ReplaceAllString(path, ":$1")
		for method, raw := range item {
			if method == "parameters" || !slices.Contains([]string{"get", "put", "post", "delete", "patch"}, method) {
				continue
			}
			var op struct {
				Parameters []json.RawMessage `json:"parameters"`
			}
			if err := json.Unmarshal(raw, &op); err != nil {
				return nil, fmt.Errorf("%s %s: %w", method, path, err)
			}
			rp := routeParams{path: map[string]paramSpec{}, query: map[string]paramSpec{}}
			for _, praw := range append(slices.Clone(shared), op.Parameters...) {
				p, err := resolveParam(praw)
				if err != nil {
					return nil, fmt.Errorf("%s %s: %w", method, path, err)
				}
				spec, err := readSchema(p.Schema, 0)
				if err != nil {
					return nil, fmt.Errorf("%s %s: parameter %s: %w", method, path, p.Name, err)
				}
				switch p.In {
				case "path":
					rp.path[p.Name] = spec
				case "query":
					rp.query[p.Name] = spec
					if p.Required {
						rp.required = append(rp.required, p.Name)
					}
				}
			}
			idx[strings.ToUpper(method)+" "+route] = rp
		}
	}
	return idx, nil
}

// metrics counts requests and observes latencies by route, method and status.
type metrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "profdev", Subsystem: "http", Name: "requests_total",
			Help: "HTTP requests served, by route template, method and status.",
		}, []string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "profdev", Subsystem: "http", Name: "request_duration_seconds",
			Help:    "HTTP request latency, by route template, method and status.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route", "method", "status"}),
	}
	reg.MustRegister(m.requests, m.latency)
	return m
}

func (m *metrics) middleware() gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		route := c.FullPath()
		if route == "" {
			route = "unmatched" // keeps label cardinality bounded under scans
		}
		status := strconv.Itoa(c.Writer.Status())
		m.requests.WithLabelValues(route, c.Request.Method, status).Inc()
		m.latency.WithLabelValues(route, c.Request.Method, status).Observe(time.Since(start).Seconds())
	}
}
