package store_test

import (
	"context"
	"testing"

	"github.com/portail-aci/aci/internal/seed"
	"github.com/portail-aci/aci/internal/store"
)

// TestTerritoryReadsGuardedByScope: the territory editor's reads queued in
// one batch (docs/rules.md §35.1) read the shared map of a CPTS in the
// viewer's scope, and nothing of a CPTS outside it — the map carries no
// policy, each read carries the CPTS's check — and give what the single
// reads give.
func TestTerritoryReadsGuardedByScope(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	scopes := demo(t, st)
	val := orgID(t, st, seed.ValDeDemo)
	read := func(sc store.Scope) (store.Territory, bool, store.TerritoryFreeze, []store.TerritoryChange, int) {
		t.Helper()
		rd := store.NewReads(sc)
		var tr store.Territory
		var found bool
		var f store.TerritoryFreeze
		var ch []store.TerritoryChange
		var total int
		rd.Territory(val, &tr, &found)
		rd.TerritoryFrozen(val, &f)
		rd.TerritoryChanges(val, store.Page{Number: 1, Size: 10}, &ch, &total)
		if err := st.Send(ctx, rd); err != nil {
			t.Fatal(err)
		}
		return tr, found, f, ch, total
	}

	tr, found, f, ch, total := read(scopes[coordVal])
	single, err := st.Territory(ctx, scopes[coordVal], val)
	if err != nil {
		t.Fatal(err)
	}
	singleF, err := st.TerritoryFrozen(ctx, scopes[coordVal], val)
	if err != nil {
		t.Fatal(err)
	}
	singleCh, singleTotal, err := st.TerritoryChanges(ctx, scopes[coordVal], val, store.Page{Number: 1, Size: 10})
	if err != nil {
		t.Fatal(err)
	}
	if !found || len(tr.Communes) == 0 || len(tr.Communes) != len(single.Communes) || tr.Population != single.Population ||
		tr.Version != single.Version || f != singleF || total != singleTotal || len(ch) != len(singleCh) {
		t.Fatalf("its coordinator, batched: found %v, %d communes (%d), population %d (%d), version %d (%d), freeze %+v (%+v), %d changes of %d (%d of %d)",
			found, len(tr.Communes), len(single.Communes), tr.Population, single.Population, tr.Version, single.Version,
			f, singleF, len(ch), total, len(singleCh), singleTotal)
	}
	if !f.Frozen || total == 0 {
		t.Fatalf("the demo's Val de Démo territory: frozen %v (its contract), %d changes in its history", f.Frozen, total)
	}

	// Another CPTS's coordinator: nothing of this territory.
	tr, found, f, ch, total = read(scopes[coordMonts])
	if found || len(tr.Communes) != 0 || tr.Population != 0 || f.Frozen || f.ContractID != 0 || len(ch) != 0 || total != 0 {
		t.Fatalf("another CPTS's coordinator reads: found %v, %d communes, freeze %+v, %d changes of %d", found, len(tr.Communes), f, len(ch), total)
	}
	if _, err := st.Territory(ctx, scopes[coordMonts], val); err == nil {
		t.Fatal("Territory of another CPTS: found")
	}
}
