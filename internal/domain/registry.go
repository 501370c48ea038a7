package domain

import "strconv"

// The provider registry (реестр образовательных организаций), process 2.

// ApplicationStatus is where an application for inclusion in the registry stands.
type ApplicationStatus string

// Application statuses of the contract.
const (
	ApplicationUnderReview ApplicationStatus = "under_review"
	ApplicationReturned    ApplicationStatus = "returned"
	ApplicationAdmitted    ApplicationStatus = "admitted"
	ApplicationRejected    ApplicationStatus = "rejected"
	ApplicationLapsed      ApplicationStatus = "lapsed"
)

// Final reports whether no further step can change the status.
func (s ApplicationStatus) Final() bool {
	return s == ApplicationAdmitted || s == ApplicationRejected || s == ApplicationLapsed
}

// ProviderDetails are what a provider states about itself in an application.
type ProviderDetails struct {
	Name          string `json:"name" validate:"required,max=500"`
	INN           string `json:"inn" validate:"required,inn"`
	OGRN          string `json:"ogrn" validate:"required,ogrn"`
	LicenseNumber string `json:"license_number" validate:"required,max=100"`
	Address       string `json:"address" validate:"required,max=1000"`
	Email         string `json:"email" validate:"required,email,max=254"`
	Phone         string `json:"phone" validate:"required,phone"`
}

// ProgrammeKind is повышение квалификации or профессиональная переподготовка.
type ProgrammeKind string

// Programme kinds.
const (
	QualificationUpgrade ProgrammeKind = "qualification_upgrade"
	Retraining           ProgrammeKind = "retraining"
)

// Programme is an additional professional programme (ДПП) a provider runs on certificates.
type Programme struct {
	Code   string        `json:"code" validate:"required,ident"`
	Title  string        `json:"title" validate:"required,max=1000"`
	Kind   ProgrammeKind `json:"kind" validate:"required,oneof=qualification_upgrade retraining"`
	Hours  int           `json:"hours" validate:"required,gt=0,lte=5000"`
	Format string        `json:"format" validate:"required,oneof=in_person distance blended"`
	Price  float64       `json:"price" validate:"required,gt=0,lte=10000000"`
}

// MembershipStatus is a provider's standing in one authority's registry.
type MembershipStatus string

// Membership statuses.
const (
	MembershipAdmitted           MembershipStatus = "admitted"
	MembershipExclusionRequested MembershipStatus = "exclusion_requested"
	MembershipExcluded           MembershipStatus = "excluded"
)

// DeclarationStatus is where a yearly programme declaration stands.
type DeclarationStatus string

// Declaration statuses.
const (
	DeclarationUnderReview DeclarationStatus = "under_review"
	DeclarationAccepted    DeclarationStatus = "accepted"
	DeclarationReturned    DeclarationStatus = "returned"
)

// UniqueProgrammeCodes names each programme whose code repeats an earlier one's: a provider
// declares a programme once (the rule both transports check before a step starts).
func UniqueProgrammeCodes(progs []Programme) []FieldError {
	var out []FieldError
	seen := map[string]bool{}
	for i, p := range progs {
		if p.Code != "" && seen[p.Code] {
			out = append(out, FieldError{Field: "programmes[" + strconv.Itoa(i) + "].code", Message: "repeats an earlier programme's code"})
		}
		seen[p.Code] = true
	}
	return out
}
