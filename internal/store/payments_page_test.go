package store_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/contractlife"
	"github.com/portail-aci/aci/internal/domain/funding"
	"github.com/portail-aci/aci/internal/store"
)

// The payments page's totals (the payments alone) and its page (chosen
// first, joined after) are those of the former statements, which joined
// every payment of the selection to its structure, dossier and contract
// (docs/rules.md §35.2): for a CPAM referent, a CPAM manager and the
// national admin, with every filter, on several pages and past the last.
func TestPaymentsPageSameAsJoinedSelection(t *testing.T) {
	ctx := context.Background()
	st, scopes := contractFixture(t)
	_, c := activeContract(t, st, scopes, coordA, domain.NewDate(2025, 3, 1))
	day := domain.NewDate(2025, 3, 1)
	filters := []store.PaymentFilter{
		{}, {Page: 2, PerPage: 7}, {Page: 3, PerPage: 7}, {Page: 99},
		{State: contractlife.Planned}, {State: contractlife.Ordered}, {State: contractlife.Paid},
		{DueFrom: day, DueTo: day.AddYears(1)}, {DueTo: day}, {StructureID: c.StructureID},
		{Kind: funding.KindAvance}, {Kind: funding.KindSolde}, {Mission: store.MSPMission}, {Mission: funding.AllMissions()[0]},
		{ContractID: c.ID, PerPage: 3, Page: 2},
	}
	compared := 0
	for _, who := range []string{referen, cpamMgr, adminD} {
		for _, f := range filters {
			got, err := st.Payments(ctx, scopes[who], f)
			if err != nil {
				t.Fatal(err)
			}
			want, err := st.PaymentsDirectForTest(ctx, scopes[who], f)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got.Totals, want.Totals) {
				t.Errorf("%s %+v: totals %+v, joined %+v", who, f, got.Totals, want.Totals)
			}
			if (len(got.Items) > 0 || len(want.Items) > 0) && !reflect.DeepEqual(got.Items, want.Items) {
				t.Errorf("%s %+v: page %+v\njoined %+v", who, f, got.Items, want.Items)
			}
			compared += len(want.Items)
		}
	}
	if compared == 0 {
		t.Fatal("no payment compared")
	}
}
