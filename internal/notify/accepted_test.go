package notify_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/internal/notify"
	"github.com/profdev/profdev/internal/postgres"
)

var errConnLost = domain.Wrap(errors.New("unexpected EOF"), domain.CodeUnavailable, "the database is unavailable")

// lostRecord is the store of a database that stops just after the relay accepted an email:
// the record of it as sent does not commit, and MarkEmailSent fails while the database stays
// down (downFor calls).
type lostRecord struct {
	*postgres.DB
	lose    bool
	downFor int
}

func (s *lostRecord) SendPendingEmails(ctx context.Context, id int64, send func(domain.OutboxEmail) error) (int, error) {
	if !s.lose {
		return s.DB.SendPendingEmails(ctx, id, send)
	}
	s.lose = false
	return s.DB.SendPendingEmails(ctx, id, func(e domain.OutboxEmail) error {
		if err := send(e); err != nil {
			return err
		}
		return errConnLost // the relay has it; the record is what is lost
	})
}

func (s *lostRecord) MarkEmailSent(ctx context.Context, emailID int64) error {
	if s.downFor > 0 {
		s.downFor--
		return errConnLost
	}
	return s.DB.MarkEmailSent(ctx, emailID)
}

// TestNotifySendsNothingTwiceWhenTheRecordIsLost is what the fault suite found with
// PostgreSQL stopped for 2 minutes in the middle of a batch: an email went out twice because
// the database stopped between the relay's acceptance and the record of it.
func TestNotifySendsNothingTwiceWhenTheRecordIsLost(t *testing.T) {
	for _, tc := range []struct {
		name    string
		downFor int           // failed MarkEmailSent calls
		attempt time.Duration // how long the failing attempt may take
		pending int           // emails still pending after the failing attempt
	}{
		{"recorded while the attempt lasts", 2, 10 * time.Second, 0},
		{"recorded by the next attempt", 1 << 30, 600 * time.Millisecond, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := mustStore(t)
			srv, mailer := mustSMTP(t)
			store := &lostRecord{DB: db, lose: true, downFor: tc.downFor}
			n := notify.New(store, mailer, notify.Config{}, zerolog.Nop())
			req := notify.Request{WorkflowID: "wf-lost", Step: "approved", Audience: domain.RoleAudience(domain.RoleAgencyHead, "agency-1"), Subject: "s", Body: "b"}

			ctx, cancel := context.WithTimeout(context.Background(), tc.attempt)
			res, err := n.Notify(ctx, req)
			cancel()
			if err == nil {
				t.Fatal("the attempt whose record was lost succeeded; want its error")
			}
			if got, err := db.PendingEmailCount(context.Background(), res.NotificationID); err != nil || got != tc.pending {
				t.Errorf("after the failed attempt %d emails pending (%v), want %d", got, err, tc.pending)
			}
			store.downFor = 0
			if _, err := n.Notify(context.Background(), req); err != nil {
				t.Fatalf("retry: %v", err)
			}
			if got := srv.CountTo("head@agency.test"); got != 1 {
				t.Errorf("head got %d emails, want exactly 1", got)
			}
			if got, err := db.PendingEmailCount(context.Background(), res.NotificationID); err != nil || got != 0 {
				t.Errorf("after the retry %d emails pending (%v), want 0", got, err)
			}
		})
	}
}
