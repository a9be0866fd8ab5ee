package store_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/portail-aci/aci/internal/store"
	"github.com/portail-aci/aci/internal/store/pgtest"
)

// Several instances started at once each run `aci migrate` first (the
// image's command, docker-compose's "scale" profile): on an empty database
// they must not collide — one applies the migrations, the others wait for it
// and find nothing left to do (docs/rules.md §40).
func TestConcurrentMigrations(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	// The harness's superuser creates the empty database and migrates it
	// (the application role may not create databases: docs/rules.md §36).
	admin := pgtest.Bypass(t, pgtest.Store(t, time.Now), time.Now).Pool
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "aci_mig_" + hex.EncodeToString(b)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = admin.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)") })
	var pools [3]*pgxpool.Pool
	for i := range pools {
		cfg := admin.Config()
		cfg.ConnConfig.Database = name
		p, err := pgxpool.NewWithConfig(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		pools[i] = p
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	errs := make([]error, len(pools))
	var wg sync.WaitGroup
	for i, p := range pools {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = store.Migrate(ctx, p) }()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("migration %d of %d run at once: %v", i+1, len(pools), err)
		}
	}
	if pending, err := store.Pending(ctx, pools[0]); err != nil || len(pending) != 0 {
		t.Fatalf("after the concurrent migrations: pending %v, %v", pending, err)
	}
}
