package main

import (
	"bytes"
	"runtime"
	"strings"
	"testing"
)

func TestVersion(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if err := run([]string{"version"}, noEnv, &stdout, &stderr); err != nil {
		t.Fatalf("run(version): %v", err)
	}
	first, _, _ := strings.Cut(stdout.String(), "\n")
	if !strings.HasPrefix(first, "profdev ") {
		t.Errorf("first line %q does not start with %q", first, "profdev ")
	}
	if !strings.Contains(first, runtime.Version()) {
		t.Errorf("first line %q does not name the Go version %s", first, runtime.Version())
	}
	if stderr.Len() != 0 {
		t.Errorf("version wrote to stderr: %q", stderr.String())
	}
}

func TestRunRejectsMissingAndUnknownSubcommands(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"none", nil, "a subcommand is required"},
		{"unknown", []string{"nope"}, `unknown subcommand "nope"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(tt.args, noEnv, &stdout, &stderr)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("run(%q) = %v, want an error containing %q", tt.args, err, tt.wantErr)
			}
			if !strings.Contains(stderr.String(), "Usage:") {
				t.Errorf("no usage on stderr: %q", stderr.String())
			}
		})
	}
}
