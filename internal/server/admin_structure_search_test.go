package server_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/portail-aci/aci/internal/seed"
)

// At national volume the organisation list of the account forms offers the
// structures through a search, not as thousands of options.
func TestAdminUserFormStructureSearch(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	for i := 0; i < 120; i++ {
		if _, err := e.st.CreateOrganisation(ctx, newMSP("MSP volume "+strconv.Itoa(1000+i), "01")); err != nil {
			t.Fatal(err)
		}
	}
	admin := e.loggedIn("admin@demo.portail-aci.fr")
	structureOptions := func(path string) []string {
		d := admin.get(path).doc(t)
		var names []string
		d.Find(`#f-org_id optgroup`).Each(func(_ int, g *goquerySelection) {
			if label, _ := g.Attr("label"); label == "Structure" {
				g.Find("option").Each(func(_ int, o *goquerySelection) { names = append(names, strings.TrimSpace(o.Text())) })
			}
		})
		return names
	}
	d := admin.get("/admin/utilisateurs/nouveau").doc(t)
	if d.Find(`[data-testid=structure-search]`).Length() != 1 {
		t.Fatal("no structure search at 123 structures")
	}
	if got := structureOptions("/admin/utilisateurs/nouveau"); len(got) != 0 {
		t.Errorf("%d structures listed without a search", len(got))
	}
	got := structureOptions("/admin/utilisateurs/nouveau?structure=val+de+demo")
	if len(got) != 1 || !strings.HasPrefix(got[0], seed.ValDeDemo) {
		t.Errorf("search « val de demo » offers %v", got)
	}
	// The CPAM, ARS, DCGDR and national organisations are always offered.
	if n := d.Find(`#f-org_id option`).Length(); n < 5 {
		t.Errorf("only %d options", n)
	}
}
