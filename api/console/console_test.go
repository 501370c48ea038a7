package console_test

import (
	"github.com/profdev/profdev/api/console"
)

// temporalUI is the Temporal Web UI the console links to in a test that sets it (empty: no
// links); tests run one at a time, and the one that sets it puts it back.
var temporalUI string

func consoleConfig() console.Config {
	return console.Config{DevSignIn: true, TemporalUIURL: temporalUI}
}
