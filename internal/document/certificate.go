package document

import (
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"cloud.google.com/go/civil"
)

// Programme kinds accepted in Certificate.ProgrammeKind.
const (
	KindQualificationUpgrade = "qualification_upgrade" // повышение квалификации
	KindRetraining           = "retraining"            // профессиональная переподготовка
)

// SignatureKind says what signs a certificate's PDF, so that the document
// states only what is true about its signature.
type SignatureKind int

const (
	// SignatureNonQualified is a non-qualified electronic signature made
	// with a key of the development PKI or another local key. The PDF says
	// so in a red stamp and in the footer, and that it has no legal force
	// of a qualified signature. It is the zero value: a Certificate never
	// claims a qualified signature by omission.
	SignatureNonQualified SignatureKind = iota
	// SignatureQualified is the enhanced qualified electronic signature
	// (усиленная квалифицированная электронная подпись, УКЭП) made by the
	// authority's remote signing service. Only such a PDF says it is
	// signed with one.
	SignatureQualified
)

func (k SignatureKind) String() string {
	switch k {
	case SignatureNonQualified:
		return "non-qualified"
	case SignatureQualified:
		return "qualified"
	}
	return "SignatureKind(" + strconv.Itoa(int(k)) + ")"
}

// Certificate is everything printed on one certificate or duplicate.
type Certificate struct {
	Number          string    // unique certificate number, e.g. MT-2026-000123
	IssuedAt        time.Time // issue instant; also the PDF creation and modification date
	Issuer          string    // full name of the issuing authority
	ServantName     string    // ФИО of the civil servant
	ServantPosition string    // position the servant holds
	AgencyName      string    // state body the servant serves in
	ProgrammeCode   string
	ProgrammeTitle  string
	ProgrammeKind   string // KindQualificationUpgrade or KindRetraining
	Hours           int    // academic hours of the programme
	Amount          float64
	ProviderName    string
	StartBy         civil.Date // training must start no later than this date
	EndBy           civil.Date // training must end no later than this date
	Year            int        // the year the certificate is issued for
	Duplicate       int        // 0 for the original, N for the N-th duplicate
	VerificationURL string     // public verification page, printed and QR-encoded
	// Signature is what will sign the PDF: SignatureQualified only for the
	// authority's remote signing service. The zero value is
	// SignatureNonQualified.
	Signature SignatureKind
}

// Limits on text lengths, in runes. They are generous for real data and make
// sure the fit-to-page layout always finds a font size at which everything
// fits (TestRenderMaxLengthsFit renders all of them at once).
const (
	maxShortText = 64   // Number, ProgrammeCode
	maxName      = 300  // ServantName
	maxLongText  = 500  // Issuer, ServantPosition, AgencyName, ProviderName
	maxTitle     = 1000 // ProgrammeTitle
	maxURL       = 200  // VerificationURL, bytes; keeps the QR code at version 10 or less
)

// ValidationError lists what is wrong with a Certificate. Callers can detect it
// with errors.As to treat it as a permanent (non-retryable) failure: rendering
// the same input again cannot succeed.
type ValidationError struct {
	Missing  []string // names of required fields that are empty or zero
	Problems []string // other problems, each naming its field
}

func (e *ValidationError) Error() string {
	var parts []string
	if len(e.Missing) > 0 {
		parts = append(parts, "missing required fields: "+strings.Join(e.Missing, ", "))
	}
	parts = append(parts, e.Problems...)
	return "document: invalid certificate: " + strings.Join(parts, "; ")
}

// Validate reports whether c can be rendered. It returns nil or a
// *ValidationError.
func (c Certificate) Validate() error {
	_, err := c.normalize()
	return err
}

// normalize validates c and returns a copy whose text fields are cleaned for
// printing. Fields are checked in struct order so the error text is stable.
func (c Certificate) normalize() (Certificate, error) {
	v := &ValidationError{}
	text := func(name string, s *string, limit int) {
		*s = cleanText(*s)
		switch n := utf8.RuneCountInString(*s); {
		case n == 0:
			v.Missing = append(v.Missing, name)
			return
		case n > limit:
			v.Problems = append(v.Problems, fmt.Sprintf("%s is %d characters long, at most %d allowed", name, n, limit))
		}
		if r, ok := unprintable(*s); ok {
			v.Problems = append(v.Problems, fmt.Sprintf("%s contains character %U that the certificate font cannot print", name, r))
		}
	}
	text("Number", &c.Number, maxShortText)
	if c.IssuedAt.IsZero() {
		v.Missing = append(v.Missing, "IssuedAt")
	} else if y := c.IssuedAt.UTC().Year(); y < 2000 || y > 9999 {
		v.Problems = append(v.Problems, fmt.Sprintf("IssuedAt year %d is out of range", y))
	}
	text("Issuer", &c.Issuer, maxLongText)
	text("ServantName", &c.ServantName, maxName)
	text("ServantPosition", &c.ServantPosition, maxLongText)
	text("AgencyName", &c.AgencyName, maxLongText)
	text("ProgrammeCode", &c.ProgrammeCode, maxShortText)
	text("ProgrammeTitle", &c.ProgrammeTitle, maxTitle)
	switch c.ProgrammeKind = strings.TrimSpace(c.ProgrammeKind); c.ProgrammeKind {
	case "":
		v.Missing = append(v.Missing, "ProgrammeKind")
	case KindQualificationUpgrade, KindRetraining:
	default:
		v.Problems = append(v.Problems, fmt.Sprintf("ProgrammeKind %q is not %q or %q", c.ProgrammeKind, KindQualificationUpgrade, KindRetraining))
	}
	switch {
	case c.Hours == 0:
		v.Missing = append(v.Missing, "Hours")
	case c.Hours < 0 || c.Hours > 10000:
		v.Problems = append(v.Problems, fmt.Sprintf("Hours %d is out of range", c.Hours))
	}
	switch {
	case c.Amount == 0:
		v.Missing = append(v.Missing, "Amount")
	case math.IsNaN(c.Amount) || c.Amount < 0 || c.Amount > 1e12:
		v.Problems = append(v.Problems, fmt.Sprintf("Amount %v is out of range", c.Amount))
	}
	text("ProviderName", &c.ProviderName, maxLongText)
	date := func(name string, d civil.Date) {
		if d.IsZero() {
			v.Missing = append(v.Missing, name)
		} else if !d.IsValid() || d.Year < 2000 || d.Year > 9999 {
			v.Problems = append(v.Problems, fmt.Sprintf("%s %s is not a valid date", name, d))
		}
	}
	date("StartBy", c.StartBy)
	date("EndBy", c.EndBy)
	if c.StartBy.IsValid() && c.EndBy.IsValid() && c.EndBy.Before(c.StartBy) {
		v.Problems = append(v.Problems, fmt.Sprintf("EndBy %s is before StartBy %s", c.EndBy, c.StartBy))
	}
	switch {
	case c.Year == 0:
		v.Missing = append(v.Missing, "Year")
	case c.Year < 2000 || c.Year > 9999:
		v.Problems = append(v.Problems, fmt.Sprintf("Year %d is out of range", c.Year))
	}
	if c.Duplicate < 0 {
		v.Problems = append(v.Problems, fmt.Sprintf("Duplicate %d is negative", c.Duplicate))
	}
	c.VerificationURL = strings.TrimSpace(c.VerificationURL)
	if c.VerificationURL == "" {
		v.Missing = append(v.Missing, "VerificationURL")
	} else if p := checkURL(c.VerificationURL); p != "" {
		v.Problems = append(v.Problems, "VerificationURL "+p)
	}
	if c.Signature != SignatureNonQualified && c.Signature != SignatureQualified {
		v.Problems = append(v.Problems, fmt.Sprintf("Signature %d is neither SignatureNonQualified nor SignatureQualified", int(c.Signature)))
	}
	if len(v.Missing) > 0 || len(v.Problems) > 0 {
		return c, v
	}
	return c, nil
}

// checkURL returns what is wrong with a verification URL, or "".
// The URL must be ASCII: it goes into the QR code in byte mode without an ECI
// header, and phone scanners disagree on how to read non-ASCII bytes there.
func checkURL(s string) string {
	if len(s) > maxURL {
		return fmt.Sprintf("is %d bytes long, at most %d allowed", len(s), maxURL)
	}
	for _, r := range s {
		if r <= ' ' || r >= utf8.RuneSelf {
			return "must be ASCII without spaces (percent-encode or punycode the rest)"
		}
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "must be an absolute http(s) URL"
	}
	return ""
}

// decomposed maps the Cyrillic letters that text pasted from some systems
// (macOS, PDF copies) carries in decomposed form to their precomposed letter.
// The Go fonts have no combining marks, so without this й would be rejected.
var decomposed = strings.NewReplacer(
	"и\u0306", "й", "И\u0306", "Й",
	"е\u0308", "ё", "Е\u0308", "Ё",
)

// cleanText makes a field printable on one logical line: it composes й/ё,
// drops invisible format characters (soft hyphen, zero-width space, BOM) and
// collapses any run of whitespace or control characters into a single space.
// The no-break space is kept: it is printable and deliberate.
func cleanText(s string) string {
	s = decomposed.Replace(s)
	var b strings.Builder
	space := false
	for _, r := range s {
		switch {
		case r == '\u00a0':
		case r == '\u00ad' || r == '\ufeff' || (r >= '\u200b' && r <= '\u200d') || r == '\u2060':
			continue
		case unicode.IsSpace(r) || unicode.IsControl(r):
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

// kindTitle is the printed name of a programme kind.
func kindTitle(kind string) string {
	if kind == KindRetraining {
		return "Профессиональная переподготовка"
	}
	return "Повышение квалификации"
}

// formatDate prints a date the Russian way, DD.MM.YYYY.
func formatDate(d civil.Date) string {
	return fmt.Sprintf("%02d.%02d.%04d", d.Day, int(d.Month), d.Year)
}

// moscow is fixed UTC+3 rather than time.LoadLocation("Europe/Moscow"): the
// printed issue date must not depend on the tzdata installed on the worker.
// Moscow has had no daylight saving time since 2014.
var moscow = time.FixedZone("MSK", 3*60*60)

// issueDate is the issue date as printed: the calendar day in Moscow, where
// federal documents are dated.
func issueDate(t time.Time) civil.Date {
	return civil.DateOf(t.In(moscow))
}

// formatAmount prints rubles with kopecks, grouping thousands with no-break
// spaces so the sum never wraps inside a number: 35000 -> «35 000,00 руб.».
func formatAmount(rubles float64) string {
	kop := int64(math.Round(rubles * 100))
	digits := strconv.FormatInt(kop/100, 10)
	var b strings.Builder
	for i, d := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteRune('\u00a0')
		}
		b.WriteRune(d)
	}
	return fmt.Sprintf("%s,%02d\u00a0руб.", b.String(), kop%100)
}

// formatHours prints the programme volume with the Russian plural form.
func formatHours(n int) string {
	word := "академических часов"
	switch {
	case n%100 >= 11 && n%100 <= 14:
	case n%10 == 1:
		word = "академический час"
	case n%10 >= 2 && n%10 <= 4:
		word = "академических часа"
	}
	return fmt.Sprintf("%d %s", n, word)
}
