package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/profdev/profdev/internal/domain"
)

// RecordNotification stores a feed entry under its dedup key and the emails owed for it, in
// one transaction. A second call with the same dedup key changes nothing and returns the
// first entry's id, which is what makes a retried notification activity harmless.
func (db *DB) RecordNotification(ctx context.Context, dedupKey string, n domain.Notification, emails []domain.OutboxEmail) (int64, error) {
	var id int64
	err := db.InTx(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		var sub, role, scope *string
		if n.Audience.Sub != "" {
			sub = &n.Audience.Sub
		} else {
			r := string(n.Audience.Role)
			role, scope = &r, &n.Audience.Scope
		}
		err := tx.QueryRow(ctx, `
			INSERT INTO notifications (dedup_key, workflow_id, step, audience_sub, audience_role, audience_scope, subject, body, link)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
			ON CONFLICT (dedup_key) DO NOTHING
			RETURNING id`,
			dedupKey, n.WorkflowID, n.Step, sub, role, scope, n.Subject, n.Body, n.Link).Scan(&id)
		if err == pgx.ErrNoRows {
			// Recorded by an earlier attempt: its outbox rows are already there too.
			return tx.QueryRow(ctx, `SELECT id FROM notifications WHERE dedup_key = $1`, dedupKey).Scan(&id)
		}
		if err != nil {
			return err
		}
		for _, e := range emails {
			if _, err := tx.Exec(ctx, `
				INSERT INTO email_outbox (notification_id, recipient, message_id) VALUES ($1, $2, $3)
				ON CONFLICT (notification_id, recipient) DO NOTHING`, id, e.Recipient, e.MessageID); err != nil {
				return err
			}
		}
		return nil
	})
	return id, err
}

// outboxTxTimeout bounds each transaction of SendPendingEmails, which outlives its caller's
// cancellation.
const outboxTxTimeout = 10 * time.Second

// SendPendingEmails hands each email of the notification still owed to send, one at a time,
// holding a row lock while it sends so that two concurrent attempts never send the same
// email; an email is marked sent in the same transaction, which commits as soon as the send
// returns. A send error is recorded on the row (committed, so the attempt is on record) and
// returned, leaving the email pending for the next attempt.
//
// send gets the caller's context; the transactions do not end with it, only after
// outboxTxTimeout: a caller cancelled (its attempt timed out, its worker stopping) just
// after the relay accepted an email must not lose the record of it, or the email goes again.
// Once ctx has ended, no further email is handed to send.
func (db *DB) SendPendingEmails(ctx context.Context, notificationID int64, send func(domain.OutboxEmail) error) (sent int, err error) {
	for {
		if err := ctx.Err(); err != nil {
			return sent, mapError(err)
		}
		var done bool
		var sendErr error
		txCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), outboxTxTimeout)
		err = db.InTx(txCtx, pgx.ReadCommitted, func(tx pgx.Tx) error {
			ctx := txCtx
			done, sendErr = false, nil
			var e domain.OutboxEmail
			err := tx.QueryRow(ctx, `
				SELECT id, notification_id, recipient, message_id, attempts FROM email_outbox
				WHERE notification_id = $1 AND state = 'pending'
				ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED`, notificationID).
				Scan(&e.ID, &e.NotificationID, &e.Recipient, &e.MessageID, &e.Attempts)
			if err == pgx.ErrNoRows {
				done = true
				return nil
			}
			if err != nil {
				return err
			}
			// The email is marked sent before it is sent, in a savepoint that a failed send
			// rolls back: once the relay has accepted it, only the commit stands between the
			// acceptance and the record, the window in which a crash sends it again.
			sp, err := tx.Begin(ctx)
			if err != nil {
				return err
			}
			if _, err := sp.Exec(ctx, `UPDATE email_outbox SET state = 'sent', attempts = attempts + 1, sent_at = now(), last_error = '' WHERE id = $1`, e.ID); err != nil {
				return err
			}
			if sendErr = send(e); sendErr != nil {
				if err := sp.Rollback(ctx); err != nil {
					return err
				}
				_, err = tx.Exec(ctx, `UPDATE email_outbox SET attempts = attempts + 1, last_error = $2 WHERE id = $1`,
					e.ID, truncate(sendErr.Error(), 500))
				return err
			}
			return nil // committing the transaction keeps what the savepoint holds
		})
		cancel()
		switch {
		case err != nil:
			return sent, err
		case sendErr != nil:
			return sent, sendErr
		case done:
			return sent, nil
		}
		sent++
	}
}

// PendingEmailCount reports how many emails of a notification are still owed.
func (db *DB) PendingEmailCount(ctx context.Context, notificationID int64) (int, error) {
	var n int
	err := db.read(ctx, func(q querier) error {
		return q.QueryRow(ctx, `SELECT count(*) FROM email_outbox WHERE notification_id = $1 AND state = 'pending'`, notificationID).Scan(&n)
	})
	return n, err
}

// ListNotifications returns the caller's feed, newest first: what is addressed to the caller
// in person, or to the caller's role within the caller's scope.
func (db *DB) ListNotifications(ctx context.Context, actor domain.Actor, page Page) ([]domain.Notification, string, error) {
	before, err := decodeIDCursor(page.Cursor)
	if err != nil {
		return nil, "", err
	}
	limit := page.limit()
	var out []domain.Notification
	err = db.read(ctx, func(q querier) error {
		rows, err := q.Query(ctx, `
			SELECT id, workflow_id, step, coalesce(audience_sub, ''), coalesce(audience_role, ''),
				coalesce(audience_scope, ''), subject, body, link, created_at
			FROM notifications
			WHERE (audience_sub = $1 OR (audience_role = $2 AND audience_scope = $3))
				AND ($4 = 0 OR id < $4)
			ORDER BY id DESC LIMIT $5`,
			actor.Sub, string(actor.Role), actor.Scope(), before, limit+1)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.Notification, error) {
			var n domain.Notification
			var role string
			err := r.Scan(&n.ID, &n.WorkflowID, &n.Step, &n.Audience.Sub, &role, &n.Audience.Scope,
				&n.Subject, &n.Body, &n.Link, &n.CreatedAt)
			n.Audience.Role = domain.Role(role)
			return n, err
		})
		return err
	})
	if err != nil {
		return nil, "", err
	}
	out, next := trimPage(out, limit, func(x domain.Notification) string { return encodeIDCursor(x.ID) })
	return out, next, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// MarkEmailSent records as sent an email the relay accepted, when the transaction of
// SendPendingEmails that would have recorded it did not commit (the database stopped after
// the relay's answer). An email recorded already stays as it is.
func (db *DB) MarkEmailSent(ctx context.Context, emailID int64) error {
	return db.InTx(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `
			UPDATE email_outbox SET state = 'sent', attempts = attempts + 1, sent_at = now(), last_error = ''
			WHERE id = $1 AND state = 'pending'`, emailID)
		return err
	})
}
