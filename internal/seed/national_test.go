package seed_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/workflow"
	"github.com/portail-aci/aci/internal/seed"
	"github.com/portail-aci/aci/internal/store"
	"github.com/portail-aci/aci/internal/store/pgtest"
)

// nationalFactor is the reduced size of the tests: the same code path as
// `aci seed --scale national` (factor 1).
const nationalFactor = 0.02

// TestNationalSeed loads the national data set at a reduced size and checks
// its invariants (docs/rules.md §37): no commune in two CPTS, every state
// of the workflow and every payment state present, the audit trail intact,
// the contracts' frozen terms coherent with their schedule (LoadNational
// checks it), the demo accounts there; then a second load is refused.
func TestNationalSeed(t *testing.T) {
	ctx := context.Background()
	day := time.Date(2026, time.December, 1, 10, 0, 0, 0, time.UTC)
	// The bulk copy needs a role that bypasses row-level security
	// (docs/rules.md §37): the harness's superuser, as make bench does.
	clock := func() time.Time { return day }
	st := pgtest.Bypass(t, pgtest.Store(t, clock), clock)
	rep, err := seed.LoadNational(ctx, st, seed.NationalOptions{Factor: nationalFactor, Seed: seed.DefaultNationalSeed})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%v", rep.Counts)
	if rep.Counts[store.NatContracts] == 0 || rep.Counts[store.NatPayments] == 0 {
		t.Fatalf("rien chargé : %v", rep.Counts)
	}
	one := func(q string, args ...any) int64 {
		t.Helper()
		var n int64
		if err := pgtest.Owner(t, st).QueryRow(ctx, q, args...).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return n
	}
	strs := func(q string) map[string]bool {
		t.Helper()
		rows, err := pgtest.Owner(t, st).Query(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		out := map[string]bool{}
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			out[s] = true
		}
		return out
	}
	if n := one(`SELECT count(*) FROM (SELECT commune_code FROM territory_communes GROUP BY 1 HAVING count(*) > 1) x`); n != 0 {
		t.Errorf("%d communes dans deux CPTS", n)
	}
	if n := one(`SELECT count(*) FROM organisations o WHERE o.structure_type = 'CPTS' AND NOT EXISTS (SELECT 1 FROM territory_communes tc WHERE tc.structure_id = o.id)`); n != 0 {
		t.Errorf("%d CPTS sans territoire", n)
	}
	// The agencies of every région and département.
	if n := one(`SELECT count(*) FROM regions r WHERE NOT EXISTS (SELECT 1 FROM organisations o WHERE o.kind = 'ars' AND o.region = r.code)
		OR NOT EXISTS (SELECT 1 FROM organisations o WHERE o.kind = 'dcgdr' AND o.region = r.code)`); n != 0 {
		t.Errorf("%d régions sans ARS ou DCGDR", n)
	}
	if n := one(`SELECT count(*) FROM departements d WHERE NOT EXISTS (SELECT 1 FROM organisation_departements od JOIN organisations o ON o.id = od.org_id WHERE o.kind = 'cpam' AND od.departement = d.code)`); n != 0 {
		t.Errorf("%d départements sans CPAM", n)
	}
	states := strs(`SELECT state FROM dossiers`)
	for _, s := range workflow.DossierStates() {
		if !states[string(s)] {
			t.Errorf("aucun dossier à l'état %s", s)
		}
	}
	cstates := strs(`SELECT state FROM contracts`)
	for _, s := range workflow.ContractStates() {
		if !cstates[string(s)] {
			t.Errorf("aucun contrat à l'état %s", s)
		}
	}
	pstates := strs(`SELECT status FROM payments`)
	t.Log(strs(`SELECT kind || ' ' || status || ' ' || due_on FROM payments WHERE kind IN ('recouvrement', 'solde_resiliation')`))
	for _, s := range []string{"prevu", "ordonnance", "verse", "annule", "recouvre"} {
		if !pstates[s] {
			t.Errorf("aucun versement à l'état %s", s)
		}
	}
	for _, table := range []string{"contract_missions", "year_values", "year_meetings", "contract_year_closings", "contract_avenants",
		"crises", "crisis_results", "messages", "documents", "stored_files", "members", "dossier_audit"} {
		if one(`SELECT count(*) FROM `+table) == 0 {
			t.Errorf("table %s vide", table)
		}
	}
	if n := one(`SELECT count(*) FROM year_values WHERE validated IS NOT NULL`); n == 0 {
		t.Error("aucune valeur validée")
	}
	// Payments: what the funding engine computed, never a made-up sum; a
	// paid payment is positive, a recovered one negative (the CHECKs), and
	// every contract in force has its schedule.
	if n := one(`SELECT count(*) FROM contracts c WHERE c.state IN ('actif', 'echu', 'resilie', 'resiliation_demandee') AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.contract_id = c.id)`); n != 0 {
		t.Errorf("%d contrats signés sans échéancier", n)
	}
	rep2, err := st.VerifyAudit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if rep2.Broken != "" || rep2.Rows == 0 {
		t.Errorf("audit : %+v", rep2)
	}
	// The accounts of every role the bench logs in as are there.
	for _, a := range append(seed.DemoAccounts(), seed.HdFAccounts()...) {
		if _, err := st.UserByEmail(ctx, a.Email); err != nil {
			t.Errorf("compte %s : %v", a.Email, err)
		}
	}
	// A second load into this (non-empty) database is refused.
	_, err = seed.LoadNational(ctx, st, seed.NationalOptions{Factor: nationalFactor, Seed: seed.DefaultNationalSeed})
	if !errors.Is(err, seed.ErrNotEmpty) || domain.ErrorCode(err) != domain.EConflict {
		t.Errorf("second chargement : %v, attendu le refus ErrNotEmpty", err)
	}
}

// TestNationalSeedDeterministic: two loads with the same seed on the same
// day give the same data (checksum of the key columns); another seed gives
// other data.
func TestNationalSeedDeterministic(t *testing.T) {
	ctx := context.Background()
	day := time.Date(2026, time.December, 1, 10, 0, 0, 0, time.UTC)
	sum := func(s uint64) string {
		clock := func() time.Time { return day }
		st := pgtest.Bypass(t, pgtest.Store(t, clock), clock)
		if _, err := seed.LoadNational(ctx, st, seed.NationalOptions{Factor: 0.01, Seed: s}); err != nil {
			t.Fatal(err)
		}
		c, err := st.NationalChecksum(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	a, b, c := sum(7), sum(7), sum(8)
	if a != b {
		t.Errorf("même graine, données différentes : %s ≠ %s", a, b)
	}
	if a == c {
		t.Errorf("graines différentes, mêmes données : %s", a)
	}
}
