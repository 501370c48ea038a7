package main

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestEnvVarsListed keeps EnvVars equal to the variables loadConfig actually reads, so the
// deployment files checked against EnvVars are checked against the binary.
func TestEnvVarsListed(t *testing.T) {
	var read []string
	if _, err := loadConfig(func(k string) string {
		if !slices.Contains(read, k) {
			read = append(read, k)
		}
		return ""
	}); err != nil {
		t.Fatal(err)
	}
	want := slices.Clone(EnvVars)
	slices.Sort(want)
	slices.Sort(read)
	if diff := cmp.Diff(want, read); diff != "" {
		t.Errorf("EnvVars differs from what loadConfig reads (-EnvVars +read):\n%s", diff)
	}
}
