package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/profdev/profdev/internal/domain"
)

// TestSettledBatchItems: of a run's items, an issued certificate's (whatever its status
// since) and a refused item's are settled, the refusal with its code and reason, whether the
// certificate refused it or numbering did; an item whose certificate is still being issued,
// or not registered yet, is not; and only the items asked for are read.
func TestSettledBatchItems(t *testing.T) {
	db := mustDB(t)
	ctx := context.Background()
	const batch = "batch-settled"
	items := make([]domain.BatchItem, 6)
	for i := range items {
		items[i] = domain.BatchItem{Index: i, Request: []byte(`{}`)}
	}
	if err := db.CreateBatch(ctx, domain.Batch{ID: batch, Authority: "mintrud", Actor: domain.SystemActor, Accepted: len(items)}, items); err != nil {
		t.Fatal(err)
	}
	number := func(i int) string { return testCertificate(i, "", "", "").Number }
	register := func(i int, status domain.CertificateStatus) {
		t.Helper()
		c := testCertificate(i, "agency-1", "prov-1", status)
		c.BatchID = batch
		if err := db.RegisterCertificate(ctx, c, domain.Event{Seq: 1, At: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), Actor: domain.SystemActor, Action: "requested"}); err != nil {
			t.Fatal(err)
		}
	}
	const unreadable = "the item cannot be read: unexpected end of JSON input"
	for i := range items {
		n := number(i)
		if i == 3 {
			n = ""
		}
		reason := ""
		if i == 3 {
			reason = unreadable
		}
		if err := db.SetBatchItemResult(ctx, batch, i, n, reason); err != nil {
			t.Fatal(err)
		}
	}
	register(0, domain.CertificateIssued)
	register(1, domain.CertificateIssuing) // still being issued
	register(2, domain.CertificateIssuing) // refused by its certificate, below
	register(4, domain.CertificateEnrolled)
	// item 5 has its number and no certificate yet
	if err := db.RefuseBatchItem(ctx, batch, number(2), domain.CodeNotFound, "programme PK-1 not found"); err != nil {
		t.Fatal(err)
	}
	if err := db.RefuseBatchItem(ctx, batch, number(2), domain.CodeNotFound, "programme PK-1 not found"); err != nil {
		t.Fatalf("recording the refusal again: %v", err)
	}
	got, err := db.SettledBatchItems(ctx, batch, []int{0, 1, 2, 3, 4, 5})
	if err != nil {
		t.Fatal(err)
	}
	want := []domain.SettledBatchItem{
		{Index: 0, Number: number(0)},
		{Index: 2, Number: number(2), Refused: true, Code: domain.CodeNotFound, Reason: "programme PK-1 not found"},
		{Index: 3, Refused: true, Reason: unreadable},
		{Index: 4, Number: number(4)},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("settled items mismatch (-want +got):\n%s", diff)
	}
	got, err = db.SettledBatchItems(ctx, batch, []int{1, 3, 5})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want[2:3], got); diff != "" {
		t.Errorf("settled items of indexes 1, 3 and 5 mismatch (-want +got):\n%s", diff)
	}
	if got, err := db.SettledBatchItems(ctx, "another-batch", []int{0, 1, 2}); err != nil || len(got) != 0 {
		t.Errorf("another batch's items: %v, %v; want none", got, err)
	}
}
