package domain

import "time"

// Notification is one entry of the in-app feed, addressed to an audience.
type Notification struct {
	ID         int64     `json:"id"`
	WorkflowID string    `json:"workflow_id"`
	Step       string    `json:"step"`
	Audience   Audience  `json:"audience"`
	Subject    string    `json:"subject"`
	Body       string    `json:"body"`
	Link       string    `json:"link,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
}

// OutboxEmail is one email owed to one recipient for one notification.
type OutboxEmail struct {
	ID             int64
	NotificationID int64
	Recipient      string
	MessageID      string
	Attempts       int
}
