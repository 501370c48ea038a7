package postgres

import (
	"context"
	"time"

	"cloud.google.com/go/civil"
	"github.com/jackc/pgx/v5"

	"github.com/profdev/profdev/internal/domain"
)

// Task is something waiting on a user, computed from the read models.
type Task struct {
	Kind      string      `json:"kind"`
	SubjectID string      `json:"subject_id"`
	Title     string      `json:"title"`
	Due       *civil.Date `json:"due"`
	Overdue   bool        `json:"overdue"`
}

// taskQueries are, per role, what waits on a holder of that role within the scope ($1). Each
// row is kind, subject, title, due date, flagged overdue.
var taskQueries = map[domain.Role]string{
	domain.RoleMinistry: `
		SELECT 'application_review', id, 'Рассмотреть заявку ' || (provider->>'name'), review_due, overdue
			FROM registry_applications WHERE authority = $1 AND status = 'under_review'
		UNION ALL SELECT 'declaration_review', id, 'Рассмотреть сведения о программах на ' || year, NULL::date, false
			FROM registry_declarations WHERE authority = $1 AND status = 'under_review'
		UNION ALL SELECT 'certificate_outcome_overdue', number, 'Нет результата обучения по сертификату ' || number, outcome_due, true
			FROM certificates WHERE authority = $1 AND status = 'enrolled' AND overdue`,
	domain.RoleProvider: `
		SELECT 'certificate_enrolment', number, 'Сообщить о зачислении по сертификату ' || number, start_by, false
			FROM certificates WHERE provider_id = $1 AND status = 'issued'
		UNION ALL SELECT 'certificate_outcome', number, 'Сообщить результат обучения по сертификату ' || number, outcome_due, overdue
			FROM certificates WHERE provider_id = $1 AND status = 'enrolled'
		UNION ALL SELECT 'application_resubmission', id, 'Доработать заявку', resubmit_due, false
			FROM registry_applications WHERE provider_id = $1 AND status = 'returned'`,
	domain.RoleHR: `
		SELECT 'candidate_correction', nomination_id || '/' || id, 'Исправить сведения о кандидате ' || full_name, correction_due, false
			FROM reserve_candidates WHERE agency = $1 AND status = 'correction_requested'
		UNION ALL SELECT 'nomination_submission', id, 'Направить списки резерва на ' || year, NULL::date, false
			FROM reserve_nominations WHERE agency = $1 AND status IN ('draft', 'approved')`,
	domain.RoleAgencyHead: `
		SELECT 'nomination_approval', id, 'Утвердить списки резерва на ' || year, NULL::date, false
			FROM reserve_nominations WHERE agency = $1 AND status = 'draft'
			AND EXISTS (SELECT 1 FROM reserve_candidates c WHERE c.nomination_id = reserve_nominations.id)`,
	domain.RoleReserveAuthority: `
		SELECT 'candidate_review', nomination_id || '/' || id, 'Рассмотреть кандидата ' || full_name, review_due, false
			FROM reserve_candidates WHERE authority = $1 AND status = 'under_review'`,
	domain.RoleServant: `
		SELECT 'quality_survey', c.number, 'Оценить качество обучения по сертификату ' || c.number, NULL::date, false
			FROM certificates c WHERE c.servant_id = $1
			AND c.status IN ('completed', 'failed_attestation', 'partially_completed', 'expelled')
			AND NOT EXISTS (SELECT 1 FROM certificate_ratings r WHERE r.number = c.number AND r.rater_sub = $2)`,
}

// Tasks returns what waits on the actor, earliest due first (undated last). A task whose due
// date has passed is overdue even before the workflow's escalation flags it.
func (db *DB) Tasks(ctx context.Context, actor domain.Actor, today civil.Date) ([]Task, error) {
	q, ok := taskQueries[actor.Role]
	out := []Task{}
	if !ok {
		return out, nil
	}
	args := []any{actor.Scope()}
	if actor.Role == domain.RoleServant {
		args = append(args, actor.Sub)
	}
	err := db.InTx(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT * FROM (`+q+`) t ORDER BY 4 NULLS LAST, 2`, args...)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Task, error) {
			var t Task
			var due *time.Time
			err := r.Scan(&t.Kind, &t.SubjectID, &t.Title, &due, &t.Overdue)
			t.Due = datePtr(due)
			if t.Due != nil && t.Due.Before(today) {
				t.Overdue = true
			}
			return t, err
		})
		return err
	})
	return out, err
}

// AgencyOverview is an agency's picture across processes.
type AgencyOverview struct {
	Agency  string                    `json:"agency"`
	Counts  map[string]map[string]int `json:"counts"`
	Overdue []Task                    `json:"overdue"`
}

// Overview counts an agency's certificates and nominations by status and lists what is overdue.
func (db *DB) Overview(ctx context.Context, agency string) (AgencyOverview, error) {
	o := AgencyOverview{Agency: agency, Counts: map[string]map[string]int{"certificates": {}, "reserve_nominations": {}}, Overdue: []Task{}}
	err := db.InTx(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `
			SELECT 'certificates', status, count(*) FROM certificates WHERE agency_id = $1 AND status <> 'issuing' GROUP BY status
			UNION ALL SELECT 'reserve_nominations', status, count(*) FROM reserve_nominations WHERE agency = $1 GROUP BY status`, agency)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var process, status string
			var n int
			if err := rows.Scan(&process, &status, &n); err != nil {
				return err
			}
			o.Counts[process][status] = n
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows2, err := tx.Query(ctx, `
			SELECT 'certificate', number, 'Нет результата обучения по сертификату ' || number, outcome_due FROM certificates
				WHERE agency_id = $1 AND overdue
			UNION ALL SELECT 'reserve_nomination', id, 'Просрочено рассмотрение списков резерва на ' || year, review_due FROM reserve_nominations
				WHERE agency = $1 AND overdue
			ORDER BY 4 NULLS LAST, 2`, agency)
		if err != nil {
			return err
		}
		o.Overdue, err = pgx.CollectRows(rows2, func(r pgx.CollectableRow) (Task, error) {
			t := Task{Overdue: true}
			var due *time.Time
			err := r.Scan(&t.Kind, &t.SubjectID, &t.Title, &due)
			t.Due = datePtr(due)
			return t, err
		})
		return err
	})
	if o.Overdue == nil {
		o.Overdue = []Task{}
	}
	return o, err
}
