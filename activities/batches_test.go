package activities_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"cloud.google.com/go/civil"
	"github.com/google/go-cmp/cmp"

	"github.com/profdev/profdev/activities"
	"github.com/profdev/profdev/internal/domain"
)

// fakeBatches is batch storage: a number is claimed once per claim key, as the store's
// certificate_numbers table does, and a claim key seen again gets its number back.
type fakeBatches struct {
	recorder
	items   []domain.BatchItem
	claims  map[string]string
	results map[int]string
	settled []domain.SettledBatchItem
}

func (f *fakeBatches) BatchItems(_ context.Context, batchID string, from, limit int) ([]domain.BatchItem, error) {
	if err := f.record("BatchItems", batchID, from, limit); err != nil {
		return nil, err
	}
	return f.items[from:min(from+limit, len(f.items))], nil
}

func (f *fakeBatches) AllocateCertificateNumber(_ context.Context, authority string, year int, claimKey string) (string, error) {
	if err := f.record("AllocateCertificateNumber", authority, year, claimKey); err != nil {
		return "", err
	}
	if n, ok := f.claims[claimKey]; ok {
		return n, nil
	}
	if f.claims == nil {
		f.claims = map[string]string{}
	}
	n := fmt.Sprintf("MINTRUD-%d-%06d", year, len(f.claims)+1)
	f.claims[claimKey] = n
	return n, nil
}

func (f *fakeBatches) SetBatchItemResult(_ context.Context, batchID string, index int, number, errMsg string) error {
	if err := f.record("SetBatchItemResult", batchID, index, number, errMsg); err != nil {
		return err
	}
	if f.results == nil {
		f.results = map[int]string{}
	}
	f.results[index] = number
	return nil
}

func (f *fakeBatches) RefuseBatchItem(_ context.Context, batchID, number string, code domain.Code, reason string) error {
	return f.record("RefuseBatchItem", batchID, number, code, reason)
}

func (f *fakeBatches) SettledBatchItems(_ context.Context, batchID string, indexes []int) ([]domain.SettledBatchItem, error) {
	return f.settled, f.record("SettledBatchItems", batchID, indexes)
}

// TestRefuseBatchItem: the refusal reaches the store as sent, and a store error is classified.
func TestRefuseBatchItem(t *testing.T) {
	store := &fakeBatches{}
	env := newEnv(t, &activities.Batches{Store: store})
	in := activities.BatchRefusal{BatchID: "batch-1", Number: "MT-2026-000007", Code: domain.CodeNotFound, Reason: "programme PK-1 not found"}
	if _, err := env.ExecuteActivity((&activities.Batches{}).RefuseBatchItem, in); err != nil {
		t.Fatalf("RefuseBatchItem: %v", err)
	}
	if diff := cmp.Diff([]call{{"RefuseBatchItem", []any{"batch-1", "MT-2026-000007", domain.CodeNotFound, "programme PK-1 not found"}}}, store.calls); diff != "" {
		t.Errorf("store calls mismatch (-want +got):\n%s", diff)
	}
}

// TestBatchSettlement: only the items asked for are read; the issued ones come back as runs
// of items consecutive among those asked for (spanning an item settled before, not breaking
// at it), which a refused item breaks; the refused ones come one by one with their code and
// reason, and a store error is classified (retried, not failed).
func TestBatchSettlement(t *testing.T) {
	refused := domain.SettledBatchItem{Index: 3, Number: "MT-2026-000004", Refused: true, Code: domain.CodeNotFound, Reason: "programme PK-1 not found"}
	unreadable := domain.SettledBatchItem{Index: 9, Refused: true, Reason: "the item cannot be read"}
	store := &fakeBatches{settled: []domain.SettledBatchItem{
		{Index: 0}, {Index: 1}, {Index: 2}, refused, {Index: 4}, {Index: 6}, {Index: 7}, unreadable, {Index: 11},
	}}
	env := newEnv(t, &activities.Batches{Store: store})
	// Items 5, 8 and 10 were settled at an earlier read; 12 is still waiting after this one.
	waiting := []int{0, 1, 2, 3, 4, 6, 7, 9, 11, 12}
	in := activities.SettlementInput{BatchID: "batch-1", Waiting: waiting}
	val, err := env.ExecuteActivity((&activities.Batches{}).BatchSettlement, in)
	if err != nil {
		t.Fatalf("BatchSettlement: %v", err)
	}
	var got activities.Settlement
	if err := val.Get(&got); err != nil {
		t.Fatal(err)
	}
	want := activities.Settlement{Issued: [][2]int{{0, 2}, {4, 7}, {11, 11}}, Refused: []domain.SettledBatchItem{refused, unreadable}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("settlement mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]call{{"SettledBatchItems", []any{"batch-1", waiting}}}, store.calls); diff != "" {
		t.Errorf("store calls mismatch (-want +got):\n%s", diff)
	}
	store.fail = map[string]error{"SettledBatchItems": errUnavailable}
	_, err = env.ExecuteActivity((&activities.Batches{}).BatchSettlement, in)
	if diff := cmp.Diff(unavailable, failureOf(t, err)); diff != "" {
		t.Errorf("a store outage: failure mismatch (-want +got):\n%s", diff)
	}
}

func ptr[T any](v T) *T { return &v }

func batchRequest(servant string) domain.CertificateRequest {
	return domain.CertificateRequest{Servant: domain.Servant{ID: servant, FullName: "Сидоров Пётр", Email: servant + "@x.test"},
		Agency: domain.AgencyRef{ID: "agency-1", Name: "Агентство"}, ProviderID: "provider-1", ProgrammeCode: "PK-01", Year: 2026,
		Hours: 72, Amount: 30000, StartBy: civil.Date{Year: 2026, Month: 4, Day: 1}, EndBy: civil.Date{Year: 2026, Month: 6, Day: 30}}
}

func mustBatch(t *testing.T, servants ...string) []domain.BatchItem {
	t.Helper()
	var items []domain.BatchItem
	for i, s := range servants {
		raw, err := json.Marshal(batchRequest(s))
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, domain.BatchItem{Index: i, Request: raw})
	}
	return items
}

func numberChunk(t *testing.T, store *fakeBatches, in activities.ChunkInput) ([]activities.NumberedItem, error) {
	t.Helper()
	a := &activities.Batches{Store: store}
	val, err := newEnv(t, a).ExecuteActivity(a.NumberBatchItems, in)
	if err != nil {
		return nil, err
	}
	var got []activities.NumberedItem
	if err := val.Get(&got); err != nil {
		t.Fatal(err)
	}
	return got, nil
}

func TestNumberBatchItems(t *testing.T) {
	store := &fakeBatches{items: mustBatch(t, "s-1", "s-2", "s-3")}
	got, err := numberChunk(t, store, activities.ChunkInput{BatchID: "b1", Authority: "mintrud", From: 1, Limit: 5})
	if err != nil {
		t.Fatal(err)
	}
	want := []activities.NumberedItem{
		{Index: 1, Number: "MINTRUD-2026-000001", Request: ptr(batchRequest("s-2"))},
		{Index: 2, Number: "MINTRUD-2026-000002", Request: ptr(batchRequest("s-3"))},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("numbered items mismatch (-want +got):\n%s", diff)
	}
	wantCalls := []call{
		{"BatchItems", []any{"b1", 1, 5}},
		{"AllocateCertificateNumber", []any{"mintrud", 2026, "batch:b1:1"}},
		{"SetBatchItemResult", []any{"b1", 1, "MINTRUD-2026-000001", ""}},
		{"AllocateCertificateNumber", []any{"mintrud", 2026, "batch:b1:2"}},
		{"SetBatchItemResult", []any{"b1", 2, "MINTRUD-2026-000002", ""}},
	}
	if diff := cmp.Diff(wantCalls, store.calls); diff != "" {
		t.Errorf("store calls mismatch (-want +got):\n%s", diff)
	}
}

// TestNumberBatchItemsRetried is the chunk retried after it failed half way: the items
// numbered before the failure keep their numbers and no number is claimed twice.
func TestNumberBatchItemsRetried(t *testing.T) {
	store := &fakeBatches{items: mustBatch(t, "s-1", "s-2")}
	in := activities.ChunkInput{BatchID: "b1", Authority: "mintrud", From: 0, Limit: 2}
	// The first attempt claims both numbers but cannot record the second.
	a := &activities.Batches{Store: &fakeBatchesOnce{fakeBatches: store, failIndex: 1}}
	_, err := newEnv(t, a).ExecuteActivity(a.NumberBatchItems, in)
	if diff := cmp.Diff(unavailable, failureOf(t, err)); diff != "" {
		t.Fatalf("first attempt: failure mismatch (-want +got):\n%s", diff)
	}
	got, err := numberChunk(t, store, in)
	if err != nil {
		t.Fatal(err)
	}
	want := []activities.NumberedItem{
		{Index: 0, Number: "MINTRUD-2026-000001", Request: ptr(batchRequest("s-1"))},
		{Index: 1, Number: "MINTRUD-2026-000002", Request: ptr(batchRequest("s-2"))},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("numbers after the retry mismatch (-want +got):\n%s", diff)
	}
	if len(store.claims) != 2 {
		t.Errorf("claimed %d numbers for 2 items: %v", len(store.claims), store.claims)
	}
	if diff := cmp.Diff(map[int]string{0: "MINTRUD-2026-000001", 1: "MINTRUD-2026-000002"}, store.results); diff != "" {
		t.Errorf("recorded results mismatch (-want +got):\n%s", diff)
	}
}

// fakeBatchesOnce fails recording the result of one item with a database outage.
type fakeBatchesOnce struct {
	*fakeBatches
	failIndex int
}

func (f *fakeBatchesOnce) SetBatchItemResult(ctx context.Context, batchID string, index int, number, errMsg string) error {
	if index == f.failIndex {
		return errUnavailable
	}
	return f.fakeBatches.SetBatchItemResult(ctx, batchID, index, number, errMsg)
}

// TestNumberBatchItemsUnreadable: an item that cannot be read is refused with the reason,
// recorded against it, and the items around it are numbered.
func TestNumberBatchItemsUnreadable(t *testing.T) {
	store := &fakeBatches{items: mustBatch(t, "s-1", "s-2", "s-3")}
	store.items[1].Request = json.RawMessage(`{"year":"next"}`)
	got, err := numberChunk(t, store, activities.ChunkInput{BatchID: "b1", Authority: "mintrud", From: 0, Limit: 3})
	if err != nil {
		t.Fatal(err)
	}
	reason := "the item cannot be read: json: cannot unmarshal string into Go struct field CertificateRequest.year of type int"
	want := []activities.NumberedItem{
		{Index: 0, Number: "MINTRUD-2026-000001", Request: ptr(batchRequest("s-1"))},
		{Index: 1, Refused: reason},
		{Index: 2, Number: "MINTRUD-2026-000002", Request: ptr(batchRequest("s-3"))},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("numbered items mismatch (-want +got):\n%s", diff)
	}
	refusal := call{"SetBatchItemResult", []any{"b1", 1, "", reason}}
	if !slices.ContainsFunc(store.calls, func(c call) bool { return cmp.Equal(c, refusal) }) {
		t.Errorf("the refusal is not recorded against the item: calls %v", store.calls)
	}
}

func TestBatchStoreErrors(t *testing.T) {
	for _, method := range []string{"BatchItems", "AllocateCertificateNumber", "SetBatchItemResult"} {
		for _, se := range storeErrors {
			t.Run(method+" "+se.name, func(t *testing.T) {
				store := &fakeBatches{recorder: recorder{fail: map[string]error{method: se.err}}, items: mustBatch(t, "s-1")}
				_, err := numberChunk(t, store, activities.ChunkInput{BatchID: "b1", Authority: "mintrud", From: 0, Limit: 1})
				if diff := cmp.Diff(se.want, failureOf(t, err)); diff != "" {
					t.Errorf("failure mismatch (-want +got):\n%s", diff)
				}
			})
		}
	}
}
