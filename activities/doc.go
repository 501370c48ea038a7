// Package activities holds profdev's Temporal activities: the only place where workflows
// touch the world (PostgreSQL, signing, mail, the calendar data). Activities are methods on
// structs that hold their dependencies, and every one is idempotent: its key comes from the
// workflow ID and the step, so a retry after a crash never creates, signs or sends twice.
// Errors that retrying cannot fix are returned as non-retryable application errors.
package activities

import (
	"errors"

	"go.temporal.io/sdk/temporal"

	"github.com/profdev/profdev/internal/domain"
)

// classify makes errors that no retry can fix (bad input, a refused step, a missing record)
// non-retryable, keeping the domain code as the error type so workflows can tell them apart.
func classify(err error) error {
	if err == nil {
		return nil
	}
	var de *domain.Error
	if errors.As(err, &de) {
		switch de.Code {
		case domain.CodeInvalid, domain.CodeConflict, domain.CodeNotFound, domain.CodeForbidden:
			return temporal.NewNonRetryableApplicationError(de.Message, string(de.Code), err)
		}
	}
	return err
}
