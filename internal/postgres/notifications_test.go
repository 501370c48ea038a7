package postgres_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/internal/postgres"
)

func TestRecordNotificationOncePerKey(t *testing.T) {
	db := mustDB(t)
	ctx := context.Background()
	n := domain.Notification{WorkflowID: "wf-1", Step: "issued", Audience: domain.RoleAudience(domain.RoleHR, "agency-1"), Subject: "s", Body: "b"}
	emails := []domain.OutboxEmail{{Recipient: "a@x.test", MessageID: "<1@x>"}, {Recipient: "b@x.test", MessageID: "<2@x>"}}
	id1, err := db.RecordNotification(ctx, "wf-1|issued|role:hr:agency-1", n, emails)
	if err != nil {
		t.Fatal(err)
	}
	id2, err := db.RecordNotification(ctx, "wf-1|issued|role:hr:agency-1", n, append(emails, domain.OutboxEmail{Recipient: "c@x.test", MessageID: "<3@x>"}))
	if err != nil {
		t.Fatal(err)
	}
	if id1 != id2 {
		t.Fatalf("second record gave id %d, want %d", id2, id1)
	}
	if n, err := db.PendingEmailCount(ctx, id1); err != nil || n != 2 {
		t.Fatalf("pending = %d, %v; want 2 (the retry adds no recipient)", n, err)
	}

	// First send attempt: one succeeds, the second fails; the retry sends only the second.
	var sent []string
	calls := 0
	_, err = db.SendPendingEmails(ctx, id1, func(e domain.OutboxEmail) error {
		calls++
		if calls == 2 {
			return errors.New("relay down")
		}
		sent = append(sent, e.Recipient)
		return nil
	})
	if err == nil {
		t.Fatal("want the relay error")
	}
	count, err := db.SendPendingEmails(ctx, id1, func(e domain.OutboxEmail) error {
		sent = append(sent, e.Recipient)
		return nil
	})
	if err != nil || count != 1 {
		t.Fatalf("retry sent %d, %v; want 1", count, err)
	}
	if diff := cmp.Diff([]string{"a@x.test", "b@x.test"}, sent); diff != "" {
		t.Errorf("sent mismatch (-want +got):\n%s", diff)
	}
	count, err = db.SendPendingEmails(ctx, id1, func(domain.OutboxEmail) error { t.Error("nothing should be sent again"); return nil })
	if err != nil || count != 0 {
		t.Errorf("third pass sent %d, %v; want 0", count, err)
	}
}

func TestListNotificationsIsScoped(t *testing.T) {
	db := mustDB(t)
	ctx := context.Background()
	add := func(key string, a domain.Audience) {
		t.Helper()
		if _, err := db.RecordNotification(ctx, key, domain.Notification{WorkflowID: "wf", Step: key, Audience: a, Subject: key, Body: "-"}, nil); err != nil {
			t.Fatal(err)
		}
	}
	add("hr-a1", domain.RoleAudience(domain.RoleHR, "agency-1"))
	add("hr-a2", domain.RoleAudience(domain.RoleHR, "agency-2"))
	add("head-a1", domain.RoleAudience(domain.RoleAgencyHead, "agency-1"))
	add("to-ivan", domain.UserAudience("ivan"))
	add("hr-a1-again", domain.RoleAudience(domain.RoleHR, "agency-1"))

	subjects := func(actor domain.Actor, limit int) []string {
		t.Helper()
		var out []string
		cursor := ""
		for {
			items, next, err := db.ListNotifications(ctx, actor, postgres.Page{Limit: limit, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range items {
				out = append(out, n.Subject)
			}
			if next == "" {
				return out
			}
			cursor = next
		}
	}
	ivan := domain.Actor{Sub: "ivan", Role: domain.RoleHR, Agency: "agency-1"}
	if diff := cmp.Diff([]string{"hr-a1-again", "to-ivan", "hr-a1"}, subjects(ivan, 1)); diff != "" {
		t.Errorf("ivan's feed mismatch (-want +got):\n%s", diff)
	}
	petr := domain.Actor{Sub: "petr", Role: domain.RoleHR, Agency: "agency-2"}
	if diff := cmp.Diff([]string{"hr-a2"}, subjects(petr, 50)); diff != "" {
		t.Errorf("petr's feed mismatch (-want +got):\n%s", diff)
	}
	head := domain.Actor{Sub: "boss", Role: domain.RoleAgencyHead, Agency: "agency-1"}
	if diff := cmp.Diff([]string{"head-a1"}, subjects(head, 50)); diff != "" {
		t.Errorf("head's feed mismatch (-want +got):\n%s", diff)
	}
}

// TestSentEmailOutlivesItsCallersCancellation: the caller is cancelled (its attempt timed
// out, its worker is stopping) just after the relay accepted an email; the email is still
// recorded as sent, or the retry would send it again.
func TestSentEmailOutlivesItsCallersCancellation(t *testing.T) {
	db := mustDB(t)
	n := domain.Notification{WorkflowID: "wf-c", Step: "issued", Audience: domain.RoleAudience(domain.RoleHR, "agency-1"), Subject: "s", Body: "b"}
	id, err := db.RecordNotification(context.Background(), "wf-c|issued|role:hr:agency-1", n,
		[]domain.OutboxEmail{{Recipient: "a@x.test", MessageID: "<c1@x>"}, {Recipient: "b@x.test", MessageID: "<c2@x>"}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var sent []string
	_, err = db.SendPendingEmails(ctx, id, func(e domain.OutboxEmail) error {
		sent = append(sent, e.Recipient)
		cancel() // the relay has accepted it; the caller's context ends now
		return nil
	})
	if err == nil {
		t.Error("want the cancellation reported once the first email is sent")
	}
	if diff := cmp.Diff([]string{"a@x.test"}, sent); diff != "" {
		t.Errorf("sent after the cancellation mismatch (-want +got):\n%s", diff)
	}
	if got, err := db.PendingEmailCount(context.Background(), id); err != nil || got != 1 {
		t.Errorf("%d emails pending (%v), want 1: the accepted one recorded as sent, the other not handed over", got, err)
	}
}
