// Package notify is the one notification piece every process calls from an activity: a
// feed entry addressed to an audience plus an email to each address the directory (or the
// caller) holds for it. It is idempotent per (workflow, step, audience): the feed entry and
// the emails owed are recorded once under that key, and each email is sent at most once and
// tracked until sent, so a retried activity never sends twice, even when the database stops
// between the relay's acceptance of an email and the record of it (accepted.go).
package notify

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/mail"
	"slices"
	"strings"

	"github.com/rs/zerolog"

	"github.com/profdev/profdev/internal/domain"
)

// Request is one notification: what happened (Step of WorkflowID) and to whom.
type Request struct {
	WorkflowID string          `json:"workflow_id"`
	Step       string          `json:"step"`
	Audience   domain.Audience `json:"audience"`
	// Emails are addresses known from the process's own records (a servant's, a provider's);
	// they are added to whatever the directory holds for the audience.
	Emails      []string     `json:"emails,omitempty"`
	Subject     string       `json:"subject"`
	Body        string       `json:"body"`
	Link        string       `json:"link,omitempty"`
	Attachments []Attachment `json:"attachments,omitempty"`
	// FeedOnly records the feed entry and sends no email: the email goes in a digest (a
	// batch's certificates, one email per HR audience and per provider).
	FeedOnly bool `json:"feed_only,omitempty"`
}

// Attachment is a file sent with the email (the certificate PDF to the servant).
type Attachment struct {
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Data        []byte `json:"data"`
}

// DedupKey is the idempotency key of a request: workflow, step and audience.
func (r Request) DedupKey() string {
	return r.WorkflowID + "|" + r.Step + "|" + r.Audience.Key()
}

// Validate checks that the request names a workflow, a step, a complete audience and a subject.
func (r Request) Validate() error {
	var fields []domain.FieldError
	if r.WorkflowID == "" {
		fields = append(fields, domain.FieldError{Field: "workflow_id", Message: "required"})
	}
	if r.Step == "" {
		fields = append(fields, domain.FieldError{Field: "step", Message: "required"})
	}
	if r.Audience.Sub == "" && (r.Audience.Role == "" || r.Audience.Scope == "") {
		fields = append(fields, domain.FieldError{Field: "audience", Message: "one person (sub) or a role with its scope"})
	}
	if r.Subject == "" {
		fields = append(fields, domain.FieldError{Field: "subject", Message: "required"})
	}
	for i, e := range r.Emails {
		if _, err := mail.ParseAddress(e); err != nil {
			fields = append(fields, domain.FieldError{Field: fmt.Sprintf("emails[%d]", i), Message: "not an email address"})
		}
	}
	if len(fields) > 0 {
		return domain.Invalid("invalid notification", fields...)
	}
	return nil
}

// Message is one email to one recipient.
type Message struct {
	MessageID   string
	From        string
	To          string
	Subject     string
	Text        string
	Attachments []Attachment
}

// Mailer delivers one email. Implementations: SMTP for real delivery, a log mailer for
// `profdev dev` without SMTP settings.
type Mailer interface {
	Send(ctx context.Context, m Message) error
}

// Store is what the notifier needs from storage.
type Store interface {
	EmailsFor(ctx context.Context, a domain.Audience) ([]string, error)
	RecordNotification(ctx context.Context, dedupKey string, n domain.Notification, emails []domain.OutboxEmail) (int64, error)
	SendPendingEmails(ctx context.Context, notificationID int64, send func(domain.OutboxEmail) error) (int, error)
	MarkEmailSent(ctx context.Context, emailID int64) error
}

// Notifier records feed entries and sends the emails owed for them.
type Notifier struct {
	store  Store
	mailer Mailer
	from   string
	domain string // right-hand side of Message-IDs
	base   string
	log    zerolog.Logger
	// accepted are the emails the relay accepted whose record as sent may have been lost.
	accepted acceptedEmails
}

// Config is the sender identity of outgoing mail.
type Config struct {
	From string // e.g. "profdev <noreply@profdev.local>"
	// BaseURL is where people reach the web console (PUBLIC_BASE_URL): every link in an
	// email is absolute under it, to the console page of the record.
	BaseURL string
}

// New builds a Notifier.
func New(store Store, mailer Mailer, cfg Config, log zerolog.Logger) *Notifier {
	from := cfg.From
	if from == "" {
		from = "profdev <noreply@profdev.local>"
	}
	host := "profdev.local"
	if a, err := mail.ParseAddress(from); err == nil {
		if at := strings.LastIndexByte(a.Address, '@'); at >= 0 {
			host = a.Address[at+1:]
		}
	}
	return &Notifier{store: store, mailer: mailer, from: from, domain: host, base: strings.TrimRight(cfg.BaseURL, "/"), log: log}
}

// Result says what a Notify call did.
type Result struct {
	NotificationID int64 `json:"notification_id"`
	Recipients     int   `json:"recipients"`
	SentNow        int   `json:"sent_now"`
}

// Notify records the feed entry and the emails owed (once per dedup key) and sends those not
// yet sent. Call it again after an error: what was sent is not sent again.
func (n *Notifier) Notify(ctx context.Context, r Request) (Result, error) {
	if err := r.Validate(); err != nil {
		return Result{}, err
	}
	var recipients []string
	if !r.FeedOnly {
		directory, err := n.store.EmailsFor(ctx, r.Audience)
		if err != nil {
			return Result{}, fmt.Errorf("notify: resolve audience %s: %w", r.Audience.Key(), err)
		}
		recipients = normalise(append(slices.Clone(r.Emails), directory...))
	}
	key := r.DedupKey()
	outbox := make([]domain.OutboxEmail, 0, len(recipients))
	for _, addr := range recipients {
		outbox = append(outbox, domain.OutboxEmail{Recipient: addr, MessageID: n.messageID(key, addr)})
	}
	id, err := n.store.RecordNotification(ctx, key, domain.Notification{
		WorkflowID: r.WorkflowID, Step: r.Step, Audience: r.Audience,
		Subject: r.Subject, Body: r.Body, Link: r.Link,
	}, outbox)
	if err != nil {
		return Result{}, fmt.Errorf("notify: record %s: %w", key, err)
	}
	sent, err := n.store.SendPendingEmails(ctx, id, func(e domain.OutboxEmail) error {
		if n.accepted.has(e.MessageID) {
			return nil // the relay has it from an earlier attempt whose record was lost: record it
		}
		if err := n.mailer.Send(ctx, Message{
			MessageID: e.MessageID, From: n.from, To: e.Recipient,
			Subject: r.Subject, Text: emailText(r, n.base), Attachments: r.Attachments,
		}); err != nil {
			return err
		}
		n.accepted.add(e)
		return nil
	})
	res := Result{NotificationID: id, Recipients: len(recipients), SentNow: sent}
	if err != nil {
		n.recordAccepted(ctx, id)
		return res, fmt.Errorf("notify: send emails of notification %d: %w", id, err)
	}
	n.accepted.forget(id)
	n.log.Debug().Str("workflow_id", r.WorkflowID).Str("step", r.Step).Str("audience", r.Audience.Key()).
		Int64("notification_id", id).Int("recipients", len(recipients)).Int("sent_now", sent).Msg("notification delivered")
	return res, nil
}

// messageID is derived from the dedup key and recipient, so that even the one window where a
// send can repeat (the SMTP server accepted, the process died before marking it sent) gives
// the receiving system the same Message-ID to collapse.
func (n *Notifier) messageID(key, recipient string) string {
	sum := sha256.Sum256([]byte(key + "\x00" + recipient))
	return "<" + hex.EncodeToString(sum[:16]) + "@" + n.domain + ">"
}

// emailText is the body with the link to the record's console page, absolute under base so
// that a mail client makes it clickable; the console asks the recipient to sign in first.
func emailText(r Request, base string) string {
	if r.Link == "" {
		return r.Body
	}
	link := domain.ConsolePath(r.Link)
	if strings.HasPrefix(link, "/") {
		link = base + link
	}
	return r.Body + "\n\nОткрыть в личном кабинете: " + link
}

// normalise lower-cases, de-duplicates and sorts addresses, dropping empty ones.
func normalise(addrs []string) []string {
	out := make([]string, 0, len(addrs))
	for _, a := range addrs {
		a = strings.ToLower(strings.TrimSpace(a))
		if a != "" {
			out = append(out, a)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
