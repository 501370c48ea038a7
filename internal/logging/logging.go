// Package logging builds profdev's one zerolog logger and adapts it to the Temporal SDK's
// logger interface, so worker, client and workflow logs come out as the same structured JSON
// (the SDK's workflow logger wraps this adapter and drops lines during replay).
package logging

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/rs/zerolog"
	sdklog "go.temporal.io/sdk/log"
)

// Config chooses the level and the output format.
type Config struct {
	Level  string // debug, info, warn, error; default info
	Pretty bool   // human-readable console output (profdev dev on a terminal)
}

// New returns the process's root logger.
func New(cfg Config, w io.Writer) (zerolog.Logger, error) {
	if w == nil {
		w = os.Stderr
	}
	level := zerolog.InfoLevel
	if cfg.Level != "" {
		l, err := zerolog.ParseLevel(cfg.Level)
		if err != nil {
			return zerolog.Nop(), fmt.Errorf("logging: level %q: %w", cfg.Level, err)
		}
		level = l
	}
	zerolog.TimeFieldFormat = time.RFC3339Nano
	if cfg.Pretty {
		w = zerolog.ConsoleWriter{Out: w, TimeFormat: "15:04:05.000"}
	}
	return zerolog.New(w).Level(level).With().Timestamp().Logger(), nil
}

// SDK adapts a zerolog logger to the Temporal SDK's log.Logger and log.WithLogger.
type SDK struct {
	l zerolog.Logger
}

// NewSDK wraps l for client.Options.Logger.
func NewSDK(l zerolog.Logger) *SDK {
	return &SDK{l: l.With().Str("component", "temporal-sdk").Logger()}
}

var (
	_ sdklog.Logger     = (*SDK)(nil)
	_ sdklog.WithLogger = (*SDK)(nil)
)

func (s *SDK) Debug(msg string, keyvals ...any) { s.event(s.l.Debug(), keyvals).Msg(msg) }
func (s *SDK) Info(msg string, keyvals ...any)  { s.event(s.l.Info(), keyvals).Msg(msg) }
func (s *SDK) Warn(msg string, keyvals ...any)  { s.event(s.l.Warn(), keyvals).Msg(msg) }
func (s *SDK) Error(msg string, keyvals ...any) { s.event(s.l.Error(), keyvals).Msg(msg) }

// With returns a logger that adds keyvals to every line.
func (s *SDK) With(keyvals ...any) sdklog.Logger {
	return &SDK{l: s.event(nil, keyvals).ctx(s.l)}
}

// fields is both an event decorator and a context builder over the same key/value pairs.
type fields struct {
	e  *zerolog.Event
	kv []any
}

func (s *SDK) event(e *zerolog.Event, keyvals []any) fields {
	if e != nil {
		for i := 0; i < len(keyvals); i += 2 {
			e = e.Interface(key(keyvals, i), value(keyvals, i))
		}
	}
	return fields{e: e, kv: keyvals}
}

func (f fields) Msg(msg string) {
	if f.e != nil {
		f.e.Msg(msg)
	}
}

func (f fields) ctx(l zerolog.Logger) zerolog.Logger {
	c := l.With()
	for i := 0; i < len(f.kv); i += 2 {
		c = c.Interface(key(f.kv, i), value(f.kv, i))
	}
	return c.Logger()
}

func key(kv []any, i int) string {
	if k, ok := kv[i].(string); ok {
		return k
	}
	return fmt.Sprint(kv[i])
}

func value(kv []any, i int) any {
	if i+1 < len(kv) {
		if err, ok := kv[i+1].(error); ok {
			return err.Error()
		}
		return kv[i+1]
	}
	return "(missing)"
}
