package domain

import (
	"time"

	"cloud.google.com/go/civil"
)

// Application is the read model of one application for inclusion in the registry.
type Application struct {
	ID           string            `json:"id"`
	WorkflowID   string            `json:"workflow_id"`
	Authority    string            `json:"authority"`
	Year         int               `json:"year"`
	ProviderID   string            `json:"provider_id"`
	Provider     ProviderDetails   `json:"provider"`
	Programmes   []Programme       `json:"programmes"`
	Status       ApplicationStatus `json:"status"`
	ReviewDue    *civil.Date       `json:"review_due"`
	ResubmitDue  *civil.Date       `json:"resubmit_due"`
	AdmissionDue civil.Date        `json:"admission_due"`
	Overdue      bool              `json:"overdue"`
	Reasons      []string          `json:"reasons"`
	SubmittedAt  time.Time         `json:"submitted_at"`
	DecidedAt    *time.Time        `json:"decided_at"`
	Revision     int               `json:"revision"`
}

// Admission is what enters the registry when an application is admitted.
type Admission struct {
	ApplicationID string
	WorkflowID    string // the membership workflow that will keep it
	ProviderID    string
	Authority     string
	Year          int
	Provider      ProviderDetails
	Programmes    []Programme
	At            time.Time
}

// Membership is a provider's standing in one authority's registry.
type Membership struct {
	ProviderID      string           `json:"provider_id"`
	Authority       string           `json:"authority"`
	Status          MembershipStatus `json:"status"`
	WorkflowID      string           `json:"workflow_id"`
	ApplicationID   string           `json:"application_id"`
	AdmittedAt      time.Time        `json:"admitted_at"`
	ExclusionReason string           `json:"exclusion_reason,omitempty"`
	ExcludedAt      *time.Time       `json:"excluded_at,omitempty"`
	Revision        int              `json:"revision"`
}
