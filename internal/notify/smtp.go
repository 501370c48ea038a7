package notify

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/rs/zerolog"
	gomail "github.com/wneessen/go-mail"
)

// SMTPConfig is how to reach the mail relay.
type SMTPConfig struct {
	Host     string
	Port     int
	Username string
	Password string
	// TLS is "mandatory", "opportunistic" (default) or "none".
	TLS     string
	Timeout time.Duration
}

// SMTPMailer sends each message over SMTP with go-mail.
type SMTPMailer struct {
	cfg SMTPConfig
}

// NewSMTPMailer checks the settings and returns a mailer; it dials per message so that a
// relay restart never leaves a stale connection behind.
func NewSMTPMailer(cfg SMTPConfig) (*SMTPMailer, error) {
	if cfg.Host == "" {
		return nil, fmt.Errorf("notify: SMTP host is required")
	}
	if cfg.Port == 0 {
		cfg.Port = 587
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 15 * time.Second
	}
	switch cfg.TLS {
	case "", "opportunistic", "mandatory", "none":
	default:
		return nil, fmt.Errorf("notify: SMTP TLS policy %q is not one of mandatory, opportunistic, none", cfg.TLS)
	}
	return &SMTPMailer{cfg: cfg}, nil
}

// Send delivers one message.
func (s *SMTPMailer) Send(ctx context.Context, m Message) error {
	msg, err := buildMessage(m)
	if err != nil {
		return err
	}
	// One connection per message: no NOOP to check it, no RSET to reuse it. Neither would
	// help, and RSET would come between the relay's acceptance and the record of it.
	opts := []gomail.Option{gomail.WithPort(s.cfg.Port), gomail.WithTimeout(s.cfg.Timeout), gomail.WithoutNoop(), gomail.WithoutRset()}
	switch s.cfg.TLS {
	case "mandatory":
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case "none":
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	}
	if s.cfg.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(s.cfg.Username), gomail.WithPassword(s.cfg.Password))
	}
	client, err := gomail.NewClient(s.cfg.Host, opts...)
	if err != nil {
		return fmt.Errorf("notify: SMTP client: %w", err)
	}
	conn, err := client.DialToSMTPClientWithContext(ctx)
	if err != nil {
		return fmt.Errorf("notify: SMTP send to %s:%d: dial: %w", s.cfg.Host, s.cfg.Port, err)
	}
	err = client.SendWithSMTPClient(conn, msg)
	// Once the relay has accepted the message, what follows neither makes it undelivered nor
	// holds up the record that it was sent: until that record commits, a crash sends it again
	// (see Notifier). So an error after the acceptance does not count, and QUIT goes in the
	// background.
	go func() { _ = client.CloseWithSMTPClient(conn) }()
	if err != nil && !msg.IsDelivered() {
		return fmt.Errorf("notify: SMTP send to %s:%d: %w", s.cfg.Host, s.cfg.Port, err)
	}
	return nil
}

func buildMessage(m Message) (*gomail.Msg, error) {
	msg := gomail.NewMsg()
	if err := msg.From(m.From); err != nil {
		return nil, fmt.Errorf("notify: sender address: %w", err)
	}
	if err := msg.To(m.To); err != nil {
		return nil, fmt.Errorf("notify: recipient address: %w", err)
	}
	msg.SetMessageIDWithValue(strings.Trim(m.MessageID, "<>"))
	msg.SetDate()
	msg.Subject(m.Subject)
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	for _, a := range m.Attachments {
		var opts []gomail.FileOption
		if a.ContentType != "" {
			opts = append(opts, gomail.WithFileContentType(gomail.ContentType(a.ContentType)))
		}
		if err := msg.AttachReader(a.Name, bytes.NewReader(a.Data), opts...); err != nil {
			return nil, fmt.Errorf("notify: attach %s: %w", a.Name, err)
		}
	}
	return msg, nil
}

// LogMailer is for `profdev dev` without SMTP settings: it logs that an email was sent (by
// Message-ID, never by address or content) and writes the whole message as an .eml file in
// Dir so a developer can open it.
type LogMailer struct {
	Dir string
	Log zerolog.Logger
}

// Send writes the message to Dir and logs it.
func (l *LogMailer) Send(_ context.Context, m Message) error {
	msg, err := buildMessage(m)
	if err != nil {
		return err
	}
	name := strings.NewReplacer("<", "", ">", "", "@", "_").Replace(m.MessageID) + ".eml"
	path := filepath.Join(l.Dir, name)
	if l.Dir != "" {
		if err := os.MkdirAll(l.Dir, 0o700); err != nil {
			return fmt.Errorf("notify: mail dir: %w", err)
		}
		if err := msg.WriteToFile(path); err != nil {
			return fmt.Errorf("notify: write %s: %w", path, err)
		}
	}
	l.Log.Info().Str("message_id", m.MessageID).Str("file", path).Int("attachments", len(m.Attachments)).
		Msg("email (no SMTP configured: written to file)")
	return nil
}
