package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/profdev/profdev/internal/domain"
)

// eventInsert appends a step to a workflow's timeline; the same (workflow, seq) twice is a no-op.
const eventInsert = `
	INSERT INTO events (workflow_id, seq, subject_id, at, actor, action, details)
	VALUES ($1, $2, $3, $4, $5, $6, $7)
	ON CONFLICT (workflow_id, seq) DO NOTHING`

// insertEvent runs eventInsert in a transaction.
func insertEvent(ctx context.Context, tx pgx.Tx, workflowID, subjectID string, ev domain.Event) error {
	_, err := tx.Exec(ctx, eventInsert, workflowID, ev.Seq, subjectID, ev.At, ev.Actor, ev.Action, detailsOrEmpty(ev.Details))
	return err
}

// queueEvent queues eventInsert in a batch (see atomically).
func queueEvent(b *pgx.Batch, workflowID, subjectID string, ev domain.Event) {
	b.Queue(eventInsert, workflowID, ev.Seq, subjectID, ev.At, ev.Actor, ev.Action, detailsOrEmpty(ev.Details))
}

func detailsOrEmpty(d map[string]any) map[string]any {
	if d == nil {
		return map[string]any{}
	}
	return d
}

// Timeline returns the steps recorded for a subject (an application, a certificate...), oldest first.
func (db *DB) Timeline(ctx context.Context, subjectID string) ([]domain.Event, error) {
	return db.timeline(ctx, `subject_id = $1`, subjectID)
}

// WorkflowTimeline returns the steps one workflow recorded, in order.
func (db *DB) WorkflowTimeline(ctx context.Context, workflowID string) ([]domain.Event, error) {
	return db.timeline(ctx, `workflow_id = $1`, workflowID)
}

func (db *DB) timeline(ctx context.Context, where, arg string) ([]domain.Event, error) {
	var out []domain.Event
	err := db.read(ctx, func(q querier) error {
		rows, err := q.Query(ctx, `
			SELECT seq, at, actor, action, details FROM events
			WHERE `+where+` ORDER BY at, workflow_id, seq`, arg)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.Event, error) {
			var e domain.Event
			err := r.Scan(&e.Seq, &e.At, &e.Actor, &e.Action, &e.Details)
			return e, err
		})
		return err
	})
	if out == nil {
		out = []domain.Event{}
	}
	return out, err
}
