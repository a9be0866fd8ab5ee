package store_test

import (
	"context"
	"slices"
	"testing"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/funding"
	"github.com/portail-aci/aci/internal/seed"
	"github.com/portail-aci/aci/internal/store"
)

// The list's tier filter (docs/rules.md §21) selects in SQL, before
// pagination, the CPTS whose territory population gives that tier; the
// scope still applies, and the export follows the same filter.
func TestStructureTierFilter(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	scopes := demo(t, st)
	adm := scopes[admin]
	// A CPTS of Lyon (≈ 520 000 inhabitants): tier 4.
	lyon, err := st.CreateStructure(ctx, adm, store.StructureInput{Type: domain.CPTS, Name: "CPTS Lyon test",
		LegalForm: "association", Departement: "69", CommuneCode: "69123"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.AddCommunes(ctx, adm, lyon, terrVersion(t, st, adm, lyon), []string{"69123"}); err != nil {
		t.Fatal(err)
	}
	names := func(sc store.Scope, tier int, p store.Page) ([]string, int) {
		t.Helper()
		rows, total, err := st.ListStructures(ctx, sc, store.StructureFilter{Tier: tier}, p)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, o := range rows {
			out = append(out, o.Name)
		}
		ex, err := st.ExportStructures(ctx, sc, store.StructureFilter{Tier: tier}, 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(ex) != total {
			t.Errorf("tier %d: export %d rows, list total %d", tier, len(ex), total)
		}
		return out, total
	}
	// Each structure's tier, from its territory's population through the
	// domain (funding.Tier); 0 for a structure without commune (the MSP).
	tierOf := map[string]int{}
	rows, err := st.Pool.Query(ctx, `SELECT o.name, (SELECT sum(c.population) FROM territory_communes tc JOIN communes c ON c.code = tc.commune_code
		WHERE tc.structure_id = o.id)::bigint FROM organisations o WHERE o.kind = 'structure'`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n string
		var pop *int64
		if err := rows.Scan(&n, &pop); err != nil {
			t.Fatal(err)
		}
		if pop != nil {
			if tierOf[n], err = funding.Tier(*pop); err != nil {
				t.Fatal(err)
			}
		}
	}
	rows.Close()
	// The list's order (by name), and what each account sees.
	all := []string{"CPTS Lyon test", seed.CotiereDeDemo, seed.MontsDeDemo, seed.ValDeDemo, seed.MSPLille}
	ain := []string{seed.CotiereDeDemo, seed.ValDeDemo} // the CPAM de l'Ain's structures
	ofTier := func(names []string, tier int) []string {
		var out []string
		for _, n := range names {
			if tierOf[n] == tier {
				out = append(out, n)
			}
		}
		return out
	}
	if tierOf["CPTS Lyon test"] != 4 || tierOf[seed.MontsDeDemo] != 1 || len(ofTier(all, 2)) < 2 {
		t.Fatalf("the demo's tiers changed: %v", tierOf)
	}
	page := store.Page{Number: 1, Size: 50}
	for _, tc := range []struct {
		who  string
		tier int
		want []string
	}{
		{admin, 0, all},
		{admin, 1, ofTier(all, 1)},
		{admin, 2, ofTier(all, 2)},
		{admin, 3, ofTier(all, 3)},
		{admin, 4, ofTier(all, 4)},
		{admin, 9, all},               // unknown tier: no filter
		{referent, 0, ain},            // the scope still applies
		{referent, 1, ofTier(ain, 1)}, // Monts is outside the CPAM de l'Ain
		{referent, 2, ofTier(ain, 2)},
	} {
		got, total := names(scopes[tc.who], tc.tier, page)
		if !slices.Equal(got, tc.want) || total != len(tc.want) {
			t.Errorf("%s tier %d: %v (total %d), want %v", tc.who, tc.tier, got, total, tc.want)
		}
	}
	// Filtered before pagination: a page of one still counts the filtered total.
	two := ofTier(all, 2)
	got, total := names(adm, 2, store.Page{Number: 1, Size: 1})
	if !slices.Equal(got, two[:1]) || total != len(two) {
		t.Errorf("paginated tier 2: %v %d, want %v %d", got, total, two[:1], len(two))
	}
}
