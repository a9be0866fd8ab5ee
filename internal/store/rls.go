package store

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/portail-aci/aci/internal/domain"
)

// Row-level security, the second wall behind Scope (docs/rules.md §36).
// Every statement the store sends runs with four transaction-local settings
// that the policies of migration 00110 read:
//
//	aci.kind    structure, cpam, ars, dcgdr, national — or system
//	aci.org     the active organisation's id
//	aci.deps    a CPAM's départements, comma-separated
//	aci.region  an ARS's or a DCGDR's region
//
// They are set with set_config(name, value, true): local to the transaction,
// so a pooled connection never carries one user's settings to the next.
// A statement outside a transaction is sent as a pgx batch (set_config, then
// the statement): one pipeline ending in one Sync, which PostgreSQL runs as
// one implicit transaction, so the settings apply without an extra round
// trip. A transaction (tx, sysTx, BeginTx) sends its BEGIN and set_config in
// one pipeline too. No setting (an invalid scope) means no row.

// setConfigSQL sets the four settings of rlsSettings, transaction-local.
const setConfigSQL = `SELECT set_config('aci.kind', $1, true), set_config('aci.org', $2, true),
	set_config('aci.deps', $3, true), set_config('aci.region', $4, true)`

// kindSystem is aci.kind of the system paths: jobs, login and sessions,
// seed, the admin commands, the e-mail outbox (docs/rules.md §36).
const kindSystem = "system"

// rlsSettings are the values of aci.kind, aci.org, aci.deps and aci.region.
type rlsSettings [4]string

// settings are sc's row-level security settings: empty (no row visible)
// when sc names no valid membership, as Scope's predicates are FALSE then.
func (sc Scope) settings() rlsSettings {
	if !sc.Valid() {
		return rlsSettings{}
	}
	var set rlsSettings
	set[0] = string(sc.Kind)
	set[1] = strconv.FormatInt(sc.OrgID, 10)
	switch sc.Kind {
	case domain.OrgCPAM:
		set[2] = strings.Join(sc.Departements, ",")
	case domain.OrgARS, domain.OrgDCGDR:
		set[3] = sc.Region
	}
	return set
}

func (set rlsSettings) args() []any { return []any{set[0], set[1], set[2], set[3]} }

// rlsDB sends statements on the pool under one set of settings: the
// store's Query, QueryRow, Exec and SendBatch, as s.db(sc) or s.sys().
type rlsDB struct {
	pool *pgxpool.Pool
	set  rlsSettings
}

// db is the rlsDB of statements run for sc.
func (s *Store) db(sc Scope) rlsDB { return rlsDB{pool: s.Pool, set: sc.settings()} }

// sys is the rlsDB of the system paths (kindSystem).
func (s *Store) sys() rlsDB { return rlsDB{pool: s.Pool, set: rlsSettings{kindSystem}} }

// batch sends set_config, then the statements of b, in one pipeline, and
// reads set_config's result. A batch that opens its own read-only snapshot
// (beginSnapshot first) gets set_config right after its BEGIN: the
// isolation level must be set before the transaction's first query.
func (q rlsDB) batch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	at := 0
	if len(b.QueuedQueries) > 0 && b.QueuedQueries[0].SQL == beginSnapshot {
		at = 1
	}
	b.QueuedQueries = slices.Insert(b.QueuedQueries, at, &pgx.QueuedQuery{SQL: setConfigSQL, Arguments: q.set.args()})
	br := q.pool.SendBatch(ctx, b)
	for range at + 1 {
		if _, err := br.Exec(); err != nil {
			_ = br.Close()
			return failedBatch{br, err}
		}
	}
	return br
}

// SendBatch is pgxpool's SendBatch under q's settings.
func (q rlsDB) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults { return q.batch(ctx, b) }

// Exec is pgxpool's Exec under q's settings.
func (q rlsDB) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	b := &pgx.Batch{}
	b.Queue(sql, args...)
	br := q.batch(ctx, b)
	tag, err := br.Exec()
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	return tag, err
}

// Query is pgxpool's Query under q's settings; the batch ends with the rows
// (Close, or Next returning false).
func (q rlsDB) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	b := &pgx.Batch{}
	b.Queue(sql, args...)
	br := q.batch(ctx, b)
	rows, err := br.Query()
	if err != nil {
		_ = br.Close()
		return nil, err
	}
	return &batchRows{Rows: rows, br: br}, nil
}

// QueryRow is pgxpool's QueryRow under q's settings.
func (q rlsDB) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	b := &pgx.Batch{}
	b.Queue(sql, args...)
	br := q.batch(ctx, b)
	return batchRow{row: br.QueryRow(), br: br}
}

// tx runs fn in one transaction under q's settings, committed when fn
// returns nil (pgx.BeginTxFunc).
func (q rlsDB) tx(ctx context.Context, opts pgx.TxOptions, fn func(tx pgx.Tx) error) error {
	return pgx.BeginTxFunc(ctx, q, opts, fn)
}

// BeginTx opens a transaction and sets q's settings in it: BEGIN and
// set_config go in one pipeline (pgx.Batch.BeginTx), so a transaction costs
// no extra round trip. The caller commits or rolls back.
func (q rlsDB) BeginTx(ctx context.Context, opts pgx.TxOptions) (pgx.Tx, error) {
	b := &pgx.Batch{}
	b.BeginTx(opts)
	b.Queue(setConfigSQL, q.set.args()...)
	br := q.pool.SendBatch(ctx, b)
	tx := br.Tx()
	if err := br.Close(); err != nil {
		if tx != nil {
			_ = tx.Rollback(ctx)
		}
		return nil, err
	}
	return tx, nil
}

// batchRows are the rows of a Query; closing them closes its batch, which
// gives the connection back to the pool.
type batchRows struct {
	pgx.Rows
	br     pgx.BatchResults
	closed bool
}

func (r *batchRows) Next() bool {
	if r.Rows.Next() {
		return true
	}
	r.Close()
	return false
}

func (r *batchRows) Close() {
	if r.closed {
		return
	}
	r.closed = true
	r.Rows.Close()
	_ = r.br.Close()
}

// batchRow is the row of a QueryRow; Scan closes its batch.
type batchRow struct {
	row pgx.Row
	br  pgx.BatchResults
}

func (r batchRow) Scan(dest ...any) error {
	err := r.row.Scan(dest...)
	if cerr := r.br.Close(); err == nil {
		err = cerr
	}
	return err
}

// failedBatch is the BatchResults of a batch whose set_config failed: every
// result is that error.
type failedBatch struct {
	pgx.BatchResults // closed
	err              error
}

func (f failedBatch) Exec() (pgconn.CommandTag, error) { return pgconn.CommandTag{}, f.err }
func (f failedBatch) Query() (pgx.Rows, error)         { return nil, f.err }
func (f failedBatch) QueryRow() pgx.Row                { return errRow{f.err} }
func (f failedBatch) Close() error                     { return f.err }

type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

// OpenOwner connects to PostgreSQL as the owner role, for the migrations,
// the reference data and the grants (never for serving): its connections
// run as the system (aci.kind = system for the whole session), so that a
// migration that rewrites tenant rows sees them under FORCE ROW LEVEL
// SECURITY. The pool is the caller's to close.
func OpenOwner(ctx context.Context, url string) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("store.OpenOwner: %w", err)
	}
	OwnerConfig(cfg.ConnConfig)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("store.OpenOwner: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("store.OpenOwner: ping: %w", err)
	}
	return pool, nil
}

// OwnerConfig makes every connection of cfg run as the system (OpenOwner):
// for the owner's pools only, never the application's.
func OwnerConfig(cfg *pgx.ConnConfig) {
	cfg.RuntimeParams["aci.kind"] = kindSystem
}

// GrantApp gives role, the application's login role, what serving needs on
// the schema the owner pool works in: read and write every table (under the
// policies of the tenant tables), use the sequences, read goose's version
// table (aci serve checks for pending migrations). role owns nothing, so it
// cannot change the policies or the schema. Run after every Migrate (new
// tables), as the owner.
func GrantApp(ctx context.Context, owner *pgxpool.Pool, role string) error {
	var schema string
	if err := owner.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		return fmt.Errorf("store.GrantApp: %w", err)
	}
	r, sch := pgx.Identifier{role}.Sanitize(), pgx.Identifier{schema}.Sanitize()
	for _, q := range []string{
		"GRANT USAGE ON SCHEMA " + sch + " TO " + r,
		"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA " + sch + " TO " + r,
		"REVOKE INSERT, UPDATE, DELETE ON " + sch + ".goose_db_version FROM " + r,
		"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA " + sch + " TO " + r,
	} {
		if _, err := owner.Exec(ctx, q); err != nil {
			return fmt.Errorf("store.GrantApp: %s: %w", q, err)
		}
	}
	return nil
}

// CheckAppRole refuses to serve as a role that row-level security does not
// bind: a superuser, a role with BYPASSRLS, or the owner of the tables
// (docs/rules.md §36).
func CheckAppRole(ctx context.Context, pool *pgxpool.Pool) error {
	var name string
	var super, bypass, owns bool
	err := pool.QueryRow(ctx, `SELECT r.rolname, r.rolsuper, r.rolbypassrls,
			EXISTS (SELECT 1 FROM pg_tables t WHERE t.schemaname = current_schema() AND t.tableowner = current_user)
		FROM pg_roles r WHERE r.rolname = current_user`).Scan(&name, &super, &bypass, &owns)
	if err != nil {
		return fmt.Errorf("store.CheckAppRole: %w", err)
	}
	switch {
	case super:
		return fmt.Errorf("DATABASE_URL se connecte en superutilisateur (%s) : la sécurité par ligne ne s'applique pas ; "+
			"servez avec un rôle applicatif sans privilège (voir README, « Two roles »)", name)
	case bypass:
		return fmt.Errorf("DATABASE_URL se connecte avec un rôle BYPASSRLS (%s) : servez avec un rôle applicatif sans ce droit (voir README, « Two roles »)", name)
	case owns:
		return fmt.Errorf("DATABASE_URL se connecte avec le rôle propriétaire des tables (%s) : il sert aux migrations (OWNER_DATABASE_URL) ; "+
			"servez avec un rôle applicatif qui ne possède rien (voir README, « Two roles »)", name)
	}
	return nil
}
