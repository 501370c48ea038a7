package activities_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/profdev/profdev/activities"
	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/internal/notify"
)

// fakeNotifier records the notifications it is asked for and answers with result.
type fakeNotifier struct {
	recorder
	result notify.Result
}

func (f *fakeNotifier) Notify(_ context.Context, r notify.Request) (notify.Result, error) {
	return f.result, f.record("Notify", r)
}

func TestNotify(t *testing.T) {
	req := notify.Request{WorkflowID: "certificate-MT-1", Step: "issued", Audience: domain.UserAudience("servant-1"),
		Emails: []string{"s@x.test"}, Subject: "Сертификат выдан", Body: "Сертификат MT-1 выдан.", Link: "/certificates/MT-1"}
	invalid := domain.Invalid("invalid notification", domain.FieldError{Field: "subject", Message: "required"})
	for _, tc := range []struct {
		name    string
		err     error
		want    notify.Result
		wantErr *failure
	}{
		{"sent", nil, notify.Result{NotificationID: 7, Recipients: 2, SentNow: 2}, nil},
		// The notifier is idempotent per (workflow, step, audience): a retry is the same call.
		{"sent before", nil, notify.Result{NotificationID: 7, Recipients: 2}, nil},
		{"invalid, with its fields", invalid, notify.Result{},
			&failure{Type: "invalid", Message: "invalid notification", NonRetryable: true, Fields: invalid.Fields}},
		{"mail relay down", errUnavailable, notify.Result{}, unavailable},
		{"plain", errPlain, notify.Result{}, internal},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := &fakeNotifier{recorder: recorder{fail: map[string]error{"Notify": tc.err}}, result: tc.want}
			a := &activities.Notifications{Notifier: n}
			val, err := newEnv(t, a).ExecuteActivity(a.Notify, req)
			if diff := cmp.Diff(tc.wantErr, failureOf(t, err)); diff != "" {
				t.Errorf("failure mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]call{{"Notify", []any{req}}}, n.calls); diff != "" {
				t.Errorf("notifier calls mismatch (-want +got):\n%s", diff)
			}
			if err != nil {
				return
			}
			var got notify.Result
			if err := val.Get(&got); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("result mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
