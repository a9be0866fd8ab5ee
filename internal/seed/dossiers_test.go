package seed_test

import (
	"context"
	"testing"
	"time"

	"github.com/portail-aci/aci/internal/domain/workflow"
	"github.com/portail-aci/aci/internal/seed"
	"github.com/portail-aci/aci/internal/store"
	"github.com/portail-aci/aci/internal/store/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func TestDemoDossiersIdempotent(t *testing.T) {
	t.Parallel() // its own database
	ctx := context.Background()
	st := pgtest.Store(t, time.Now)
	for range 2 {
		if err := seed.Demo(ctx, st); err != nil {
			t.Fatal(err)
		}
	}
	u, err := st.UserByEmail(ctx, "admin@demo.portail-aci.fr")
	if err != nil {
		t.Fatal(err)
	}
	ms, _ := st.Memberships(ctx, u.ID)
	sc, err := st.ScopeFor(ctx, u.ID, ms[0].OrgID)
	if err != nil {
		t.Fatal(err)
	}
	ds, total, err := st.ListDossiers(ctx, sc, store.DossierFilter{}, store.Page{Number: 1, Size: 50})
	if err != nil || total != 4 {
		t.Fatalf("%d dossiers, %v", total, err)
	}
	want := map[string]workflow.State{seed.ValDeDemo: workflow.EnInstruction, seed.MontsDeDemo: workflow.ProjetSanteDepose, seed.MSPLille: workflow.Acceptee, seed.CotiereDeDemo: workflow.Acceptee}
	for _, d := range ds {
		if d.State != want[d.StructureName] {
			t.Errorf("%s: %s, want %s", d.StructureName, d.State, want[d.StructureName])
		}
		if d.StructureName == seed.MontsDeDemo {
			// filed 40 days ago: about 20 days left (two months ≈ 61 days)
			left := workflow.DaysLeft(d.HealthProjectFiledOn.AddDays(40), workflow.ProjetSanteReputeValide(d.HealthProjectFiledOn))
			if left < 17 || left > 23 {
				t.Errorf("Monts: %d days left before réputé validé", left)
			}
		}
	}
	rep, err := st.VerifyAudit(ctx)
	if err != nil || rep.Broken != "" || rep.Dossiers != 4 {
		t.Fatalf("audit %+v %v", rep, err)
	}
}
