package store_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/store"
	"github.com/portail-aci/aci/internal/store/pgtest"
)

// The steering page's money, read from the summary the payments' triggers
// keep (payment_money, docs/rules.md §35), is the same as summed from the
// payments themselves: for the admin (all France and one region), an ARS, a
// DCGDR, a CPAM; after payments change state, after a new contract's
// schedule, and after a structure with payments changes its seat.
func TestSteeringMoneySummaryEqualsPayments(t *testing.T) {
	ctx := context.Background()
	st, scopes := contractFixture(t)
	check := func(step string) {
		t.Helper()
		for _, v := range []struct {
			who, region string
		}{{adminD, ""}, {adminD, "84"}, {arsDir, ""}, {dcgdrR, ""}, {referen, ""}} {
			got, err := st.Steering(ctx, scopes[v.who], store.SteeringFilter{Region: v.region})
			if err != nil {
				t.Fatal(err)
			}
			want, err := st.SteeringMoneyByPaymentsForTest(ctx, scopes[v.who], v.region)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got.Money, want) {
				t.Errorf("%s, %s %s: summary %+v\npayments %+v", step, v.who, v.region, got.Money, want)
			}
			if len(want) < 2 || want[0].Count == 0 {
				t.Errorf("%s, %s %s: no payments to compare (%+v)", step, v.who, v.region, want)
			}
		}
	}
	check("demo")
	activeContract(t, st, scopes, coordA, domain.NewDate(2025, 3, 1))
	check("new contract")
	owner := pgtest.Owner(t, st)
	var ids []int64
	rows, err := owner.Query(ctx, `SELECT id FROM payments WHERE status = 'prevu' ORDER BY id LIMIT 3`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if rows.Err() != nil || len(ids) < 3 {
		t.Fatalf("payments to change: %v %v", ids, rows.Err())
	}
	day := domain.NewDate(2025, 6, 1)
	setPaymentState(t, st, ids[0], "ordonnance", day)
	setPaymentState(t, st, ids[1], "verse", day)
	if _, err := owner.Exec(ctx, `UPDATE payments SET status = 'annule', cancelled_on = $2, cancel_reason = 'test' WHERE id = $1`, ids[2], day.String()); err != nil {
		t.Fatal(err)
	}
	check("states")
	// A structure with payments moves to another region's département.
	if _, err := owner.Exec(ctx, `UPDATE organisations SET departement = '75' WHERE id = (SELECT structure_id FROM payments WHERE id = $1)`, ids[1]); err != nil {
		t.Fatal(err)
	}
	check("seat")
	if _, err := owner.Exec(ctx, `DELETE FROM payments WHERE id = $1`, ids[2]); err != nil {
		t.Fatal(err)
	}
	check("delete")
}
