package pglocal

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rs/zerolog"
)

func TestCheckTraversable(t *testing.T) {
	// A made-up user who owns nothing here, so that the test means the same as root or not.
	u := &osUser{name: "nobody-in-particular", uid: 54321, gid: 54321}
	base := testDir(t)
	locked := filepath.Join(base, "locked")
	if err := os.Mkdir(locked, 0o700); err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(locked, "cluster")
	err := u.checkTraversable(target)
	if err == nil || !strings.Contains(err.Error(), "may not enter "+locked+" ") {
		t.Errorf("checkTraversable(%s) = %v, want it to name %s", target, err, locked)
	}
	if err := os.Chmod(locked, 0o711); err != nil {
		t.Fatal(err)
	}
	if err := u.checkTraversable(target); err != nil {
		t.Errorf("after chmod 711: %v", err)
	}
}

// TestUnreachableDirKeepsClusterElsewhere is a fresh clone in root's home (issue 11): as
// root the server runs as postgres, which may not enter a 0700 root-owned directory. The
// cluster then lives under FallbackRoot, Dir records where, the next start finds it there,
// and the home directory keeps its permissions. Not as root the server runs as ourselves,
// who may enter our own home: the cluster stays in Dir.
func TestUnreachableDirKeepsClusterElsewhere(t *testing.T) {
	ctx := context.Background()
	home := filepath.Join(testDir(t), "root")
	if err := os.Mkdir(home, 0o700); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(home, "x", ".data", "pg")
	fallback := filepath.Join(testDir(t), "var", "lib", "profdev", "pg")
	opts := Options{Dir: dir, FallbackRoot: fallback, Ephemeral: true}

	c := startCluster(t, opts)
	if err := c.CreateDatabase(ctx, "app"); err != nil {
		t.Fatal(err)
	}
	exec1(t, c.DSN("app"), "CREATE TABLE kept (x int)")
	if os.Geteuid() != 0 {
		if c.Dir() != dir {
			t.Errorf("not root: cluster in %s, want %s", c.Dir(), dir)
		}
		return
	}
	if filepath.Dir(c.Dir()) != fallback {
		t.Fatalf("cluster in %s, want a directory of its own under %s", c.Dir(), fallback)
	}
	if pointer, err := os.ReadFile(filepath.Join(dir, locationFile)); err != nil || strings.TrimSpace(string(pointer)) != c.Dir() {
		t.Errorf("%s/%s = %q, %v; want %s", dir, locationFile, pointer, err, c.Dir())
	}
	if origin, err := os.ReadFile(filepath.Join(c.Dir(), originFile)); err != nil || strings.TrimSpace(string(origin)) != dir {
		t.Errorf("%s/%s = %q, %v; want %s", c.Dir(), originFile, origin, err, dir)
	}
	if _, err := os.Stat(filepath.Join(c.Dir(), dataSubdir, "PG_VERSION")); err != nil {
		t.Errorf("no cluster in %s: %v", c.Dir(), err)
	}
	info, err := os.Stat(home)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o700 || ownerUID(info) != 0 {
		t.Errorf("home is now %s owned by uid %d, want 0700 owned by root", info.Mode().Perm(), ownerUID(info))
	}
	if err := c.Stop(ctx); err != nil {
		t.Fatal(err)
	}

	again := startCluster(t, opts)
	if again.Dir() != c.Dir() {
		t.Errorf("second start in %s, want %s", again.Dir(), c.Dir())
	}
	if got := query1(t, again.DSN("app"), "SELECT count(*)::text FROM kept"); got != "0" {
		t.Errorf("table of the first start: count = %s", got)
	}
}

// TestPlaceCluster covers the choice itself for a made-up server user, root or not.
func TestPlaceCluster(t *testing.T) {
	u := &osUser{name: "nobody-in-particular", uid: 54321, gid: 54321}
	log := zerolog.New(zerolog.NewTestWriter(t))
	base := testDir(t)
	fallback := filepath.Join(base, "fallback")

	open := filepath.Join(base, "open", "pg")
	if got, err := placeCluster(open, u, fallback, log); err != nil || got != open {
		t.Errorf("reachable dir: %s, %v; want %s itself", got, err, open)
	}

	locked := filepath.Join(base, "locked")
	if err := os.Mkdir(locked, 0o700); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(locked, "clone", ".data", "pg")
	first, err := placeCluster(dir, u, fallback, log)
	if err != nil || filepath.Dir(first) != fallback {
		t.Fatalf("unreachable dir: %s, %v; want a directory under %s", first, err, fallback)
	}
	other, err := placeCluster(filepath.Join(locked, "another-clone", ".data", "pg"), u, fallback, log)
	if err != nil || other == first {
		t.Errorf("another clone: %s, %v; want a directory of its own", other, err)
	}
	// The pointer is followed, even once the dir has become reachable.
	if err := os.Chmod(locked, 0o711); err != nil {
		t.Fatal(err)
	}
	if again, err := placeCluster(dir, u, fallback, log); err != nil || again != first {
		t.Errorf("second placement: %s, %v; want the recorded %s", again, err, first)
	}
	if err := os.WriteFile(filepath.Join(dir, locationFile), []byte("relative/path\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := placeCluster(dir, u, fallback, log); err == nil || !strings.Contains(err.Error(), "not an absolute path") {
		t.Errorf("relative pointer: %v", err)
	}

	// A cluster already in an unreachable dir is not hidden behind an empty one elsewhere.
	if err := os.Chmod(locked, 0o700); err != nil {
		t.Fatal(err)
	}
	existing := filepath.Join(locked, "old", "pg")
	if err := os.MkdirAll(filepath.Join(existing, dataSubdir), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(existing, dataSubdir, "PG_VERSION"), []byte("15\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := placeCluster(existing, u, fallback, log); err == nil || !strings.Contains(err.Error(), "may not enter "+locked) ||
		!strings.Contains(err.Error(), "stays there") {
		t.Errorf("existing cluster in an unreachable dir: %v", err)
	}
}
