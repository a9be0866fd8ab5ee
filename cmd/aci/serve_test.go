package main

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/portail-aci/aci/internal/store"
	"github.com/portail-aci/aci/internal/store/pgtest"
)

// TestMain runs the tests, or, when the fault tests start this binary as
// their server process (childEnv), runs `aci serve` as main does: the same
// run function, a real process they can kill -9 or stop.
func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "serve" {
		serveChild()
	}
	pgtest.Main(m)
}

// aci serve refuses to start on a schema with pending migrations, and names
// them.
func TestServeRefusesPendingMigrations(t *testing.T) {
	t.Parallel() // its own database
	ctx := context.Background()
	url := pgtest.NewURL(t)
	st, err := store.Open(ctx, url, pgtest.Options(time.Now))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	// Pretend the newest migration was never applied.
	if _, err := pgtest.Owner(t, st).Exec(ctx, `DELETE FROM goose_db_version
		WHERE version_id = (SELECT max(version_id) FROM goose_db_version)`); err != nil {
		t.Fatal(err)
	}
	pending, err := store.Pending(ctx, st.Pool)
	if err != nil || len(pending) != 1 {
		t.Fatalf("pending: %v %v", pending, err)
	}
	_, _, err = runArgs(t, map[string]string{"DATABASE_URL": url, "ADDR": "127.0.0.1:0"}, "serve")
	if err == nil || !strings.Contains(err.Error(), "migrations en attente") || !strings.Contains(err.Error(), pending[0]) {
		t.Fatalf("serve with pending %v: %v", pending, err)
	}
}
