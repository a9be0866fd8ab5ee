package store_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/store"
)

// A contract read with its signatures in its row (one statement, docs/rules.md
// §35.1) has the signatures the separate read gives, in the same order, for
// each party that sees it.
func TestContractSignaturesInRowSameAsRead(t *testing.T) {
	ctx := context.Background()
	st, scopes := contractFixture(t)
	c := signedContract(t, st, scopes, coordA, domain.NewDate(2025, 1, 10))
	for _, who := range []string{coordA, cpamMgr, referen} {
		for name, read := range map[string]func() (store.Contract, error){
			"by dossier": func() (store.Contract, error) { return st.ContractByDossier(ctx, scopes[who], c.DossierID) },
			"by id":      func() (store.Contract, error) { return st.ContractByID(ctx, scopes[who], c.ID) },
		} {
			got, err := read()
			if err != nil {
				t.Fatal(who, name, err)
			}
			want, err := st.SignaturesForTest(ctx, scopes[who], got)
			if err != nil {
				t.Fatal(err)
			}
			if len(want) != 3 || len(got.Signatures) != len(want) {
				t.Fatalf("%s %s: %d signatures, %d read apart", who, name, len(got.Signatures), len(want))
			}
			for i := range want {
				g, w := got.Signatures[i], want[i]
				if !g.SignedAt.Equal(w.SignedAt) {
					t.Errorf("%s %s: signature %d at %v, read apart %v", who, name, i, g.SignedAt, w.SignedAt)
				}
				g.SignedAt = w.SignedAt
				if !reflect.DeepEqual(g, w) {
					t.Errorf("%s %s: signature %d %+v, read apart %+v", who, name, i, g, w)
				}
			}
		}
	}
}

// The reads of a page sent in one batch (store.Reads) give what each read
// gives alone: the reads of the homes, for a structure with a contract and
// for the CPAM.
func TestReadsBatchSameAsSingleReads(t *testing.T) {
	ctx := context.Background()
	st, scopes := contractFixture(t)
	signedContract(t, st, scopes, coordA, domain.NewDate(2025, 1, 10))
	today := domain.NewDate(2026, 3, 1)
	for _, who := range []string{coordA, referen} {
		sc := scopes[who]
		rd := store.NewReads(sc)
		var unread, total, alertsTotal, toOrder int
		var sum domain.Cents
		var ds []store.Dossier
		var as []store.ContractAlert
		var hc store.HomeContract
		var hasContract bool
		var money []store.YearMoney
		rd.UnreadTotal(100, &unread)
		rd.ListDossiers(store.DossierFilter{}, store.Page{Number: 1, Size: 5}, &ds, &total)
		rd.ContractAlerts(today, 100, &as, &alertsTotal)
		rd.PaymentsToOrder(today, &toOrder, &sum)
		if sc.Kind == domain.OrgStructure {
			rd.StructureContract(sc.OrgID, &hc, &hasContract)
			rd.StructureMoney(sc.OrgID, &money)
		}
		if err := st.Send(ctx, rd); err != nil {
			t.Fatal(err)
		}
		n, err := st.UnreadTotal(ctx, sc, 100)
		if err != nil || n != unread {
			t.Errorf("%s: unread %d in the batch, %d alone (%v)", who, unread, n, err)
		}
		ds1, total1, err := st.ListDossiers(ctx, sc, store.DossierFilter{}, store.Page{Number: 1, Size: 5})
		if err != nil || total1 != total || !reflect.DeepEqual(ds1, ds) || len(ds) == 0 {
			t.Errorf("%s: dossiers %d %+v in the batch, %d %+v alone (%v)", who, total, ds, total1, ds1, err)
		}
		as1, at1, err := st.ContractAlerts(ctx, sc, today, 100)
		if err != nil || at1 != alertsTotal || !reflect.DeepEqual(as1, as) || len(as) == 0 {
			t.Errorf("%s: alerts %d %+v in the batch, %d %+v alone (%v)", who, alertsTotal, as, at1, as1, err)
		}
		n1, sum1, err := st.PaymentsToOrder(ctx, sc, today)
		if err != nil || n1 != toOrder || sum1 != sum {
			t.Errorf("%s: to order %d %d in the batch, %d %d alone (%v)", who, toOrder, sum, n1, sum1, err)
		}
		if sc.Kind == domain.OrgStructure {
			hc1, ok1, err := st.StructureContract(ctx, sc, sc.OrgID)
			if err != nil || !ok1 || !hasContract || hc1 != hc {
				t.Errorf("%s: contract %+v %v in the batch, %+v %v alone (%v)", who, hc, hasContract, hc1, ok1, err)
			}
			m1, err := st.StructureMoney(ctx, sc, sc.OrgID)
			if err != nil || !reflect.DeepEqual(m1, money) || len(money) == 0 {
				t.Errorf("%s: money %+v in the batch, %+v alone (%v)", who, money, m1, err)
			}
		}
	}
}
