package workflows

import (
	"maps"

	"go.temporal.io/sdk/workflow"
)

// Change versions a workflow is born with.
//
// The first time a workflow asks workflow.GetVersion about a change, the SDK records a marker
// and upserts the TemporalChangeVersion search attribute: two history events, two billable
// actions and one visibility write per change, paid by every new workflow for changes that
// only matter to the workflows started before them. A certificate paid for four such changes
// on its way to being issued.
//
// So a workflow started by this build names in its input the level of changes it was born
// at (Born), and reads the versions of that level from bornVersions without asking the
// server: same behaviour, no marker, no upsert. A workflow started before has level 0 and
// asks GetVersion as it always did, so its replay is unchanged. Its input is in its history,
// so the choice is replay-safe.
//
// A change to running workflows still goes behind GetVersion, under a change ID that no
// level lists: every workflow, whatever its level, records it. A later level may list it once
// the workflows born before are gone. A worker of an older build must not take over a
// workflow born at a level it does not know (it would ask GetVersion on replay and find no
// marker); a rolling upgrade is fine, a rollback past the build that introduced a level is not.
// A batch's certificates are born at the batch's level (startCertificate).
//
// A level may also bring a change only the workflows born at it take (bornOnly): one that a
// workflow must not switch to midway, such as how a batch and its certificates learn of each
// other. A workflow born before that level runs such a change's default version, without
// asking GetVersion; a workflow born at it or later runs the version its level lists.

// BornLevel is a level of changes (see above).
type BornLevel int

// BornNow is the level the workflows this build starts are born at.
const BornNow BornLevel = 2

// bornVersions are the change versions of each level.
var bornVersions = map[BornLevel]map[string]workflow.Version{
	1: level1,
	// Level 2: a batch reads its items' settlement from PostgreSQL instead of being signalled
	// by each certificate, and a certificate delivers its document in a local activity. One
	// certificate's issue is then one workflow task, with no activity task and no signal.
	2: withChanges(level1, map[string]workflow.Version{
		"batch-reads-settlement": 1,
		"deliver-locally":        1,
	}),
}

var level1 = map[string]workflow.Version{
	"issue-sign-locally":          1,
	"issue-notifications-fan-out": 1,
	"report-to-batch":             1,
	"batch-item-refusal":          1,
	"batch-accounts-items":        1,
	"batch-digest":                1,
}

// withChanges is a level's versions: those of the level before and the changes it brings.
func withChanges(before, changes map[string]workflow.Version) map[string]workflow.Version {
	out := maps.Clone(before)
	maps.Copy(out, changes)
	return out
}

// bornOnly are the changes only workflows born at the level named take (see above).
var bornOnly = map[string]BornLevel{
	"batch-reads-settlement": 2,
	"deliver-locally":        2,
}

// changeVersion is the version of a change the workflow runs: the one of its birth level if
// the level lists the change; the default one if only workflows born later take it; else what
// GetVersion answers.
func changeVersion(ctx workflow.Context, born BornLevel, changeID string, maxSupported workflow.Version) workflow.Version {
	if v, ok := bornVersions[born][changeID]; ok {
		return v
	}
	if level, ok := bornOnly[changeID]; ok && born < level {
		return workflow.DefaultVersion
	}
	return workflow.GetVersion(ctx, changeID, workflow.DefaultVersion, maxSupported)
}
