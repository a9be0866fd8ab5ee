package server_test

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"testing"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/seed"
)

// TestEveryRoleAgainstEveryDemoStructure logs in as each demo account and
// asks for every demo structure: inside the scope 200 with its name, outside
// 404 — and the list shows exactly the scope.
func TestEveryRoleAgainstEveryDemoStructure(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	ids := map[string]int64{}
	for _, n := range []string{seed.ValDeDemo, seed.MontsDeDemo, seed.MSPLille, seed.CotiereDeDemo} {
		id, err := e.st.OrganisationIDByName(ctx, domain.OrgStructure, n)
		if err != nil {
			t.Fatal(err)
		}
		ids[n] = id
	}
	visible := map[string][]string{
		"coordinateur@demo.portail-aci.fr":   {seed.ValDeDemo},
		"coordinateur.b@demo.portail-aci.fr": {seed.MontsDeDemo},
		"msp@demo.portail-aci.fr":            {seed.MSPLille},
		seed.CotiereCoordinator:              {seed.CotiereDeDemo},
		"referent@demo.portail-aci.fr":       {seed.ValDeDemo, seed.CotiereDeDemo},
		"ars@demo.portail-aci.fr":            {seed.MontsDeDemo, seed.ValDeDemo, seed.CotiereDeDemo},
		"dcgdr@demo.portail-aci.fr":          {seed.MontsDeDemo, seed.ValDeDemo, seed.CotiereDeDemo},
		"admin@demo.portail-aci.fr":          {seed.MontsDeDemo, seed.MSPLille, seed.ValDeDemo, seed.CotiereDeDemo},
	}
	for _, a := range seed.DemoAccounts() {
		t.Run(a.Email, func(t *testing.T) {
			c := e.loggedIn(a.Email)
			want := slices.Clone(visible[a.Email])
			slices.Sort(want)
			if got := structureNames(t, c.get("/structures").doc(t)); !slices.Equal(got, want) {
				t.Errorf("/structures shows %v, want %v", got, want)
			}
			for name, id := range ids {
				r := c.get("/structures/" + strconv.FormatInt(id, 10))
				if slices.Contains(want, name) {
					if r.StatusCode != 200 || r.doc(t).Find(`[data-testid=structure-name]`).Text() != name {
						t.Errorf("%s: status %d", name, r.StatusCode)
					}
				} else if r.StatusCode != http.StatusNotFound {
					t.Errorf("%s outside the scope: status %d, want 404", name, r.StatusCode)
				}
			}
			for _, p := range []string{"/structures/999999", "/structures/abc", "/structures/-1"} {
				if r := c.get(p); r.StatusCode != http.StatusNotFound {
					t.Errorf("%s: %d", p, r.StatusCode)
				}
			}
		})
	}
}

func TestStructureListPaginates(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	for i := 0; i < 60; i++ {
		if _, err := e.st.CreateOrganisation(ctx, newMSP("MSP pagination "+strconv.Itoa(100+i), "01")); err != nil {
			t.Fatal(err)
		}
	}
	c := e.loggedIn("admin@demo.portail-aci.fr")
	d := c.get("/structures").doc(t)
	if n := d.Find(`[data-testid=structure-row]`).Length(); n != 50 {
		t.Fatalf("page 1 has %d rows", n)
	}
	if d.Find(`[data-testid=pagination] a[rel=next]`).Length() != 1 {
		t.Fatal("no next link")
	}
	d = c.get("/structures?page=2").doc(t)
	if n := d.Find(`[data-testid=structure-row]`).Length(); n != 14 {
		t.Fatalf("page 2 has %d rows, want 14", n)
	}
	d = c.get("/structures?type=CPTS").doc(t)
	if n := d.Find(`[data-testid=structure-row]`).Length(); n != 3 {
		t.Fatalf("CPTS filter: %d rows", n)
	}
	d = c.get("/structures?q=aucune-structure-de-ce-nom").doc(t)
	if d.Find(`[data-testid=empty]`).Length() != 1 {
		t.Fatal("no empty state")
	}
}

func TestNotFoundAndErrorPages(t *testing.T) {
	e := newEnv(t)
	c := e.loggedIn("coordinateur@demo.portail-aci.fr")
	r := c.get("/pas-de-page")
	if r.StatusCode != 404 || r.doc(t).Find(`[data-testid=error-page] h1`).Text() != "Page introuvable" {
		t.Fatalf("404 page: %d", r.StatusCode)
	}
}
