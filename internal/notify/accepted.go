package notify

import (
	"context"
	"sync"
	"time"

	"github.com/profdev/profdev/internal/domain"
)

// The one window in which an email could go out twice: the relay has accepted it, and the
// transaction that records it as sent (SendPendingEmails) does not commit because the
// database stopped meanwhile. The email is then still pending, and the activity's retry would
// send it again. So the notifier remembers every email the relay accepted until its record is
// known to be committed: while the attempt lasts it records them itself (recordAccepted,
// retrying until the database answers or the attempt's time is up), and a later attempt in the
// same process that finds one still pending records it instead of sending it. What remains is
// a worker that dies, or a retry that lands on another worker, inside that window while the
// database stays down longer than the attempt: the email then goes again, with the same
// Message-ID, which receiving systems collapse.

// maxAccepted bounds the memory: entries leave once recorded, and the rest are the handful
// of emails in flight when the database stopped.
const maxAccepted = 10000

// recordFor bounds recordAccepted when the caller's context has no earlier deadline (an
// activity's attempt has one).
const recordFor = 30 * time.Second

// acceptedEmails are emails the relay accepted whose record as sent may not have committed,
// by Message-ID.
type acceptedEmails struct {
	mu   sync.Mutex
	byID map[string]acceptedEmail
}

type acceptedEmail struct {
	notificationID, emailID int64
	at                      time.Time
}

func (a *acceptedEmails) add(e domain.OutboxEmail) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.byID == nil {
		a.byID = map[string]acceptedEmail{}
	}
	if len(a.byID) >= maxAccepted {
		a.dropOldest()
	}
	a.byID[e.MessageID] = acceptedEmail{notificationID: e.NotificationID, emailID: e.ID, at: time.Now()}
}

func (a *acceptedEmails) dropOldest() {
	var oldest string
	var at time.Time
	for id, e := range a.byID {
		if oldest == "" || e.at.Before(at) {
			oldest, at = id, e.at
		}
	}
	delete(a.byID, oldest)
}

func (a *acceptedEmails) has(messageID string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	_, ok := a.byID[messageID]
	return ok
}

// of lists the emails of one notification still remembered.
func (a *acceptedEmails) of(notificationID int64) map[string]int64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := map[string]int64{}
	for id, e := range a.byID {
		if e.notificationID == notificationID {
			out[id] = e.emailID
		}
	}
	return out
}

func (a *acceptedEmails) remove(messageID string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.byID, messageID)
}

// forget drops a notification's emails: every one is recorded as sent.
func (a *acceptedEmails) forget(notificationID int64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for id, e := range a.byID {
		if e.notificationID == notificationID {
			delete(a.byID, id)
		}
	}
}

// recordAccepted records as sent the notification's emails the relay accepted, retrying
// while ctx lasts: the database that just failed the record is usually back within it. What
// it cannot record stays remembered for the next attempt.
func (n *Notifier) recordAccepted(ctx context.Context, notificationID int64) {
	pending := n.accepted.of(notificationID)
	ctx, cancel := context.WithTimeout(ctx, recordFor)
	defer cancel()
	wait := 250 * time.Millisecond
	for len(pending) > 0 {
		for messageID, emailID := range pending {
			if err := n.store.MarkEmailSent(ctx, emailID); err != nil {
				continue
			}
			n.accepted.remove(messageID)
			delete(pending, messageID)
		}
		if len(pending) == 0 {
			return
		}
		select {
		case <-ctx.Done():
			n.log.Warn().Int64("notification_id", notificationID).Int("emails", len(pending)).
				Msg("emails the relay accepted are not yet recorded as sent; the next attempt records them")
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, 2*time.Second)
	}
}
