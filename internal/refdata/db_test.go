package refdata

// PostgreSQL for this package's tests. The shared harness
// internal/store/pgtest cannot be used here: it loads the reference data
// into its template with this package, so its template would already hold
// what these tests load. Instead: TEST_DATABASE_URL when set, otherwise one
// throwaway cluster started with internal/pgcluster (the same code as the
// harness: binaries found on PATH or in Debian's versioned directories, run as
// the postgres user when root, unix socket only, fsync off); each test gets
// a fresh database with the migrations applied.

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/portail-aci/aci/internal/pgcluster"
	"github.com/portail-aci/aci/internal/store"
)

var (
	clusterOnce sync.Once
	clusterURL  string
	clusterErr  error
	cluster     *pgcluster.Cluster
	clusterDir  string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if cluster != nil {
		_ = cluster.ForceStop()
		_ = os.RemoveAll(clusterDir)
	}
	os.Exit(code)
}

func serverURL(t testing.TB) string {
	t.Helper()
	if u := os.Getenv("TEST_DATABASE_URL"); u != "" {
		return u
	}
	clusterOnce.Do(func() {
		clusterDir, clusterErr = os.MkdirTemp("", "refdata-pg-")
		if clusterErr != nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		cluster, clusterErr = pgcluster.Ensure(ctx, filepath.Join(clusterDir, "data"), pgcluster.Options{})
		if clusterErr == nil {
			clusterURL = cluster.URL("postgres")
		}
	})
	if clusterErr != nil {
		t.Fatalf("refdata tests: no PostgreSQL: %v", clusterErr)
	}
	return clusterURL
}

// testPool returns a pool on a fresh, migrated database of its own (the
// tests write stale rows and a table of their own), dropped afterwards.
func testPool(t testing.TB) *pgxpool.Pool {
	t.Helper()
	ctx := context.Background()
	url := serverURL(t)
	admin, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("refdata_test_%d_%d", os.Getpid(), time.Now().UnixNano())
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = admin.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		admin.Close(context.Background())
	})
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	cfg.ConnConfig.Database = name
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	if err := store.Migrate(ctx, pool); err != nil {
		t.Fatal(err)
	}
	return pool
}

// BenchmarkLoad measures the first load of the national reference data
// (régions, départements, EPCI, 34 875 communes) into an empty migrated
// database — the target is "well under 5 s".
func BenchmarkLoad(b *testing.B) {
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		pool := testPool(b)
		b.StartTimer()
		if err := Load(ctx, pool); err != nil {
			b.Fatal(err)
		}
	}
}
