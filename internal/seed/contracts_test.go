package seed_test

import (
	"context"
	"testing"
	"time"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/workflow"
	"github.com/portail-aci/aci/internal/seed"
	"github.com/portail-aci/aci/internal/store"
	"github.com/portail-aci/aci/internal/store/pgtest"
)

// Lille's contract is signed by its three parties and actif with its
// schedule; a second run changes nothing; the CPAM de l'Ain has a manager.
func TestDemoContractsIdempotent(t *testing.T) {
	t.Parallel() // its own database
	ctx := context.Background()
	st := pgtest.Store(t, time.Now)
	var first store.Contract
	for i := range 2 {
		if err := seed.Demo(ctx, st); err != nil {
			t.Fatal(err)
		}
		u, err := st.UserByEmail(ctx, "cpam.nord@demo.portail-aci.fr")
		if err != nil {
			t.Fatal(err)
		}
		ms, _ := st.Memberships(ctx, u.ID)
		sc, err := st.ScopeFor(ctx, u.ID, ms[0].OrgID)
		if err != nil {
			t.Fatal(err)
		}
		ds, _, err := st.ListDossiers(ctx, sc, store.DossierFilter{}, store.Page{Number: 1, Size: 10})
		if err != nil || len(ds) != 1 || ds[0].StructureName != seed.MSPLille {
			t.Fatalf("dossiers %v %v", ds, err)
		}
		c, err := st.ContractByDossier(ctx, sc, ds[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		ps, err := st.ContractPayments(ctx, sc, ds[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if c.State != workflow.Actif || len(c.Signatures) != 3 || c.Start.IsZero() || len(ps) == 0 {
			t.Fatalf("run %d: contract %s, %d signatures, %d payments", i, c.State, len(c.Signatures), len(ps))
		}
		if i == 0 {
			first = c
		} else if c.Version != first.Version || c.Start != first.Start {
			t.Fatalf("second run changed the contract: %d→%d", first.Version, c.Version)
		}
	}
	u, err := st.UserByEmail(ctx, seed.CPAMAinManager().Email)
	if err != nil {
		t.Fatal(err)
	}
	ms, err := st.Memberships(ctx, u.ID)
	if err != nil || len(ms) != 1 || ms[0].Role != domain.RoleManager || ms[0].OrgName != seed.CPAMAin {
		t.Fatalf("manager memberships %+v %v", ms, err)
	}
}
