// Package pgtest gives each test its own PostgreSQL database, migrated and
// loaded with the reference data, in a few milliseconds.
//
// Usage, in every package whose tests need a database:
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
//
//	func TestSomething(t *testing.T) {
//		pool := pgtest.New(t) // *pgxpool.Pool on a fresh database, dropped at the end
//		...
//	}
//
// Where the database comes from:
//
//   - TEST_DATABASE_URL unset (the default): the first New of the test
//     process starts ONE throwaway cluster (internal/pgcluster) in a temp dir,
//     fsync off, on a unix socket only, shared by every test of the process.
//     `go test ./...` runs packages as separate processes, each with its own
//     cluster; that is fine (about 1 s each). Main stops it and removes the
//     directory when the tests end. A package that forgot TestMain does not
//     leak it either: a small watchdog process (sh) waits for the test process
//     to exit, then shuts PostgreSQL down and removes the directory.
//   - TEST_DATABASE_URL set: a server you run (a superuser, connecting to an
//     existing database such as "postgres": it creates the roles OwnerRole
//     and AppRole, without password, so the server must trust them — local
//     connections with trust authentication). The
//     template database is kept across runs and shared by concurrent `go test`
//     processes; test databases are dropped at the end of each test (a killed
//     run may leave aci_t_* databases behind).
//
// The template database aci_tpl_<hash> is built once per process (or once per
// server with TEST_DATABASE_URL, under an advisory lock), owned by OwnerRole:
// store.Migrate and refdata.Load as OwnerRole, store.GrantApp to AppRole,
// then marked IS_TEMPLATE with connections refused. New and Store connect
// as AppRole, so every test runs under row-level security; Owner gives the
// fixtures' raw SQL the owner's pool. The hash
// covers the content of every migration and the reference data's checksum, so
// a new or edited migration gives a new template. Each test database is
// CREATE DATABASE aci_t_<random> TEMPLATE aci_tpl_<hash>.
//
// Tests may run in parallel (t.Parallel): each has its own database, and
// the template accepts no connections, so concurrent clones never meet the
// "source database is being accessed by other users" refusal. The throwaway
// cluster's max_connections covers -test.parallel tests with a few pools each
// (maxConnections); with TEST_DATABASE_URL, your server's limit must.
//
// Tests never skip for want of a database: New fails the test with the reason
// (binaries missing, no postgres user when root, unreachable URL...).
package pgtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/portail-aci/aci/internal/pgcluster"
	"github.com/portail-aci/aci/internal/refdata"
	"github.com/portail-aci/aci/internal/store"
	"github.com/portail-aci/aci/migrations"
)

// EnvURL names the variable that points the tests at an existing server.
const EnvURL = "TEST_DATABASE_URL"

// The two roles of every test database, as in production (docs/rules.md
// §36): OwnerRole owns the schema (it runs the migrations and loads the
// reference data); AppRole, which the stores of the tests connect as, owns
// nothing and has neither SUPERUSER nor BYPASSRLS, so that the whole suite
// runs under row-level security. Both are created (LOGIN, no password: the
// throwaway cluster trusts its unix socket) when missing.
const (
	OwnerRole = "aci_owner"
	AppRole   = "aci_app"
)

const (
	poolConns  = 4 // MaxConns of a pool from New
	adminConns = 8 // MaxConns of the harness's own pool (CREATE/DROP DATABASE)
)

// env is the per-process state, built by the first New.
type env struct {
	adminURL string        // connection string to the maintenance database
	admin    *pgxpool.Pool // on adminURL: CREATE/DROP DATABASE
	template string        // aci_tpl_<hash>
	owners   sync.Map      // Owner's pools: *pgxpool.Pool (a store's) -> *pgxpool.Pool (its owner's)

	// Throwaway cluster only.
	cluster  *pgcluster.Cluster
	tmpDir   string
	watchdog *exec.Cmd
	ready    chan string   // databases cloned ahead of need
	stop     chan struct{} // ends prefetch
	wg       sync.WaitGroup
}

var (
	mu      sync.Mutex
	current *env
	initErr error
	done    bool // init attempted (successfully or not)
)

// Main runs the package's tests and then stops the throwaway cluster, if one
// was started, and removes its directory. Call it from TestMain:
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
func Main(m *testing.M) {
	code := m.Run()
	Shutdown()
	os.Exit(code)
}

// Shutdown closes the harness's connections and stops and removes the
// throwaway cluster. Main calls it; call it yourself from a TestMain that
// does more than Main.
func Shutdown() {
	mu.Lock()
	defer mu.Unlock()
	e := current
	current = nil
	if e == nil {
		return
	}
	if e.cluster != nil {
		if e.stop != nil {
			close(e.stop)
		}
		_ = e.cluster.ForceStop() // also ends a CREATE DATABASE in flight
		e.wg.Wait()
		_ = os.RemoveAll(e.tmpDir)
	}
	e.admin.Close()
	if e.watchdog != nil && e.watchdog.Process != nil {
		_ = e.watchdog.Process.Kill()
		_ = e.watchdog.Wait()
	}
}

func get() (*env, error) {
	mu.Lock()
	defer mu.Unlock()
	if !done {
		done = true
		current, initErr = setup()
	}
	if initErr != nil {
		return nil, initErr
	}
	if current == nil {
		return nil, errors.New("pgtest: used after Shutdown")
	}
	return current, nil
}

// New returns a pool on a fresh database of its own, a copy of the migrated
// template, for the duration of t. The pool is closed and the database
// dropped in t.Cleanup.
func New(t testing.TB) *pgxpool.Pool {
	t.Helper()
	return NewTraced(t, nil)
}

// NewTraced is New with tracer (nil: none) on every connection of the pool:
// the query-budget tests count each page's statements and commits with it.
func NewTraced(t testing.TB, tracer pgx.QueryTracer) *pgxpool.Pool {
	t.Helper()
	u := NewURL(t)
	cfg, err := pgxpool.ParseConfig(u)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	cfg.MaxConns = poolConns
	cfg.ConnConfig.Tracer = tracer
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(pool.Close) // runs before NewURL's drop (cleanups run last-in first-out)
	return pool
}

// NewURL creates a fresh database copied from the migrated template and
// returns its connection string as AppRole; it is dropped in t.Cleanup
// (connections still open then are terminated).
func NewURL(t testing.TB) string {
	t.Helper()
	return withUser(newDatabaseURL(t), AppRole)
}

// OwnerURL is the connection string u (from NewURL) as OwnerRole, for a
// command that migrates or loads the reference data.
func OwnerURL(u string) string { return withUser(u, OwnerRole) }

// SuperuserURL is the connection string u (from NewURL) as the harness's
// own superuser role, which row-level security does not bind: for a command
// that must bypass it, as the national data set's bulk copy does
// (docs/rules.md §36, §37).
func SuperuserURL(t testing.TB, u string) string {
	t.Helper()
	e, err := get()
	if err != nil {
		t.Fatalf("pgtest: no test database: %v", err)
	}
	admin, err := url.Parse(e.adminURL)
	if err != nil || admin.User == nil {
		if cfg, perr := pgx.ParseConfig(e.adminURL); perr == nil {
			return withUser(u, cfg.User)
		}
		t.Fatalf("pgtest.SuperuserURL: %v", err)
	}
	if p, err := url.Parse(u); err == nil && (p.Scheme == "postgres" || p.Scheme == "postgresql") {
		p.User = admin.User
		return p.String()
	}
	return withUser(u, admin.User.Username())
}

// newDatabaseURL creates the database of NewURL and returns its
// connection string as the harness's own (superuser) role.
func newDatabaseURL(t testing.TB) string {
	t.Helper()
	e, err := get()
	if err != nil {
		t.Fatalf("pgtest: no test database: %v", err)
	}
	var name string
	select {
	case name = <-e.ready: // nil channel (shared server): never ready
	default:
		name = "aci_t_" + randHex(8)
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		if _, err := e.admin.Exec(ctx, "CREATE DATABASE "+name+" TEMPLATE "+e.template+" OWNER "+OwnerRole); err != nil {
			t.Fatalf("pgtest: create test database: %v", err)
		}
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		if _, err := e.admin.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("pgtest: drop %s: %v", name, err)
		}
	})
	u, err := withDatabase(e.adminURL, name)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	return u
}

func setup() (e *env, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	e = &env{}
	defer func() {
		if err != nil && e != nil {
			if e.admin != nil {
				e.admin.Close()
			}
			if e.cluster != nil {
				_ = e.cluster.ForceStop()
				_ = os.RemoveAll(e.tmpDir)
			}
			if e.watchdog != nil && e.watchdog.Process != nil {
				_ = e.watchdog.Process.Kill()
				_ = e.watchdog.Wait()
			}
		}
	}()
	shared := false
	if u := os.Getenv(EnvURL); u != "" {
		e.adminURL = u
		shared = true
	} else if err := e.startCluster(ctx); err != nil {
		return e, err
	}
	cfg, err := pgxpool.ParseConfig(e.adminURL)
	if err != nil {
		return e, fmt.Errorf("%s: %w", EnvURL, err)
	}
	cfg.MaxConns = adminConns
	if e.admin, err = pgxpool.NewWithConfig(ctx, cfg); err != nil {
		return e, err
	}
	if err := e.admin.Ping(ctx); err != nil {
		return e, fmt.Errorf("connect %s: %w", redact(e.adminURL), err)
	}
	e.template = "aci_tpl_" + schemaHash()[:12]
	if err := e.ensureTemplate(ctx, shared); err != nil {
		return e, err
	}
	if e.cluster != nil {
		e.ready, e.stop = make(chan string, 2), make(chan struct{})
		e.wg.Add(1)
		go e.prefetch()
	}
	return e, nil
}

// prefetch clones test databases ahead of need, so that a test's New usually
// finds one ready (CREATE DATABASE takes 100-300 ms here). Throwaway cluster
// only: databases left over at the end go with the cluster.
func (e *env) prefetch() {
	defer e.wg.Done()
	for {
		name := "aci_t_" + randHex(8)
		if _, err := e.admin.Exec(context.Background(), "CREATE DATABASE "+name+" TEMPLATE "+e.template+" OWNER "+OwnerRole); err != nil {
			return // New creates its own and reports the error
		}
		select {
		case e.ready <- name:
		case <-e.stop:
			return
		}
	}
}

// startCluster starts the process's throwaway cluster and its watchdog.
func (e *env) startCluster(ctx context.Context) error {
	dir, err := os.MkdirTemp("", "aci-pgtest-")
	if err != nil {
		return err
	}
	e.tmpDir = dir
	c, err := pgcluster.Ensure(ctx, filepath.Join(dir, "data"), pgcluster.Options{
		Fsync:    false,
		StopMode: "immediate",
		Settings: []string{"shared_buffers=32MB", "max_connections=" + strconv.Itoa(maxConnections()), "jit=off", "max_wal_size=1GB"},
	})
	if err != nil {
		_ = os.RemoveAll(dir)
		return err
	}
	e.cluster = c
	e.adminURL = c.URL("postgres")
	e.startWatchdog()
	return nil
}

// maxConnections is the throwaway cluster's max_connections: at most
// -test.parallel tests (default GOMAXPROCS) run at once in a process, each
// with up to two pools of poolConns (New; or NewURL and the command's own
// pool, which pgxpool sizes max(4, NumCPU) but fills only as far as the test
// is concurrent), plus the harness's pool and a margin. Never below
// PostgreSQL's default of 100.
func maxConnections() int {
	parallel := runtime.GOMAXPROCS(0)
	if f := flag.Lookup("test.parallel"); f != nil {
		if n, err := strconv.Atoi(f.Value.String()); err == nil && n > 0 {
			parallel = n
		}
	}
	return max(100, parallel*2*poolConns+adminConns+10)
}

// watchdogScript waits for the test process to exit, then shuts PostgreSQL
// down (SIGQUIT: immediate) if its data directory is still there, and
// removes the temp dir. Main normally does both first; this covers packages
// without TestMain, panics, os.Exit and kills of the test binary.
const watchdogScript = `
while kill -0 "$1" 2>/dev/null; do sleep 0.5; done
if [ -f "$3/postmaster.pid" ]; then
	kill -QUIT "$2" 2>/dev/null
	i=0
	while kill -0 "$2" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
	kill -KILL "$2" 2>/dev/null
fi
rm -rf "$4"
`

func (e *env) startWatchdog() { e.watchdog = watchdog(e.cluster, e.tmpDir) }

// watchdog starts the watchdog of cluster c, whose directory dir is removed
// once the test process is gone; nil when it could not start.
func watchdog(c *pgcluster.Cluster, dir string) *exec.Cmd {
	pid, err := c.PID()
	if err != nil {
		return nil
	}
	cmd := exec.Command("/bin/sh", "-c", watchdogScript, "pgtest-watchdog",
		strconv.Itoa(os.Getpid()), strconv.Itoa(pid), c.Dir, dir)
	// Own session: a Ctrl-C of the test run does not kill it; no stdio, so it
	// holds no pipe that `go test` waits on.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if cmd.Start() != nil {
		return nil
	}
	return cmd
}

// Watch guards a cluster a test started itself (the fault tests' private
// cluster, which they stop and restart): should the test process die before
// its cleanup, the watchdog shuts the cluster down and removes dir. Call it
// again after each restart (the postmaster's pid changes); the watchdogs end
// with the test.
func Watch(t testing.TB, c *pgcluster.Cluster, dir string) {
	t.Helper()
	if cmd := watchdog(c, dir); cmd != nil {
		t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	}
}

// ensureTemplate creates, migrates, loads and marks the template database,
// unless a complete one (IS_TEMPLATE) with this hash already exists.
func (e *env) ensureTemplate(ctx context.Context, shared bool) error {
	conn, err := e.admin.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	if shared {
		// Serialise concurrent go test processes on the same server. Session
		// lock: released by the unlock below or when the connection closes.
		key := int64(binary.BigEndian.Uint64([]byte(e.template[len(e.template)-8:])))
		if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", key); err != nil {
			return fmt.Errorf("advisory lock: %w", err)
		}
		defer conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", key) //nolint:errcheck
	}
	if err := ensureRoles(ctx, conn); err != nil {
		return err
	}
	var isTemplate bool
	err = conn.QueryRow(ctx, "SELECT datistemplate FROM pg_database WHERE datname = $1", e.template).Scan(&isTemplate)
	switch {
	case err == nil && isTemplate:
		return nil
	case err == nil: // left half-built by a crashed run
		if _, err := conn.Exec(ctx, "DROP DATABASE "+e.template+" WITH (FORCE)"); err != nil {
			return fmt.Errorf("drop incomplete template: %w", err)
		}
	case !errors.Is(err, pgx.ErrNoRows):
		return err
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+e.template+" OWNER "+OwnerRole); err != nil {
		return fmt.Errorf("create template: %w", err)
	}
	u, err := withDatabase(e.adminURL, e.template)
	if err != nil {
		return err
	}
	// As in production: the owner migrates and loads the reference data,
	// then grants the application role what serving needs.
	pool, err := store.OpenOwner(ctx, withUser(u, OwnerRole))
	if err != nil {
		return err
	}
	err = store.Migrate(ctx, pool)
	if err == nil {
		err = refdata.Load(ctx, pool)
		if err != nil {
			err = fmt.Errorf("refdata.Load: %w", err)
		}
	}
	if err == nil {
		err = store.GrantApp(ctx, pool, AppRole)
	}
	pool.Close()
	if err != nil {
		return fmt.Errorf("template %s: %w", e.template, err)
	}
	if _, err := conn.Exec(ctx, "ALTER DATABASE "+e.template+" WITH IS_TEMPLATE true ALLOW_CONNECTIONS false"); err != nil {
		return fmt.Errorf("mark template: %w", err)
	}
	return nil
}

// ensureRoles creates OwnerRole and AppRole when they are missing: LOGIN,
// neither SUPERUSER nor BYPASSRLS (roles belong to the server, not to a
// database: with TEST_DATABASE_URL they are created once and kept).
func ensureRoles(ctx context.Context, conn *pgxpool.Conn) error {
	for _, r := range []string{OwnerRole, AppRole} {
		var exists bool
		if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)", r).Scan(&exists); err != nil {
			return err
		}
		if exists {
			continue
		}
		if _, err := conn.Exec(ctx, "CREATE ROLE "+r+" LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE"); err != nil {
			return fmt.Errorf("create role %s (%s needs a superuser or a role with CREATEROLE): %w", r, EnvURL, err)
		}
	}
	return nil
}

// schemaHash is the SHA-256 of every migration (name and content) and of the
// embedded reference data's checksum.
func schemaHash() string {
	h := sha256.New()
	var names []string
	_ = fs.WalkDir(migrations.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			names = append(names, p)
		}
		return nil
	})
	sort.Strings(names)
	for _, n := range names {
		b, _ := fs.ReadFile(migrations.FS, n)
		fmt.Fprintf(h, "%s\x00%d\x00", n, len(b))
		h.Write(b)
	}
	fmt.Fprintf(h, "refdata\x00%s\x00", refdata.Source().SHA256)
	return hex.EncodeToString(h.Sum(nil))
}

// withDatabase returns the connection string u pointed at database name
// (URL or keyword/value form).
func withDatabase(u, name string) (string, error) {
	if strings.HasPrefix(u, "postgres://") || strings.HasPrefix(u, "postgresql://") {
		p, err := url.Parse(u)
		if err != nil {
			return "", err
		}
		p.Path = "/" + name
		p.RawPath = ""
		return p.String(), nil
	}
	return u + " dbname=" + name, nil // the last dbname wins
}

// withUser returns the connection string u with user name (URL or
// keyword/value form).
func withUser(u, name string) string {
	if strings.HasPrefix(u, "postgres://") || strings.HasPrefix(u, "postgresql://") {
		if p, err := url.Parse(u); err == nil {
			p.User = url.User(name)
			return p.String()
		}
	}
	return u + " user=" + name // the last user wins
}

func redact(u string) string {
	if p, err := url.Parse(u); err == nil && p.User != nil {
		return p.Redacted()
	}
	return "(" + EnvURL + ")"
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
