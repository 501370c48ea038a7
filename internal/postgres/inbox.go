package postgres

import (
	"context"
	"strconv"
	"time"

	"cloud.google.com/go/civil"
	"github.com/jackc/pgx/v5"

	"github.com/profdev/profdev/internal/domain"
)

// taskQueries are, per role, what waits on a holder of that role within the scope ($1). Each
// row is kind, subject, title, due date, flagged overdue. A branch that can run to thousands
// of certificates is ordered as the inbox is (due date, then subject), which a partial index
// gives it as it reads, so that PostgreSQL merges the branches instead of sorting them all.
var taskQueries = map[domain.Role]string{
	domain.RoleMinistry: `
		SELECT 'application_review', id, 'Рассмотреть заявку ' || (provider->>'name'), review_due, overdue
			FROM registry_applications WHERE authority = $1 AND status = 'under_review'
		UNION ALL SELECT 'declaration_review', id, 'Рассмотреть сведения о программах на ' || year, NULL::date, false
			FROM registry_declarations WHERE authority = $1 AND status = 'under_review'
		UNION ALL (SELECT 'certificate_outcome_overdue', number, 'Нет результата обучения по сертификату ' || number, outcome_due, true
			FROM certificates WHERE authority = $1 AND status = 'enrolled' AND overdue ORDER BY outcome_due, number)
		UNION ALL SELECT 'plan_review', id, 'Рассмотреть план мероприятий: ' || participant_name, review_due, overdue
			FROM planning_plans p WHERE authority = $1 AND status = 'under_review'
			AND EXISTS (SELECT 1 FROM planning_cycles c WHERE c.id = p.cycle_id AND c.status = 'open')
		UNION ALL SELECT 'connection_review', id, 'Рассмотреть заявку на подключение: ' || (doc->'organisation'->>'name'), (doc->>'review_due')::date, overdue
			FROM connection_requests WHERE authority = $1 AND status = 'under_review'
		UNION ALL SELECT 'change_review', id, 'Рассмотреть изменение сведений об уполномоченных лицах ' || organisation_id, (doc->>'act_by')::date, overdue
			FROM connection_changes WHERE authority = $1 AND status = 'under_review'`,
	domain.RoleProvider: `
		(SELECT 'certificate_enrolment', number, 'Сообщить о зачислении по сертификату ' || number, start_by, false
			FROM certificates WHERE provider_id = $1 AND status = 'issued' ORDER BY start_by, number)
		UNION ALL (SELECT 'certificate_outcome', number, 'Сообщить результат обучения по сертификату ' || number, outcome_due, overdue
			FROM certificates WHERE provider_id = $1 AND status = 'enrolled' ORDER BY outcome_due, number)
		UNION ALL SELECT 'application_resubmission', id, 'Доработать заявку', resubmit_due, false
			FROM registry_applications WHERE provider_id = $1 AND status = 'returned'
		UNION ALL SELECT 'plan_submission', c.id, 'Представить план мероприятий на ' || c.year, c.plans_due, false
			FROM planning_cycles c JOIN registry_memberships m ON m.authority = c.authority AND m.provider_id = $1 AND m.status <> 'excluded'
			WHERE c.status = 'open' AND NOT EXISTS (SELECT 1 FROM planning_plans p
				WHERE p.cycle_id = c.id AND p.participant_kind = 'provider' AND p.participant_id = $1)
		UNION ALL SELECT 'plan_resubmission', id, 'Доработать план мероприятий на ' || year, resubmit_due, overdue
			FROM planning_plans p WHERE participant_kind = 'provider' AND participant_id = $1 AND status = 'returned'
			AND EXISTS (SELECT 1 FROM planning_cycles c WHERE c.id = p.cycle_id AND c.status = 'open')`,
	domain.RoleHR: `
		SELECT 'candidate_correction', nomination_id || '/' || id, 'Исправить сведения о кандидате ' || full_name, correction_due, false
			FROM reserve_candidates WHERE agency = $1 AND status = 'correction_requested'
		UNION ALL SELECT 'nomination_submission', id, 'Направить списки резерва на ' || year, NULL::date, false
			FROM reserve_nominations WHERE agency = $1 AND status IN ('draft', 'approved')
		UNION ALL SELECT 'plan_submission', c.id, 'Представить план мероприятий на ' || c.year, c.plans_due, false
			FROM planning_cycles c JOIN agencies a ON a.authority = c.authority AND a.id = $1
			WHERE c.status = 'open' AND NOT EXISTS (SELECT 1 FROM planning_plans p
				WHERE p.cycle_id = c.id AND p.participant_kind = 'agency' AND p.participant_id = $1)
		UNION ALL SELECT 'plan_resubmission', id, 'Доработать план мероприятий на ' || year, resubmit_due, overdue
			FROM planning_plans p WHERE participant_kind = 'agency' AND participant_id = $1 AND status = 'returned'
			AND EXISTS (SELECT 1 FROM planning_cycles c WHERE c.id = p.cycle_id AND c.status = 'open')
		UNION ALL SELECT 'quarterly_report', c.id || '/q' || (q->>'quarter'),
				'Представить ежеквартальный отчёт за ' || (q->>'quarter') || ' квартал ' || c.year, (q->>'due')::date, false
			FROM planning_cycles c JOIN agencies a ON a.authority = c.authority AND a.id = $1
			CROSS JOIN LATERAL jsonb_array_elements(c.quarters) q
			WHERE c.status = 'open' AND make_date(c.year, 3 * (q->>'quarter')::int, 1) <= $2::date
			AND NOT EXISTS (SELECT 1 FROM planning_reports r
				WHERE r.cycle_id = c.id AND r.agency = $1 AND r.quarter = (q->>'quarter')::int)`,
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
	// An applicant (signed in, no role yet) has their own returned connection requests to
	// correct; $1 is their subject.
	domain.RoleApplicant: `
		SELECT 'connection_resubmission', id, 'Доработать заявку на подключение: ' || (doc->'organisation'->>'name'),
				(doc->>'resubmit_due')::date, overdue
			FROM connection_requests WHERE submitter_sub = $1 AND status = 'returned'`,
	// The organisation's administrator: invitations its people have not used yet, and change
	// requests the ministry returned.
	domain.RoleOrgAdmin: `
		SELECT 'invitation_pending', id, 'Приглашение не принято: ' || full_name, NULL::date, false
			FROM people WHERE organisation_id = $1 AND status = 'invited'
		UNION ALL SELECT 'change_returned', id, 'Доработать сведения об уполномоченных лицах', NULL::date, false
			FROM connection_changes WHERE organisation_id = $1 AND status = 'returned'`,
}

// Tasks returns what waits on the actor, earliest due first (undated last). A task whose due
// date has passed is overdue even before the workflow's escalation flags it.
func (db *DB) Tasks(ctx context.Context, actor domain.Actor, today civil.Date) ([]domain.Task, error) {
	out, _, err := db.TasksUpTo(ctx, actor, today, 0)
	return out, err
}

// TasksUpTo returns the first limit tasks (0: all) in the inbox's order and how many there
// are in all: a ministry with thousands of late outcomes sees the earliest first and the
// count, read from the same ordered partial indexes, not every row.
func (db *DB) TasksUpTo(ctx context.Context, actor domain.Actor, today civil.Date, limit int) ([]domain.Task, int, error) {
	q, ok := taskQueries[actor.Role]
	out := []domain.Task{}
	if !ok {
		return out, 0, nil
	}
	args := []any{actor.Scope()}
	switch actor.Role {
	case domain.RoleApplicant:
		args = []any{actor.Sub}
	case domain.RoleServant:
		args = append(args, actor.Sub)
	case domain.RoleHR: // which quarters' reports are open
		args = append(args, today.In(time.UTC))
	}
	total := 0
	err := db.InTx(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		sql := `SELECT * FROM (` + q + `) t ORDER BY 4 NULLS LAST, 2`
		if limit > 0 {
			sql += " LIMIT " + strconv.Itoa(limit)
		}
		rows, err := tx.Query(ctx, sql, args...)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.Task, error) {
			var t domain.Task
			var due *time.Time
			err := r.Scan(&t.Kind, &t.SubjectID, &t.Title, &due, &t.Overdue)
			t.Due = datePtr(due)
			if t.Due != nil && t.Due.Before(today) {
				t.Overdue = true
			}
			return t, err
		})
		if err != nil || limit == 0 || len(out) < limit {
			total = len(out)
			return err
		}
		return tx.QueryRow(ctx, `SELECT count(*) FROM (`+q+`) t`, args...).Scan(&total)
	})
	return out, total, err
}

// Overview counts an agency's certificates and nominations by status and lists what is overdue.
// Certificates are counted from certificate_counts_by_agency, which triggers keep in step.
func (db *DB) Overview(ctx context.Context, agency string) (domain.AgencyOverview, error) {
	o := domain.AgencyOverview{Agency: agency, Counts: map[string]map[string]int{"certificates": {}, "reserve_nominations": {}, "planning_plans": {}, "quarterly_reports": {}}, Overdue: []domain.Task{}}
	err := db.InTx(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `
			SELECT 'certificates', status, sum(certificates) FROM certificate_counts_by_agency
				WHERE agency_id = $1 AND status <> 'issuing' AND certificates > 0 GROUP BY status
			UNION ALL SELECT 'reserve_nominations', status, count(*) FROM reserve_nominations WHERE agency = $1 GROUP BY status
			UNION ALL SELECT 'planning_plans', status, count(*) FROM planning_plans
				WHERE participant_kind = 'agency' AND participant_id = $1 GROUP BY status
			UNION ALL SELECT 'quarterly_reports', CASE WHEN on_time THEN 'on_time' ELSE 'late' END, count(*) FROM planning_reports
				WHERE agency = $1 GROUP BY 2`, agency)
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
			UNION ALL SELECT 'plan', id, 'Просрочена доработка плана мероприятий на ' || year, resubmit_due FROM planning_plans
				WHERE participant_kind = 'agency' AND participant_id = $1 AND status = 'returned' AND overdue
			ORDER BY 4 NULLS LAST, 2`, agency)
		if err != nil {
			return err
		}
		o.Overdue, err = pgx.CollectRows(rows2, func(r pgx.CollectableRow) (domain.Task, error) {
			t := domain.Task{Overdue: true}
			var due *time.Time
			err := r.Scan(&t.Kind, &t.SubjectID, &t.Title, &due)
			t.Due = datePtr(due)
			return t, err
		})
		return err
	})
	if o.Overdue == nil {
		o.Overdue = []domain.Task{}
	}
	return o, err
}
