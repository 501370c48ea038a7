package activities_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/profdev/profdev/activities"
	"github.com/profdev/profdev/internal/domain"
)

// fakeReserve is the management reserve's storage.
type fakeReserve struct {
	recorder
	quotas   domain.ReserveQuotas
	previous *domain.PreviousReserve
}

func (f *fakeReserve) SaveNomination(_ context.Context, n domain.Nomination, ev domain.Event) error {
	return f.record("SaveNomination", n, ev)
}

func (f *fakeReserve) ReserveQuotasFor(_ context.Context, authority, agency string, year int) (domain.ReserveQuotas, error) {
	return f.quotas, f.record("ReserveQuotasFor", authority, agency, year)
}

func (f *fakeReserve) PreviousReserve(_ context.Context, authority, fullName, dateOfBirth string, year int) (*domain.PreviousReserve, error) {
	return f.previous, f.record("PreviousReserve", authority, fullName, dateOfBirth, year)
}

func TestSaveNomination(t *testing.T) {
	store := &fakeReserve{}
	a := &activities.Reserve{Store: store}
	env := newEnv(t, a)
	n := domain.Nomination{ID: "nom-1", WorkflowID: "reserve-mintrud-agency-1-2026", Authority: "mintrud", Agency: "agency-1", Year: 2026,
		Status: domain.NominationDraft, Revision: 3}
	ev := domain.Event{Seq: 3, At: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), Actor: domain.SystemActor, Action: "submitted"}
	if _, err := env.ExecuteActivity(a.SaveNomination, activities.NominationStep{Nomination: n, Event: ev}); err != nil {
		t.Fatal(err)
	}
	// The store keys the write by the step: the activity hands it the step as it came.
	want := []call{{"SaveNomination", []any{n, ev}}}
	if diff := cmp.Diff(want, store.calls); diff != "" {
		t.Errorf("store calls mismatch (-want +got):\n%s", diff)
	}
}

func TestLoadReserveQuotas(t *testing.T) {
	store := &fakeReserve{quotas: domain.ReserveQuotas{I: 1, II: 4, III: 7, Revision: 2}}
	a := &activities.Reserve{Store: store}
	val, err := newEnv(t, a).ExecuteActivity(a.LoadReserveQuotas, activities.QuotaKey{Authority: "mintrud", Agency: "agency-1", Year: 2026})
	if err != nil {
		t.Fatal(err)
	}
	var got domain.ReserveQuotas
	if err := val.Get(&got); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(store.quotas, got); diff != "" {
		t.Errorf("quotas mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]call{{"ReserveQuotasFor", []any{"mintrud", "agency-1", 2026}}}, store.calls); diff != "" {
		t.Errorf("store calls mismatch (-want +got):\n%s", diff)
	}
}

func TestFindPreviousReserve(t *testing.T) {
	q := activities.PersonQuery{Authority: "mintrud", FullName: "Петрова Анна Сергеевна", DateOfBirth: "1985-04-12", Year: 2025}
	for _, tc := range []struct {
		name  string
		found *domain.PreviousReserve
	}{
		{"in last year's reserve", &domain.PreviousReserve{Year: 2025, Category: domain.CategoryII, Agency: "agency-2", NominationID: "nom-7"}},
		{"not in it", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			store := &fakeReserve{previous: tc.found}
			a := &activities.Reserve{Store: store}
			val, err := newEnv(t, a).ExecuteActivity(a.FindPreviousReserve, q)
			if err != nil {
				t.Fatal(err)
			}
			var got activities.PreviousReserveResult
			if err := val.Get(&got); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(activities.PreviousReserveResult{Found: tc.found}, got); diff != "" {
				t.Errorf("result mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]call{{"PreviousReserve", []any{q.Authority, q.FullName, q.DateOfBirth, q.Year}}}, store.calls); diff != "" {
				t.Errorf("store calls mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReserveStoreErrors(t *testing.T) {
	for _, step := range []struct {
		method string
		run    func(*activities.Reserve) (any, []any)
	}{
		{"SaveNomination", func(a *activities.Reserve) (any, []any) {
			return a.SaveNomination, []any{activities.NominationStep{Nomination: domain.Nomination{ID: "nom-1", Revision: 2}}}
		}},
		{"ReserveQuotasFor", func(a *activities.Reserve) (any, []any) {
			return a.LoadReserveQuotas, []any{activities.QuotaKey{Authority: "mintrud", Agency: "agency-1", Year: 2026}}
		}},
		{"PreviousReserve", func(a *activities.Reserve) (any, []any) {
			return a.FindPreviousReserve, []any{activities.PersonQuery{Authority: "mintrud", FullName: "Петрова Анна Сергеевна", Year: 2025}}
		}},
	} {
		for _, se := range storeErrors {
			t.Run(step.method+" "+se.name, func(t *testing.T) {
				a := &activities.Reserve{Store: &fakeReserve{recorder: recorder{fail: map[string]error{step.method: se.err}}}}
				fn, args := step.run(a)
				_, err := newEnv(t, a).ExecuteActivity(fn, args...)
				if diff := cmp.Diff(se.want, failureOf(t, err)); diff != "" {
					t.Errorf("failure mismatch (-want +got):\n%s", diff)
				}
			})
		}
	}
}
