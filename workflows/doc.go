// Package workflows holds profdev's Temporal workflows: deterministic code only. Nothing here
// does I/O, reads the wall clock (workflow.Now only), or ranges over a map to decide
// anything. Storage, signing, notification and calendar look-ups happen in activities; their
// results are recorded in history, so a replay takes the same path even after the calendar
// data or the code of an activity has changed.
package workflows

// TaskQueue is the one task queue profdev's workers poll.
const TaskQueue = "profdev"
