package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/portail-aci/aci/internal/store"
	"github.com/portail-aci/aci/internal/store/pgtest"
)

// A store opened ReadOnly (the reports' store on a read replica,
// docs/rules.md §40) reads, and refuses every write as a replica would —
// here on an ordinary database, as the tests use it.
func TestReadOnlyStoreRefusesWrites(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := pgtest.NewURL(t)
	o := pgtest.Options(time.Now)
	o.ReadOnly = true
	ro, err := store.Open(ctx, url, o)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	rw, err := store.Open(ctx, url, pgtest.Options(time.Now))
	if err != nil {
		t.Fatal(err)
	}
	defer rw.Close()

	if regions, err := ro.Regions(ctx); err != nil || len(regions) == 0 {
		t.Fatalf("read through the read-only store: %d regions, %v", len(regions), err)
	}
	err = ro.RecordLoginAttempt(ctx, "lecture@exemple.fr", "192.0.2.1", false, time.Now())
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "25006" { // read_only_sql_transaction
		t.Fatalf("write through the read-only store: %v, want PostgreSQL's read-only refusal", err)
	}
	// The same write through the ordinary store succeeds: the refusal is the
	// store's setting, not the database's.
	if err := rw.RecordLoginAttempt(ctx, "lecture@exemple.fr", "192.0.2.1", false, time.Now()); err != nil {
		t.Fatal(err)
	}
}
