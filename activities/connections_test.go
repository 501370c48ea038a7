package activities_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/civil"
	"github.com/google/go-cmp/cmp"

	"github.com/profdev/profdev/activities"
	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/internal/notify"
)

// fakeConnections is process 5's storage: it answers with the invitations and the code set.
type fakeConnections struct {
	recorder
	invites []domain.Invitation
	code    string
}

func (f *fakeConnections) SaveConnection(_ context.Context, c domain.Connection, ev domain.Event) error {
	return f.record("SaveConnection", c, ev)
}

func (f *fakeConnections) EnterPeople(_ context.Context, e domain.PeopleEntry) ([]domain.Invitation, error) {
	return f.invites, f.record("EnterPeople", e)
}

func (f *fakeConnections) SaveChange(_ context.Context, c domain.ChangeRequest, ev domain.Event) error {
	return f.record("SaveChange", c, ev)
}

func (f *fakeConnections) ApplyChange(_ context.Context, c domain.ChangeRequest, actor domain.Actor, at time.Time) ([]domain.Invitation, error) {
	return f.invites, f.record("ApplyChange", c, actor, at)
}

func (f *fakeConnections) InvitationOf(_ context.Context, personID string) (domain.Invitation, string, error) {
	if err := f.record("InvitationOf", personID); err != nil {
		return domain.Invitation{}, "", err
	}
	return f.invites[0], f.code, nil
}

// connectionSteps runs each storage activity of process 5 once; method is the store method
// it calls, want its arguments.
var connectionSteps = func() []struct {
	method string
	run    func(*activities.Connections) (fn any, arg any)
	want   []any
} {
	at := time.Date(2026, 3, 4, 9, 0, 0, 0, time.UTC)
	clerk := domain.Actor{Sub: "m-1", Role: domain.RoleMinistry, Authority: "mintrud"}
	ev := domain.Event{Seq: 3, At: at, Actor: clerk, Action: "accepted"}
	conn := domain.Connection{ID: "conn-1", WorkflowID: "connection-conn-1", Authority: "mintrud", Status: domain.ConnectionAccepted,
		PersonIDs: []string{"conn-1-p1"}, Revision: 3}
	entry := domain.PeopleEntry{ConnectionID: "conn-1", Authority: "mintrud", Region: "RU",
		Organisation: domain.Organisation{Kind: domain.OrgAgency, ID: "agency-new", Name: "Комитет"},
		People:       []domain.PersonDetails{{FullName: "Петрова Анна Сергеевна", Email: "petrova@agency-new.test", Kind: domain.PersonEmployee, Role: domain.RoleHR}},
		PersonIDs:    []string{"conn-1-p1"}, Actor: clerk, At: at}
	change := domain.ChangeRequest{ID: "chg-1", WorkflowID: "connection-change-chg-1", Organisation: "agency-new", Authority: "mintrud",
		ChangeRequestBody: domain.ChangeRequestBody{Kind: domain.ChangeBlock, PersonID: "conn-1-p1", Reason: "увольнение", OccurredOn: civil.Date{Year: 2026, Month: 3, Day: 2}},
		Status:            domain.ChangeApplied, Revision: 2}
	return []struct {
		method string
		run    func(*activities.Connections) (fn any, arg any)
		want   []any
	}{
		{"SaveConnection", func(a *activities.Connections) (any, any) {
			return a.SaveConnection, activities.ConnectionStep{Connection: conn, Event: ev}
		}, []any{conn, ev}},
		{"EnterPeople", func(a *activities.Connections) (any, any) { return a.EnterPeople, entry }, []any{entry}},
		{"SaveChange", func(a *activities.Connections) (any, any) {
			return a.SaveChange, activities.ChangeStep{Change: change, Event: ev}
		}, []any{change, ev}},
		{"ApplyChange", func(a *activities.Connections) (any, any) {
			return a.ApplyChange, activities.ApplyChangeInput{Change: change, Actor: clerk, At: at}
		}, []any{change, clerk, at}},
	}
}()

var petrova = domain.Invitation{PersonID: "conn-1-p1", FullName: "Петрова Анна Сергеевна", Email: "petrova@agency-new.test"}

// TestConnectionWrites checks that each write reaches the store as the workflow sent it (the
// store keys it by the step, so a retry changes nothing), and that the invitations
// EnterPeople and ApplyChange return, which the history keeps, carry no code.
func TestConnectionWrites(t *testing.T) {
	for _, step := range connectionSteps {
		t.Run(step.method, func(t *testing.T) {
			store := &fakeConnections{invites: []domain.Invitation{petrova}, code: "secret-code"}
			a := &activities.Connections{Store: store, Notifier: &fakeNotifier{}}
			fn, arg := step.run(a)
			val, err := newEnv(t, a).ExecuteActivity(fn, arg)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]call{{step.method, step.want}}, store.calls); diff != "" {
				t.Errorf("store calls mismatch (-want +got):\n%s", diff)
			}
			if !val.HasValue() {
				return
			}
			var got json.RawMessage
			if err := val.Get(&got); err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(got), "code") {
				t.Errorf("%s returned %s: an invitation code would be in the history", step.method, got)
			}
		})
	}
}

// TestConnectionStoreErrors: a store error reaches the workflow classified, its cause left
// in the log; not_found and conflict fail at once, without retry, an unavailable database
// is retried.
func TestConnectionStoreErrors(t *testing.T) {
	for _, step := range connectionSteps {
		for _, se := range storeErrors {
			t.Run(step.method+"/"+se.name, func(t *testing.T) {
				store := &fakeConnections{recorder: recorder{fail: map[string]error{step.method: se.err}}}
				a := &activities.Connections{Store: store}
				fn, arg := step.run(a)
				_, err := newEnv(t, a).ExecuteActivity(fn, arg)
				if diff := cmp.Diff(se.want, failureOf(t, err)); diff != "" {
					t.Errorf("failure mismatch (-want +got):\n%s", diff)
				}
			})
		}
	}
}

// TestSendInvitation: the code is read inside the activity and mailed under the invitation's
// dedup key; a retry makes the very same request, so the notifier sends it once. A person
// not in the registry fails without retry and mails nothing.
func TestSendInvitation(t *testing.T) {
	in := activities.InvitationInput{WorkflowID: "connection-conn-1", Organisation: "Комитет", PersonID: "conn-1-p1"}
	want := activities.InvitationRequest(in.WorkflowID, in.Organisation, petrova, "secret-code")
	if want.DedupKey() != "connection-conn-1|invitation_conn-1-p1|"+domain.UserAudience("invitee:conn-1-p1").Key() ||
		!strings.HasSuffix(want.Link, "/secret-code") || !strings.Contains(want.Body, "secret-code") {
		t.Fatalf("invitation request = %+v", want)
	}
	for _, tc := range []struct {
		name        string
		fail        map[string]error
		wantErr     *failure
		wantNotices []call
	}{
		{"sent", nil, nil, []call{{"Notify", []any{want}}}},
		{"person not found", map[string]error{"InvitationOf": errNotFound}, notFound, nil},
		{"database down", map[string]error{"InvitationOf": errUnavailable}, unavailable, nil},
		{"mail relay down", map[string]error{"Notify": errUnavailable}, unavailable, []call{{"Notify", []any{want}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			store := &fakeConnections{recorder: recorder{fail: tc.fail}, invites: []domain.Invitation{petrova}, code: "secret-code"}
			n := &fakeNotifier{recorder: recorder{fail: tc.fail}, result: notify.Result{NotificationID: 1, Recipients: 1, SentNow: 1}}
			a := &activities.Connections{Store: store, Notifier: n}
			_, err := newEnv(t, a).ExecuteActivity(a.SendInvitation, in)
			if diff := cmp.Diff(tc.wantErr, failureOf(t, err)); diff != "" {
				t.Errorf("failure mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantNotices, n.calls); diff != "" {
				t.Errorf("notifier calls mismatch (-want +got):\n%s", diff)
			}
		})
	}

	// A retry (the email went, the activity's completion did not) asks for the same
	// notification, which the notifier's dedup key makes a no-op.
	store := &fakeConnections{invites: []domain.Invitation{petrova}, code: "secret-code"}
	n := &fakeNotifier{}
	a := &activities.Connections{Store: store, Notifier: n}
	for range 2 {
		if _, err := newEnv(t, a).ExecuteActivity(a.SendInvitation, in); err != nil {
			t.Fatal(err)
		}
	}
	if diff := cmp.Diff([]call{{"Notify", []any{want}}, {"Notify", []any{want}}}, n.calls); diff != "" {
		t.Errorf("a retry's notification differs (-want +got):\n%s", diff)
	}
}
