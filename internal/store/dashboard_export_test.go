package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// AddPaymentsForTest creates payments through addPayments, the one way to
// create them, in a transaction of its own (tests of the read side).
func AddPaymentsForTest(ctx context.Context, st *Store, owner PaymentOwner, ps []NewPayment, at time.Time) ([]int64, error) {
	var ids []int64
	err := st.sysTx(ctx, func(tx pgx.Tx) error {
		var err error
		ids, err = addPayments(ctx, tx, owner, ps, at)
		return err
	})
	return ids, err
}
