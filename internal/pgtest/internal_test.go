package pgtest

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

func TestDatabaseName(t *testing.T) {
	for _, tc := range []struct {
		test string
		n    int64
		want string
	}{
		{"TestStore", 1, "t_teststore_1"},
		{"TestStore/concurrent writes", 7, "t_teststore_concurrent_writes_7"},
		{"TestÜber/#00", 12, "t_test_ber_00_12"},
		{"Test" + string(make([]byte, 100)), 3, "t_test_3"},
		{"TestAVeryLongNameThatGoesOnAndOnAndOnWellPastTheLimitOfPostgres", 123, "t_testaverylongnamethatgoesonandonandonwellpastthelimitofpo_123"},
	} {
		got := databaseName(tc.test, tc.n)
		if got != tc.want {
			t.Errorf("databaseName(%q, %d) = %q, want %q", tc.test, tc.n, got, tc.want)
		}
		if len(got) > 63 {
			t.Errorf("databaseName(%q, %d) = %q: longer than 63 bytes", tc.test, tc.n, got)
		}
	}
}

func TestMissingBinariesSayWhatToInstall(t *testing.T) {
	_, localErr := startLocal(context.Background(), zerolog.Nop(), t.TempDir())
	if localErr == nil {
		t.Fatal("startLocal with an empty bin directory: no error")
	}
	err := noServer(errors.New("no Docker engine: socket not found"), localErr)
	t.Log(err)
	for _, want := range []string{"PostgreSQL server binaries not found", "Docker", "apt-get update && apt-get install -y postgresql"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message does not mention %q: %v", want, err)
		}
	}
}

func TestDockerProbeIsQuick(t *testing.T) {
	began := time.Now()
	err := dockerAnswers()
	took := time.Since(began)
	t.Logf("dockerAnswers() = %v after %v", err, took)
	if took > dockerProbeTimeout+time.Second {
		t.Errorf("the Docker probe took %v, over its %v budget", took, dockerProbeTimeout)
	}
}
