package domain

import "time"

// Event is one step of a process as users see it in a timeline: who did what, when.
// Workflows produce events; the store keeps them in order; the API shows them.
type Event struct {
	Seq     int            `json:"seq"`
	At      time.Time      `json:"at"`
	Actor   Actor          `json:"actor"`
	Action  string         `json:"action"`
	Details map[string]any `json:"details,omitempty"`
}

// SystemActor is the actor of steps the workflow takes by itself (deadlines, reminders).
var SystemActor = Actor{Sub: "system", Name: "profdev", Role: "system"}
