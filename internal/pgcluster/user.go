package pgcluster

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// runner runs initdb and pg_ctl, as another user when we are root.
type runner struct {
	root bool                // euid is 0: commands run with cred
	cred *syscall.Credential // uid/gid commands run as (nil: ourselves)
	name string              // user name, for messages
}

// newRunner picks the user PostgreSQL runs as. Not root: ourselves. Root:
// the owner of an existing data directory when it is not root, else the
// "postgres" system user.
func newRunner(dataDir string) (runner, error) {
	if os.Geteuid() != 0 {
		return runner{}, nil
	}
	if st, err := os.Stat(dataDir); err == nil {
		if sys, ok := st.Sys().(*syscall.Stat_t); ok && sys.Uid != 0 {
			name := strconv.Itoa(int(sys.Uid))
			if u, err := user.LookupId(name); err == nil {
				name = u.Username
			}
			return runner{root: true, name: name, cred: &syscall.Credential{Uid: sys.Uid, Gid: sys.Gid}}, nil
		}
		if _, err := os.Stat(filepath.Join(dataDir, "PG_VERSION")); err == nil {
			return runner{}, fmt.Errorf("pgcluster: %s is owned by root and PostgreSQL refuses to run as root: chown -R postgres: %s", dataDir, dataDir)
		}
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return runner{}, fmt.Errorf("pgcluster: running as root, and initdb/postgres refuse root, but there is no \"postgres\" system user "+
			"to run them as (%v): %s (the package creates that user), or run as a non-root user", err, installHint)
	}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err := errors.Join(err1, err2); err != nil {
		return runner{}, fmt.Errorf("pgcluster: user postgres: %w", err)
	}
	return runner{root: true, name: "postgres", cred: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}, nil
}

func (r runner) command(ctx context.Context, path string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Dir = "/" // our working directory may be unreadable for the postgres user
	cmd.Env = cleanEnv()
	cmd.WaitDelay = 5 * time.Second
	// A process group of its own: a Ctrl-C in the terminal (SIGINT to the
	// foreground group) or a group SIGTERM reaches aci, which then stops the
	// cluster with pg_ctl stop, instead of hitting postgres directly.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if r.cred != nil {
		cmd.SysProcAttr.Credential = r.cred
		cmd.Env = append(cmd.Env, "USER="+r.name, "LOGNAME="+r.name)
	}
	return cmd
}

// cleanEnv drops PG* variables (PGDATA, PGPORT, PGHOST...) so that they do
// not change what initdb, pg_ctl and postgres do, and the locale, which
// initdb --locale sets.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "PG") || strings.HasPrefix(k, "LC_") || k == "LANG" || k == "LANGUAGE" ||
			k == "USER" || k == "LOGNAME" {
			continue
		}
		env = append(env, kv)
	}
	return env
}

// chown gives path to the user PostgreSQL runs as (root only).
func (r runner) chown(path string) error {
	if r.cred == nil {
		return nil
	}
	if err := os.Chown(path, int(r.cred.Uid), int(r.cred.Gid)); err != nil {
		return fmt.Errorf("pgcluster: chown %s to %s: %w", path, r.name, err)
	}
	return nil
}

// traversable makes sure the user PostgreSQL runs as can reach into dir: dir
// itself (the data directory's parent) gets at least 0755; its ancestors must
// already allow it.
func (r runner) traversable(dir string) error {
	if r.cred == nil {
		return nil
	}
	st, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("pgcluster: %w", err)
	}
	if !r.canEnter(st) {
		if err := os.Chmod(dir, st.Mode().Perm()|0o755); err != nil {
			return fmt.Errorf("pgcluster: chmod %s: %w", dir, err)
		}
	}
	for d := filepath.Dir(dir); ; d = filepath.Dir(d) {
		st, err := os.Stat(d)
		if err != nil {
			return fmt.Errorf("pgcluster: %w", err)
		}
		if !r.canEnter(st) {
			return fmt.Errorf("pgcluster: user %s cannot enter %s (mode %v): chmod o+x %s, or use a data directory elsewhere",
				r.name, d, st.Mode().Perm(), d)
		}
		if d == "/" || d == "." {
			return nil
		}
	}
}

func (r runner) canEnter(st os.FileInfo) bool {
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !ok {
		return true
	}
	m := st.Mode().Perm()
	switch {
	case sys.Uid == r.cred.Uid:
		return m&0o100 != 0
	case sys.Gid == r.cred.Gid:
		return m&0o010 != 0
	}
	return m&0o001 != 0
}

// FallbackBase is where Place puts a cluster whose directory the user
// PostgreSQL runs as cannot reach.
const FallbackBase = "/var/lib/portail-aci"

// Place returns the data directory to use for dataDir: dataDir itself when
// the user PostgreSQL runs as can reach it (always, when we are not root);
// otherwise — root working in a directory that user cannot enter, such as a
// clone under /root — a directory of its own under FallbackBase, named by a
// hash of dataDir so that each checkout keeps its cluster, with moved true.
func Place(dataDir string) (dir string, moved bool, err error) {
	return place(dataDir, FallbackBase)
}

func place(dataDir, base string) (string, bool, error) {
	dir, err := filepath.Abs(dataDir)
	if err != nil {
		return "", false, fmt.Errorf("pgcluster: %w", err)
	}
	run, err := newRunner(dir)
	if err != nil || run.cred == nil {
		return dir, false, err
	}
	// The data directory's parent is made enterable by traversable; its
	// ancestors must already be.
	for d := filepath.Dir(filepath.Dir(dir)); ; d = filepath.Dir(d) {
		if st, err := os.Stat(d); err == nil && !run.canEnter(st) {
			h := sha256.Sum256([]byte(dir))
			return filepath.Join(base, hex.EncodeToString(h[:6]), filepath.Base(dir)), true, nil
		}
		if d == "/" || d == "." {
			return dir, false, nil
		}
	}
}
