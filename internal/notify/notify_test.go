package notify_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime/quotedprintable"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/internal/notify"
	"github.com/profdev/profdev/internal/pgtest"
	"github.com/profdev/profdev/internal/postgres"
	"github.com/profdev/profdev/internal/smtptest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func mustStore(t *testing.T) *postgres.DB {
	t.Helper()
	ctx := context.Background()
	db, err := postgres.Open(ctx, postgres.Config{URL: pgtest.NewDatabase(t)}, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := db.PutAgency(ctx, domain.Agency{ID: "agency-1", Name: "Агентство", Authority: "mintrud", Region: "RU",
		HREmails: []string{"hr1@agency.test", "HR2@agency.test"}, HeadEmail: "head@agency.test"}); err != nil {
		t.Fatal(err)
	}
	return db
}

func mustSMTP(t *testing.T) (*smtptest.Server, *notify.SMTPMailer) {
	t.Helper()
	srv := smtptest.Start(t)
	m, err := notify.NewSMTPMailer(notify.SMTPConfig{Host: srv.Host(), Port: srv.Port(), TLS: "none"})
	if err != nil {
		t.Fatal(err)
	}
	return srv, m
}

func TestNotifySendsEachEmailOnceAcrossRetries(t *testing.T) {
	db := mustStore(t)
	srv, mailer := mustSMTP(t)
	n := notify.New(db, mailer, notify.Config{From: "profdev <noreply@profdev.test>"}, zerolog.Nop())
	ctx := context.Background()
	req := notify.Request{
		WorkflowID: "certificate-MT-2026-000001", Step: "issued",
		Audience: domain.RoleAudience(domain.RoleHR, "agency-1"),
		Emails:   []string{"extra@agency.test"},
		Subject:  "Сертификат выдан", Body: "Сертификат MT-2026-000001 доведён до служащего.",
		Attachments: []notify.Attachment{{Name: "certificate.pdf", ContentType: "application/pdf", Data: []byte("%PDF-1.4 test")}},
	}

	// The relay refuses the second message: the first call fails part-way.
	calls := 0
	failing := failAfter{inner: mailer, ok: 1, calls: &calls}
	if _, err := notify.New(db, failing, notify.Config{}, zerolog.Nop()).Notify(ctx, req); err == nil {
		t.Fatal("first attempt: want an error from the failing relay")
	}
	// The retried activity finishes the job, and a third call changes nothing.
	res, err := n.Notify(ctx, req)
	if err != nil {
		t.Fatalf("retry: %v", err)
	}
	if res.Recipients != 3 || res.SentNow != 2 {
		t.Errorf("retry result = %+v, want 3 recipients, 2 sent now", res)
	}
	if res, err := n.Notify(ctx, req); err != nil || res.SentNow != 0 {
		t.Errorf("third call = %+v, %v; want nothing sent", res, err)
	}

	for _, addr := range []string{"hr1@agency.test", "hr2@agency.test", "extra@agency.test"} {
		if got := srv.CountTo(addr); got != 1 {
			t.Errorf("%s got %d emails, want exactly 1", addr, got)
		}
	}
	msgs := srv.Messages()
	if len(msgs) != 3 {
		t.Fatalf("server accepted %d messages, want 3", len(msgs))
	}
	raw := string(msgs[0].Raw)
	if !strings.Contains(raw, "certificate.pdf") || msgs[0].Header.Get("Message-Id") == "" {
		t.Errorf("message lacks the attachment or a Message-ID:\n%s", raw)
	}

	feed, _, err := db.ListNotifications(ctx, domain.Actor{Sub: "x", Role: domain.RoleHR, Agency: "agency-1"}, postgres.Page{})
	if err != nil || len(feed) != 1 {
		t.Fatalf("feed = %v, %v; want one entry", feed, err)
	}
}

func TestNotifyRetriesAfterRelayRefusal(t *testing.T) {
	db := mustStore(t)
	srv, mailer := mustSMTP(t)
	n := notify.New(db, mailer, notify.Config{}, zerolog.Nop())
	ctx := context.Background()
	req := notify.Request{WorkflowID: "wf-2", Step: "approved", Audience: domain.RoleAudience(domain.RoleAgencyHead, "agency-1"), Subject: "s", Body: "b"}
	srv.FailNext(1)
	if _, err := n.Notify(ctx, req); err == nil {
		t.Fatal("want the relay's temporary refusal")
	}
	if _, err := n.Notify(ctx, req); err != nil {
		t.Fatal(err)
	}
	if got := srv.CountTo("head@agency.test"); got != 1 {
		t.Errorf("head got %d emails, want 1", got)
	}
}

func TestNotifyRejectsIncompleteRequests(t *testing.T) {
	db := mustStore(t)
	n := notify.New(db, &notify.LogMailer{Log: zerolog.Nop()}, notify.Config{}, zerolog.Nop())
	_, err := n.Notify(context.Background(), notify.Request{Audience: domain.Audience{Role: domain.RoleHR}, Emails: []string{"not-an-address"}})
	var de *domain.Error
	if !errors.As(err, &de) || de.Code != domain.CodeInvalid {
		t.Fatalf("err = %v, want invalid", err)
	}
	fields := map[string]bool{}
	for _, f := range de.Fields {
		fields[f.Field] = true
	}
	for _, want := range []string{"workflow_id", "step", "audience", "subject", "emails[0]"} {
		if !fields[want] {
			t.Errorf("field %s not named in %v", want, de.Fields)
		}
	}
}

func TestLogMailerWritesEml(t *testing.T) {
	db := mustStore(t)
	dir := t.TempDir()
	n := notify.New(db, &notify.LogMailer{Dir: dir, Log: zerolog.Nop()}, notify.Config{}, zerolog.Nop())
	if _, err := n.Notify(context.Background(), notify.Request{WorkflowID: "wf-3", Step: "s", Audience: domain.UserAudience("u"),
		Emails: []string{"servant@example.test"}, Subject: "Тема", Body: "Текст"}); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
	if len(files) != 1 {
		t.Fatalf("eml files = %v, want 1", files)
	}
	b, _ := os.ReadFile(files[0])
	if !strings.Contains(string(b), "servant@example.test") {
		t.Errorf("eml lacks the recipient:\n%s", b)
	}
}

// failAfter lets `ok` sends through and fails the rest, like a relay going down mid-batch.
type failAfter struct {
	inner notify.Mailer
	ok    int
	calls *int
}

func (f failAfter) Send(ctx context.Context, m notify.Message) error {
	*f.calls++
	if *f.calls > f.ok {
		return errRelayDown
	}
	return f.inner.Send(ctx, m)
}

var errRelayDown = domain.Errorf(domain.CodeUnavailable, "relay down")

// loseFirstRecord lets the mail server take the first email and then loses its record, as a
// database that goes away between the send and the commit does.
type loseFirstRecord struct {
	*postgres.DB
	lost bool
}

var errRecordLost = domain.Errorf(domain.CodeUnavailable, "the database went away before the commit")

func (s *loseFirstRecord) SendPendingEmails(ctx context.Context, id int64, send func(domain.OutboxEmail) error) (int, error) {
	if s.lost {
		return s.DB.SendPendingEmails(ctx, id, send)
	}
	s.lost = true
	return s.DB.SendPendingEmails(ctx, id, func(e domain.OutboxEmail) error {
		if err := send(e); err != nil {
			return err
		}
		return errRecordLost
	})
}

func TestNotifyDoesNotMailAgainWhenOnlyTheRecordWasLost(t *testing.T) {
	db := mustStore(t)
	srv, mailer := mustSMTP(t)
	n := notify.New(&loseFirstRecord{DB: db}, mailer, notify.Config{BaseURL: "https://profdev.example.test/"}, zerolog.Nop())
	ctx := context.Background()
	req := notify.Request{WorkflowID: "certificate-MT-2026-000007", Step: "issued", Audience: domain.RoleAudience(domain.RoleAgencyHead, "agency-1"),
		Subject: "Сертификат выдан", Body: "Сертификат MT-2026-000007 выдан.", Link: "/api/v1/certificates/MT-2026-000007"}
	if _, err := n.Notify(ctx, req); !errors.Is(err, errRecordLost) {
		t.Fatalf("first attempt: %v, want the lost record", err)
	}
	if got := srv.CountTo("head@agency.test"); got != 1 {
		t.Fatalf("after the first attempt the head got %d emails, want 1", got)
	}
	if _, err := n.Notify(ctx, req); err != nil {
		t.Fatalf("retry: %v", err)
	}
	if got := srv.CountTo("head@agency.test"); got != 1 {
		t.Errorf("after the retry the head got %d emails, want still 1", got)
	}
	if pending, err := db.PendingEmailCount(ctx, 1); err != nil || pending != 0 {
		t.Errorf("pending = %d, %v; want the email recorded as sent", pending, err)
	}
	// The link is the console page of the record, absolute, so a mail client makes it clickable.
	raw := srv.Messages()[0].Raw
	_, body, _ := bytes.Cut(raw, []byte("\r\n\r\n"))
	text, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(body)))
	if err != nil || !strings.Contains(string(text), "https://profdev.example.test/certificates/MT-2026-000007") {
		t.Errorf("email lacks the absolute console link (%v):\n%s", err, text)
	}
}
