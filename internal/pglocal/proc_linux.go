package pglocal

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// childAttrs is how every server process is started.
//
//   - Pdeathsig: if our process dies, even by SIGKILL, the kernel sends the server SIGINT,
//     which is PostgreSQL's fast shutdown (disconnect sessions, checkpoint, exit). A test
//     binary killed by a timeout or a `profdev dev` killed with -9 leaves no server behind.
//     The kernel resets it on a change of credentials, but Go sets it after switching to
//     Credential, so it survives that.
//   - Setpgid: the server gets its own process group, so a Ctrl-C in the terminal reaches
//     only us, and we shut the server down in order instead of it seeing the signal first.
func childAttrs(u *osUser) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{
		Credential: u.credential(),
		Setpgid:    true,
		Pdeathsig:  syscall.SIGINT,
	}
}

// postmasterRunning reports whether pid is a live server process of dataDir.
func postmasterRunning(pid int, dataDir string) bool {
	want, err := filepath.EvalSymlinks(dataDir)
	return err == nil && isServerProcess(pid, want)
}

// serverProcesses lists the live processes of a server on dataDir: the postmaster and its
// children, which outlive a postmaster killed with SIGKILL until they notice.
func serverProcesses(dataDir string) []int {
	want, err := filepath.EvalSymlinks(dataDir)
	if err != nil {
		return nil
	}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err == nil && isServerProcess(pid, want) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// isServerProcess tells a server process of dataDir from an unrelated process that got the
// same pid after a reboot or crash: PostgreSQL processes run the postgres binary with the
// data directory as working directory. Zombies have neither. When we may not look (another
// user's process) the answer is false, and postgres' own lock file check explains instead.
func isServerProcess(pid int, dataDir string) bool {
	cwd, err := os.Readlink(fmt.Sprintf("/proc/%d/cwd", pid))
	if err != nil || cwd != dataDir {
		return false
	}
	exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid))
	if err != nil {
		return false
	}
	name := filepath.Base(strings.TrimSuffix(exe, " (deleted)")) // binary replaced by an upgrade
	return name == "postgres" || name == "postmaster"
}
