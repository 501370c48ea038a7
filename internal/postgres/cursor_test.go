package postgres

import (
	"strings"
	"testing"

	"github.com/profdev/profdev/internal/domain"
)

func TestCursorsRoundTrip(t *testing.T) {
	for _, key := range []string{"a", "MT-2025-000001", "agency-1", "reserve-nomination-2026-agency-1", "Кириллица"} {
		got, err := decodeTextCursor(encodeTextCursor(key))
		if err != nil || got != key {
			t.Errorf("text cursor of %q = %q, %v", key, got, err)
		}
	}
	for _, id := range []int64{1, 42, 1 << 40} {
		got, err := decodeIDCursor(encodeIDCursor(id))
		if err != nil || got != id {
			t.Errorf("id cursor of %d = %d, %v", id, got, err)
		}
	}
	if got, err := decodeTextCursor(""); err != nil || got != "" {
		t.Errorf("empty text cursor = %q, %v", got, err)
	}
	if got, err := decodeIDCursor(""); err != nil || got != 0 {
		t.Errorf("empty id cursor = %d, %v", got, err)
	}
}

// TestGarbageCursorsAreInvalid: every cursor no list returned is a 400 naming the cursor,
// in particular those that decode to bytes PostgreSQL refuses in a text parameter ("csv"
// decoded leniently is two bytes of invalid UTF-8: the 500 of issue 11).
func TestGarbageCursorsAreInvalid(t *testing.T) {
	garbage := []string{
		"csv", "html", "x", "====", "not a cursor", "%00", "..",
		encodeTextCursor("\xff\xfe"), encodeTextCursor("a\x00b"), encodeTextCursor(strings.Repeat("k", maxCursorKey+1)),
		encodeTextCursor("a") + "=", // padding is never written
	}
	for _, c := range garbage {
		if _, err := decodeTextCursor(c); !isCursorError(err) {
			t.Errorf("text cursor %q: %v, want invalid naming cursor", c, err)
		}
	}
	for _, c := range append(garbage, encodeTextCursor("12a"), encodeTextCursor("-1"), encodeTextCursor("0"), encodeTextCursor("99999999999999999999")) {
		if _, err := decodeIDCursor(c); !isCursorError(err) {
			t.Errorf("id cursor %q: %v, want invalid naming cursor", c, err)
		}
	}
}

func isCursorError(err error) bool {
	de, ok := err.(*domain.Error)
	return ok && de.Code == domain.CodeInvalid && len(de.Fields) == 1 && de.Fields[0].Field == "cursor"
}
