package domain

import (
	"fmt"

	"cloud.google.com/go/civil"
)

// The state educational certificate (государственный образовательный сертификат), process 1.

// CertificateStatus is where a certificate stands.
type CertificateStatus string

// Certificate statuses of the contract, plus issuing while the document is being formed.
const (
	CertificateIssuing            CertificateStatus = "issuing"
	CertificateIssued             CertificateStatus = "issued"
	CertificateEnrolled           CertificateStatus = "enrolled"
	CertificateCompleted          CertificateStatus = "completed"
	CertificateFailedAttestation  CertificateStatus = "failed_attestation"
	CertificatePartiallyCompleted CertificateStatus = "partially_completed"
	CertificateExpelled           CertificateStatus = "expelled"
	CertificateAnnulled           CertificateStatus = "annulled"
	CertificateLapsed             CertificateStatus = "lapsed"
)

// Live reports whether training on the certificate can still start or is under way.
func (s CertificateStatus) Live() bool {
	return s == CertificateIssuing || s == CertificateIssued || s == CertificateEnrolled
}

// HasOutcome reports whether the provider has reported how training ended.
func (s CertificateStatus) HasOutcome() bool {
	switch s {
	case CertificateCompleted, CertificateFailedAttestation, CertificatePartiallyCompleted, CertificateExpelled:
		return true
	}
	return false
}

// Servant is the civil servant a certificate is issued to.
type Servant struct {
	ID       string `json:"id" validate:"required,ident"`
	FullName string `json:"full_name" validate:"required,max=300"`
	SNILS    string `json:"snils" validate:"required,snils"`
	Email    string `json:"email" validate:"required,email,max=254"`
	Position string `json:"position" validate:"required,max=500"`
}

// AgencyRef names the servant's state body.
type AgencyRef struct {
	ID   string `json:"id" validate:"required,ident"`
	Name string `json:"name" validate:"required,max=500"`
}

// Enrolment is the provider's report of enrolment and start (сведения о зачислении).
type Enrolment struct {
	EnrolledOn  civil.Date `json:"enrolled_on"`
	StartedOn   civil.Date `json:"started_on"`
	OrderNumber string     `json:"order_number"`
}

// Outcome is how training ended, as the provider reports it.
type Outcome struct {
	Outcome        CertificateStatus `json:"outcome"`
	FinishedOn     civil.Date        `json:"finished_on"`
	DocumentNumber string            `json:"document_number,omitempty"`
	HoursCompleted int               `json:"hours_completed,omitempty"`
}

// OutcomeProblem says what is wrong with an outcome report for a certificate of the given
// hours: the field at fault and the message, or two empty strings when the report is sound.
// The certificate workflow refuses such a report, and the console's group upload marks the
// row before anything is sent.
func OutcomeProblem(o Outcome, hours int) (field, message string) {
	switch o.Outcome {
	case CertificateCompleted:
		if o.DocumentNumber == "" {
			return "document_number", "a completed programme carries the number of the issued document"
		}
	case CertificatePartiallyCompleted:
		if o.HoursCompleted <= 0 || o.HoursCompleted >= hours {
			return "hours_completed", fmt.Sprintf("hours_completed must be between 1 and %d", hours-1)
		}
	case CertificateFailedAttestation, CertificateExpelled:
	default:
		return "outcome", "outcome must be completed, failed_attestation, partially_completed or expelled"
	}
	return "", ""
}

// Rating is one quality survey answer (оценка качества).
type Rating struct {
	Score   int    `json:"score"`
	Comment string `json:"comment"`
}

// CertificateRequest is the ministry's request to issue one certificate.
type CertificateRequest struct {
	Servant       Servant    `json:"servant"`
	Agency        AgencyRef  `json:"agency"`
	ProviderID    string     `json:"provider_id" validate:"required,ident"`
	ProgrammeCode string     `json:"programme_code" validate:"required,ident"`
	Year          int        `json:"year" validate:"required,year"`
	Hours         int        `json:"hours" validate:"required,gt=0,lte=5000"`
	Amount        float64    `json:"amount" validate:"required,gt=0,lte=10000000"`
	StartBy       civil.Date `json:"start_by"`
	EndBy         civil.Date `json:"end_by"`
}

// Check reports the rules tags cannot express: real dates, and start before end.
func (r *CertificateRequest) Check() []FieldError {
	var out []FieldError
	if !r.StartBy.IsValid() {
		out = append(out, FieldError{Field: "start_by", Message: "required: a date YYYY-MM-DD"})
	}
	if !r.EndBy.IsValid() {
		out = append(out, FieldError{Field: "end_by", Message: "required: a date YYYY-MM-DD"})
	}
	if r.StartBy.IsValid() && r.EndBy.IsValid() && !r.StartBy.Before(r.EndBy) {
		out = append(out, FieldError{Field: "end_by", Message: "must be after start_by"})
	}
	return out
}
