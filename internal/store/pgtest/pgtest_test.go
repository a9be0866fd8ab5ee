package pgtest

import (
	"context"
	"testing"
	"time"

	"github.com/portail-aci/aci/internal/store"
)

func TestMain(m *testing.M) { Main(m) }

// TestFirstPool runs first (file order) and reports the cost of the first
// database of a process: cluster start, template, clone.
func TestFirstPool(t *testing.T) {
	t0 := time.Now()
	pool := New(t)
	t.Logf("first pool: %v", time.Since(t0))
	if err := pool.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestDistinctDatabases(t *testing.T) {
	ctx := context.Background()
	a, b := New(t), New(t)
	var na, nb string
	if err := a.QueryRow(ctx, "SELECT current_database()").Scan(&na); err != nil {
		t.Fatal(err)
	}
	if err := b.QueryRow(ctx, "SELECT current_database()").Scan(&nb); err != nil {
		t.Fatal(err)
	}
	if na == nb {
		t.Fatalf("both pools on %s", na)
	}
	if _, err := a.Exec(ctx, "INSERT INTO regions (code, nom) VALUES ('ZZ', 'Nulle part')"); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := b.QueryRow(ctx, "SELECT count(*) FROM regions WHERE code = 'ZZ'").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("row written in %s is visible in %s", na, nb)
	}
	if err := a.QueryRow(ctx, "SELECT count(*) FROM regions WHERE code = 'ZZ'").Scan(&n); err != nil || n != 1 {
		t.Fatalf("row not in its own database: n=%d err=%v", n, err)
	}
}

func TestMigratedClone(t *testing.T) {
	ctx := context.Background()
	pool := New(t)
	for _, table := range []string{"regions", "departements", "organisations", "organisation_departements", "users"} {
		var ok bool
		if err := pool.QueryRow(ctx, "SELECT to_regclass($1) IS NOT NULL", "public."+table).Scan(&ok); err != nil {
			t.Fatal(err)
		}
		if !ok {
			t.Errorf("table %s missing in the clone", table)
		}
	}
	var regions int
	if err := pool.QueryRow(ctx, "SELECT count(*) FROM regions").Scan(&regions); err != nil {
		t.Fatal(err)
	}
	t.Logf("regions loaded by refdata: %d", regions)
}

func TestParallelDatabases(t *testing.T) {
	for i := range 4 {
		t.Run("", func(t *testing.T) {
			t.Parallel()
			owner := Owner(t, store.New(New(t), Options(time.Now))) // the application role creates nothing
			if _, err := owner.Exec(context.Background(), "CREATE TABLE only_here (i int)"); err != nil {
				t.Fatalf("%d: %v", i, err)
			}
		})
	}
}

// TestConcurrentClones: more clones of the template at once than
// -test.parallel allows tests (so it holds on any machine), while the
// prefetch clones too. PostgreSQL refuses a clone while a session is
// connected to the template; none may be (ALLOW_CONNECTIONS false).
func TestConcurrentClones(t *testing.T) {
	New(t) // template ready
	e, err := get()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	const n = adminConns
	errs := make(chan error, n)
	for range n {
		go func() {
			name := "aci_t_" + randHex(8)
			_, err := e.admin.Exec(ctx, "CREATE DATABASE "+name+" TEMPLATE "+e.template)
			if err == nil {
				_, err = e.admin.Exec(ctx, "DROP DATABASE "+name)
			}
			errs <- err
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	var allow bool
	if err := e.admin.QueryRow(ctx, "SELECT datallowconn FROM pg_database WHERE datname = $1", e.template).Scan(&allow); err != nil || allow {
		t.Fatalf("template %s accepts connections (%v, %v): parallel tests would collide on it", e.template, allow, err)
	}
}

// TestMaxConnections: the throwaway cluster runs with maxConnections, which
// admits the pools of -test.parallel tests.
func TestMaxConnections(t *testing.T) {
	pool := New(t)
	var maxConns int
	if err := pool.QueryRow(context.Background(), "SELECT current_setting('max_connections')::int").Scan(&maxConns); err != nil {
		t.Fatal(err)
	}
	e, _ := get()
	if e.cluster != nil && maxConns != maxConnections() {
		t.Errorf("max_connections = %d, want %d", maxConns, maxConnections())
	}
}

func TestWithDatabase(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"postgres://u:p@h:5432/postgres?sslmode=disable", "postgres://u:p@h:5432/x?sslmode=disable"},
		{"postgres://postgres@/postgres?host=%2Ftmp%2Fs&port=5432", "postgres://postgres@/x?host=%2Ftmp%2Fs&port=5432"},
		{"host=/tmp dbname=postgres", "host=/tmp dbname=postgres dbname=x"},
	} {
		got, err := withDatabase(c.in, "x")
		if err != nil || got != c.want {
			t.Errorf("withDatabase(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
}

// TestTimePerDatabase reports the cost of one more database: CREATE DATABASE
// from the template, pool, first query, close, DROP.
func TestTimePerDatabase(t *testing.T) {
	New(t) // template ready
	const n = 10
	t0 := time.Now()
	for range n {
		t.Run("", func(t *testing.T) {
			var one int
			if err := New(t).QueryRow(context.Background(), "SELECT 1").Scan(&one); err != nil {
				t.Fatal(err)
			}
		})
	}
	t.Logf("per extra database (create + connect + query + drop): %v", time.Since(t0)/n)
}
