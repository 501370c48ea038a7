package pglocal

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/rs/zerolog"
)

// DefaultFallbackRoot is where a cluster goes whose Options.Dir the server user may not
// reach: as root, the server runs as the OS user postgres, which may not enter a 0700 home
// such as /root, where a newcomer's clone lands. /var/lib is where a machine keeps
// persistent state of its services (unlike /tmp, it survives reboots, and nobody but root
// may create entries in it, so the name cannot be taken by someone else first).
const DefaultFallbackRoot = "/var/lib/profdev/pg"

// locationFile, in Options.Dir, names the directory that holds the cluster when it is not
// Options.Dir itself; originFile, in that directory, names the Options.Dir it serves.
const (
	locationFile = "location"
	originFile   = "origin"
)

// placeCluster returns the directory that holds the cluster of dir: the one recorded in
// dir/location if there is one; otherwise dir itself when the server user may reach it;
// otherwise a directory of its own under fallbackRoot, which is then recorded in
// dir/location so that every later start finds the same cluster. No permission of dir's
// ancestors is changed: making a home directory enterable is the owner's decision.
func placeCluster(dir string, u *osUser, fallbackRoot string, log zerolog.Logger) (string, error) {
	pointer := filepath.Join(dir, locationFile)
	if raw, err := os.ReadFile(pointer); err == nil {
		where := strings.TrimSpace(string(raw))
		if !filepath.IsAbs(where) {
			return "", fmt.Errorf("%s names %q, which is not an absolute path: remove the file to place the cluster afresh", pointer, where)
		}
		log.Info().Str("dir", where).Str("recorded_in", pointer).Msg("PostgreSQL cluster is kept outside the data directory")
		return where, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("read %s: %w", pointer, err)
	}
	// Parents are made 0755: a 0700 root-owned parent would lock the server user out.
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return "", err
	}
	unreachable := u.checkTraversable(dir)
	if unreachable == nil {
		return dir, nil
	}
	if _, err := os.Stat(filepath.Join(dir, dataSubdir, "PG_VERSION")); err == nil {
		// A cluster is already here: starting an empty one elsewhere would hide its data.
		return "", fmt.Errorf("%w; the cluster already in %s stays there: allow the server in, or move the cluster out "+
			"and name its new directory in %s", unreachable, dir, pointer)
	}

	if fallbackRoot == "" {
		fallbackRoot = DefaultFallbackRoot
	}
	sum := sha256.Sum256([]byte(dir))
	target := filepath.Join(fallbackRoot, hex.EncodeToString(sum[:8]))
	if err := os.MkdirAll(fallbackRoot, 0o755); err != nil {
		return "", fmt.Errorf("%w; and the place for it instead, %s, cannot be made: %w", unreachable, fallbackRoot, err)
	}
	if err := u.checkTraversable(target); err != nil {
		return "", fmt.Errorf("%w; and the place for it instead is no better: %w", unreachable, err)
	}
	if err := os.MkdirAll(target, 0o700); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(target, originFile), []byte(dir+"\n"), 0o644); err != nil {
		return "", fmt.Errorf("record the origin of %s: %w", target, err)
	}
	// Last, so that a pointer never names a directory that was not made.
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	if err := writeFileAtomic(pointer, []byte(target+"\n"), 0o644); err != nil {
		return "", fmt.Errorf("record where the cluster is: %w", err)
	}
	blocked, _, _ := u.blockedAncestor(dir)
	log.Warn().Str("dir", target).Str("recorded_in", pointer).Str("instead_of", dir).Str("os_user", u.name).
		Msg(fmt.Sprintf("the PostgreSQL server runs as OS user %s, which may not enter %s: its cluster lives in %s "+
			"instead (recorded in %s); the permissions of %s are left as they are", u.name, blocked, target, pointer, blocked))
	return target, nil
}

// writeFileAtomic writes path through a temporary file and a rename, so that a reader never
// sees half of it.
func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, perm); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}
