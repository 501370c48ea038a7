package russianid

// Weights of the ИНН check digits. A check digit is the weighted sum of the digits before it,
// mod 11, mod 10.
var (
	innWeights10 = [...]int{2, 4, 10, 3, 5, 9, 4, 6, 8}       // 10th digit of a legal entity's ИНН
	innWeights11 = [...]int{7, 2, 4, 10, 3, 5, 9, 4, 6, 8}    // 11th digit of an individual's ИНН
	innWeights12 = [...]int{3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8} // 12th digit of an individual's ИНН
)

// innCheck reports whether s[len(w)] is the check digit of s[:len(w)] under weights w.
// s must be all digits and longer than w.
func innCheck(s string, w []int) bool {
	sum := 0
	for i, k := range w {
		sum += k * int(s[i]-'0')
	}
	return int(s[len(w)]-'0') == sum%11%10
}

// ValidINN reports whether s is a well-formed ИНН (идентификационный номер
// налогоплательщика, taxpayer identification number) with correct check digits, of either
// kind: ValidLegalEntityINN or ValidIndividualINN. s must be digits only, without spaces.
func ValidINN(s string) bool {
	return ValidLegalEntityINN(s) || ValidIndividualINN(s)
}

// ValidLegalEntityINN reports whether s is the ИНН of a legal entity (ИНН юридического лица):
// 10 digits, the last being the check digit: the sum of the first nine digits with weights
// 2, 4, 10, 3, 5, 9, 4, 6, 8, mod 11, mod 10.
func ValidLegalEntityINN(s string) bool {
	return digits(s, 10) && innCheck(s, innWeights10[:])
}

// ValidIndividualINN reports whether s is the ИНН of an individual (ИНН физического лица),
// which is also the ИНН of a sole entrepreneur (индивидуальный предприниматель): 12 digits,
// the last two being check digits. The 11th is the sum of the first ten digits with weights
// 7, 2, 4, 10, 3, 5, 9, 4, 6, 8, mod 11, mod 10; the 12th is the sum of the first eleven with
// weights 3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8, mod 11, mod 10.
func ValidIndividualINN(s string) bool {
	return digits(s, 12) && innCheck(s, innWeights11[:]) && innCheck(s, innWeights12[:])
}
