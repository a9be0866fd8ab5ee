package store_test

import (
	"context"
	"slices"
	"testing"

	"github.com/portail-aci/aci/internal/store"
	"github.com/portail-aci/aci/internal/store/pgtest"
)

// The structures export reads every structure's départements and member
// count grouped and joined (docs/rules.md §35): the same figures as one
// look-up per structure, for every role that may export.
func TestExportStructuresSameAsLookups(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	scopes := demo(t, st)
	owner := pgtest.Owner(t, st)
	withMembers := 0
	for _, who := range []string{admin, referent} {
		rows, err := st.ExportStructures(ctx, scopes[who], store.StructureFilter{}, 10000)
		if err != nil || len(rows) == 0 {
			t.Fatalf("%s: %d rows, %v", who, len(rows), err)
		}
		for _, r := range rows {
			var n int
			if err := owner.QueryRow(ctx, `SELECT count(*) FROM members WHERE structure_id = $1`, r.ID).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if r.Members != n {
				t.Errorf("%s: %s has %d members in the export, %d in the table", who, r.Name, r.Members, n)
			}
			if n > 0 {
				withMembers++
			}
			d, err := st.StructureDetail(ctx, scopes[who], r.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(d.Departements, r.Departements) || d.Name != r.Name || d.CommuneName != r.CommuneName {
				t.Errorf("%s: %s exported as %+v, detail %+v", who, r.Name, r.StructureDetail, d)
			}
		}
	}
	if withMembers == 0 {
		t.Fatal("no structure with members: the count is not tested")
	}
}
