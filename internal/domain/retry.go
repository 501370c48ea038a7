package domain

// permanentCodes are the codes of errors that trying the same step again cannot fix: the
// input is wrong, the caller may not, the record is not there, the state refuses the step,
// or the idempotency key was used for another request. Everything else (unavailable,
// internal, a code added later) is worth a retry.
//
// Unauthenticated is not here on purpose: an activity gets it from a dependency whose
// credentials an operator can renew, and then a retry succeeds.
var permanentCodes = [...]Code{CodeInvalid, CodeForbidden, CodeNotFound, CodeConflict, CodeIdempotencyConflict}

// Permanent reports whether an error with this code stays an error however often the same
// step is tried again. Activities fail at once on a permanent error (the worker makes it a
// non-retryable application error), and the API answers it with its own code.
func (c Code) Permanent() bool {
	for _, p := range permanentCodes {
		if c == p {
			return true
		}
	}
	return false
}

// PermanentCodes lists the permanent codes in a fixed order; the slice is the caller's own.
func PermanentCodes() []Code {
	return append([]Code(nil), permanentCodes[:]...)
}

// PermanentErrorTypes lists the permanent codes as strings, in the form a Temporal retry
// policy's NonRetryableErrorTypes takes (the worker uses the code as the error type).
func PermanentErrorTypes() []string {
	out := make([]string, len(permanentCodes))
	for i, c := range permanentCodes {
		out[i] = string(c)
	}
	return out
}
