package devtemporal

import (
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/server/common/log"
	"go.temporal.io/server/common/log/tag"
	"go.uber.org/zap/zapcore"
)

// serverLogger adapts zerolog to the Temporal server's log.Logger.
//
// The server logs a great deal at Info level (every service start, shard
// acquisition, namespace cache refresh, ...), which drowns the output of
// `profdev dev`. Its Info messages are therefore written at infoLevel
// (Debug by default); devtemporal logs its own lifecycle messages at Info.
//
// Some warnings are noise as well, and are written at Debug: those listed
// in noisyWarnings, and, once stopping is set, all warnings and errors:
// while the services shut down one after the other, every internal client,
// poller and worker complains that its peer went away or its context was
// canceled. A failure to stop is reported by Server.Stop instead.
type serverLogger struct {
	zl        zerolog.Logger
	infoLevel zerolog.Level
	// stopping and building are shared by the loggers derived through With.
	stopping *atomic.Bool
	// building is set while temporal.NewServer runs: a Fatal then panics with a
	// *startupFatal, which Start recovers into an error (see newTemporal), instead
	// of exiting the process.
	building *atomic.Bool
}

// noisyWarnings are prefixes of server warnings that do not apply to a
// local dev server.
var noisyWarnings = []string{
	// profdev does not use Nexus, and its HTTP API would be one more
	// port to find.
	"HTTP API port has not been set",
}

var (
	_ log.Logger     = (*serverLogger)(nil)
	_ log.WithLogger = (*serverLogger)(nil)
)

func newServerLogger(zl zerolog.Logger, infoLevel zerolog.Level) *serverLogger {
	return &serverLogger{zl: zl, infoLevel: infoLevel, stopping: new(atomic.Bool), building: new(atomic.Bool)}
}

// quiet demotes all further warnings and errors to Debug; Stop calls it
// first.
func (l *serverLogger) quiet() { l.stopping.Store(true) }

func (l *serverLogger) Debug(msg string, tags ...tag.Tag) {
	l.write(zerolog.DebugLevel, msg, tags)
}

func (l *serverLogger) Info(msg string, tags ...tag.Tag) {
	l.write(l.infoLevel, msg, tags)
}

func (l *serverLogger) Warn(msg string, tags ...tag.Tag) {
	level := zerolog.WarnLevel
	if l.stopping.Load() || isNoisyWarning(msg) {
		level = zerolog.DebugLevel
	}
	l.write(level, msg, tags)
}

func isNoisyWarning(msg string) bool {
	for _, prefix := range noisyWarnings {
		if strings.HasPrefix(msg, prefix) {
			return true
		}
	}
	return false
}

func (l *serverLogger) Error(msg string, tags ...tag.Tag) {
	level := zerolog.ErrorLevel
	if l.stopping.Load() {
		level = zerolog.DebugLevel
	}
	l.write(level, msg, tags)
}

// DPanic panics only in the server's development mode; a dev server must
// keep running, so it is an error here.
func (l *serverLogger) DPanic(msg string, tags ...tag.Tag) {
	l.write(zerolog.ErrorLevel, msg, tags)
}

// Panic logs and then panics, as the server expects: code after a Panic call
// assumes it does not return.
func (l *serverLogger) Panic(msg string, tags ...tag.Tag) {
	addTags(l.zl.Panic(), tags).Msg(msg)
}

// Fatal logs and exits the process, as the server expects, once the server
// is built. While it is being built (temporal.NewServer: this is where each
// service binds its gRPC listener) it panics with a *startupFatal instead,
// which Start recovers: a port taken between choosing it and binding it is
// then a retry with other ports, or an error, rather than the end of
// profdev.
func (l *serverLogger) Fatal(msg string, tags ...tag.Tag) {
	if l.building.Load() {
		f := &startupFatal{msg: msg}
		for _, t := range tags {
			for k, v := range tagFields(t) {
				switch k {
				case "address":
					f.address = fmt.Sprint(v)
				case "service":
					f.service = fmt.Sprint(v)
				case "error":
					f.cause = fmt.Sprint(v)
				}
			}
		}
		addTags(l.zl.Debug(), tags).Msg(msg)
		panic(f)
	}
	addTags(l.zl.Fatal(), tags).Msg(msg)
}

// startupFatal is a Fatal of the server while it is being built.
type startupFatal struct {
	msg, address, service, cause string
}

func (f *startupFatal) Error() string {
	s := f.msg
	if f.service != "" {
		s += " (" + f.service + " service)"
	}
	if f.address != "" {
		s += " on " + f.address
	}
	if f.cause != "" {
		s += ": " + f.cause
	}
	return s
}

// bindFailure reports whether f is a listener that could not bind.
func (f *startupFatal) bindFailure() bool {
	return f.msg == "Failed to start gRPC listener"
}

// With returns a logger that adds tags to every message. Implementing it
// lets the server build per-component loggers without re-encoding the
// common tags on each call.
func (l *serverLogger) With(tags ...tag.Tag) log.Logger {
	ctx := l.zl.With()
	for _, t := range tags {
		for k, v := range tagFields(t) {
			ctx = ctx.Interface(k, v)
		}
	}
	return &serverLogger{zl: ctx.Logger(), infoLevel: l.infoLevel, stopping: l.stopping, building: l.building}
}

func (l *serverLogger) write(level zerolog.Level, msg string, tags []tag.Tag) {
	// WithLevel returns nil when the level is disabled, and addTags then
	// skips the (comparatively costly) tag encoding.
	addTags(l.zl.WithLevel(level), tags).Msg(msg)
}

func addTags(e *zerolog.Event, tags []tag.Tag) *zerolog.Event {
	if e == nil {
		return nil
	}
	for _, t := range tags {
		for k, v := range tagFields(t) {
			addField(e, k, v)
		}
	}
	return e
}

// tagFields flattens a tag into key/value pairs. Most server tags wrap a zap
// field; encoding it with a map encoder keeps every key zap would write
// (zap.Error can add an "errorVerbose" next to "error"), where
// tag.ZapTag.Value keeps an arbitrary one.
func tagFields(t tag.Tag) map[string]any {
	if zt, ok := t.(tag.ZapTag); ok {
		enc := zapcore.NewMapObjectEncoder()
		zt.Field().AddTo(enc)
		return enc.Fields
	}
	if t.Key() == "" {
		return nil
	}
	return map[string]any{t.Key(): t.Value()}
}

func addField(e *zerolog.Event, key string, value any) {
	if key == "" {
		return
	}
	switch v := value.(type) {
	case string:
		e.Str(key, v)
	case error:
		e.AnErr(key, v)
	case time.Duration:
		e.Dur(key, v)
	case time.Time:
		e.Time(key, v)
	case fmt.Stringer:
		e.Stringer(key, v)
	default:
		e.Interface(key, v)
	}
}

// sdkLogger adapts zerolog to the Temporal SDK's log.Logger, so that the
// client devtemporal dials does not print through the SDK's default logger.
type sdkLogger struct {
	zl zerolog.Logger
}

var _ sdklog.Logger = sdkLogger{}

func (l sdkLogger) Debug(msg string, keyvals ...any) { l.write(zerolog.DebugLevel, msg, keyvals) }
func (l sdkLogger) Info(msg string, keyvals ...any)  { l.write(zerolog.DebugLevel, msg, keyvals) }
func (l sdkLogger) Warn(msg string, keyvals ...any)  { l.write(zerolog.WarnLevel, msg, keyvals) }
func (l sdkLogger) Error(msg string, keyvals ...any) { l.write(zerolog.ErrorLevel, msg, keyvals) }

func (l sdkLogger) write(level zerolog.Level, msg string, keyvals []any) {
	e := l.zl.WithLevel(level)
	if e == nil {
		return
	}
	for i := 0; i < len(keyvals); i += 2 {
		key := fmt.Sprint(keyvals[i])
		if i+1 == len(keyvals) {
			// An odd trailing key has no value; keep it visible rather
			// than dropping it.
			e.Str("!BADKEY", key)
			break
		}
		addField(e, key, keyvals[i+1])
	}
	e.Msg(msg)
}
