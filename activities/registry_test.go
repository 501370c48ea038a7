package activities_test

import (
	"context"
	"testing"
	"time"

	"cloud.google.com/go/civil"
	"github.com/google/go-cmp/cmp"

	"github.com/profdev/profdev/activities"
	"github.com/profdev/profdev/internal/domain"
)

// fakeRegistry is the provider registry's storage.
type fakeRegistry struct{ recorder }

func (f *fakeRegistry) SaveApplication(_ context.Context, a domain.Application, ev domain.Event) error {
	return f.record("SaveApplication", a, ev)
}

func (f *fakeRegistry) EnterRegistry(_ context.Context, a domain.Admission) error {
	return f.record("EnterRegistry", a)
}

func (f *fakeRegistry) SaveMembership(_ context.Context, m domain.Membership, ev domain.Event) error {
	return f.record("SaveMembership", m, ev)
}

func (f *fakeRegistry) SaveDeclaration(_ context.Context, d domain.Declaration, workflowID string, ev domain.Event) error {
	return f.record("SaveDeclaration", d, workflowID, ev)
}

// registrySteps runs each registry activity once; method is the store method it calls.
var registrySteps = func() []struct {
	method string
	run    func(*activities.Registry) (fn any, arg any)
	want   []any
} {
	at := time.Date(2026, 2, 10, 11, 0, 0, 0, time.UTC)
	ev := domain.Event{Seq: 4, At: at, Actor: domain.Actor{Sub: "m-1", Role: domain.RoleMinistry, Authority: "mintrud"}, Action: "admitted"}
	app := domain.Application{ID: "app-1", WorkflowID: "admission-mintrud-provider-1", Authority: "mintrud", Year: 2026, ProviderID: "provider-1",
		Status: domain.ApplicationAdmitted, AdmissionDue: civil.Date{Year: 2026, Month: 3, Day: 10}, Revision: 4}
	adm := domain.Admission{ApplicationID: "app-1", WorkflowID: "membership-mintrud-provider-1", ProviderID: "provider-1", Authority: "mintrud", Year: 2026, At: at}
	mem := domain.Membership{ProviderID: "provider-1", Authority: "mintrud", Status: domain.MembershipAdmitted, WorkflowID: adm.WorkflowID, Revision: 1}
	dec := domain.Declaration{ID: "dec-1", ProviderID: "provider-1", Authority: "mintrud", Year: 2027, Status: domain.DeclarationAccepted}
	return []struct {
		method string
		run    func(*activities.Registry) (fn any, arg any)
		want   []any
	}{
		{"SaveApplication", func(a *activities.Registry) (any, any) {
			return a.SaveApplication, activities.ApplicationStep{Application: app, Event: ev}
		}, []any{app, ev}},
		{"EnterRegistry", func(a *activities.Registry) (any, any) { return a.EnterRegistry, adm }, []any{adm}},
		{"SaveMembership", func(a *activities.Registry) (any, any) {
			return a.SaveMembership, activities.MembershipStep{Membership: mem, Event: ev}
		}, []any{mem, ev}},
		{"SaveDeclaration", func(a *activities.Registry) (any, any) {
			return a.SaveDeclaration, activities.DeclarationStep{Declaration: dec, WorkflowID: adm.WorkflowID, Event: ev}
		}, []any{dec, adm.WorkflowID, ev}},
	}
}()

// TestRegistryWrites checks that each write reaches the store as the workflow sent it: the
// store keys it by the step, which makes a retried write change nothing.
func TestRegistryWrites(t *testing.T) {
	for _, step := range registrySteps {
		t.Run(step.method, func(t *testing.T) {
			store := &fakeRegistry{}
			a := &activities.Registry{Store: store}
			fn, arg := step.run(a)
			if _, err := newEnv(t, a).ExecuteActivity(fn, arg); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]call{{step.method, step.want}}, store.calls); diff != "" {
				t.Errorf("store calls mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRegistryStoreErrors(t *testing.T) {
	for _, step := range registrySteps {
		for _, se := range storeErrors {
			t.Run(step.method+" "+se.name, func(t *testing.T) {
				a := &activities.Registry{Store: &fakeRegistry{recorder{fail: map[string]error{step.method: se.err}}}}
				fn, arg := step.run(a)
				_, err := newEnv(t, a).ExecuteActivity(fn, arg)
				if diff := cmp.Diff(se.want, failureOf(t, err)); diff != "" {
					t.Errorf("failure mismatch (-want +got):\n%s", diff)
				}
			})
		}
	}
}
