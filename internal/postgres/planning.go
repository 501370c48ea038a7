package postgres

import (
	"context"
	"fmt"
	"time"

	"cloud.google.com/go/civil"
	"github.com/jackc/pgx/v5"

	"github.com/profdev/profdev/internal/domain"
)

// The annual planning cycle (планирование), process 4: the read models of a cycle, of the
// plans agencies and providers submit in it, and of the agencies' quarterly reports.

// PlanningParticipants lists, as cycle participants yet to plan, the agencies in the directory under the authority and the
// providers admitted to its registry, agencies first, each by ID.
func (db *DB) PlanningParticipants(ctx context.Context, authority string) ([]domain.CycleParticipant, error) {
	out := []domain.CycleParticipant{}
	err := db.InTx(ctx, pgx.RepeatableRead, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `
			SELECT 'agency', id, name, '{}'::text[] FROM agencies WHERE authority = $1
			UNION ALL
			SELECT 'provider', p.id, p.name, ARRAY[p.email] FROM registry_memberships m
				JOIN registry_providers p ON p.id = m.provider_id
				WHERE m.authority = $1 AND m.status <> 'excluded'
			ORDER BY 1, 2`, authority)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.CycleParticipant, error) {
			var p domain.CycleParticipant
			err := r.Scan(&p.Kind, &p.ID, &p.Name, &p.Emails)
			p.Emails = nonNil(p.Emails)
			return p, err
		})
		return err
	})
	return out, err
}

const cycleColumns = `id, workflow_id, authority, year, status, phase, priority_directions, plans_due, plans_remind_on,
	quarterly_reports, quarters, participants, opened_by, opened_at, closed_at, revision`

// SaveCycle writes the workflow's view of a cycle and the step behind it in one
// transaction; an older revision never overwrites a newer one.
func (db *DB) SaveCycle(ctx context.Context, c domain.Cycle, ev domain.Event) error {
	return db.InTx(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		if err := saveCycle(ctx, tx, c); err != nil {
			return err
		}
		return insertEvent(ctx, tx, c.WorkflowID, c.ID, ev)
	})
}

func saveCycle(ctx context.Context, tx pgx.Tx, c domain.Cycle) error {
	_, err := tx.Exec(ctx, `
		INSERT INTO planning_cycles (`+cycleColumns+`, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, now())
		ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, phase = EXCLUDED.phase,
			priority_directions = EXCLUDED.priority_directions, plans_due = EXCLUDED.plans_due,
			plans_remind_on = EXCLUDED.plans_remind_on, quarters = EXCLUDED.quarters,
			participants = EXCLUDED.participants, closed_at = EXCLUDED.closed_at,
			revision = EXCLUDED.revision, updated_at = now()
		WHERE planning_cycles.revision < EXCLUDED.revision`,
		c.ID, c.WorkflowID, c.Authority, c.Year, c.Status, c.Phase, nonNil(c.PriorityDirections), dateArg(&c.PlansDue),
		dateArg(c.PlansRemindOn), c.QuarterlyReports, nonNilSlice(c.Quarters), nonNilSlice(c.Participants),
		c.OpenedBy, c.OpenedAt, c.ClosedAt, c.Revision)
	return err
}

// SaveQuarterlyReport records a report together with the cycle as it stands after it.
func (db *DB) SaveQuarterlyReport(ctx context.Context, r domain.QuarterlyReport, c domain.Cycle, ev domain.Event) error {
	return db.InTx(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `
			INSERT INTO planning_reports (id, cycle_id, authority, year, agency, agency_name, quarter, figures, reserve_form,
				due, on_time, submitted_by, submitted_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
			ON CONFLICT (id) DO NOTHING`,
			r.ID, r.CycleID, r.Authority, r.Year, r.Agency, r.AgencyName, r.Quarter, r.Figures, r.ReserveForm,
			dateArg(&r.Due), r.OnTime, r.SubmittedBy, r.SubmittedAt); err != nil {
			return err
		}
		if err := saveCycle(ctx, tx, c); err != nil {
			return err
		}
		return insertEvent(ctx, tx, c.WorkflowID, c.ID, ev)
	})
}

func scanCycle(r pgx.Row) (domain.Cycle, error) {
	var c domain.Cycle
	var due time.Time
	var remind *time.Time
	err := r.Scan(&c.ID, &c.WorkflowID, &c.Authority, &c.Year, &c.Status, &c.Phase, &c.PriorityDirections, &due, &remind,
		&c.QuarterlyReports, &c.Quarters, &c.Participants, &c.OpenedBy, &c.OpenedAt, &c.ClosedAt, &c.Revision)
	c.PlansDue, c.PlansRemindOn = civil.DateOf(due), datePtr(remind)
	return c, err
}

// GetCycle returns an authority's cycle for a year, or not_found.
func (db *DB) GetCycle(ctx context.Context, authority string, year int) (domain.Cycle, error) {
	var c domain.Cycle
	err := db.read(ctx, func(q querier) error {
		var err error
		c, err = scanCycle(q.QueryRow(ctx, `SELECT `+cycleColumns+` FROM planning_cycles WHERE authority = $1 AND year = $2`, authority, year))
		return err
	})
	if domain.IsCode(err, domain.CodeNotFound) {
		return c, domain.NotFound("planning cycle")
	}
	return c, err
}

const planColumns = `id, workflow_id, cycle_id, authority, year, participant_kind, participant_id, participant_name, events,
	status, reasons, round, review_due, resubmit_due, overdue, on_time, first_submitted_at, submitted_at, decided_at, revision`

// SavePlan writes the workflow's view of a plan and the step behind it in one transaction;
// an older revision never overwrites a newer one.
func (db *DB) SavePlan(ctx context.Context, p domain.Plan, ev domain.Event) error {
	return db.InTx(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `
			INSERT INTO planning_plans (`+planColumns+`, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, now())
			ON CONFLICT (id) DO UPDATE SET events = EXCLUDED.events, status = EXCLUDED.status, reasons = EXCLUDED.reasons,
				round = EXCLUDED.round, review_due = EXCLUDED.review_due, resubmit_due = EXCLUDED.resubmit_due,
				overdue = EXCLUDED.overdue, submitted_at = EXCLUDED.submitted_at, decided_at = EXCLUDED.decided_at,
				revision = EXCLUDED.revision, updated_at = now()
			WHERE planning_plans.revision < EXCLUDED.revision`,
			p.ID, p.WorkflowID, p.CycleID, p.Authority, p.Year, p.ParticipantKind, p.ParticipantID, p.ParticipantName,
			nonNilSlice(p.Events), p.Status, nonNil(p.Reasons), p.Round, dateArg(p.ReviewDue), dateArg(p.ResubmitDue),
			p.Overdue, p.OnTime, p.FirstSubmittedAt, p.SubmittedAt, p.DecidedAt, p.Revision); err != nil {
			return err
		}
		return insertEvent(ctx, tx, p.WorkflowID, p.ID, ev)
	})
}

func scanPlan(r pgx.Row) (domain.Plan, error) {
	var p domain.Plan
	var review, resubmit *time.Time
	err := r.Scan(&p.ID, &p.WorkflowID, &p.CycleID, &p.Authority, &p.Year, &p.ParticipantKind, &p.ParticipantID,
		&p.ParticipantName, &p.Events, &p.Status, &p.Reasons, &p.Round, &review, &resubmit, &p.Overdue, &p.OnTime,
		&p.FirstSubmittedAt, &p.SubmittedAt, &p.DecidedAt, &p.Revision)
	p.ReviewDue, p.ResubmitDue = datePtr(review), datePtr(resubmit)
	return p, err
}

// GetPlan returns one plan, or not_found.
func (db *DB) GetPlan(ctx context.Context, id string) (domain.Plan, error) {
	var p domain.Plan
	err := db.read(ctx, func(q querier) error {
		var err error
		p, err = scanPlan(q.QueryRow(ctx, `SELECT `+planColumns+` FROM planning_plans WHERE id = $1`, id))
		return err
	})
	if domain.IsCode(err, domain.CodeNotFound) {
		return p, domain.NotFound("plan " + id)
	}
	return p, err
}

// CyclePlans returns the plans of a cycle, by participant.
func (db *DB) CyclePlans(ctx context.Context, cycleID string) ([]domain.Plan, error) {
	out := []domain.Plan{}
	err := db.read(ctx, func(q querier) error {
		rows, err := q.Query(ctx, `SELECT `+planColumns+` FROM planning_plans WHERE cycle_id = $1
			ORDER BY participant_kind, participant_id`, cycleID)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.Plan, error) { return scanPlan(r) })
		return err
	})
	return out, err
}

// CycleReports returns the quarterly reports of a cycle, by quarter and agency.
func (db *DB) CycleReports(ctx context.Context, cycleID string) ([]domain.QuarterlyReport, error) {
	out := []domain.QuarterlyReport{}
	err := db.read(ctx, func(q querier) error {
		rows, err := q.Query(ctx, `
			SELECT id, cycle_id, authority, year, agency, agency_name, quarter, figures, reserve_form, due, on_time,
				submitted_by, submitted_at
			FROM planning_reports WHERE cycle_id = $1 ORDER BY quarter, agency`, cycleID)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.QuarterlyReport, error) {
			var q domain.QuarterlyReport
			var due time.Time
			err := r.Scan(&q.ID, &q.CycleID, &q.Authority, &q.Year, &q.Agency, &q.AgencyName, &q.Quarter, &q.Figures,
				&q.ReserveForm, &due, &q.OnTime, &q.SubmittedBy, &q.SubmittedAt)
			q.Due = civil.DateOf(due)
			return q, err
		})
		return err
	})
	return out, err
}

// LatestPriorityDirections returns the priority directions of the authority's most recent
// cycle before year; none when it has had no cycle.
func (db *DB) LatestPriorityDirections(ctx context.Context, authority string, year int) ([]string, error) {
	var out []string
	err := db.read(ctx, func(q querier) error {
		return q.QueryRow(ctx, `SELECT priority_directions FROM planning_cycles WHERE authority = $1 AND year < $2
			ORDER BY year DESC LIMIT 1`, authority, year).Scan(&out)
	})
	if domain.IsCode(err, domain.CodeNotFound) {
		return []string{}, nil
	}
	return nonNil(out), err
}

// nonNilSlice stores an empty JSON array rather than null.
func nonNilSlice[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// PlanningParticipant returns one agency of the authority's directory, or one provider
// admitted to its registry and not excluded, as a cycle participant; otherwise not_found.
func (db *DB) PlanningParticipant(ctx context.Context, authority string, kind domain.ParticipantKind, id string) (domain.CycleParticipant, error) {
	q := `SELECT 'agency', id, name, '{}'::text[] FROM agencies WHERE authority = $1 AND id = $2`
	if kind == domain.ParticipantProvider {
		q = `SELECT 'provider', p.id, p.name, ARRAY[p.email] FROM registry_memberships m
			JOIN registry_providers p ON p.id = m.provider_id
			WHERE m.authority = $1 AND m.provider_id = $2 AND m.status <> 'excluded'`
	}
	var p domain.CycleParticipant
	err := db.read(ctx, func(r querier) error {
		return r.QueryRow(ctx, q, authority, id).Scan(&p.Kind, &p.ID, &p.Name, &p.Emails)
	})
	if domain.IsCode(err, domain.CodeNotFound) {
		return p, domain.NotFound(fmt.Sprintf("%s %s in the planning of %s", kind, id, authority))
	}
	return p, err
}
