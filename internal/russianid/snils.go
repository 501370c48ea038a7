package russianid

// snilsUncheckedMax is the largest number (the first nine digits of a СНИЛС) to which the
// control number rule does not apply: 001-001-998.
const snilsUncheckedMax = 1001998

// parseSNILS returns the 11 digits of s, in either accepted form, and whether s has one of
// those forms.
func parseSNILS(s string) (d [11]byte, ok bool) {
	switch len(s) {
	case 11: // XXXXXXXXXXX
		if !digits(s, 11) {
			return d, false
		}
		copy(d[:], s)
		return d, true
	case 14: // XXX-XXX-XXX YY
		n := 0
		for i := 0; i < len(s); i++ {
			c := s[i]
			switch i {
			case 3, 7:
				if c != '-' {
					return d, false
				}
			case 11:
				if c != ' ' {
					return d, false
				}
			default:
				if c < '0' || c > '9' {
					return d, false
				}
				d[n] = c
				n++
			}
		}
		return d, true
	}
	return d, false
}

// snilsControl reports whether the last two of the digits d are the control number of the
// first nine.
func snilsControl(d [11]byte) bool {
	number, sum := 0, 0
	for i := 0; i < 9; i++ {
		v := int(d[i] - '0')
		number = number*10 + v
		sum += v * (9 - i)
	}
	if number <= snilsUncheckedMax {
		return true
	}
	var control int
	switch {
	case sum < 100:
		control = sum
	case sum == 100, sum == 101:
		control = 0
	default:
		control = sum % 101
		if control == 100 {
			control = 0
		}
	}
	return int(d[9]-'0')*10+int(d[10]-'0') == control
}

// ValidSNILS reports whether s is a well-formed СНИЛС (страховой номер индивидуального
// лицевого счёта, individual insurance account number) with a correct control number.
//
// s is either the printed form XXX-XXX-XXX YY (hyphens and a single space exactly there) or
// 11 digits. The first nine digits are the number and the last two its control number, set
// by the rule of the Pension Fund (now the Social Fund of Russia, СФР): each of the nine
// digits is multiplied by its weight, 9 for the first down to 1 for the ninth, and the
// products summed; if the sum is less than 100 it is the control number, if it is 100 or 101
// the control number is 00, and if it is greater than 101 the control number is the sum mod
// 101, with a remainder of 100 again giving 00. Numbers up to 001-001-998 were issued before
// the rule and are not checked: any control number is accepted for them.
func ValidSNILS(s string) bool {
	d, ok := parseSNILS(s)
	return ok && snilsControl(d)
}

// NormalizeSNILS returns s in the printed form XXX-XXX-XXX YY and true if ValidSNILS(s), and
// "" and false otherwise.
func NormalizeSNILS(s string) (string, bool) {
	d, ok := parseSNILS(s)
	if !ok || !snilsControl(d) {
		return "", false
	}
	b := make([]byte, 0, 14)
	b = append(b, d[0:3]...)
	b = append(b, '-')
	b = append(b, d[3:6]...)
	b = append(b, '-')
	b = append(b, d[6:9]...)
	b = append(b, ' ')
	b = append(b, d[9:11]...)
	return string(b), true
}
