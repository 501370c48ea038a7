// Package activities holds profdev's Temporal activities: the only place where workflows
// touch the world (PostgreSQL, signing, mail, the calendar data). Activities are methods on
// structs that hold their dependencies, and every one is idempotent: its key comes from the
// workflow ID and the step, so a retry after a crash never creates, signs or sends twice.
//
// Activities return domain errors as they come (*domain.Error, or a plain error for a
// fault of no code) and leave their classification to the worker's interceptor
// (worker.Interceptors): an error whose code is permanent (domain.Code.Permanent) fails the
// activity at once, anything else is retried, and the workflow sees the code as the error
// type and the client-safe message only.
package activities
