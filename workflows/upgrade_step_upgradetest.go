//go:build upgradetest

package workflows

import "go.temporal.io/sdk/workflow"

// The build of deploy's rolling-upgrade test: a certificate that reaches this point on it
// records the version marker "upgradetest-noop-step" (version 1, a no-op step); one that
// passed it on the previous build replays with DefaultVersion and records nothing.
func upgradeStep(ctx workflow.Context) {
	if workflow.GetVersion(ctx, "upgradetest-noop-step", workflow.DefaultVersion, 1) == 1 {
		workflow.GetLogger(ctx).Debug("upgradetest: versioned step")
	}
}
