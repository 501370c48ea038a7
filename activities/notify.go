package activities

import (
	"context"

	"github.com/profdev/profdev/internal/notify"
)

// Notifier is what the notification activity needs.
type Notifier interface {
	Notify(ctx context.Context, r notify.Request) (notify.Result, error)
}

// Notifications is the one notification activity every process uses: a feed entry for the
// audience plus email to its addresses, once per (workflow, step, audience).
type Notifications struct {
	Notifier Notifier
}

// Notify records and delivers one notification. Retried, it sends only what is still owed.
func (a *Notifications) Notify(ctx context.Context, r notify.Request) (notify.Result, error) {
	return a.Notifier.Notify(ctx, r)
}
