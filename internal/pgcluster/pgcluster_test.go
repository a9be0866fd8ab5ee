package pgcluster

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

func TestEnsureReuseStop(t *testing.T) {
	ctx := context.Background()
	base := t.TempDir()
	for _, d := range []string{filepath.Dir(base), base} { // reachable by the postgres user when root
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	data := filepath.Join(base, "pg", "data")

	t0 := time.Now()
	c, err := Ensure(ctx, data, Options{StopMode: "immediate", Settings: []string{"shared_buffers=32MB"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("initdb + start: %v (bins %s, socket %s)", time.Since(t0), c.BinDir, c.SocketDir)
	t.Cleanup(func() { _ = c.ForceStop() })
	if !c.Started() {
		t.Fatal("first Ensure: Started() = false")
	}
	pid, err := c.PID()
	if err != nil {
		t.Fatal(err)
	}

	t1 := time.Now()
	conn, err := pgx.Connect(ctx, c.URL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	var one int
	var fsync string
	if err := conn.QueryRow(ctx, "SELECT 1, current_setting('fsync')").Scan(&one, &fsync); err != nil {
		t.Fatal(err)
	}
	conn.Close(ctx)
	t.Logf("connect + query: %v", time.Since(t1))
	if fsync != "off" {
		t.Errorf("fsync = %q, want off", fsync)
	}

	// A second Ensure finds it running and does not own it.
	c2, err := Ensure(ctx, data, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if c2.Started() {
		t.Error("second Ensure: Started() = true, want reuse")
	}
	if c2.SocketDir != c.SocketDir || c2.Port != c.Port {
		t.Errorf("second Ensure: socket %s:%d, want %s:%d", c2.SocketDir, c2.Port, c.SocketDir, c.Port)
	}
	if err := c2.Stop(); err != nil {
		t.Fatal(err)
	}
	if run, err := c.Running(ctx); err != nil || !run {
		t.Fatalf("after Stop of a reused cluster: running=%v err=%v, want still running", run, err)
	}

	if err := c.EnsureDatabase(ctx, "aci"); err != nil {
		t.Fatal(err)
	}
	if err := c.EnsureDatabase(ctx, "aci"); err != nil {
		t.Fatalf("EnsureDatabase twice: %v", err)
	}
	conn, err = pgx.Connect(ctx, c.URL("aci"))
	if err != nil {
		t.Fatal(err)
	}
	conn.Close(ctx)
	// The application role: created once, bound by row-level security.
	for range 2 {
		if err := c.EnsureRole(ctx, AppRole); err != nil {
			t.Fatalf("EnsureRole: %v", err)
		}
	}
	app, err := pgx.Connect(ctx, c.URLAs("aci", AppRole))
	if err != nil {
		t.Fatal(err)
	}
	var super, bypass bool
	if err := app.QueryRow(ctx, `SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user`).Scan(&super, &bypass); err != nil || super || bypass {
		t.Errorf("%s: superuser %v, bypassrls %v (%v)", AppRole, super, bypass, err)
	}
	app.Close(ctx)

	t2 := time.Now()
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	t.Logf("stop: %v", time.Since(t2))
	if _, err := os.Stat(filepath.Join(data, "postmaster.pid")); !os.IsNotExist(err) {
		t.Errorf("postmaster.pid after Stop: %v", err)
	}
	if run, err := c.Running(ctx); err != nil || run {
		t.Errorf("after Stop: running=%v err=%v", run, err)
	}
	if alive(pid) {
		t.Errorf("postmaster %d still alive after Stop", pid)
	}

	// Restart of an existing cluster: no initdb.
	t3 := time.Now()
	c3, err := Ensure(ctx, data, Options{StopMode: "immediate"})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("restart existing: %v", time.Since(t3))
	if !c3.Started() {
		t.Error("restart: Started() = false")
	}
	if err := c3.Stop(); err != nil {
		t.Fatal(err)
	}
}

func TestEnsureNotADataDir(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "x"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Ensure(context.Background(), dir, Options{}); err == nil {
		t.Fatal("Ensure on a non-empty non-cluster dir: want error")
	}
}

func TestFindBinDirMissing(t *testing.T) {
	if _, err := findBinDir(t.TempDir(), ""); err == nil {
		t.Fatal("want error for a BinDir without binaries")
	}
}

func TestDefaultSocketDirShort(t *testing.T) {
	long := filepath.Join("/tmp", "a-very-long-directory-name-that-goes-on-and-on-and-on", "and-on-and-on-and-on-still", "data")
	s := defaultSocketDir(long)
	if len(s)+len("/.s.PGSQL.5432") >= 107 {
		t.Fatalf("socket dir %s too long", s)
	}
	if got := defaultSocketDir("/x/pg"); got != "/x/pg.sock" {
		t.Fatalf("got %s", got)
	}
}

// alive reports whether pid is a live process (a zombie waiting for PID 1 to
// reap it counts as dead).
func alive(pid int) bool {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return false
	}
	_, rest, _ := strings.Cut(string(b), ") ")
	return !strings.HasPrefix(rest, "Z") && !strings.HasPrefix(rest, "X")
}

// TestDevdbFlow is what `aci devdb` does: a persistent cluster in
// .data/postgres relative to the working directory, fsync on, database aci.
func TestDevdbFlow(t *testing.T) {
	ctx := context.Background()
	base := t.TempDir()
	for _, d := range []string{filepath.Dir(base), base} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(base)
	if err := os.Mkdir(".data", 0o700); err != nil { // as a umask 077 would make it
		t.Fatal(err)
	}
	t0 := time.Now()
	c, err := Ensure(ctx, ".data/postgres", Options{Fsync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.ForceStop() })
	t.Logf("devdb first start (initdb with sync): %v, socket %s", time.Since(t0), c.SocketDir)
	if err := c.EnsureDatabase(ctx, "aci"); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, c.URL("aci"))
	if err != nil {
		t.Fatal(err)
	}
	var fsync string
	if err := conn.QueryRow(ctx, "SELECT current_setting('fsync')").Scan(&fsync); err != nil || fsync != "on" {
		t.Errorf("fsync = %q (%v), want on", fsync, err)
	}
	if _, err := conn.Exec(ctx, "CREATE TABLE kept (i int); INSERT INTO kept VALUES (42)"); err != nil {
		t.Fatal(err)
	}
	conn.Close(ctx)
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}

	c, err = Ensure(ctx, ".data/postgres", Options{Fsync: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.EnsureDatabase(ctx, "aci"); err != nil {
		t.Fatal(err)
	}
	conn, err = pgx.Connect(ctx, c.URL("aci"))
	if err != nil {
		t.Fatal(err)
	}
	var i int
	if err := conn.QueryRow(ctx, "SELECT i FROM kept").Scan(&i); err != nil || i != 42 {
		t.Errorf("after restart: i=%d err=%v", i, err)
	}
	conn.Close(ctx)
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
}

// TestPlaceUnreachable: as root, a data directory under a directory the
// postgres user cannot enter (a clone under /root) is placed under the
// fallback base, stably; a reachable one stays where it is.
func TestPlaceUnreachable(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Log("not root: PostgreSQL runs as ourselves and every directory we use is reachable")
		dir, moved, err := Place(filepath.Join(t.TempDir(), "postgres"))
		if err != nil || moved || !filepath.IsAbs(dir) {
			t.Fatalf("Place: %q %v %v", dir, moved, err)
		}
		return
	}
	base := t.TempDir()
	closed := filepath.Join(base, "home")
	if err := os.MkdirAll(filepath.Join(closed, "clone", ".data"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{filepath.Dir(base), base} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(closed, 0o700); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(closed, "clone", ".data", "postgres")
	fallback := filepath.Join(base, "fallback")
	dir, moved, err := place(data, fallback)
	if err != nil || !moved || !strings.HasPrefix(dir, fallback+"/") || filepath.Base(dir) != "postgres" {
		t.Fatalf("unreachable: %q %v %v", dir, moved, err)
	}
	again, _, _ := place(data, fallback)
	if again != dir {
		t.Fatalf("not stable: %q then %q", dir, again)
	}
	if err := os.Chmod(closed, 0o755); err != nil {
		t.Fatal(err)
	}
	if dir, moved, err := place(data, fallback); err != nil || moved || dir != data {
		t.Fatalf("reachable: %q %v %v", dir, moved, err)
	}
}
