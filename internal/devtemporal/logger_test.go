package devtemporal

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/rs/zerolog"
	"go.temporal.io/server/common/log"
	"go.temporal.io/server/common/log/tag"
)

func TestServerLoggerLevelsAndTags(t *testing.T) {
	var buf bytes.Buffer
	l := newServerLogger(zerolog.New(&buf), zerolog.DebugLevel)
	child := log.With(l, tag.NewStringTag("service", "history"))

	l.Info("shard acquired", tag.NewInt("shard-id", 1))
	l.Warn("HTTP API port has not been set. Nexus HTTP endpoints will not be available.")
	child.Warn("slow request", tag.Error(errors.New("boom")))
	l.quiet()
	child.Error("poll failed", tag.Error(errors.New("context canceled")))

	want := []map[string]any{
		{"level": "debug", "message": "shard acquired", "shard-id": float64(1)},
		{"level": "debug", "message": "HTTP API port has not been set. Nexus HTTP endpoints will not be available."},
		{"level": "warn", "message": "slow request", "service": "history", "error": "boom"},
		// Once stopping, the quiet flag reaches loggers derived earlier.
		{"level": "debug", "message": "poll failed", "service": "history", "error": "context canceled"},
	}
	if diff := cmp.Diff(want, decodeLines(t, &buf)); diff != "" {
		t.Errorf("log lines (-want +got):\n%s", diff)
	}
}

func TestServerLoggerSkipsDisabledLevels(t *testing.T) {
	var buf bytes.Buffer
	l := newServerLogger(zerolog.New(&buf).Level(zerolog.InfoLevel), zerolog.DebugLevel)
	l.Info("chatty")
	l.Debug("chattier")
	if buf.Len() != 0 {
		t.Errorf("got output %q, want none", buf.String())
	}
}

func TestSDKLogger(t *testing.T) {
	var buf bytes.Buffer
	l := sdkLogger{zl: zerolog.New(&buf)}
	l.Warn("poll failed", "TaskQueue", "q", "Attempt", 3, "dangling")
	want := []map[string]any{{
		"level": "warn", "message": "poll failed", "TaskQueue": "q", "Attempt": float64(3), "!BADKEY": "dangling",
	}}
	if diff := cmp.Diff(want, decodeLines(t, &buf)); diff != "" {
		t.Errorf("log lines (-want +got):\n%s", diff)
	}
}

func decodeLines(t *testing.T, buf *bytes.Buffer) []map[string]any {
	t.Helper()
	var lines []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("decode %q: %v", line, err)
		}
		lines = append(lines, m)
	}
	return lines
}
