package russianid

// ogrnCheck reports whether the last digit of s is the number formed by the other digits,
// mod m, mod 10. s must be all digits.
func ogrnCheck(s string, m int) bool {
	r := 0
	for i := 0; i < len(s)-1; i++ {
		r = (r*10 + int(s[i]-'0')) % m
	}
	return int(s[len(s)-1]-'0') == r%10
}

// ValidOGRN reports whether s is a well-formed ОГРН (основной государственный регистрационный
// номер, primary state registration number of a legal entity): 13 digits, the last being the
// check digit: the number formed by the first 12 digits, mod 11, mod 10.
//
// Only the length and the check digit are checked, not the meaning of the other digits (the
// sign in the first, the year, the region).
func ValidOGRN(s string) bool {
	return digits(s, 13) && ogrnCheck(s, 11)
}

// ValidOGRNIP reports whether s is a well-formed ОГРНИП (основной государственный
// регистрационный номер индивидуального предпринимателя, primary state registration number of
// a sole entrepreneur): 15 digits, the last being the check digit: the number formed by the
// first 14 digits, mod 13, mod 10.
//
// As with ValidOGRN, only the length and the check digit are checked.
func ValidOGRNIP(s string) bool {
	return digits(s, 15) && ogrnCheck(s, 13)
}

// ValidOGRNAny reports whether s is a valid ОГРН (13 digits, ValidOGRN) or ОГРНИП (15 digits,
// ValidOGRNIP), for a field that may hold the registration number of either a legal entity or
// a sole entrepreneur.
func ValidOGRNAny(s string) bool {
	return ValidOGRN(s) || ValidOGRNIP(s)
}
