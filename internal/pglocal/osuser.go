package pglocal

import (
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
)

// serverUserName is the OS user that runs the server when we are root: PostgreSQL refuses to
// run as root, and Debian's postgresql package creates this user.
const serverUserName = "postgres"

// osUser is the account initdb and postgres run as when it differs from ours.
type osUser struct {
	name   string
	uid    int
	gid    int
	groups []int // supplementary groups, for the traversal check and setgroups
}

// serverUser returns the account to run the server as: nil (ourselves) unless we are root.
func serverUser() (*osUser, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup(serverUserName)
	if err != nil {
		return nil, fmt.Errorf("running as root, so the server must run as the OS user %q, which cannot be found (%v); "+
			"installing the server creates it: %s", serverUserName, err, InstallHint)
	}
	ou := &osUser{name: u.Username}
	if ou.uid, err = strconv.Atoi(u.Uid); err != nil {
		return nil, fmt.Errorf("user %s: uid %q: %w", u.Username, u.Uid, err)
	}
	if ou.gid, err = strconv.Atoi(u.Gid); err != nil {
		return nil, fmt.Errorf("user %s: gid %q: %w", u.Username, u.Gid, err)
	}
	gids, err := u.GroupIds()
	if err != nil {
		return nil, fmt.Errorf("user %s: groups: %w", u.Username, err)
	}
	for _, g := range gids {
		n, err := strconv.Atoi(g)
		if err != nil {
			return nil, fmt.Errorf("user %s: group id %q: %w", u.Username, g, err)
		}
		ou.groups = append(ou.groups, n)
	}
	return ou, nil
}

// credential is what SysProcAttr.Credential needs to switch a child to u; nil runs the child
// as ourselves.
func (u *osUser) credential() *syscall.Credential {
	if u == nil {
		return nil
	}
	c := &syscall.Credential{Uid: uint32(u.uid), Gid: uint32(u.gid)}
	for _, g := range u.groups {
		c.Groups = append(c.Groups, uint32(g))
	}
	return c
}

// chownTree gives dir and everything below it to u, so that a cluster created or touched by
// root (or by an earlier run as another user) is usable by the server.
func (u *osUser) chownTree(dir string) error {
	if u == nil {
		return nil
	}
	return filepath.WalkDir(dir, func(path string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(path, u.uid, u.gid)
	})
}

// checkTraversable fails, naming the directory, when u may not enter every ancestor of dir:
// the server then cannot reach its own data directory and would fail with a less helpful
// "Permission denied". The check uses the permission bits only (ACLs are not consulted).
func (u *osUser) checkTraversable(dir string) error {
	p, info, err := u.blockedAncestor(dir)
	if err != nil || p == "" {
		return err
	}
	return fmt.Errorf("the server runs as OS user %s, which may not enter %s (%s, owner uid %d gid %d) on the way to %s: "+
		"allow it (chmod o+x %s) or put the cluster elsewhere", u.name, p, info.Mode().Perm(), ownerUID(info), ownerGID(info), dir, p)
}

// blockedAncestor returns the nearest ancestor of dir that u may not enter, or "".
func (u *osUser) blockedAncestor(dir string) (string, fs.FileInfo, error) {
	if u == nil {
		return "", nil, nil
	}
	for p := filepath.Dir(dir); ; p = filepath.Dir(p) {
		info, err := os.Stat(p)
		if err != nil {
			return "", nil, err
		}
		if !u.mayEnter(info) {
			return p, info, nil
		}
		if p == filepath.Dir(p) {
			return "", nil, nil
		}
	}
}

// mayEnter applies the POSIX rule: the owner bits decide for the owner, the group bits for a
// member of the group, the other bits for everybody else.
func (u *osUser) mayEnter(info fs.FileInfo) bool {
	mode := info.Mode().Perm()
	switch {
	case ownerUID(info) == u.uid:
		return mode&0o100 != 0
	case ownerGID(info) == u.gid || slices.Contains(u.groups, ownerGID(info)):
		return mode&0o010 != 0
	default:
		return mode&0o001 != 0
	}
}

func ownerUID(info fs.FileInfo) int {
	if st, ok := info.Sys().(*syscall.Stat_t); ok {
		return int(st.Uid)
	}
	return -1
}

func ownerGID(info fs.FileInfo) int {
	if st, ok := info.Sys().(*syscall.Stat_t); ok {
		return int(st.Gid)
	}
	return -1
}
