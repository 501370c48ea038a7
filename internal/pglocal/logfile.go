package pglocal

import (
	"fmt"
	"io"
	"os"
	"strings"
)

const (
	// maxLogSize is where Start rotates the server log, so that a dev cluster restarted for
	// months does not grow it without bound. One old generation (.1) is kept.
	maxLogSize = 16 << 20
	// tailLines is how many log lines an error message quotes.
	tailLines = 25
)

// rotateLog moves path to path.1 when it has grown past maxLogSize.
func rotateLog(path string) error {
	info, err := os.Stat(path)
	if err != nil || info.Size() < maxLogSize {
		return nil
	}
	return os.Rename(path, path+".1")
}

// openLog opens the server log for appending and returns the offset at which this run's
// output will begin, so that an error can quote only what this run wrote.
func openLog(path string) (*os.File, int64, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, 0, fmt.Errorf("open server log: %w", err)
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, fmt.Errorf("open server log: %w", err)
	}
	return f, info.Size(), nil
}

// logSince returns the last lines written to path after offset, or "" when there are none.
func logSince(path string, offset int64) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	const window = 16 << 10 // plenty for tailLines lines; keeps a huge log from being read whole
	info, err := f.Stat()
	if err != nil {
		return ""
	}
	start := max(offset, info.Size()-window)
	buf, err := io.ReadAll(io.NewSectionReader(f, start, info.Size()-start))
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(buf), "\n"), "\n")
	if start > offset && len(lines) > 1 {
		lines = lines[1:] // the window cut the first line
	}
	if len(lines) > tailLines {
		lines = lines[len(lines)-tailLines:]
	}
	if len(lines) == 1 && lines[0] == "" {
		return ""
	}
	return strings.Join(lines, "\n")
}

// withLog appends the tail of the server log to a failure message.
func withLog(err error, path string, offset int64) error {
	tail := logSince(path, offset)
	if tail == "" {
		return fmt.Errorf("%w (nothing in %s)", err, path)
	}
	return fmt.Errorf("%w; last lines of %s:\n%s", err, path, indent(tail))
}

func indent(s string) string {
	return "    " + strings.ReplaceAll(s, "\n", "\n    ")
}

func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}
