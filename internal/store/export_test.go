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
