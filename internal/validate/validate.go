// Package validate checks what a person or a client sent against the rules its struct tags
// state (and the cross-field rules of Check methods), naming each offending field by the
// name the client used. Both transports, the JSON API and the web console, validate with
// it, so a field is refused with the same words whichever way it came.
package validate

import (
	"errors"
	"reflect"
	"regexp"
	"strings"

	"github.com/go-playground/validator/v10"

	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/internal/russianid"
)

// Validator checks structs; it is safe for concurrent use.
type Validator struct{ v *validator.Validate }

// New builds a Validator whose field names are the JSON names, with profdev's own tags:
// ident, year, inn, ogrn, snils and phone.
func New() *Validator {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			return ""
		}
		if name == "" {
			return f.Name
		}
		return name
	})
	_ = v.RegisterValidation("ident", func(fl validator.FieldLevel) bool { return Ident(fl.Field().String()) })
	_ = v.RegisterValidation("year", func(fl validator.FieldLevel) bool { return domain.ValidYear(int(fl.Field().Int())) })
	_ = v.RegisterValidation("inn", func(fl validator.FieldLevel) bool { return russianid.ValidINN(fl.Field().String()) })
	_ = v.RegisterValidation("ogrn", func(fl validator.FieldLevel) bool { return russianid.ValidOGRNAny(fl.Field().String()) })
	_ = v.RegisterValidation("snils", func(fl validator.FieldLevel) bool { return russianid.ValidSNILS(fl.Field().String()) })
	_ = v.RegisterValidation("phone", func(fl validator.FieldLevel) bool { return russianid.ValidRussianPhone(fl.Field().String()) })
	return &Validator{v: v}
}

// identRE is the shape of an organisation or person identifier in paths and bodies.
var identRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// Ident reports whether s is an identifier of an organisation or a person.
func Ident(s string) bool { return identRE.MatchString(s) }

// IdentMessage says what an identifier looks like.
const IdentMessage = "must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit"

// CrossFieldChecker is implemented by requests with rules that tags cannot express; its
// findings are reported together with the tag rules', so the client sees every problem.
type CrossFieldChecker interface {
	Check() []domain.FieldError
}

// Struct runs the tag rules and the Check method of v, returning an invalid error that
// names every offending field, or nil.
func (val *Validator) Struct(v any) error {
	rv := reflect.Indirect(reflect.ValueOf(v))
	if rv.Kind() != reflect.Struct {
		return nil // only structs carry validation rules
	}
	var fields []domain.FieldError
	err := val.v.Struct(v)
	var verrs validator.ValidationErrors
	switch {
	case errors.As(err, &verrs):
		for _, fe := range verrs {
			fields = append(fields, domain.FieldError{Field: fieldPath(fe.Namespace()), Message: fieldMessage(fe)})
		}
	case err != nil:
		return domain.Wrap(err, domain.CodeInvalid, "invalid request")
	}
	if c, ok := v.(CrossFieldChecker); ok {
		fields = append(fields, c.Check()...)
	}
	if len(fields) > 0 {
		return domain.Invalid("invalid request", fields...)
	}
	return nil
}

// fieldPath drops the Go type name that validator puts first: "Req.servant.snils" -> "servant.snils".
func fieldPath(ns string) string {
	if _, rest, ok := strings.Cut(ns, "."); ok {
		return rest
	}
	return ns
}

func fieldMessage(fe validator.FieldError) string {
	switch fe.Tag() {
	case "required", "required_if", "required_unless", "required_with":
		return "required"
	case "email":
		return "not an email address"
	case "oneof":
		return "must be one of: " + strings.ReplaceAll(fe.Param(), " ", ", ")
	case "min":
		if fe.Kind() == reflect.Slice || fe.Kind() == reflect.String {
			return "must have at least " + fe.Param() + " item(s) or characters"
		}
		return "must be at least " + fe.Param()
	case "max":
		if fe.Kind() == reflect.Slice || fe.Kind() == reflect.String {
			return "must have at most " + fe.Param() + " item(s) or characters"
		}
		return "must be at most " + fe.Param()
	case "gt":
		return "must be greater than " + fe.Param()
	case "gte":
		return "must be at least " + fe.Param()
	case "lte":
		return "must be at most " + fe.Param()
	case "ident":
		return IdentMessage
	case "unique":
		if fe.Param() != "" {
			return "each item's " + strings.ToLower(fe.Param()) + " must be unique"
		}
		return "must not repeat"
	case "year":
		return domain.YearMessage
	case "inn":
		return "not a valid INN (10 or 12 digits with valid check digits)"
	case "ogrn":
		return "not a valid OGRN (13 digits, or 15 for a sole entrepreneur, with a valid check digit)"
	case "snils":
		return "not a valid SNILS (XXX-XXX-XXX YY with a valid control number)"
	case "phone":
		return "not a Russian phone number (+7 and 10 digits)"
	}
	return "is not valid (" + fe.Tag() + ")"
}
