package seed_test

import (
	"context"
	"testing"
	"time"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/seed"
	"github.com/portail-aci/aci/internal/store"
	"github.com/portail-aci/aci/internal/store/pgtest"
)

// Lille's contract starts on seed.LilleSignedOn and covers its last civil
// year whose window has opened, declared and awaiting validation; a reload
// changes nothing.
func TestDemoEvaluationsIdempotent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := pgtest.Store(t, time.Now)
	today := domain.DateOf(time.Now())
	n := today.Y - 1
	if today.M == time.December {
		n = today.Y
	}
	var versions []int
	for range 2 {
		if err := seed.Demo(ctx, st); err != nil {
			t.Fatal(err)
		}
		u, err := st.UserByEmail(ctx, "msp@demo.portail-aci.fr")
		if err != nil {
			t.Fatal(err)
		}
		ms, _ := st.Memberships(ctx, u.ID)
		sc, err := st.ScopeFor(ctx, u.ID, ms[0].OrgID)
		if err != nil {
			t.Fatal(err)
		}
		ds, _, _ := st.ListDossiers(ctx, sc, store.DossierFilter{StructureID: sc.OrgID}, store.Page{Number: 1, Size: 10})
		c, err := st.ContractByDossier(ctx, sc, ds[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if c.Start != seed.LilleSignedOn(today) {
			t.Fatalf("Lille's contract starts on %s, want %s", c.Start.French(), seed.LilleSignedOn(today).French())
		}
		y, err := st.ContractYear(ctx, sc, c.ID, n, today)
		if domain.IsNotFound(err) {
			t.Fatalf("Lille's contract (from %s) does not cover civil year %d", c.Start.French(), n)
		}
		if err != nil {
			t.Fatal(err)
		}
		if !y.Submitted() || y.Closed {
			t.Fatalf("Lille %d: status %q", n, y.Status)
		}
		for _, ind := range y.Indicators {
			if ind.Declared == nil || ind.Validated != nil {
				t.Fatalf("indicator %s: %+v", ind.Code, ind)
			}
		}
		versions = append(versions, y.Version)
	}
	if versions[0] != versions[1] {
		t.Fatalf("reload changed the declaration: %v", versions)
	}
}
