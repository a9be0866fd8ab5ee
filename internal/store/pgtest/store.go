package pgtest

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/portail-aci/aci/internal/store"
	"github.com/portail-aci/aci/templates/pages"
)

// Options are the store collaborators of production for clock (required:
// the test clock, or the wall clock passed by the test itself): the templ
// contract document (the same bytes production signs).
func Options(clock func() time.Time) store.Options {
	return store.Options{Clock: clock, RenderContract: pages.RenderContractDocument}
}

// Store is a store on a fresh test database (New, as AppRole: under
// row-level security) with the collaborators of production (Options) and
// the test's clock.
func Store(t testing.TB, clock func() time.Time) *store.Store {
	t.Helper()
	return store.New(New(t), Options(clock))
}

// StoreTraced is Store with tracer on the pool's connections (NewTraced).
func StoreTraced(t testing.TB, clock func() time.Time, tracer pgx.QueryTracer) *store.Store {
	t.Helper()
	return store.New(NewTraced(t, tracer), Options(clock))
}

// Owner returns a pool on st's database as OwnerRole, whose sessions run as
// the system (store.OwnerConfig): for the raw SQL of test fixtures (stale
// rows, forced dates, counts across tenants), which the application role's
// row-level security would otherwise filter. One pool per database, closed
// in t.Cleanup of the first call.
func Owner(t testing.TB, st *store.Store) *pgxpool.Pool {
	t.Helper()
	e, err := get()
	if err != nil {
		t.Fatalf("pgtest.Owner: %v", err)
	}
	owners := &e.owners
	if p, ok := owners.Load(st.Pool); ok {
		return p.(*pgxpool.Pool)
	}
	cfg := st.Pool.Config().Copy()
	cfg.ConnConfig.User = OwnerRole
	store.OwnerConfig(cfg.ConnConfig)
	cfg.MaxConns = 2
	cfg.ConnConfig.Tracer = nil // the query budgets count the application's statements only
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	p, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatalf("pgtest.Owner: %v", err)
	}
	if prev, loaded := owners.LoadOrStore(st.Pool, p); loaded {
		p.Close()
		return prev.(*pgxpool.Pool)
	}
	app := st.Pool
	t.Cleanup(func() {
		owners.Delete(app)
		p.Close()
	})
	return p
}

// Outbox returns the newest e-mails of st's outbox for address to ("" for
// all), at most limit: what the tests check the notifiers wrote.
func Outbox(t testing.TB, st *store.Store, to string, limit int) []store.OutboxMail {
	t.Helper()
	rows, err := Owner(t, st).Query(context.Background(), `SELECT id, to_email, subject, body, digest, attempts, last_error, sent_at, logged_at
		FROM outbox WHERE $1 = '' OR to_email = $1 ORDER BY id DESC LIMIT $2`, store.NormalizeEmail(to), limit)
	if err != nil {
		t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.OutboxMail, error) {
		var m store.OutboxMail
		return m, r.Scan(&m.ID, &m.To, &m.Subject, &m.Body, &m.Digest, &m.Attempts, &m.LastError, &m.SentAt, &m.LoggedAt)
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// ReadOnly is a second store on st's database whose every transaction is
// read-only (store.Options.ReadOnly), as the reports' store on a read
// replica: the tests give it to the server as its reports store, so a report
// that writes fails there as it would on a replica (docs/rules.md §40). Its
// pool has the same settings as st's (the query tracer included); it is
// closed at the end of t.
func ReadOnly(t testing.TB, st *store.Store, clock func() time.Time) *store.Store {
	t.Helper()
	cfg := st.Pool.Config()
	cfg.ConnConfig.RuntimeParams["default_transaction_read_only"] = "on"
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(pool.Close)
	return store.New(pool, Options(clock))
}

// Bypass is a store on st's database as the harness's own superuser role,
// which row-level security does not bind: only for the benchmarks that
// measure what the policies cost (a store under the application role
// against the same store without them). The store is closed in t.Cleanup.
func Bypass(t testing.TB, st *store.Store, clock func() time.Time) *store.Store {
	t.Helper()
	e, err := get()
	if err != nil {
		t.Fatalf("pgtest.Bypass: %v", err)
	}
	admin, err := pgx.ParseConfig(e.adminURL)
	if err != nil {
		t.Fatalf("pgtest.Bypass: %v", err)
	}
	cfg := st.Pool.Config().Copy()
	cfg.ConnConfig.User, cfg.ConnConfig.Password = admin.User, admin.Password
	cfg.ConnConfig.Tracer = nil
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	p, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatalf("pgtest.Bypass: %v", err)
	}
	t.Cleanup(p.Close)
	return store.New(p, Options(clock))
}
