package russianid_test

import (
	"strings"
	"testing"

	"github.com/profdev/profdev/internal/russianid"
)

func allASCIIDigits(s string) bool {
	return strings.Trim(s, "0123456789") == ""
}

// FuzzValidINN checks that ValidINN never panics and agrees with the reference
// implementation of the property test.
func FuzzValidINN(f *testing.F) {
	for _, s := range []string{
		"7707083893", "7736207543", "500100732259", "771234567859", "7707083894",
		"", "0", "77070838930", "77O7083893", "７７０７０８３８９３", "\xff\xfe", "1027700132195",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := russianid.ValidINN(s)
		want := (len(s) == 10 || len(s) == 12) && allASCIIDigits(s) && refValid(s, innRaw)
		if got != want {
			t.Errorf("ValidINN(%q) = %v, want %v", s, got, want)
		}
		if russianid.ValidLegalEntityINN(s) && russianid.ValidIndividualINN(s) {
			t.Errorf("%q is valid as both kinds of ИНН", s)
		}
	})
}

// FuzzNormalizeSNILS checks that NormalizeSNILS never panics, agrees with ValidSNILS and
// returns a canonical form that is valid and normalizes to itself.
func FuzzNormalizeSNILS(f *testing.F) {
	for _, s := range []string{"112-233-445 95", "11223344595", "001-001-998 42", "996-100-000 00", "", "112-233-445-95"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		norm, ok := russianid.NormalizeSNILS(s)
		if valid := russianid.ValidSNILS(s); valid != ok {
			t.Fatalf("ValidSNILS(%q) = %v but NormalizeSNILS ok = %v", s, valid, ok)
		}
		if !ok {
			if norm != "" {
				t.Errorf("NormalizeSNILS(%q) = %q, false", s, norm)
			}
			return
		}
		if again, ok := russianid.NormalizeSNILS(norm); !ok || again != norm {
			t.Errorf("NormalizeSNILS(%q) = %q, whose normalization is %q, %v", s, norm, again, ok)
		}
		plain := strings.NewReplacer("-", "", " ", "").Replace(norm)
		if len(norm) != 14 || len(plain) != 11 || !allASCIIDigits(plain) {
			t.Errorf("NormalizeSNILS(%q) = %q, not in the form XXX-XXX-XXX YY", s, norm)
		}
	})
}

// FuzzNormalizePhone checks that NormalizePhone never panics, agrees with ValidRussianPhone
// and returns +7 and ten digits, which normalize to themselves.
func FuzzNormalizePhone(f *testing.F) {
	for _, s := range []string{"+7 (495) 123-45-67", "8 495 1234567", "+74951234567", "", "+", "(", "+7 (495", "8)"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		norm, ok := russianid.NormalizePhone(s)
		if valid := russianid.ValidRussianPhone(s); valid != ok {
			t.Fatalf("ValidRussianPhone(%q) = %v but NormalizePhone ok = %v", s, valid, ok)
		}
		if !ok {
			if norm != "" {
				t.Errorf("NormalizePhone(%q) = %q, false", s, norm)
			}
			return
		}
		if len(norm) != 12 || !strings.HasPrefix(norm, "+7") || !allASCIIDigits(norm[1:]) {
			t.Errorf("NormalizePhone(%q) = %q, not +7 and ten digits", s, norm)
		}
		if again, ok := russianid.NormalizePhone(norm); !ok || again != norm {
			t.Errorf("NormalizePhone(%q) = %q, whose normalization is %q, %v", s, norm, again, ok)
		}
	})
}
