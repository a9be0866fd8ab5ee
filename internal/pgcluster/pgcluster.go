// Package pgcluster runs a private PostgreSQL cluster with the machine's own
// binaries (initdb, pg_ctl, postgres): for `aci devdb` (a persistent cluster in
// .data/postgres) and for the test harness internal/store/pgtest (a throwaway
// cluster in a temp dir, fsync off).
//
// The cluster listens only on a unix socket in a private directory
// (listen_addresses=”), so it never collides with another PostgreSQL on a TCP
// port, and trusts every local connection as superuser "postgres". Whoever can
// open the socket is superuser: the socket directory is mode 0700.
//
// initdb and pg_ctl refuse to run as root. When the process is root (CI,
// containers), they run as the owner of an existing data directory or, for a
// new one, as the "postgres" system user, and the data and socket directories
// are chowned to it.
package pgcluster

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Superuser is the superuser initdb creates (-U) and URL connects as.
const Superuser = "postgres"

// DefaultPort names the socket file (.s.PGSQL.<port>); nothing listens on TCP.
const DefaultPort = 5432

// Options configures Ensure.
type Options struct {
	// Fsync keeps PostgreSQL's durability settings. False (tests) runs with
	// fsync, synchronous_commit and full_page_writes off and initdb --no-sync:
	// a crash of the machine may corrupt the cluster.
	Fsync bool
	// Log receives the output of initdb and pg_ctl (nil: discarded). The
	// server's own log goes to Cluster.LogFile.
	Log io.Writer
	// BinDir forces the directory of initdb/pg_ctl/postgres (default: found
	// on PATH, else the highest /usr/lib/postgresql/*/bin).
	BinDir string
	// SocketDir forces the unix socket directory (default: <dataDir>.sock
	// next to the data directory when its path is short enough for the
	// 107-byte unix socket limit, else /tmp/aci-pg-<hash of dataDir>).
	SocketDir string
	// Settings are extra server settings, "name=value", passed as -c.
	Settings []string
	// StopMode is pg_ctl's shutdown mode for Stop: "fast" (default) or
	// "immediate" (no checkpoint; for throwaway clusters).
	StopMode string
}

// Cluster is a PostgreSQL cluster found running or started by Ensure.
type Cluster struct {
	Dir       string // absolute data directory
	SocketDir string // directory of the unix socket
	Port      int    // names the socket file .s.PGSQL.<Port>
	LogFile   string // server log (when started by us)
	BinDir    string // where initdb/pg_ctl/postgres were found

	started  bool
	stopMode string
	run      runner
	log      io.Writer
}

// Started reports whether Ensure started the server (rather than finding it
// already running).
func (c *Cluster) Started() bool { return c.started }

// Ensure makes sure a cluster exists in dataDir and is running: initdb the
// first time, pg_ctl start when it is not running, reuse when it is (then
// Stop leaves it alone).
func Ensure(ctx context.Context, dataDir string, opts Options) (*Cluster, error) {
	dir, err := filepath.Abs(dataDir)
	if err != nil {
		return nil, fmt.Errorf("pgcluster: %w", err)
	}
	logw := opts.Log
	if logw == nil {
		logw = io.Discard
	}
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return nil, fmt.Errorf("pgcluster: %w", err)
	}
	unlock, err := lockFile(dir + ".lock")
	if err != nil {
		return nil, err
	}
	defer unlock()

	pgVersion := readTrim(filepath.Join(dir, "PG_VERSION"))
	if pgVersion == "" {
		if ents, err := os.ReadDir(dir); err == nil && len(ents) > 0 {
			return nil, fmt.Errorf("pgcluster: %s exists, is not empty and holds no PostgreSQL cluster (no PG_VERSION)", dir)
		}
	}
	bin, err := findBinDir(opts.BinDir, pgVersion)
	if err != nil {
		return nil, err
	}
	run, err := newRunner(dir)
	if err != nil {
		return nil, err
	}
	c := &Cluster{Dir: dir, BinDir: bin, Port: DefaultPort, LogFile: filepath.Join(dir, "postmaster.log"),
		stopMode: opts.StopMode, run: run, log: logw}
	if c.stopMode == "" {
		c.stopMode = "fast"
	}

	if pgVersion == "" {
		if err := c.initdb(ctx, opts); err != nil {
			return nil, err
		}
	}

	running, err := c.status(ctx)
	if err != nil {
		return nil, err
	}
	if running {
		if err := c.readPidFile(); err != nil {
			return nil, err
		}
		return c, nil
	}

	sock := opts.SocketDir
	if sock == "" {
		sock = defaultSocketDir(dir)
	}
	if err := os.MkdirAll(sock, 0o700); err != nil {
		return nil, fmt.Errorf("pgcluster: socket dir: %w", err)
	}
	if err := run.chown(sock); err != nil {
		return nil, err
	}
	c.SocketDir = sock
	if err := c.start(ctx, opts); err != nil {
		return nil, err
	}
	c.started = true
	return c, nil
}

// defaultSocketDir is <dataDir>.sock when short enough, else a short,
// stable directory under /tmp.
func defaultSocketDir(dir string) string {
	s := dir + ".sock"
	if len(s)+len("/.s.PGSQL.65535") < 100 {
		return s
	}
	h := sha256.Sum256([]byte(dir))
	return filepath.Join("/tmp", "aci-pg-"+hex.EncodeToString(h[:6]))
}

func (c *Cluster) initdb(ctx context.Context, opts Options) error {
	if err := os.MkdirAll(c.Dir, 0o700); err != nil {
		return fmt.Errorf("pgcluster: %w", err)
	}
	if err := os.Chmod(c.Dir, 0o700); err != nil {
		return fmt.Errorf("pgcluster: %w", err)
	}
	if err := c.run.chown(c.Dir); err != nil {
		return err
	}
	if err := c.run.traversable(filepath.Dir(c.Dir)); err != nil {
		return err
	}
	args := []string{"-D", c.Dir, "-U", Superuser, "--auth=trust", "-E", "UTF8", "--no-instructions"}
	if !opts.Fsync {
		args = append(args, "--no-sync")
	}
	var out bytes.Buffer
	err := c.exec(ctx, &out, "initdb", append(args, "--locale=C.UTF-8")...)
	if err != nil && strings.Contains(out.String(), "locale") {
		// No C.UTF-8 on this system: plain C (initdb removed its partial work).
		out.Reset()
		err = c.exec(ctx, &out, "initdb", append(args, "--locale=C")...)
	}
	if err != nil {
		return fmt.Errorf("pgcluster: initdb %s: %w\n%s", c.Dir, err, out.Bytes())
	}
	return nil
}

func (c *Cluster) start(ctx context.Context, opts Options) error {
	settings := []string{
		"listen_addresses=",
		"unix_socket_directories=" + c.SocketDir,
		"port=" + strconv.Itoa(c.Port),
	}
	if !opts.Fsync {
		settings = append(settings, "fsync=off", "synchronous_commit=off", "full_page_writes=off")
	}
	settings = append(settings, opts.Settings...)
	var o strings.Builder
	for _, s := range settings {
		o.WriteString(" -c ")
		o.WriteString(shellQuote(s))
	}
	var out bytes.Buffer
	err := c.exec(ctx, &out, "pg_ctl", "start", "-w", "-t", "60", "-s", "-D", c.Dir, "-l", c.LogFile, "-o", o.String())
	if err != nil {
		return fmt.Errorf("pgcluster: pg_ctl start %s: %w\n%s\nserver log (%s):\n%s", c.Dir, err, out.Bytes(), c.LogFile, tail(c.LogFile, 2000))
	}
	return nil
}

// status runs pg_ctl status: true when a server runs on the data directory.
func (c *Cluster) status(ctx context.Context) (bool, error) {
	var out bytes.Buffer
	err := c.exec(ctx, &out, "pg_ctl", "status", "-D", c.Dir)
	if err == nil {
		return true, nil
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.ExitCode() == 3 {
		return false, nil
	}
	return false, fmt.Errorf("pgcluster: pg_ctl status %s: %w\n%s", c.Dir, err, out.Bytes())
}

// Running reports whether a server is running on the cluster's data
// directory (pg_ctl status).
func (c *Cluster) Running(ctx context.Context) (bool, error) { return c.status(ctx) }

// readPidFile takes the socket directory and port of a running server from
// postmaster.pid (line 4: port, line 5: first socket directory).
func (c *Cluster) readPidFile() error {
	b, err := os.ReadFile(filepath.Join(c.Dir, "postmaster.pid"))
	if err != nil {
		return fmt.Errorf("pgcluster: running server: %w", err)
	}
	lines := strings.Split(string(b), "\n")
	if len(lines) < 5 {
		return fmt.Errorf("pgcluster: %s/postmaster.pid: too short", c.Dir)
	}
	if p, err := strconv.Atoi(strings.TrimSpace(lines[3])); err == nil {
		c.Port = p
	}
	c.SocketDir = strings.TrimSpace(lines[4])
	if c.SocketDir == "" {
		return fmt.Errorf("pgcluster: the server running on %s has no unix socket; stop it (pg_ctl stop -D %s)", c.Dir, c.Dir)
	}
	return nil
}

// PID returns the postmaster's process id (from postmaster.pid).
func (c *Cluster) PID() (int, error) {
	b, err := os.ReadFile(filepath.Join(c.Dir, "postmaster.pid"))
	if err != nil {
		return 0, fmt.Errorf("pgcluster: %w", err)
	}
	first, _, _ := strings.Cut(string(b), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(first))
	if err != nil {
		return 0, fmt.Errorf("pgcluster: postmaster.pid: %w", err)
	}
	return pid, nil
}

// Stop stops the server if Ensure started it; a server found running is left
// alone.
func (c *Cluster) Stop() error {
	if !c.started {
		return nil
	}
	return c.ForceStop()
}

// ForceStop stops the server whoever started it (pg_ctl stop -w).
func (c *Cluster) ForceStop() error {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	var out bytes.Buffer
	err := c.exec(ctx, &out, "pg_ctl", "stop", "-w", "-s", "-t", "60", "-m", c.stopMode, "-D", c.Dir)
	if err != nil {
		if running, serr := c.status(ctx); serr == nil && !running {
			c.started = false
			return nil
		}
		return fmt.Errorf("pgcluster: pg_ctl stop %s: %w\n%s", c.Dir, err, out.Bytes())
	}
	c.started = false
	return nil
}

// URL is a pgx connection string to database dbname over the unix socket,
// as the superuser.
func (c *Cluster) URL(dbname string) string {
	q := url.Values{}
	q.Set("host", c.SocketDir)
	q.Set("port", strconv.Itoa(c.Port))
	q.Set("sslmode", "disable")
	u := url.URL{Scheme: "postgres", User: url.User(Superuser), Path: "/" + dbname, RawQuery: q.Encode()}
	return u.String()
}

// EnsureDatabase creates database name if it does not exist.
func (c *Cluster) EnsureDatabase(ctx context.Context, name string) error {
	conn, err := pgx.Connect(ctx, c.URL("postgres"))
	if err != nil {
		return fmt.Errorf("pgcluster: EnsureDatabase: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return fmt.Errorf("pgcluster: EnsureDatabase: %w", err)
	}
	if exists {
		return nil
	}
	_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "42P04" { // created meanwhile
		return nil
	}
	if err != nil {
		return fmt.Errorf("pgcluster: EnsureDatabase %s: %w", name, err)
	}
	return nil
}

// DropDatabase drops database name if it exists (its connections are
// terminated): `aci bench` starts each run on a fresh database.
func (c *Cluster) DropDatabase(ctx context.Context, name string) error {
	conn, err := pgx.Connect(ctx, c.URL("postgres"))
	if err != nil {
		return fmt.Errorf("pgcluster: DropDatabase: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("pgcluster: DropDatabase %s: %w", name, err)
	}
	return nil
}

// Vacuum runs VACUUM (ANALYZE) on database name: `aci bench` measures a
// freshly seeded database in the steady state autovacuum keeps a running
// one in (statistics gathered, the visibility map set for index-only scans).
func (c *Cluster) Vacuum(ctx context.Context, name string) error {
	conn, err := pgx.Connect(ctx, c.URL(name))
	if err != nil {
		return fmt.Errorf("pgcluster: Vacuum: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "VACUUM (ANALYZE)"); err != nil {
		return fmt.Errorf("pgcluster: Vacuum %s: %w", name, err)
	}
	return nil
}

// ServerVersion is the cluster's PostgreSQL version (SHOW server_version).
func (c *Cluster) ServerVersion(ctx context.Context) (string, error) {
	conn, err := pgx.Connect(ctx, c.URL("postgres"))
	if err != nil {
		return "", fmt.Errorf("pgcluster: ServerVersion: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var v string
	err = conn.QueryRow(ctx, "SHOW server_version").Scan(&v)
	return v, err
}

func (c *Cluster) exec(ctx context.Context, out *bytes.Buffer, bin string, args ...string) error {
	cmd := c.run.command(ctx, filepath.Join(c.BinDir, bin), args...)
	w := io.MultiWriter(out, c.log)
	cmd.Stdout, cmd.Stderr = w, w
	return cmd.Run()
}

func readTrim(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

func tail(path string, n int64) string {
	f, err := os.Open(path)
	if err != nil {
		return "(" + err.Error() + ")"
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Size() > n {
		_, _ = f.Seek(-n, io.SeekEnd)
	}
	b, _ := io.ReadAll(f)
	return string(b)
}

// shellQuote quotes s for /bin/sh (pg_ctl passes -o through the shell).
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// lockFile takes an exclusive flock on path, serialising concurrent Ensure
// calls on the same data directory.
func lockFile(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("pgcluster: lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("pgcluster: lock %s: %w", path, err)
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}
