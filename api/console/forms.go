package console

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"cloud.google.com/go/civil"

	"github.com/profdev/profdev/internal/domain"
)

// form reads typed values from a posted form, collecting a field error for each value that
// is not of its type, so that the person sees every problem at once.
type form struct {
	v      url.Values
	fields []domain.FieldError
}

func formOf(r *http.Request) *form { return &form{v: r.PostForm} }

func (f *form) str(name string) string { return strings.TrimSpace(f.v.Get(name)) }

func (f *form) int(name string) int {
	s := f.str(name)
	if s == "" {
		return 0
	}
	n, err := strconv.Atoi(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		f.fields = append(f.fields, domain.FieldError{Field: name, Message: "is not a number"})
	}
	return n
}

func (f *form) float(name string) float64 {
	s := strings.ReplaceAll(strings.ReplaceAll(f.str(name), " ", ""), ",", ".")
	if s == "" {
		return 0
	}
	x, err := strconv.ParseFloat(s, 64)
	if err != nil {
		f.fields = append(f.fields, domain.FieldError{Field: name, Message: "is not a number"})
	}
	return x
}

// date reads YYYY-MM-DD (what <input type=date> sends) or ДД.ММ.ГГГГ (what people type).
func (f *form) date(name string) civil.Date {
	s := f.str(name)
	if s == "" {
		return civil.Date{}
	}
	d, ok := parseDate(s)
	if !ok {
		f.fields = append(f.fields, domain.FieldError{Field: name, Message: "is not a date"})
	}
	return d
}

func parseDate(s string) (civil.Date, bool) {
	if d, err := civil.ParseDate(s); err == nil {
		return d, true
	}
	parts := strings.Split(s, ".")
	if len(parts) == 3 {
		if iso, err := civil.ParseDate(parts[2] + "-" + pad2(parts[1]) + "-" + pad2(parts[0])); err == nil {
			return iso, true
		}
	}
	return civil.Date{}, false
}

func pad2(s string) string {
	if len(s) == 1 {
		return "0" + s
	}
	return s
}

// check merges the type errors with the validator's: nil when all is well.
func (f *form) check(validationErr error) error {
	var fields []domain.FieldError
	seen := map[string]bool{}
	for _, fe := range f.fields {
		fields = append(fields, fe)
		seen[fe.Field] = true
	}
	if de := asDomain(validationErr); de != nil {
		for _, fe := range de.Fields {
			if !seen[fe.Field] {
				fields = append(fields, fe)
			}
		}
		if len(de.Fields) == 0 && len(fields) == 0 {
			return validationErr
		}
	} else if validationErr != nil {
		return validationErr
	}
	if len(fields) == 0 {
		return nil
	}
	return domain.Invalid("invalid request", fields...)
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }
