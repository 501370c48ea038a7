package domain

import "cloud.google.com/go/civil"

// Task is something waiting on a user, computed from the read models.
type Task struct {
	Kind      string      `json:"kind"`
	SubjectID string      `json:"subject_id"`
	Title     string      `json:"title"`
	Due       *civil.Date `json:"due"`
	Overdue   bool        `json:"overdue"`
}

// AgencyOverview is an agency's picture across processes.
type AgencyOverview struct {
	Agency  string                    `json:"agency"`
	Counts  map[string]map[string]int `json:"counts"`
	Overdue []Task                    `json:"overdue"`
}
