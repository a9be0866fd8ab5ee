// Package store is Portail ACI's PostgreSQL layer (pgx v5). Every query that
// reads tenant data takes a Scope (scope.go) and adds its predicate; nothing
// outside this package writes SQL.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/migrations"
)

// Store wraps the connection pool and the collaborators the store calls
// (Options). Build it with New or Open.
type Store struct {
	Pool           *pgxpool.Pool
	clock          func() time.Time
	renderContract func(ctx context.Context, termsJSON []byte) (string, error)
	storageQuota   int64 // Options.StorageQuota
}

// Options are the store's collaborators; every field is required but
// StorageQuota.
type Options struct {
	// Clock is the wall clock (the system clock in production, a test clock in
	// tests): the store reads it only where a caller gives no time.
	Clock func() time.Time
	// RenderContract turns a contract's frozen terms (the JSON of
	// ContractTerms) into its HTML document, whose SHA-256 the parties sign.
	// The store never imports templates: cmd and the
	// tests pass templ's pages.RenderContractDocument.
	RenderContract func(ctx context.Context, termsJSON []byte) (string, error)
	// StorageQuota is the bytes of uploaded files the dossiers of one
	// structure may hold (quota.go); optional: 0 means DefaultStorageQuota.
	StorageQuota int64
	// ConnectTimeout bounds the opening of one connection by Open (0: pgx's
	// default, none). StatementTimeout is PostgreSQL's statement_timeout on
	// every connection Open makes (0: the server's setting). Both are
	// optional; New ignores them (its pool is already configured).
	ConnectTimeout   time.Duration
	StatementTimeout time.Duration
	// ReadOnly makes every transaction of the connections Open makes
	// read-only (default_transaction_read_only): the store of a read
	// replica, for the reports (docs/rules.md §40). A write through it
	// fails, on a replica and on the primary alike, so the tests, which open
	// it on the primary's database, catch a report that writes. Optional;
	// New ignores it.
	ReadOnly bool
}

// New returns a store on pool with the collaborators of o. A missing
// collaborator is a programming error: New panics.
func New(pool *pgxpool.Pool, o Options) *Store {
	if pool == nil || o.Clock == nil || o.RenderContract == nil {
		panic("store.New: pool, Options.Clock and Options.RenderContract are required")
	}
	return &Store{Pool: pool, clock: o.Clock, renderContract: o.RenderContract, storageQuota: o.StorageQuota}
}

// now is the store's clock, truncated to PostgreSQL's precision.
func (s *Store) now() time.Time { return s.clock().Truncate(time.Microsecond) }

// Open connects to PostgreSQL, checks the connection and returns New(pool, o).
func Open(ctx context.Context, url string, o Options) (*Store, error) {
	if o.Clock == nil || o.RenderContract == nil {
		return nil, errors.New("store.Open: Options.Clock and Options.RenderContract are required")
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("store.Open: %w", err)
	}
	if o.ConnectTimeout > 0 {
		cfg.ConnConfig.ConnectTimeout = o.ConnectTimeout
	}
	// No JIT compilation: the application's statements are short and run
	// thousands of times; at national volume the planner's cost estimates
	// (a lateral sum per CPTS, a scope predicate per row) cross
	// jit_above_cost and PostgreSQL then spends 150 to 200 ms compiling each
	// of them, far more than it would take to run them (docs/rules.md §35).
	cfg.ConnConfig.RuntimeParams["jit"] = "off"
	// Generic plans: under row-level security every statement carries the
	// policies of each table it reads, and planning them again for each
	// execution (PostgreSQL's custom plans, its default for the first runs
	// and whenever they look cheaper) cost 20 to 30 ms a statement on the
	// national data, more than running it; a prepared statement is planned
	// once per connection (docs/rules.md §35).
	cfg.ConnConfig.RuntimeParams["plan_cache_mode"] = "force_generic_plan"
	if o.StatementTimeout > 0 {
		cfg.ConnConfig.RuntimeParams["statement_timeout"] = strconv.FormatInt(o.StatementTimeout.Milliseconds(), 10)
	}
	if o.ReadOnly {
		cfg.ConnConfig.RuntimeParams["default_transaction_read_only"] = "on"
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("store.Open: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("store.Open: ping: %w", err)
	}
	return New(pool, o), nil
}

// Close closes the pool.
func (s *Store) Close() { s.Pool.Close() }

// Ping checks that the database answers (for /healthz).
func (s *Store) Ping(ctx context.Context) error { return s.Pool.Ping(ctx) }

func provider(pool *pgxpool.Pool, opts ...goose.ProviderOption) (*goose.Provider, *sql.DB, error) {
	db := stdlib.OpenDBFromPool(pool)
	sub, err := fs.Sub(migrations.FS, ".")
	if err != nil {
		return nil, nil, err
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db, sub, opts...)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return p, db, nil
}

// Migrate applies every pending migration. It holds goose's advisory lock
// meanwhile: several instances started at once, each running `aci migrate`
// first, take turns — the first applies the migrations, the others wait (up
// to 10 minutes, polling every second) and find none left (docs/rules.md §40).
func Migrate(ctx context.Context, pool *pgxpool.Pool) error {
	locker, err := lock.NewPostgresSessionLocker(lock.WithLockTimeout(1, 600))
	if err != nil {
		return fmt.Errorf("store.Migrate: %w", err)
	}
	p, db, err := provider(pool, goose.WithSessionLocker(locker))
	if err != nil {
		return fmt.Errorf("store.Migrate: %w", err)
	}
	defer db.Close()
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("store.Migrate: %w", err)
	}
	return nil
}

// Pending lists the migrations not yet applied (aci serve refuses to start
// while there are some).
func Pending(ctx context.Context, pool *pgxpool.Pool) ([]string, error) {
	p, db, err := provider(pool)
	if err != nil {
		return nil, fmt.Errorf("store.Pending: %w", err)
	}
	defer db.Close()
	st, err := p.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("store.Pending: %w", err)
	}
	var out []string
	for _, s := range st {
		if s.State == goose.StatePending {
			out = append(out, s.Source.Path)
		}
	}
	return out, nil
}

// tx runs fn in one transaction under sc's row-level security settings
// (rls.go), committed when fn returns nil.
func (s *Store) tx(ctx context.Context, sc Scope, fn func(tx pgx.Tx) error) error {
	return s.db(sc).tx(ctx, pgx.TxOptions{}, fn)
}

// sysTx is tx for the system paths (jobs, login, sessions, seed, admin
// commands: docs/rules.md §36).
func (s *Store) sysTx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	return s.sys().tx(ctx, pgx.TxOptions{}, fn)
}

// pgError maps PostgreSQL errors to domain errors where they mean something to
// users; origin prefixes the message of wrapped internal errors.
func pgError(origin string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return domain.Errorf(domain.ENotFound, "introuvable")
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23505":
			return &domain.Error{Code: domain.EConflict, Message: "cet élément existe déjà"}
		case "40001", "40P01":
			return &domain.Error{Code: domain.EConflict, Message: "opération concurrente : réessayez"}
		}
	}
	var de *domain.Error
	if errors.As(err, &de) {
		return err
	}
	return fmt.Errorf("%s: %w", origin, err)
}
