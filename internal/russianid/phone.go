package russianid

// ValidRussianPhone reports whether s is a Russian phone number in one of the common written
// forms accepted by NormalizePhone.
func ValidRussianPhone(s string) bool {
	_, ok := NormalizePhone(s)
	return ok
}

// NormalizePhone returns the Russian phone number (номер телефона) s in the form +7XXXXXXXXXX
// and true, or "" and false if s is not one.
//
// Accepted are 11 digits, the first being the country code 7 or the domestic trunk prefix 8
// (which becomes +7), as commonly written: +7 (495) 123-45-67, 8 495 1234567, +74951234567,
// 8-912-345-67-89. Precisely: s starts with a digit or with '+' directly followed by 7, ends
// with a digit, and otherwise holds only digits, spaces, hyphens and at most one pair of
// parentheses with at least one digit between them (the area or mobile operator code).
// Anything else is rejected: letters, extensions, dots, surrounding spaces, +8, and 10 digits
// without the country code.
//
// Only the form is checked: any 10 digits after the 7 are accepted, so numbers of the other
// countries of the +7 zone (Kazakhstan) pass too.
func NormalizePhone(s string) (string, bool) {
	if s == "" || (s[0] != '+' && (s[0] < '0' || s[0] > '9')) {
		return "", false
	}
	i := 0
	plus := s[0] == '+'
	if plus {
		if len(s) < 2 || s[1] != '7' { // "+8", "+ 7", "+(7)"
			return "", false
		}
		i = 1
	}
	var d [11]byte
	n := 0
	const (
		noParen = iota
		inParen
		closedParen
	)
	paren, inside := noParen, 0 // inside: digits within the parentheses
	for ; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			if n == len(d) {
				return "", false
			}
			d[n] = c
			n++
			if paren == inParen {
				inside++
			}
		case c == ' ', c == '-':
		case c == '(':
			if paren != noParen {
				return "", false
			}
			paren = inParen
		case c == ')':
			if paren != inParen || inside == 0 {
				return "", false
			}
			paren = closedParen
		default:
			return "", false
		}
	}
	if last := s[len(s)-1]; last < '0' || last > '9' {
		return "", false
	}
	if n != len(d) || paren == inParen {
		return "", false
	}
	switch {
	case d[0] == '7':
	case d[0] == '8' && !plus:
	default:
		return "", false
	}
	return "+7" + string(d[1:]), true
}
