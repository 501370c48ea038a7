package russianid_test

import (
	"math/big"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/profdev/profdev/internal/russianid"
)

// This file holds a reference implementation of the check digit rules, written differently
// from the package's (ОГРН through math/big, every rule as a remainder before its final
// reduction), a helper that completes a random body with correct check digits, and a property
// test over many numbers so made.

// rawCheck is one check field of a number as the reference sees it: s[pos:pos+width] must
// equal raw % reduce, where raw is the remainder before the final reduction (mod 11 or mod 13
// for ИНН and ОГРН, mod 101 for СНИЛС) and reduce is 10 or 100. raw depends only on s[:pos].
type rawCheck struct{ pos, width, raw, reduce int }

func digitAt(s string, i int) int { return int(s[i] - '0') }

func weighted(s string, weights ...int) int {
	sum := 0
	for i, w := range weights {
		sum += w * digitAt(s, i)
	}
	return sum
}

func innRaw(s string) []rawCheck {
	switch len(s) {
	case 10:
		return []rawCheck{{9, 1, weighted(s, 2, 4, 10, 3, 5, 9, 4, 6, 8) % 11, 10}}
	case 12:
		return []rawCheck{
			{10, 1, weighted(s, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8) % 11, 10},
			{11, 1, weighted(s, 3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8) % 11, 10},
		}
	}
	panic("innRaw: length " + strconv.Itoa(len(s)))
}

// ogrnRaw: the number before the last digit, mod 11 (13 digits, ОГРН) or 13 (15, ОГРНИП).
func ogrnRaw(s string) []rawCheck {
	m := map[int]int64{13: 11, 15: 13}[len(s)]
	if m == 0 {
		panic("ogrnRaw: length " + strconv.Itoa(len(s)))
	}
	n, ok := new(big.Int).SetString(s[:len(s)-1], 10)
	if !ok {
		panic("ogrnRaw: " + s)
	}
	r := new(big.Int).Mod(n, big.NewInt(m)).Int64()
	return []rawCheck{{len(s) - 1, 1, int(r), 10}}
}

// snilsRaw: the sum with weights 9..1 mod 101 (so 100 and 101 give 100 and 0), reduced mod
// 100 (so a remainder of 100 gives 00). s is the 11 plain digits.
func snilsRaw(s string) []rawCheck {
	return []rawCheck{{9, 2, weighted(s, 9, 8, 7, 6, 5, 4, 3, 2, 1) % 101, 100}}
}

// snilsUnchecked reports whether the rule does not apply to s: number up to 001-001-998.
func snilsUnchecked(s string) bool {
	n, _ := strconv.Atoi(s[:9])
	return n <= 1001998
}

func field(s string, c rawCheck) int {
	v, _ := strconv.Atoi(s[c.pos : c.pos+c.width])
	return v
}

// refValid reports whether every check field of s holds the value the reference computes.
func refValid(s string, raw func(string) []rawCheck) bool {
	for _, c := range raw(s) {
		if field(s, c) != c.raw%c.reduce {
			return false
		}
	}
	return true
}

// complete returns s with its check fields (whatever they hold) replaced by the correct check
// digits, filled in order, since a later check digit may cover an earlier one.
func complete(s string, raw func(string) []rawCheck) string {
	b := []byte(s)
	for j := range raw(s) {
		c := raw(string(b))[j]
		v := c.raw % c.reduce
		for k := c.width - 1; k >= 0; k-- {
			b[c.pos+k] = byte('0' + v%10)
			v /= 10
		}
	}
	return string(b)
}

func randomDigits(rng *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + rng.IntN(10))
	}
	return string(b)
}

// printedSNILS validates the 11 plain digits s in the printed form XXX-XXX-XXX YY.
func printedSNILS(s string) bool {
	return russianid.ValidSNILS(s[0:3] + "-" + s[3:6] + "-" + s[6:9] + " " + s[9:11])
}

func TestCompleteKnownNumbers(t *testing.T) {
	// The helper reproduces the check digits of the real numbers of the table tests.
	for _, tt := range []struct {
		s   string
		raw func(string) []rawCheck
	}{
		{"7707083893", innRaw},
		{"7736207543", innRaw},
		{"500100732259", innRaw},
		{"1027700132195", ogrnRaw},
		{"1027700229193", ogrnRaw},
		{"304500116000157", ogrnRaw},
		{"11223344595", snilsRaw},
	} {
		if got := complete(tt.s, tt.raw); got != tt.s {
			t.Errorf("complete(%s) = %s", tt.s, got)
		}
	}
}

// TestSingleDigitChanges makes many valid numbers with complete, and checks that every
// function accepts them and that changing any one digit makes them invalid, except where the
// rule allows it: a changed digit always changes the remainder (the moduli are prime and no
// weight or power of ten is a multiple of them), but the final reduction merges remainders
// (0 and 10 mod 11 both give the check digit 0; r and r+10 mod 13 give the same digit; 0 and
// 100 mod 101 both give 00), and СНИЛС numbers up to 001-001-998 are not checked.
func TestSingleDigitChanges(t *testing.T) {
	schemes := []struct {
		name      string
		length    int
		raw       func(string) []rawCheck
		funcs     map[string]func(string) bool // all must agree
		unchecked func(string) bool            // numbers outside the rule, nil if none
	}{
		{"legal entity INN", 10, innRaw, map[string]func(string) bool{
			"ValidINN": russianid.ValidINN, "ValidLegalEntityINN": russianid.ValidLegalEntityINN,
		}, nil},
		{"individual INN", 12, innRaw, map[string]func(string) bool{
			"ValidINN": russianid.ValidINN, "ValidIndividualINN": russianid.ValidIndividualINN,
		}, nil},
		{"OGRN", 13, ogrnRaw, map[string]func(string) bool{
			"ValidOGRN": russianid.ValidOGRN, "ValidOGRNAny": russianid.ValidOGRNAny,
		}, nil},
		{"OGRNIP", 15, ogrnRaw, map[string]func(string) bool{
			"ValidOGRNIP": russianid.ValidOGRNIP, "ValidOGRNAny": russianid.ValidOGRNAny,
		}, nil},
		{"SNILS", 11, snilsRaw, map[string]func(string) bool{
			"ValidSNILS": russianid.ValidSNILS, "ValidSNILS(printed)": printedSNILS,
		}, snilsUnchecked},
	}
	const numbers = 2000
	rng := rand.New(rand.NewPCG(20260511, 1))
	for _, sc := range schemes {
		t.Run(sc.name, func(t *testing.T) {
			unchecked := func(s string) bool { return sc.unchecked != nil && sc.unchecked(s) }
			survivors, errors := 0, 0
			for range numbers {
				s := complete(randomDigits(rng, sc.length), sc.raw)
				for unchecked(s) {
					s = complete(randomDigits(rng, sc.length), sc.raw)
				}
				for name, fn := range sc.funcs {
					if !fn(s) {
						t.Errorf("%s(%s) = false for a number with correct check digits", name, s)
					}
				}
				orig := sc.raw(s)
				for p := range len(s) {
					for c := byte('0'); c <= '9'; c++ {
						if c == s[p] {
							continue
						}
						m := s[:p] + string(c) + s[p+1:]
						want := refValid(m, sc.raw) || unchecked(m)
						for name, fn := range sc.funcs {
							if got := fn(m); got != want {
								t.Errorf("%s(%s) = %v, want %v (%s with digit %d changed)", name, m, got, want, s, p)
								errors++
							}
						}
						if !want || unchecked(m) {
							continue
						}
						// The change survived: it must be one the rule allows.
						survivors++
						for j, mc := range sc.raw(m) {
							switch {
							case p >= orig[j].pos:
								t.Errorf("%s -> %s: a changed check digit still validates", s, m)
							case mc.raw == orig[j].raw:
								t.Errorf("%s -> %s: the change left remainder %d of check %d unchanged", s, m, mc.raw, j)
							case mc.raw%mc.reduce != orig[j].raw%orig[j].reduce:
								t.Errorf("%s -> %s: check %d differs but the number validates", s, m, j)
							}
						}
					}
				}
				if errors > 20 {
					t.Fatal("too many errors")
				}
			}
			t.Logf("%d numbers, %d single-digit changes still valid through the final reduction", numbers, survivors)
		})
	}
}
