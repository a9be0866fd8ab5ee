package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// AddPaymentsForTest runs addPayments in its own transaction, for the
// external tests of the duplicate-payment constraint.
func (s *Store) AddPaymentsForTest(ctx context.Context, owner PaymentOwner, ps []NewPayment, at time.Time) ([]int64, error) {
	var ids []int64
	err := s.sysTx(ctx, func(tx pgx.Tx) error {
		var err error
		ids, err = addPayments(ctx, tx, owner, ps, at)
		return err
	})
	return ids, err
}

// QueryRowAsForTest sends sql as the store sends any statement for sc (under
// sc's row-level security settings), for the tests of the policies: a
// deliberately unscoped query must still see only sc's tenants.
func (s *Store) QueryRowAsForTest(ctx context.Context, sc Scope, sql string, args ...any) pgx.Row {
	return s.db(sc).QueryRow(ctx, sql, args...)
}

// ExecAsForTest is QueryRowAsForTest for a statement without rows.
func (s *Store) ExecAsForTest(ctx context.Context, sc Scope, sql string, args ...any) (int64, error) {
	tag, err := s.db(sc).Exec(ctx, sql, args...)
	return tag.RowsAffected(), err
}

// TxAsForTest is Store.tx for the tests of the policies.
func (s *Store) TxAsForTest(ctx context.Context, sc Scope, fn func(tx pgx.Tx) error) error {
	return s.tx(ctx, sc, fn)
}
