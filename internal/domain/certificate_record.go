package domain

import (
	"time"

	"cloud.google.com/go/civil"
)

// Certificate is the read model of one certificate.
type Certificate struct {
	Number          string            `json:"number"`
	WorkflowID      string            `json:"workflow_id"`
	Authority       string            `json:"authority"`
	Year            int               `json:"year"`
	Agency          AgencyRef         `json:"agency"`
	Servant         Servant           `json:"servant"`
	ProviderID      string            `json:"provider_id"`
	Programme       Programme         `json:"programme"`
	Hours           int               `json:"hours"`
	Amount          float64           `json:"amount"`
	StartBy         civil.Date        `json:"start_by"`
	EndBy           civil.Date        `json:"end_by"`
	Status          CertificateStatus `json:"status"`
	Enrolment       *Enrolment        `json:"enrolment"`
	Outcome         *Outcome          `json:"outcome"`
	OutcomeDue      *civil.Date       `json:"outcome_due"`
	Overdue         bool              `json:"overdue"`
	Duplicates      int               `json:"duplicates"`
	AnnulmentReason string            `json:"annulment_reason,omitempty"`
	IssuedAt        *time.Time        `json:"issued_at"`
	BatchID         string            `json:"batch_id,omitempty"`
	Revision        int               `json:"revision"`
}
