package document

import (
	"errors"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/civil"
	"github.com/google/go-cmp/cmp"
)

func TestValidate(t *testing.T) {
	var v *ValidationError
	if err := (Certificate{}).Validate(); !errors.As(err, &v) {
		t.Fatalf("empty certificate: %v", err)
	}
	wantMissing := []string{"Number", "IssuedAt", "Issuer", "ServantName", "ServantPosition", "AgencyName",
		"ProgrammeCode", "ProgrammeTitle", "ProgrammeKind", "Hours", "Amount", "ProviderName",
		"StartBy", "EndBy", "Year", "VerificationURL"}
	if diff := cmp.Diff(wantMissing, v.Missing); diff != "" {
		t.Errorf("missing fields (-want +got):\n%s", diff)
	}
	if err := sample().Validate(); err != nil {
		t.Fatalf("sample: %v", err)
	}
	for _, tc := range []struct {
		name string
		edit func(*Certificate)
		want string
	}{
		{"blank name", func(c *Certificate) { c.ServantName = " \t\n " }, "missing required fields: ServantName"},
		{"kind", func(c *Certificate) { c.ProgrammeKind = "seminar" }, `ProgrammeKind "seminar"`},
		{"hours", func(c *Certificate) { c.Hours = -1 }, "Hours -1"},
		{"amount", func(c *Certificate) { c.Amount = -5 }, "Amount -5"},
		{"dates", func(c *Certificate) { c.EndBy = civil.Date{Year: 2026, Month: 3, Day: 1} }, "EndBy 2026-03-01 is before StartBy"},
		{"bad date", func(c *Certificate) { c.StartBy = civil.Date{Year: 2026, Month: 2, Day: 30} }, "StartBy 2026-02-30 is not a valid date"},
		{"emoji", func(c *Certificate) { c.ServantName += " 😀" }, "ServantName contains character U+1F600"},
		{"cjk", func(c *Certificate) { c.AgencyName = "部" }, "AgencyName contains character U+90E8"},
		{"too long", func(c *Certificate) { c.ProgrammeTitle = strings.Repeat("а", maxTitle+1) }, "ProgrammeTitle is 1001 characters long"},
		{"url scheme", func(c *Certificate) { c.VerificationURL = "ftp://x.ru/1" }, "VerificationURL must be an absolute http(s) URL"},
		{"url ascii", func(c *Certificate) { c.VerificationURL = "https://сертификат.рф/1" }, "VerificationURL must be ASCII"},
		{"duplicate", func(c *Certificate) { c.Duplicate = -1 }, "Duplicate -1"},
		{"signature", func(c *Certificate) { c.Signature = 7 }, "Signature 7 is neither"},
	} {
		c := sample()
		tc.edit(&c)
		_, _, err := Render(c)
		if !errors.As(err, &v) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want a ValidationError with %q", tc.name, err, tc.want)
		}
	}
}

func TestCleanText(t *testing.T) {
	for in, want := range map[string]string{
		"  Иванов\n\tИван  ":        "Иванов Иван",
		"Андреи\u0306 Е\u0308жиков": "Андрей Ёжиков", // decomposed й and Ё
		"авто\u00adматизация\u200b": "автоматизация",
		"35\u00a0000":               "35\u00a0000",
	} {
		if got := cleanText(in); got != want {
			t.Errorf("cleanText(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestFormatting(t *testing.T) {
	for in, want := range map[float64]string{35000: "35 000,00 руб.", 0.5: "0,50 руб.", 1234567.891: "1 234 567,89 руб.", 999: "999,00 руб."} {
		if got := strings.ReplaceAll(formatAmount(in), "\u00a0", " "); got != want {
			t.Errorf("formatAmount(%v) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[int]string{1: "1 академический час", 2: "2 академических часа", 5: "5 академических часов",
		11: "11 академических часов", 21: "21 академический час", 72: "72 академических часа", 112: "112 академических часов"} {
		if got := formatHours(in); got != want {
			t.Errorf("formatHours(%d) = %q, want %q", in, got, want)
		}
	}
	// 22:30 UTC on 31 December is already 1 January in Moscow.
	if got := issueDate(time.Date(2025, 12, 31, 22, 30, 0, 0, time.UTC)); got != (civil.Date{Year: 2026, Month: 1, Day: 1}) {
		t.Errorf("issue date = %s, want 2026-01-01", got)
	}
}
