package domain

import "fmt"

// The years profdev accepts in a record or a query: the production calendar starts in 2019,
// and a year past 2100 is a typing mistake.
const (
	MinYear = 2019
	MaxYear = 2100
)

// ValidYear reports whether y is a year profdev accepts.
func ValidYear(y int) bool { return y >= MinYear && y <= MaxYear }

// YearMessage is what a field holding an unacceptable year is told.
var YearMessage = fmt.Sprintf("must be a year from %d to %d", MinYear, MaxYear)
