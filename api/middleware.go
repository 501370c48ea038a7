package api

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"regexp"
	"runtime/debug"
	"strconv"
	"time"

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
