// Package russianid checks the Russian identifiers the API accepts for education providers and
// civil servants: the check digits of ИНН (taxpayer number), ОГРН and ОГРНИП (state
// registration numbers), the control number of СНИЛС (individual insurance account number),
// and the form of a Russian phone number.
//
// The functions only check the form and the check digits: a number that passes may still not
// have been issued, and nothing here calls a register. They are pure and safe for concurrent
// use, so they can back the validator/v10 tags registered elsewhere.
//
// Input is ASCII: identifiers are digits only (СНИЛС may also use its printed form, see
// ValidSNILS), with no surrounding spaces; full-width or other Unicode digits are rejected.
// Where a canonical form is useful to store, a Normalize function returns it together with
// the verdict.
package russianid

// digits reports whether s is exactly n ASCII decimal digits.
func digits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < n; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
