package pglocal

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ErrNotInstalled is wrapped by the errors of FindBinaries (and so of Start) when initdb or
// postgres is missing; callers can test for it with errors.Is.
var ErrNotInstalled = errors.New("PostgreSQL server binaries not found")

// InstallHint is the command that installs the server binaries on Debian and Ubuntu.
const InstallHint = "apt-get update && apt-get install -y postgresql"

// debianRoot is where Debian and Ubuntu install one bin directory per major version
// (/usr/lib/postgresql/15/bin, ...). Those directories are not on PATH.
const debianRoot = "/usr/lib/postgresql"

// Binaries are the PostgreSQL server programs of one installation.
type Binaries struct {
	Dir      string // the directory holding all of them
	Initdb   string
	Postgres string
	Major    int // major version reported by `postgres --version`, e.g. 15
}

// FindBinaries locates initdb and postgres. With a non-empty binDir only that directory is
// considered. Otherwise the directory of the initdb found on PATH is tried first, then the
// highest version under /usr/lib/postgresql/*/bin. Both programs must come from the same
// directory so that they are of the same version.
//
// FindBinaries reads no environment variable besides PATH: choosing a directory from
// configuration (PG_BIN_DIR, ...) is the caller's business.
func FindBinaries(binDir string) (Binaries, error) {
	b, err := findBinaries(binDir)
	if err != nil {
		return Binaries{}, fmt.Errorf("pglocal: %w", err)
	}
	return b, nil
}

func findBinaries(binDir string) (Binaries, error) {
	if binDir != "" {
		b, err := binariesIn(binDir)
		if err != nil {
			return Binaries{}, fmt.Errorf("%w; point the bin directory at a PostgreSQL installation, or install one: %s", err, InstallHint)
		}
		return b, nil
	}

	var candidates []string
	if p, err := exec.LookPath("initdb"); err == nil {
		// Resolve symlinks (/usr/local/bin/initdb -> /usr/lib/postgresql/15/bin/initdb) so that
		// postgres is looked up next to the real initdb, not next to the link.
		if real, err := filepath.EvalSymlinks(p); err == nil {
			candidates = append(candidates, filepath.Dir(real))
		}
	}
	candidates = append(candidates, debianBinDirs()...)

	var problems []string
	for _, dir := range candidates {
		b, err := binariesIn(dir)
		if err == nil {
			return b, nil
		}
		problems = append(problems, err.Error())
	}
	detail := ""
	if len(problems) > 0 {
		detail = " (" + strings.Join(problems, "; ") + ")"
	}
	return Binaries{}, fmt.Errorf("%w: looked for initdb and postgres on PATH and under %s/*/bin%s; install them: %s",
		ErrNotInstalled, debianRoot, detail, InstallHint)
}

// binariesIn checks that dir holds runnable initdb and postgres programs.
func binariesIn(dir string) (Binaries, error) {
	b := Binaries{
		Dir:      dir,
		Initdb:   filepath.Join(dir, "initdb"),
		Postgres: filepath.Join(dir, "postgres"),
	}
	for _, p := range []string{b.Initdb, b.Postgres} {
		info, err := os.Stat(p)
		if err != nil || info.IsDir() || info.Mode()&0o111 == 0 {
			return Binaries{}, fmt.Errorf("%w in %s: no executable %s", ErrNotInstalled, dir, filepath.Base(p))
		}
	}
	major, err := postgresMajor(b.Postgres)
	if err != nil {
		return Binaries{}, fmt.Errorf("PostgreSQL server binaries in %s unusable: %w", dir, err)
	}
	b.Major = major
	return b, nil
}

var versionRE = regexp.MustCompile(`\(PostgreSQL\) (\d+)`)

// postgresMajor runs `postgres --version` (allowed as root, unlike running the server), which
// both proves that the binary runs here and tells which data directories it can open.
func postgresMajor(postgres string) (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, postgres, "--version").Output()
	if err != nil {
		return 0, fmt.Errorf("run %s --version: %w", postgres, err)
	}
	m := versionRE.FindSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("unexpected output of %s --version: %q", postgres, out)
	}
	return strconv.Atoi(string(m[1]))
}

// debianBinDirs lists /usr/lib/postgresql/*/bin, highest version first.
func debianBinDirs() []string {
	entries, err := os.ReadDir(debianRoot)
	if err != nil {
		return nil
	}
	type versioned struct {
		dir string
		ver []int
	}
	var found []versioned
	for _, e := range entries {
		ver, ok := parseVersion(e.Name()) // "15", or "9.6" for old releases
		if !ok {
			continue
		}
		found = append(found, versioned{filepath.Join(debianRoot, e.Name(), "bin"), ver})
	}
	slices.SortFunc(found, func(a, b versioned) int { return slices.Compare(b.ver, a.ver) })
	dirs := make([]string, len(found))
	for i, f := range found {
		dirs[i] = f.dir
	}
	return dirs
}

func parseVersion(s string) ([]int, bool) {
	var ver []int
	for part := range strings.SplitSeq(s, ".") {
		n, err := strconv.Atoi(part)
		if err != nil {
			return nil, false
		}
		ver = append(ver, n)
	}
	return ver, true
}
