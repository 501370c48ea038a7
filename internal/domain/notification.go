package domain

import (
	"strings"
	"time"
)

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

// ConsolePath is the web console's page of the record an API link names: the console's
// paths are the API's without the /api/v1 prefix (/api/v1/certificates/MT-2026-000042 is
// shown at /certificates/MT-2026-000042), so one link serves feed, email and client alike.
func ConsolePath(apiLink string) string {
	if rest, ok := strings.CutPrefix(apiLink, "/api/v1/"); ok {
		return "/" + rest
	}
	return apiLink
}
