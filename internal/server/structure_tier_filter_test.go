package server_test

import (
	"encoding/csv"
	"slices"
	"strings"
	"testing"

	"github.com/portail-aci/aci/internal/seed"
)

// /structures filters by CPTS size tier (docs/rules.md §21): the select keeps
// the choice, the export link and the CSV follow it, and the scope applies.
func TestStructureListTierFilter(t *testing.T) {
	e := newEnv(t)
	admin := e.loggedIn("admin@demo.portail-aci.fr")
	for _, tc := range []struct {
		q    string
		want []string
	}{
		{"", []string{seed.CotiereDeDemo, seed.MontsDeDemo, seed.ValDeDemo, seed.MSPLille}},
		{"taille=1", []string{seed.MontsDeDemo}},
		{"taille=2", []string{seed.CotiereDeDemo, seed.ValDeDemo}},
		{"taille=2&type=MSP", nil},
		{"taille=zzz", []string{seed.CotiereDeDemo, seed.MontsDeDemo, seed.ValDeDemo, seed.MSPLille}},
	} {
		r := admin.get("/structures?" + tc.q)
		d := r.doc(t)
		if got := structureNames(t, d); r.StatusCode != 200 || !slices.Equal(got, tc.want) {
			t.Errorf("%q: %d %v, want %v", tc.q, r.StatusCode, got, tc.want)
		}
		if d.Find(`label[for=f-tier]`).Length() != 1 || d.Find(`select#f-tier[name=taille] option`).Length() != 5 {
			t.Errorf("%q: tier select missing", tc.q)
		}
	}
	d := admin.get("/structures?taille=1").doc(t)
	if v, _ := d.Find(`select#f-tier option[selected]`).Attr("value"); v != "1" {
		t.Errorf("selected tier %q", v)
	}
	href, _ := d.Find(`[data-testid=export-csv]`).Attr("href")
	if !strings.Contains(href, "taille=1") {
		t.Fatalf("export link %q", href)
	}
	r := admin.get(href)
	cr := csv.NewReader(strings.NewReader(strings.TrimPrefix(r.body, "\uFEFF")))
	cr.Comma = ';'
	recs, err := cr.ReadAll()
	if err != nil || r.StatusCode != 200 || len(recs) != 2 || recs[1][1] != seed.MontsDeDemo {
		t.Fatalf("export tier 1: %d %v %v", r.StatusCode, recs, err)
	}
	// The CPAM de l'Ain does not see Monts (Rhône) even through the filter.
	if got := structureNames(t, e.loggedIn("referent@demo.portail-aci.fr").get("/structures?taille=1").doc(t)); got != nil {
		t.Errorf("referent tier 1: %v", got)
	}
}
