package domain

import (
	"fmt"
	"strings"
	"time"

	"cloud.google.com/go/civil"
)

// ReserveList is which of the two lists of seed 002 a candidate is on.
type ReserveList string

// The lists: 1 (приложение № 1) and 2 (приложение № 2).
const (
	// ListRepeat: already in the reserve and recommended again (примечание "повторно").
	ListRepeat ReserveList = "repeat"
	// ListNew: recommended for the first time, or again after exclusion (примечание: период).
	ListNew ReserveList = "new"
)

// ReserveCategory is a category of the reserve (категория резерва).
type ReserveCategory string

// The categories, in the order the lists show them.
const (
	CategoryI   ReserveCategory = "I"
	CategoryII  ReserveCategory = "II"
	CategoryIII ReserveCategory = "III"
)

// ReserveCategories lists the categories in order.
var ReserveCategories = []ReserveCategory{CategoryI, CategoryII, CategoryIII}

// Title is the category's name as the lists print it.
func (c ReserveCategory) Title() string {
	switch c {
	case CategoryI:
		return "Высший уровень"
	case CategoryII:
		return "Базовый уровень"
	case CategoryIII:
		return "Перспективный уровень"
	}
	return ""
}

// Valid reports whether c is one of the three categories.
func (c ReserveCategory) Valid() bool { return c.Title() != "" }

// NominationStatus is where a nomination stands.
type NominationStatus string

// Nomination statuses of the contract.
const (
	NominationDraft       NominationStatus = "draft"
	NominationApproved    NominationStatus = "approved"
	NominationSubmitted   NominationStatus = "submitted"
	NominationUnderReview NominationStatus = "under_review"
	NominationDecided     NominationStatus = "decided"
)

// CandidateStatus is where one candidate stands.
type CandidateStatus string

// Candidate statuses of the contract.
const (
	CandidateProposed            CandidateStatus = "proposed"
	CandidateUnderReview         CandidateStatus = "under_review"
	CandidateCorrectionRequested CandidateStatus = "correction_requested"
	CandidateAdmitted            CandidateStatus = "admitted"
	CandidateNotAdmitted         CandidateStatus = "not_admitted"
	CandidateIncluded            CandidateStatus = "included"
	CandidateNotIncluded         CandidateStatus = "not_included"
)

// Final reports whether nothing further happens to the candidate in this nomination.
func (s CandidateStatus) Final() bool {
	return s == CandidateNotAdmitted || s == CandidateIncluded || s == CandidateNotIncluded
}

// ReserveQuotas are the numbers of list-2 candidates a participant may propose per category
// (квоты, seed 002 item 12). Revision orders changes of the same quotas.
type ReserveQuotas struct {
	I        int   `json:"I"`
	II       int   `json:"II"`
	III      int   `json:"III"`
	Revision int64 `json:"revision"`
}

// For returns the quota of one category.
func (q ReserveQuotas) For(c ReserveCategory) int {
	switch c {
	case CategoryI:
		return q.I
	case CategoryII:
		return q.II
	case CategoryIII:
		return q.III
	}
	return 0
}

// ReserveQuota is the quotas of one participant for one year, as the authority set them.
type ReserveQuota struct {
	Authority string `json:"authority"`
	Agency    string `json:"agency"`
	Year      int    `json:"year"`
	ReserveQuotas
	SetBy     Actor     `json:"set_by"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Questionnaire is the candidate's анкета: the fields seed 002 items 10 and 12 name as the
// criteria of each list. Which ones are required depends on the list (see
// workflows.CheckCandidate); dates are YYYY-MM-DD.
type Questionnaire struct {
	DateOfBirth               string `json:"date_of_birth"`
	Education                 string `json:"education"`
	PositionSince             string `json:"position_since"`
	ManagementExperienceYears *int   `json:"management_experience_years"`
	// List 1 (item 10): достижения, личностные и профессиональные качества, особенности
	// профессионального мышления и мотивации.
	Achievements          string `json:"achievements,omitempty"`
	ProfessionalQualities string `json:"professional_qualities,omitempty"`
	ProfessionalThinking  string `json:"professional_thinking,omitempty"`
	Motivation            string `json:"motivation,omitempty"`
	// List 2 (item 12): дополнительное профессиональное образование, профессиональная
	// переподготовка, стажировки, результаты профессионального и психологического тестирования.
	AdditionalEducation string `json:"additional_education,omitempty"`
	Retraining          string `json:"retraining,omitempty"`
	Internships         string `json:"internships,omitempty"`
	TestingResults      string `json:"testing_results,omitempty"`
}

// CandidateData is what the agency states about a candidate: the columns of the lists and
// the questionnaire.
type CandidateData struct {
	List          ReserveList     `json:"list"`
	Category      ReserveCategory `json:"category"`
	FullName      string          `json:"full_name"`
	Position      string          `json:"position"`
	Department    string          `json:"department"`
	Note          string          `json:"note"`
	Questionnaire Questionnaire   `json:"questionnaire"`
}

// PreviousReserve says where the same person was in the previous year's reserve (the audit
// of seed 002 item 11).
type PreviousReserve struct {
	Year         int             `json:"year"`
	Category     ReserveCategory `json:"category"`
	Agency       string          `json:"agency"`
	NominationID string          `json:"nomination_id"`
}

// ReserveCandidate is one candidate of a nomination. ID is C<Number>, handed out by the
// workflow in order, never reused.
type ReserveCandidate struct {
	ID     string `json:"id"`
	Number int    `json:"number"`
	CandidateData
	Status           CandidateStatus  `json:"status"`
	Reason           string           `json:"reason,omitempty"`
	CorrectionDue    *civil.Date      `json:"correction_due,omitempty"`
	ReviewDue        *civil.Date      `json:"review_due,omitempty"`
	IncludedCategory ReserveCategory  `json:"included_category,omitempty"`
	PreviousReserve  *PreviousReserve `json:"previous_reserve,omitempty"`
	UpdatedAt        time.Time        `json:"updated_at"`
}

// Nomination is the read model of one participant's nomination for one year.
type Nomination struct {
	ID          string             `json:"id"`
	WorkflowID  string             `json:"workflow_id"`
	Authority   string             `json:"authority"`
	Agency      string             `json:"agency"`
	AgencyName  string             `json:"agency_name"`
	Year        int                `json:"year"`
	Status      NominationStatus   `json:"status"`
	Quotas      ReserveQuotas      `json:"quotas"`
	Candidates  []ReserveCandidate `json:"candidates"`
	ReviewDue   *civil.Date        `json:"review_due"`
	Overdue     bool               `json:"overdue"`
	ApprovedBy  *Actor             `json:"approved_by"`
	ApprovedAt  *time.Time         `json:"approved_at"`
	SubmittedAt *time.Time         `json:"submitted_at"`
	DecidedAt   *time.Time         `json:"decided_at"`
	ClosedAt    *time.Time         `json:"closed_at"`
	CreatedAt   time.Time          `json:"created_at"`
	Revision    int                `json:"revision"`
}

// Candidate returns the candidate with the given ID.
func (n Nomination) Candidate(id string) (ReserveCandidate, bool) {
	for _, c := range n.Candidates {
		if c.ID == id {
			return c, true
		}
	}
	return ReserveCandidate{}, false
}

// PersonKey identifies a person across years: the full name folded to lower case with ё as
// е and single spaces, and the date of birth.
func PersonKey(fullName, dateOfBirth string) string {
	name := strings.ReplaceAll(strings.ToLower(fullName), "ё", "е")
	return strings.Join(strings.Fields(name), " ") + "|" + dateOfBirth
}

// Check lists what is wrong with the data of a candidate for the given year's nomination:
// every field the lists print, and the questionnaire fields that seed 002 names as criteria
// of the candidate's list (item 13: the questionnaire's required fields must be filled).
// Fields are named by their JSON paths; an empty result means the data may be proposed.
func (d CandidateData) Check(year int) []FieldError {
	var out []FieldError
	bad := func(field, msg string) { out = append(out, FieldError{Field: field, Message: msg}) }
	text := func(field, v string, max int) {
		switch {
		case strings.TrimSpace(v) == "":
			bad(field, "required")
		case len([]rune(v)) > max:
			bad(field, fmt.Sprintf("must have at most %d characters", max))
		}
	}
	switch d.List {
	case ListRepeat, ListNew:
	case "":
		bad("list", "required")
	default:
		bad("list", "must be one of: repeat, new")
	}
	switch {
	case d.Category == "":
		bad("category", "required")
	case !d.Category.Valid():
		bad("category", "must be one of: I, II, III")
	}
	text("full_name", d.FullName, 300)
	text("position", d.Position, 500)
	text("department", d.Department, 500)
	if len([]rune(d.Note)) > 500 {
		bad("note", "must have at most 500 characters")
	}

	q := d.Questionnaire
	born, bornErr := civil.ParseDate(q.DateOfBirth)
	switch {
	case q.DateOfBirth == "":
		bad("questionnaire.date_of_birth", "required")
	case bornErr != nil:
		bad("questionnaire.date_of_birth", "must be a date, YYYY-MM-DD")
	case year-born.Year < 18 || year-born.Year > 80:
		bad("questionnaire.date_of_birth", fmt.Sprintf("makes the candidate %d in %d; expected 18 to 80", year-born.Year, year))
	}
	text("questionnaire.education", q.Education, 2000)
	since, sinceErr := civil.ParseDate(q.PositionSince)
	switch {
	case q.PositionSince == "":
		bad("questionnaire.position_since", "required")
	case sinceErr != nil:
		bad("questionnaire.position_since", "must be a date, YYYY-MM-DD")
	case since.Year > year || (bornErr == nil && !since.After(born)):
		bad("questionnaire.position_since", fmt.Sprintf("must fall after the date of birth and not after %d", year))
	}
	switch e := q.ManagementExperienceYears; {
	case e == nil:
		bad("questionnaire.management_experience_years", "required")
	case *e < 0 || *e > 60:
		bad("questionnaire.management_experience_years", "must be from 0 to 60")
	}
	criteria := map[ReserveList][]struct{ field, value string }{
		ListRepeat: {{"achievements", q.Achievements}, {"professional_qualities", q.ProfessionalQualities},
			{"professional_thinking", q.ProfessionalThinking}, {"motivation", q.Motivation}},
		ListNew: {{"additional_education", q.AdditionalEducation}, {"retraining", q.Retraining},
			{"internships", q.Internships}, {"testing_results", q.TestingResults}},
	}
	for _, c := range criteria[d.List] {
		text("questionnaire."+c.field, c.value, 4000)
	}
	return out
}
