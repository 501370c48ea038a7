package domain

import (
	"time"

	"cloud.google.com/go/civil"
)

// CycleStatus is whether a cycle still runs.
type CycleStatus string

// Cycle statuses: `open` from the announcement to the end of the reporting year.
const (
	CycleOpen   CycleStatus = "open"
	CycleClosed CycleStatus = "closed"
)

// CyclePhase is the stage of the year a cycle is in.
type CyclePhase string

// Cycle phases: plans are collected until plans_due; then the year's events are carried out
// and reported quarterly; once the last report is due the cycle closes and the consolidated
// summary of the year stands.
const (
	PhasePlanning       CyclePhase = "planning"
	PhaseImplementation CyclePhase = "implementation"
	PhaseClosed         CyclePhase = "closed"
)

// ParticipantKind is who plans: an agency (its HR officers) or a provider.
type ParticipantKind string

// Participant kinds.
const (
	ParticipantAgency   ParticipantKind = "agency"
	ParticipantProvider ParticipantKind = "provider"
)

// PlanStatus is where a plan stands in the authority's review.
type PlanStatus string

// Plan statuses.
const (
	PlanUnderReview PlanStatus = "under_review"
	PlanReturned    PlanStatus = "returned"
	PlanAccepted    PlanStatus = "accepted"
)

// PlannedEvent is one professional-development event of a plan (мероприятие по
// профессиональному развитию); Central marks those planned for central implementation
// (в централизованном порядке, seed 000 item 13b).
type PlannedEvent struct {
	Title          string `json:"title"`
	Direction      string `json:"direction"`
	Kind           string `json:"kind"`
	PlannedQuarter int    `json:"planned_quarter"`
	Participants   int    `json:"participants"`
	Central        bool   `json:"central"`
}

// CycleParticipant is one agency or provider expected to plan, and where it stands.
type CycleParticipant struct {
	Kind ParticipantKind `json:"kind"`
	ID   string          `json:"id"`
	Name string          `json:"name"`
	// Emails are a provider's contact from the registry; an agency's HR addresses come from
	// the directory when it is notified.
	Emails   []string `json:"emails,omitempty"`
	PlanID   string   `json:"plan_id,omitempty"`
	Reminded bool     `json:"reminded"`
	// SubmittedAt is the first submission of its plan; Late is set once plans_due passed
	// without one (and stays set: a late plan is still late once submitted).
	SubmittedAt *time.Time `json:"submitted_at"`
	OnTime      *bool      `json:"on_time"`
	Late        bool       `json:"late"`
	// Reports are the quarters an agency has reported; LateReports those reported late or
	// still missing after their due date.
	Reports     []int `json:"reports,omitempty"`
	LateReports []int `json:"late_reports,omitempty"`
}

// Key identifies a participant within a cycle.
func (p CycleParticipant) Key() string { return string(p.Kind) + ":" + p.ID }

// QuarterDeadline is when one quarter's report is due and what the clock has done about it.
type QuarterDeadline struct {
	Quarter   int        `json:"quarter"`
	Due       civil.Date `json:"due"`
	RemindOn  civil.Date `json:"remind_on"`
	Reminded  bool       `json:"reminded"`
	Escalated bool       `json:"escalated"`
}

// Cycle is the read model of one authority's planning cycle for one year.
type Cycle struct {
	ID                 string             `json:"id"`
	WorkflowID         string             `json:"workflow_id"`
	Authority          string             `json:"authority"`
	Year               int                `json:"year"`
	Status             CycleStatus        `json:"status"`
	Phase              CyclePhase         `json:"phase"`
	PriorityDirections []string           `json:"priority_directions"`
	PlansDue           civil.Date         `json:"plans_due"`
	PlansRemindOn      *civil.Date        `json:"plans_remind_on"`
	QuarterlyReports   bool               `json:"quarterly_reports"`
	Quarters           []QuarterDeadline  `json:"quarters"`
	Participants       []CycleParticipant `json:"participants"`
	OpenedBy           Actor              `json:"opened_by"`
	OpenedAt           time.Time          `json:"opened_at"`
	ClosedAt           *time.Time         `json:"closed_at"`
	Revision           int                `json:"revision"`
}

// Participant returns the participant of the given kind and ID.
func (c *Cycle) Participant(kind ParticipantKind, id string) (*CycleParticipant, bool) {
	for i := range c.Participants {
		if c.Participants[i].Kind == kind && c.Participants[i].ID == id {
			return &c.Participants[i], true
		}
	}
	return nil, false
}

// Plan is the read model of one participant's plan in a cycle.
type Plan struct {
	ID               string          `json:"id"`
	WorkflowID       string          `json:"workflow_id"`
	CycleID          string          `json:"cycle_id"`
	Authority        string          `json:"authority"`
	Year             int             `json:"year"`
	ParticipantKind  ParticipantKind `json:"participant_kind"`
	ParticipantID    string          `json:"participant_id"`
	ParticipantName  string          `json:"participant_name"`
	Events           []PlannedEvent  `json:"events"`
	Status           PlanStatus      `json:"status"`
	Reasons          []string        `json:"reasons"`
	Round            int             `json:"round"`
	ReviewDue        *civil.Date     `json:"review_due"`
	ResubmitDue      *civil.Date     `json:"resubmit_due"`
	Overdue          bool            `json:"overdue"`
	OnTime           bool            `json:"on_time"`
	FirstSubmittedAt time.Time       `json:"first_submitted_at"`
	SubmittedAt      time.Time       `json:"submitted_at"`
	DecidedAt        *time.Time      `json:"decided_at"`
	Revision         int             `json:"revision"`
}

// ReserveForm is the reserve usage form (Единая форма учёта резерва управленческих кадров,
// seed 002 items 4 and 31) sent with each quarterly report: the counts its authority asks.
type ReserveForm struct {
	InReserve    CategoryCounts `json:"in_reserve"`
	Appointed    int            `json:"appointed"`
	Excluded     int            `json:"excluded"`
	Vacancies    int            `json:"vacancies"`
	TrainedCount int            `json:"trained"`
	Comment      string         `json:"comment,omitempty"`
}

// CategoryCounts are people by reserve category.
type CategoryCounts struct {
	I   int `json:"I"`
	II  int `json:"II"`
	III int `json:"III"`
}

// QuarterlyReport is an agency's report for one quarter (ежеквартальный отчёт об
// использовании информационных ресурсов в кадровой работе, seed 002 item 30).
type QuarterlyReport struct {
	ID          string             `json:"id"`
	CycleID     string             `json:"cycle_id"`
	Authority   string             `json:"authority"`
	Year        int                `json:"year"`
	Agency      string             `json:"agency"`
	AgencyName  string             `json:"agency_name"`
	Quarter     int                `json:"quarter"`
	Figures     map[string]float64 `json:"figures"`
	ReserveForm ReserveForm        `json:"reserve_form"`
	Due         civil.Date         `json:"due"`
	OnTime      bool               `json:"on_time"`
	SubmittedBy Actor              `json:"submitted_by"`
	SubmittedAt time.Time          `json:"submitted_at"`
}
