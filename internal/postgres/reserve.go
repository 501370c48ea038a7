package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"cloud.google.com/go/civil"
	"github.com/jackc/pgx/v5"

	"github.com/profdev/profdev/internal/domain"
)

// The management reserve (резерв управленческих кадров), process 3: the quotas a reserve
// authority sets, and the read model of each nomination (представление) with its candidates.

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
	SetBy     domain.Actor `json:"set_by"`
	UpdatedAt time.Time    `json:"updated_at"`
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
	ApprovedBy  *domain.Actor      `json:"approved_by"`
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

// PutReserveQuotas records an authority's quotas for a participant and year, with a new revision.
func (db *DB) PutReserveQuotas(ctx context.Context, q ReserveQuota) (ReserveQuota, error) {
	out := q
	err := db.InTx(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `
			INSERT INTO reserve_quotas (authority, agency, year, cat_i, cat_ii, cat_iii, revision, set_by, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, nextval('reserve_quota_revisions'), $7, now())
			ON CONFLICT (authority, agency, year) DO UPDATE SET cat_i = EXCLUDED.cat_i, cat_ii = EXCLUDED.cat_ii,
				cat_iii = EXCLUDED.cat_iii, revision = EXCLUDED.revision, set_by = EXCLUDED.set_by, updated_at = now()
			RETURNING revision, updated_at`,
			q.Authority, q.Agency, q.Year, q.I, q.II, q.III, q.SetBy).Scan(&out.Revision, &out.UpdatedAt)
	})
	return out, err
}

// ReserveQuotasFor returns the quotas set for a participant and year; none set is all zero.
func (db *DB) ReserveQuotasFor(ctx context.Context, authority, agency string, year int) (ReserveQuotas, error) {
	var q ReserveQuotas
	err := db.InTx(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT cat_i, cat_ii, cat_iii, revision FROM reserve_quotas
			WHERE authority = $1 AND agency = $2 AND year = $3`, authority, agency, year).Scan(&q.I, &q.II, &q.III, &q.Revision)
	})
	if domain.IsCode(err, domain.CodeNotFound) {
		return ReserveQuotas{}, nil
	}
	return q, err
}

// SaveNomination writes the workflow's view of a nomination, its candidates and the step that
// led to it, in one transaction. An older revision never overwrites a newer one.
func (db *DB) SaveNomination(ctx context.Context, n Nomination, ev domain.Event) error {
	return db.InTx(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `
			INSERT INTO reserve_nominations (`+nominationColumns+`, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, now())
			ON CONFLICT (id) DO UPDATE SET agency_name = EXCLUDED.agency_name, status = EXCLUDED.status,
				quotas = EXCLUDED.quotas, review_due = EXCLUDED.review_due, overdue = EXCLUDED.overdue,
				approved_by = EXCLUDED.approved_by, approved_at = EXCLUDED.approved_at,
				submitted_at = EXCLUDED.submitted_at, decided_at = EXCLUDED.decided_at,
				closed_at = EXCLUDED.closed_at, revision = EXCLUDED.revision, updated_at = now()
			WHERE reserve_nominations.revision < EXCLUDED.revision`,
			n.ID, n.WorkflowID, n.Authority, n.Agency, n.AgencyName, n.Year, n.Status, n.Quotas,
			dateArg(n.ReviewDue), n.Overdue, n.ApprovedBy, n.ApprovedAt, n.SubmittedAt, n.DecidedAt, n.ClosedAt,
			n.CreatedAt, n.Revision)
		if err != nil {
			return err
		}
		if tag.RowsAffected() > 0 {
			if err := replaceCandidates(ctx, tx, n); err != nil {
				return err
			}
		}
		return insertEvent(ctx, tx, n.WorkflowID, n.ID, ev)
	})
}

func replaceCandidates(ctx context.Context, tx pgx.Tx, n Nomination) error {
	if _, err := tx.Exec(ctx, `DELETE FROM reserve_candidates WHERE nomination_id = $1`, n.ID); err != nil {
		return err
	}
	for _, c := range n.Candidates {
		if _, err := tx.Exec(ctx, `
			INSERT INTO reserve_candidates (nomination_id, `+candidateColumns+`, authority, agency, year, person_key)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)`,
			n.ID, c.ID, c.Number, c.List, c.Category, c.FullName, c.Position, c.Department, c.Note, c.Questionnaire,
			c.Status, c.Reason, dateArg(c.CorrectionDue), dateArg(c.ReviewDue), c.IncludedCategory, c.PreviousReserve,
			c.UpdatedAt, n.Authority, n.Agency, n.Year, PersonKey(c.FullName, c.Questionnaire.DateOfBirth)); err != nil {
			return err
		}
	}
	return nil
}

const nominationColumns = `id, workflow_id, authority, agency, agency_name, year, status, quotas, review_due, overdue,
	approved_by, approved_at, submitted_at, decided_at, closed_at, created_at, revision`

const candidateColumns = `id, number, list, category, full_name, position, department, note, questionnaire,
	status, reason, correction_due, review_due, included_category, previous_reserve, updated_at`

func scanNomination(r pgx.Row) (Nomination, error) {
	var n Nomination
	var review *time.Time
	err := r.Scan(&n.ID, &n.WorkflowID, &n.Authority, &n.Agency, &n.AgencyName, &n.Year, &n.Status, &n.Quotas,
		&review, &n.Overdue, &n.ApprovedBy, &n.ApprovedAt, &n.SubmittedAt, &n.DecidedAt, &n.ClosedAt, &n.CreatedAt, &n.Revision)
	n.ReviewDue, n.Candidates = datePtr(review), []ReserveCandidate{}
	return n, err
}

// GetNomination returns one nomination with its candidates, or not_found.
func (db *DB) GetNomination(ctx context.Context, id string) (Nomination, error) {
	var n Nomination
	err := db.InTx(ctx, pgx.RepeatableRead, func(tx pgx.Tx) error {
		var err error
		if n, err = scanNomination(tx.QueryRow(ctx, `SELECT `+nominationColumns+` FROM reserve_nominations WHERE id = $1`, id)); err != nil {
			return err
		}
		page := []Nomination{n}
		err = attachCandidates(ctx, tx, page)
		n = page[0]
		return err
	})
	if domain.IsCode(err, domain.CodeNotFound) {
		return n, domain.NotFound("nomination " + id)
	}
	return n, err
}

// attachCandidates loads the candidates of the given nominations, in the order they were added.
func attachCandidates(ctx context.Context, tx pgx.Tx, ns []Nomination) error {
	ids := make([]string, len(ns))
	at := make(map[string]int, len(ns))
	for i, n := range ns {
		ids[i], at[n.ID] = n.ID, i
	}
	rows, err := tx.Query(ctx, `SELECT nomination_id, `+candidateColumns+` FROM reserve_candidates
		WHERE nomination_id = ANY($1) ORDER BY nomination_id, number`, ids)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var nominationID string
		var c ReserveCandidate
		var correction, review *time.Time
		if err := rows.Scan(&nominationID, &c.ID, &c.Number, &c.List, &c.Category, &c.FullName, &c.Position, &c.Department,
			&c.Note, &c.Questionnaire, &c.Status, &c.Reason, &correction, &review, &c.IncludedCategory, &c.PreviousReserve,
			&c.UpdatedAt); err != nil {
			return err
		}
		c.CorrectionDue, c.ReviewDue = datePtr(correction), datePtr(review)
		i := at[nominationID]
		ns[i].Candidates = append(ns[i].Candidates, c)
	}
	return rows.Err()
}

// NominationFilter narrows a list of nominations; empty fields do not filter.
type NominationFilter struct {
	Authority string
	Agency    string
	Year      int
	Status    string
}

// ListNominations lists nominations with their candidates, ordered by id, filtered and paginated.
func (db *DB) ListNominations(ctx context.Context, f NominationFilter, page Page) ([]Nomination, string, error) {
	after, err := decodeTextCursor(page.Cursor)
	if err != nil {
		return nil, "", err
	}
	limit := page.limit()
	var out []Nomination
	more := false
	err = db.InTx(ctx, pgx.RepeatableRead, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+nominationColumns+` FROM reserve_nominations
			WHERE ($1 = '' OR authority = $1) AND ($2 = '' OR agency = $2) AND ($3 = 0 OR year = $3)
				AND ($4 = '' OR status = $4) AND id > $5
			ORDER BY id LIMIT $6`, f.Authority, f.Agency, f.Year, f.Status, after, limit+1)
		if err != nil {
			return err
		}
		if out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Nomination, error) { return scanNomination(r) }); err != nil {
			return err
		}
		if more = len(out) > limit; more {
			out = out[:limit]
		}
		return attachCandidates(ctx, tx, out)
	})
	if err != nil {
		return nil, "", err
	}
	next := ""
	if more {
		next = encodeTextCursor(out[limit-1].ID)
	}
	return out, next, nil
}

// PreviousReserve finds the person (by full name and date of birth) among the candidates the
// authority included in its reserve in the given year; nil when absent.
func (db *DB) PreviousReserve(ctx context.Context, authority, fullName, dateOfBirth string, year int) (*PreviousReserve, error) {
	var p PreviousReserve
	err := db.InTx(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `
			SELECT year, included_category, agency, nomination_id FROM reserve_candidates
			WHERE authority = $1 AND person_key = $2 AND year = $3 AND status = 'included'
			ORDER BY nomination_id LIMIT 1`, authority, PersonKey(fullName, dateOfBirth), year).
			Scan(&p.Year, &p.Category, &p.Agency, &p.NominationID)
	})
	if domain.IsCode(err, domain.CodeNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &p, nil
}

// Check lists what is wrong with the data of a candidate for the given year's nomination:
// every field the lists print, and the questionnaire fields that seed 002 names as criteria
// of the candidate's list (item 13: the questionnaire's required fields must be filled).
// Fields are named by their JSON paths; an empty result means the data may be proposed.
func (d CandidateData) Check(year int) []domain.FieldError {
	var out []domain.FieldError
	bad := func(field, msg string) { out = append(out, domain.FieldError{Field: field, Message: msg}) }
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
