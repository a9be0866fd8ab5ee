package store_test

import (
	"context"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/portail-aci/aci/internal/domain/workflow"
	"github.com/portail-aci/aci/internal/store"
	"github.com/portail-aci/aci/internal/store/pgtest"
)

// visibilityDiff counts the rows of dossier_visibility (with the dossier's
// state) that the rule does not give and the rows of the rule missing from
// the table.
func visibilityDiff(t *testing.T, owner *pgxpool.Pool) (extra, missing, rows int) {
	t.Helper()
	err := owner.QueryRow(context.Background(), `SELECT
		(SELECT count(*) FROM (SELECT org_id, dossier_id, state FROM dossier_visibility EXCEPT SELECT org_id, dossier_id, state FROM dossier_visibility_rule) x),
		(SELECT count(*) FROM (SELECT org_id, dossier_id, state FROM dossier_visibility_rule EXCEPT SELECT org_id, dossier_id, state FROM dossier_visibility) x),
		(SELECT count(*) FROM dossier_visibility)`).Scan(&extra, &missing, &rows)
	if err != nil {
		t.Fatal(err)
	}
	return extra, missing, rows
}

// TestDossierVisibilityFollowsTheRule: the table that Scope and the
// policies read (docs/rules.md §36) equals its rule after every change the
// rule reads — the demo's filings, a draft's structure moving its seat, a
// CPAM's départements changing, a new ARS, a draft bound, a transition, a
// dossier deleted — and each change moves the rows it should.
func TestDossierVisibilityFollowsTheRule(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	demo(t, st)
	owner := pgtest.Owner(t, st)
	check := func(step string) int {
		t.Helper()
		extra, missing, rows := visibilityDiff(t, owner)
		if extra != 0 || missing != 0 {
			t.Fatalf("%s: dossier_visibility has %d rows the rule does not give and lacks %d of its rows", step, extra, missing)
		}
		return rows
	}
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := owner.Exec(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	sees := func(org, dossier int64) bool {
		t.Helper()
		var ok bool
		if err := owner.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM dossier_visibility WHERE org_id = $1 AND dossier_id = $2)`, org, dossier).Scan(&ok); err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if check("demo") == 0 {
		t.Fatal("dossier_visibility is empty after the demo")
	}

	// A draft of a new structure seated in one département, and the CPAM
	// of another.
	var draft, structure, cpamHere, cpamThere int64
	var depHere, depThere string
	if err := owner.QueryRow(ctx, `SELECT o.id, od.departement, od.org_id FROM organisations o
		JOIN organisation_departements od ON od.org_id = o.id WHERE o.kind = 'cpam' ORDER BY o.id, od.departement LIMIT 1`).Scan(&cpamHere, &depHere, &cpamHere); err != nil {
		t.Fatal(err)
	}
	if err := owner.QueryRow(ctx, `SELECT od.org_id, od.departement FROM organisation_departements od
		JOIN organisations o ON o.id = od.org_id AND o.kind = 'cpam' WHERE od.org_id <> $1 ORDER BY od.org_id, od.departement LIMIT 1`, cpamHere).Scan(&cpamThere, &depThere); err != nil {
		t.Fatal(err)
	}
	if err := owner.QueryRow(ctx, `INSERT INTO organisations (kind, name, structure_type, departement, region)
		SELECT 'structure', 'CPTS Visibilité', 'CPTS', d.code, d.region FROM departements d WHERE d.code = $1 RETURNING id`, depHere).Scan(&structure); err != nil {
		t.Fatal(err)
	}
	if err := owner.QueryRow(ctx, `INSERT INTO dossiers (structure_id, structure_type) VALUES ($1, 'CPTS') RETURNING id`, structure).Scan(&draft); err != nil {
		t.Fatal(err)
	}
	check("a new draft")
	if !sees(structure, draft) || !sees(cpamHere, draft) || sees(cpamThere, draft) {
		t.Fatalf("a new draft in %s: seen by its structure %v, by the CPAM of its seat %v, by another CPAM %v", depHere, sees(structure, draft), sees(cpamHere, draft), sees(cpamThere, draft))
	}

	// Its structure moves: the draft follows the seat.
	exec(`UPDATE organisations SET departement = $2, region = (SELECT region FROM departements WHERE code = $2) WHERE id = $1`, structure, depThere)
	check("the seat moved")
	if sees(cpamHere, draft) || !sees(cpamThere, draft) {
		t.Fatalf("after the move: the old CPAM sees it %v, the new one %v", sees(cpamHere, draft), sees(cpamThere, draft))
	}

	// The first CPAM takes the département: it sees the draft too.
	exec(`INSERT INTO organisation_departements (org_id, departement) VALUES ($1, $2)`, cpamHere, depThere)
	check("a CPAM's départements")
	if !sees(cpamHere, draft) {
		t.Fatal("a CPAM given the draft's département does not see it")
	}
	exec(`DELETE FROM organisation_departements WHERE org_id = $1 AND departement = $2`, cpamHere, depThere)
	check("a CPAM's départements given back")

	// A new ARS of the seat's region sees the draft.
	var ars int64
	if err := owner.QueryRow(ctx, `INSERT INTO organisations (kind, name, region)
		SELECT 'ars', 'ARS Visibilité', region FROM departements WHERE code = $1 RETURNING id`, depThere).Scan(&ars); err != nil {
		t.Fatal(err)
	}
	check("a new ARS")
	if !sees(ars, draft) {
		t.Fatal("a new ARS of the seat's region does not see the draft")
	}

	// Bound (filed) to the first CPAM: it keeps the binding whatever the seat.
	exec(`UPDATE dossiers SET bound_at = now(), cpam_id = $2, ars_id = NULL, dcgdr_id = NULL WHERE id = $1`, draft, cpamHere)
	check("the draft bound")
	if !sees(cpamHere, draft) || sees(cpamThere, draft) || sees(ars, draft) {
		t.Fatalf("after the binding: bound CPAM %v, seat's CPAM %v, seat's ARS %v", sees(cpamHere, draft), sees(cpamThere, draft), sees(ars, draft))
	}
	exec(`UPDATE organisations SET departement = $2 WHERE id = $1`, structure, depHere)
	check("a bound dossier's structure moved")
	if !sees(cpamHere, draft) || !sees(structure, draft) {
		t.Fatal("a bound dossier lost its binding's visibility when its structure moved")
	}

	exec(`UPDATE dossiers SET state = 'lettre_intention_deposee' WHERE id = $1`, draft)
	check("a transition")
	var inState int
	if err := owner.QueryRow(ctx, `SELECT count(*) FROM dossier_visibility WHERE dossier_id = $1 AND state = 'lettre_intention_deposee'`, draft).Scan(&inState); err != nil || inState < 2 {
		t.Fatalf("after a transition, %d rows of the dossier carry its new state (%v)", inState, err)
	}

	exec(`DELETE FROM dossiers WHERE id = $1`, draft)
	check("the dossier deleted")
	if sees(structure, draft) {
		t.Fatal("a deleted dossier is still visible")
	}
}

// TestListDossiersInStatesSameAsFiltered: the list of an agency's dossiers
// in some states (read through dossier_visibility's state) is the list of
// all its dossiers filtered by state, for every demo account.
func TestListDossiersInStatesSameAsFiltered(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	scopes := demo(t, st)
	checked := 0
	for email, sc := range scopes {
		all, total, err := st.ListDossiers(ctx, sc, store.DossierFilter{}, store.Page{Number: 1, Size: 200})
		if err != nil || total > len(all) {
			t.Fatalf("%s: %d of %d dossiers (%v)", email, len(all), total, err)
		}
		byState := map[workflow.State][]int64{}
		for _, d := range all {
			byState[d.State] = append(byState[d.State], d.ID)
		}
		for state, ofState := range byState {
			got, n, err := st.ListDossiers(ctx, sc, store.DossierFilter{States: []workflow.State{state, workflow.Refusee}}, store.Page{Number: 1, Size: 200})
			if err != nil {
				t.Fatal(err)
			}
			// Two states asked at once: this one and « refusée ».
			want := slices.Clone(ofState)
			if state != workflow.Refusee {
				want = append(want, byState[workflow.Refusee]...)
			}
			var ids []int64
			for _, d := range got {
				ids = append(ids, d.ID)
			}
			slices.Sort(ids)
			slices.Sort(want)
			if n != len(want) || !slices.Equal(ids, want) {
				t.Errorf("%s, state %s: %v (count %d), want %v", email, state, ids, n, want)
			}
			checked++
		}
	}
	if checked < 10 {
		t.Fatalf("only %d (account, state) pairs checked", checked)
	}
}
