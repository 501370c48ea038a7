package console_test

import (
	"github.com/profdev/profdev/api/console"
)

func consoleConfig() console.Config { return console.Config{DevSignIn: true, TemporalUIURL: ""} }
