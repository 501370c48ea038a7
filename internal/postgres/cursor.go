package postgres

import (
	"encoding/base64"
	"strconv"

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

// decodeIDCursor reads a cursor made by encodeIDCursor; "" means the first page.
func decodeIDCursor(c string) (int64, error) {
	if c == "" {
		return 0, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err == nil {
		if id, perr := strconv.ParseInt(string(raw), 10, 64); perr == nil && id > 0 {
			return id, nil
		}
	}
	return 0, domain.Invalid("malformed cursor", domain.FieldError{Field: "cursor", Message: "not a cursor returned by this list"})
}

// encodeTextCursor and decodeTextCursor do the same for lists ordered by a text key.
func encodeTextCursor(key string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(key))
}

func decodeTextCursor(c string) (string, error) {
	if c == "" {
		return "", nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || len(raw) == 0 {
		return "", domain.Invalid("malformed cursor", domain.FieldError{Field: "cursor", Message: "not a cursor returned by this list"})
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
