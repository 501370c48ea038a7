package russianid_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/profdev/profdev/internal/russianid"
)

type boolCase struct {
	In   string
	Want bool
}

// checkBool runs fn over cases and reports every mismatch, all at once.
func checkBool(t *testing.T, name string, fn func(string) bool, cases []boolCase) {
	t.Helper()
	var got []boolCase
	for _, c := range cases {
		got = append(got, boolCase{c.In, fn(c.In)})
	}
	if diff := cmp.Diff(cases, got); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", name, diff)
	}
}

func TestValidINN(t *testing.T) {
	legal := []boolCase{
		{"7707083893", true}, // ПАО Сбербанк
		{"7736207543", true}, // ООО «Яндекс»
		{"7707083894", false},
		{"7707083883", false}, // a digit of the body changed
		{"0000000000", true},  // the rule alone accepts it
		{"770708389", false},
		{"77070838930", false},
		{"", false},
		{"77O7083893", false}, // a Latin O
		{"7707 083893", false},
		{" 7707083893", false},
		{"7707083893 ", false},
		{"-707083893", false},
		{"７７０７０８３８９３", false}, // full-width digits
	}
	individual := []boolCase{
		{"500100732259", true},
		{"771234567859", true},  // computed with the rule
		{"771234567858", false}, // 12th digit wrong
		{"771234567849", false}, // 11th digit wrong
		{"771234567759", false}, // a digit of the body changed
		{"77123456785", false},
		{"7712345678590", false},
		{"77123456785x", false},
		{"+71234567859", false},
	}
	checkBool(t, "ValidLegalEntityINN", russianid.ValidLegalEntityINN, legal)
	checkBool(t, "ValidIndividualINN", russianid.ValidIndividualINN, individual)

	// ValidINN accepts either kind, and each kind-specific function only its own.
	checkBool(t, "ValidINN", russianid.ValidINN, append(append([]boolCase{}, legal...), individual...))
	checkBool(t, "ValidLegalEntityINN on individual INNs", russianid.ValidLegalEntityINN,
		[]boolCase{{"500100732259", false}, {"771234567859", false}})
	checkBool(t, "ValidIndividualINN on legal entity INNs", russianid.ValidIndividualINN,
		[]boolCase{{"7707083893", false}, {"7736207543", false}})
}

func TestValidOGRN(t *testing.T) {
	checkBool(t, "ValidOGRN", russianid.ValidOGRN, []boolCase{
		{"1027700132195", true}, // ПАО Сбербанк
		{"1027700229193", true},
		{"1027700132194", false},
		{"1027700132295", false},
		{"102770013219", false},
		{"10277001321950", false},
		{"304500116000157", false}, // an ОГРНИП
		{"", false},
		{"1O27700132195", false},
		{"1027700132195\n", false},
	})
	checkBool(t, "ValidOGRNIP", russianid.ValidOGRNIP, []boolCase{
		{"304500116000157", true},
		{"304500116000158", false},
		{"304500116001157", false},
		{"30450011600015", false},
		{"3045001160001570", false},
		{"1027700132195", false}, // an ОГРН
		{"", false},
		{"30450011600015a", false},
	})
	checkBool(t, "ValidOGRNAny", russianid.ValidOGRNAny, []boolCase{
		{"1027700132195", true},
		{"1027700229193", true},
		{"304500116000157", true},
		{"1027700132194", false},
		{"304500116000158", false},
		{"10277001321950", false}, // 14 digits: neither
		{"7707083893", false},     // an ИНН
		{"", false},
	})
}

func TestValidSNILS(t *testing.T) {
	tests := []struct {
		in, want string // want: the normalized form, "" if invalid
	}{
		{"112-233-445 95", "112-233-445 95"},
		{"11223344595", "112-233-445 95"},
		// The edges of the control number rule (sum of digit × weight 9..1):
		{"920-000-002 99", "920-000-002 99"}, // sum 99
		{"920-000-003 00", "920-000-003 00"}, // sum 100
		{"920-000-004 00", "920-000-004 00"}, // sum 101
		{"920-000-005 01", "920-000-005 01"}, // sum 102: 102 mod 101
		{"996-100-000 00", "996-100-000 00"}, // sum 201: 201 mod 101 = 100 -> 00
		{"92000000300", "920-000-003 00"},
		{"920-000-003 100", ""},
		{"920-000-003 01", ""},
		{"920-000-004 01", ""},
		{"996-100-000 100", ""},
		{"996-100-000 99", ""},
		// Up to 001-001-998 the control number is not checked.
		{"000-000-000 00", "000-000-000 00"},
		{"001-001-998 00", "001-001-998 00"},
		{"001-001-998 42", "001-001-998 42"},
		{"00100199842", "001-001-998 42"},
		{"001-001-999 65", "001-001-999 65"}, // the first checked number
		{"001-001-999 00", ""},
		// Wrong check digits, forms and lengths.
		{"112-233-445 96", ""},
		{"112-233-446 95", ""},
		{"11223344596", ""},
		{"112-233-44595", ""},
		{"112-233-445-95", ""},
		{"112 233 445 95", ""},
		{"112233445 95", ""},
		{"112-233-445  95", ""},
		{" 112-233-445 95", ""},
		{"112-233-445 95 ", ""},
		{"1122334459", ""},
		{"112233445950", ""},
		{"112-233-445 9", ""},
		{"", ""},
		{"112-2З3-445 95", ""}, // a Cyrillic З
		{"abc-def-ghi jk", ""},
	}
	type result struct {
		Normalized string
		OK, Valid  bool
	}
	for _, tt := range tests {
		want := result{tt.want, tt.want != "", tt.want != ""}
		norm, ok := russianid.NormalizeSNILS(tt.in)
		got := result{norm, ok, russianid.ValidSNILS(tt.in)}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("SNILS %q mismatch (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestNormalizePhone(t *testing.T) {
	tests := []struct {
		in, want string // want: the normalized form, "" if invalid
	}{
		{"+7 (495) 123-45-67", "+74951234567"},
		{"8 495 1234567", "+74951234567"},
		{"+74951234567", "+74951234567"},
		{"84951234567", "+74951234567"},
		{"74951234567", "+74951234567"},
		{"8 (495) 123-45-67", "+74951234567"},
		{"+7(495)1234567", "+74951234567"},
		{"+7 495 123 45 67", "+74951234567"},
		{"8-912-345-67-89", "+79123456789"},
		{"+7 (912) 345 67 89", "+79123456789"},
		{"8 (800) 555-35-35", "+78005553535"},
		{"+7 (4 95) 123-45-67", "+74951234567"},
		// Wrong country code, length or form.
		{"", ""},
		{"+", ""},
		{"+7", ""},
		{"+8 495 1234567", ""},
		{"+84951234567", ""},
		{"94951234567", ""},
		{"+1 495 123 45 67", ""},
		{"4951234567", ""},               // no country code
		{"(495) 123-45-67", ""},          // no country code, starts with '('
		{"+7 495 123456", ""},            // 10 digits
		{"+7 495 12345678", ""},          // 12 digits
		{"+7 (495 123-45-67", ""},        // unclosed
		{"+7 495) 123-45-67", ""},        // unopened
		{"+7 ((495)) 123-45-67", ""},     // nested
		{"+7 (495) (123) 45-67", ""},     // two pairs
		{"+7 () 495 123-45-67", ""},      // empty
		{"+7 (495) 123-45-67)", ""},      // ends with ')'
		{"+ 7 495 123 45 67", ""},        // '+' not followed by 7
		{"+(7) 495 123 45 67", ""},       // idem
		{"++74951234567", ""},            // two pluses
		{"7+4951234567", ""},             // '+' inside
		{" +74951234567", ""},            // leading space
		{"+74951234567 ", ""},            // trailing space
		{"-84951234567", ""},             // leading hyphen
		{"+7.495.123.45.67", ""},         // dots
		{"+7 495 123-45-67 доб. 12", ""}, // extension
		{"+7 495 123-45-6x", ""},
		{"+7\u00a0495\u00a01234567", ""}, // no-break spaces
		{"+７４９５１２３４５６７", ""},             // full-width digits
	}
	type result struct {
		Normalized string
		OK, Valid  bool
	}
	for _, tt := range tests {
		want := result{tt.want, tt.want != "", tt.want != ""}
		norm, ok := russianid.NormalizePhone(tt.in)
		got := result{norm, ok, russianid.ValidRussianPhone(tt.in)}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("phone %q mismatch (-want +got):\n%s", tt.in, diff)
		}
	}
}
