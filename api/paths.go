package api

import (
	"regexp"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/profdev/profdev/internal/domain"
)

// Path parameters that more than one process reads: the year of a reserve quota or of a
// planning cycle, and the IDs of records that are their workflow IDs.

// workflowIDRE: records whose IDs are their workflow IDs (plans; nominations are checked in
// internal/app) are longer than the identifiers of identRE.
var workflowIDRE = regexp.MustCompile(`^[A-Za-z0-9._-]{1,200}$`)

// pathYear reads a year (a cycle's, a quota's) from the path.
func pathYear(c *gin.Context) (int, error) {
	year, err := strconv.Atoi(c.Param("year"))
	if err != nil || !domain.ValidYear(year) {
		return 0, domain.Invalid("invalid path", domain.FieldError{Field: "year", Message: domain.YearMessage})
	}
	return year, nil
}
