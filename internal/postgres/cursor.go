package postgres

import (
	"encoding/base64"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/profdev/profdev/internal/domain"
)

// Page is a request for one page of a keyset-paginated list.
type Page struct {
	Limit  int
	Cursor string
}

// Default and maximum page sizes of the HTTP contract.
const (
	DefaultLimit = 50
	MaxLimit     = 500
)

// limit returns the page size to use, one more than asked so the caller learns whether a
// next page exists without a second query.
func (p Page) limit() int {
	switch {
	case p.Limit <= 0:
		return DefaultLimit
	case p.Limit > MaxLimit:
		return MaxLimit
	}
	return p.Limit
}

// encodeIDCursor makes an opaque cursor from the last seen id.
func encodeIDCursor(id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(id, 10)))
}

// cursorEncoding is how cursors are written and read. Strict: a cursor is only ever one we
// wrote, so anything that merely resembles base64 (trailing bits set, "csv") is refused
// rather than decoded into garbage that reaches the query.
var cursorEncoding = base64.RawURLEncoding.Strict()

// maxCursorKey bounds the key inside a text cursor; the keys of every list are far shorter.
const maxCursorKey = 512

// errBadCursor is what every malformed cursor gets: a 400 naming the field.
func errBadCursor() error {
	return domain.Invalid("malformed cursor", domain.FieldError{Field: "cursor", Message: "not a cursor returned by this list"})
}

// decodeIDCursor reads a cursor made by encodeIDCursor; "" means the first page.
func decodeIDCursor(c string) (int64, error) {
	if c == "" {
		return 0, nil
	}
	raw, err := cursorEncoding.DecodeString(c)
	if err == nil {
		if id, perr := strconv.ParseInt(string(raw), 10, 64); perr == nil && id > 0 {
			return id, nil
		}
	}
	return 0, errBadCursor()
}

// encodeTextCursor and decodeTextCursor do the same for lists ordered by a text key.
func encodeTextCursor(key string) string {
	return cursorEncoding.EncodeToString([]byte(key))
}

// decodeTextCursor refuses what PostgreSQL would refuse as a text parameter (invalid UTF-8,
// NUL) along with everything else no list of ours ever returned: such a cursor is the
// caller's mistake (400), never a failed query (500).
func decodeTextCursor(c string) (string, error) {
	if c == "" {
		return "", nil
	}
	raw, err := cursorEncoding.DecodeString(c)
	if err != nil || len(raw) == 0 || len(raw) > maxCursorKey || !utf8.Valid(raw) || strings.ContainsRune(string(raw), 0) {
		return "", errBadCursor()
	}
	return string(raw), nil
}

// trimPage cuts the one extra row a list query fetched and, when there was one, returns
// the cursor of the page's last row: the caller learns of a next page without a count.
func trimPage[T any](rows []T, limit int, cursor func(T) string) ([]T, string) {
	if len(rows) <= limit {
		return rows, ""
	}
	rows = rows[:limit]
	return rows, cursor(rows[limit-1])
}
