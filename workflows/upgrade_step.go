//go:build !upgradetest

package workflows

import "go.temporal.io/sdk/workflow"

// upgradeStep is where the `upgradetest` build (upgrade_step_upgradetest.go) puts a
// versioned change of the Certificate workflow, so that deploy's topology test can roll
// workers of a changed build through running certificates. Here it does nothing.
func upgradeStep(workflow.Context) {}
