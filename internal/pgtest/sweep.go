package pgtest

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/rs/zerolog"
)

const (
	// tempPrefix names the temporary directory of each test binary's local cluster.
	tempPrefix = "pgtest-"
	// ownerFile in that directory holds the pid of the test binary that made it.
	ownerFile = "owner.pid"
)

// sweepLeftovers removes the cluster directories of earlier test binaries that are gone
// without Main's cleanup: killed by a timeout, or never calling Main. Each holds a whole
// cluster, and they would pile up in /tmp run after run. A directory whose owner is alive,
// or that has no owner file yet (being made right now), is left alone.
func sweepLeftovers(log zerolog.Logger) {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), tempPrefix+"*"))
	for _, dir := range dirs {
		raw, err := os.ReadFile(filepath.Join(dir, ownerFile))
		if err != nil {
			continue
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(raw)))
		if err != nil || pid == os.Getpid() || alive(pid) {
			continue
		}
		if err := os.RemoveAll(dir); err != nil {
			log.Debug().Err(err).Str("dir", dir).Msg("cannot remove leftover cluster")
			continue
		}
		log.Info().Str("dir", dir).Int("owner", pid).Msg("removed the leftover cluster of a finished test binary")
	}
}

func alive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
