package store_test

import (
	"context"
	"slices"
	"testing"

	"github.com/portail-aci/aci/internal/domain"
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
	page := store.Page{Number: 1, Size: 50}
	for _, tc := range []struct {
		who  string
		tier int
		want []string
	}{
		{admin, 0, []string{"CPTS Lyon test", seed.CotiereDeDemo, seed.MontsDeDemo, seed.ValDeDemo, seed.MSPLille}},
		{admin, 1, []string{seed.MontsDeDemo}},
		{admin, 2, []string{seed.CotiereDeDemo, seed.ValDeDemo}}, // the Côtière: about 60 000 inhabitants
		{admin, 3, nil},
		{admin, 4, []string{"CPTS Lyon test"}},
		{admin, 9, []string{"CPTS Lyon test", seed.CotiereDeDemo, seed.MontsDeDemo, seed.ValDeDemo, seed.MSPLille}}, // unknown tier: no filter
		{referent, 1, nil}, // Monts is outside the CPAM de l'Ain
		{referent, 2, []string{seed.CotiereDeDemo, seed.ValDeDemo}}, // both in the Ain
	} {
		got, total := names(scopes[tc.who], tc.tier, page)
		if !slices.Equal(got, tc.want) || total != len(tc.want) {
			t.Errorf("%s tier %d: %v (total %d), want %v", tc.who, tc.tier, got, total, tc.want)
		}
	}
	// Filtered before pagination: a page of one still counts the filtered total.
	got, total := names(adm, 2, store.Page{Number: 1, Size: 1})
	if !slices.Equal(got, []string{seed.CotiereDeDemo}) || total != 2 {
		t.Errorf("paginated tier 2: %v %d", got, total)
	}
}
