//go:build unix && !linux

package pglocal

import "syscall"

// childAttrs: without Pdeathsig (Linux only) the server outlives a killed parent; the next
// Start on the same directory stops it (see stopStale).
func childAttrs(u *osUser) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Credential: u.credential(), Setpgid: true}
}

// postmasterRunning cannot tell a postmaster from a process that reused its pid here.
func postmasterRunning(pid int, _ string) bool {
	return syscall.Kill(pid, 0) == nil
}

// serverProcesses would need /proc; postgres reports leftover processes itself.
func serverProcesses(string) []int { return nil }
