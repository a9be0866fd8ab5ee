package seed_test

import (
	"context"
	"testing"
	"time"

	"github.com/portail-aci/aci/internal/auth"
	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/contractlife"
	"github.com/portail-aci/aci/internal/domain/funding"
	"github.com/portail-aci/aci/internal/domain/workflow"
	"github.com/portail-aci/aci/internal/seed"
	"github.com/portail-aci/aci/internal/store"
	"github.com/portail-aci/aci/internal/store/pgtest"
)

// TestDemoSurvivesItsUsers: whatever users did to the demo records —
// renamed and archived structures, an account renamed, disabled, with
// another password and without its membership — the next load finds them
// by their key and restores them, with no duplicate.
func TestDemoSurvivesItsUsers(t *testing.T) {
	ctx := context.Background()
	st := pgtest.Store(t, time.Now)
	// A demo loaded before the keys existed: an unkeyed organisation of a
	// demo name is adopted, not duplicated.
	if _, err := pgtest.Owner(t, st).Exec(ctx, `INSERT INTO organisations (kind, name, structure_type, departement) VALUES ('structure', $1, 'CPTS', '01')`, seed.ValDeDemo); err != nil {
		t.Fatal(err)
	}
	if err := seed.Demo(ctx, st); err != nil {
		t.Fatal(err)
	}
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := pgtest.Owner(t, st).Exec(ctx, q, args...); err != nil {
			t.Fatal(err)
		}
	}
	exec(`UPDATE organisations SET name = 'CPTS renommée par un utilisateur' WHERE demo_key = $1`, seed.ValDeDemo)
	exec(`UPDATE organisations SET archived_at = now() WHERE demo_key = $1`, seed.MontsDeDemo)
	other, _ := auth.Hash("un autre mot de passe choisi")
	exec(`UPDATE users SET name = 'Quelqu''un', password_hash = $2, disabled_at = now() WHERE email = $1`, "referent@demo.portail-aci.fr", other)
	exec(`DELETE FROM memberships WHERE user_id = (SELECT id FROM users WHERE email = $1)`, "coordinateur@demo.portail-aci.fr")

	if err := seed.Demo(ctx, st); err != nil {
		t.Fatalf("second load: %v", err)
	}
	var orgs, named, archived int
	pgtest.Owner(t, st).QueryRow(ctx, `SELECT count(*) FROM organisations WHERE lower(name) IN (lower($1), lower($2))`, seed.ValDeDemo, seed.MontsDeDemo).Scan(&named)
	pgtest.Owner(t, st).QueryRow(ctx, `SELECT count(*) FROM organisations WHERE demo_key IS NOT NULL`).Scan(&orgs)
	pgtest.Owner(t, st).QueryRow(ctx, `SELECT count(*) FROM organisations WHERE demo_key IS NOT NULL AND archived_at IS NOT NULL`).Scan(&archived)
	if named != 2 || archived != 0 {
		t.Fatalf("structures: %d with the demo names (want 2), %d archived", named, archived)
	}
	var total int
	pgtest.Owner(t, st).QueryRow(ctx, `SELECT count(*) FROM organisations`).Scan(&total)
	if total != orgs {
		t.Fatalf("%d organisations, %d of the demo: a duplicate was created", total, orgs)
	}
	u, err := st.UserByEmail(ctx, "referent@demo.portail-aci.fr")
	if err != nil || u.DisabledAt != nil || u.Name == "Quelqu'un" || !auth.Check(u.PasswordHash, seed.DemoPassword) {
		t.Fatalf("referent not restored: %+v %v", u, err)
	}
	c, _ := st.UserByEmail(ctx, "coordinateur@demo.portail-aci.fr")
	if ms, err := st.Memberships(ctx, c.ID); err != nil || len(ms) != 1 || ms[0].OrgName != seed.ValDeDemo {
		t.Fatalf("coordinator's membership not restored: %+v %v", ms, err)
	}
	// A third load changes nothing (the sessions of the demo accounts go on).
	before := u.SessionEpoch
	if err := seed.Demo(ctx, st); err != nil {
		t.Fatal(err)
	}
	if u2, _ := st.UserByEmail(ctx, u.Email); u2.SessionEpoch != before || u2.PasswordHash != u.PasswordHash {
		t.Fatal("an unchanged demo account was rewritten (its sessions would end)")
	}
}

// TestDemoCotiere: the fourth demo CPTS, found by its demo key whatever its
// name, has a contract signed 13 months before the load, accès and crise
// started at the signature, parcours four months later, prévention not
// started (late), the starts' advances to the cent and the second year's
// anniversary advances; a second load (after a rename) changes nothing.
func TestDemoCotiere(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := pgtest.Store(t, time.Now)
	if err := seed.Demo(ctx, st); err != nil {
		t.Fatal(err)
	}
	org, err := st.DemoOrganisationID(ctx, seed.CotiereDeDemo)
	if err != nil {
		t.Fatal(err)
	}
	check := func() (store.Contract, int) {
		t.Helper()
		u, err := st.UserByEmail(ctx, seed.CotiereCoordinator)
		if err != nil {
			t.Fatal(err)
		}
		sc, err := st.ScopeFor(ctx, u.ID, org)
		if err != nil {
			t.Fatal(err)
		}
		var pop int64
		if err := pgtest.Owner(t, st).QueryRow(ctx, `SELECT sum(c.population) FROM territory_communes tc JOIN communes c ON c.code = tc.commune_code WHERE tc.structure_id = $1`, org).Scan(&pop); err != nil {
			t.Fatal(err)
		}
		ds, _, err := st.ListDossiers(ctx, sc, store.DossierFilter{StructureID: org}, store.Page{Number: 1, Size: 5})
		if err != nil || len(ds) != 1 {
			t.Fatalf("dossiers %v %v", ds, err)
		}
		c, err := st.ContractByDossier(ctx, sc, ds[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		today := domain.DateOf(time.Now())
		tier, err := funding.Avenant2().Tier(pop)
		if err != nil || c.State != workflow.Actif || c.Start != seed.CotiereSignedOn(today) || c.Tier != tier || tier != 2 || pop < 55_000 || pop > 65_000 {
			t.Fatalf("contract %s signed %s tier %d (population %d, tier %d) %v", c.State, c.Start, c.Tier, pop, tier, err)
		}
		progress, err := st.ContractMissions(ctx, sc, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := map[funding.Mission]domain.Date{funding.Acces: c.Start, funding.Crise: c.Start, funding.Parcours: c.Start.AddMonths(4)}
		if len(progress) != len(want) {
			t.Fatalf("progress %+v", progress)
		}
		for _, p := range progress {
			if p.StartedOn != want[p.Mission] || contractlife.Lateness(p.Progress(), c.Start, today).Any() {
				t.Errorf("%s started %s", p.Mission, p.StartedOn)
			}
		}
		if l := contractlife.Lateness(contractlife.Progress{Mission: funding.Prevention}, c.Start, today); !l.Start {
			t.Error("prévention not late")
		}
		baremes, err := st.LoadBaremes(ctx)
		if err != nil {
			t.Fatal(err)
		}
		life, err := store.LifeContract(c, baremes, progress)
		if err != nil {
			t.Fatal(err)
		}
		ps, err := st.ContractPayments(ctx, sc, c.DossierID)
		if err != nil {
			t.Fatal(err)
		}
		wantPays, _ := contractlife.SignaturePayments(life)
		for _, m := range []funding.Mission{funding.Acces, funding.Parcours} {
			adv, _ := contractlife.StartAdvance(life, m, want[m])
			wantPays = append(wantPays, adv...)
		}
		y2, _ := contractlife.AnniversaryAdvances(life, 2)
		wantPays = append(wantPays, y2...)
		if len(ps) != len(wantPays) {
			t.Fatalf("%d payments, want %d", len(ps), len(wantPays))
		}
		for _, w := range wantPays {
			found := false
			for _, p := range ps {
				found = found || (p.ContractYear == w.ContractYear && p.Mission == w.Mission && p.Kind == w.Kind && p.Amount == w.Amount && p.Due == w.Due)
			}
			if !found {
				t.Errorf("missing %+v", w)
			}
		}
		return c, len(ps)
	}
	c1, n1 := check()
	if _, err := pgtest.Owner(t, st).Exec(ctx, `UPDATE organisations SET name = 'CPTS renommée' WHERE demo_key = $1`, seed.CotiereDeDemo); err != nil {
		t.Fatal(err)
	}
	if err := seed.Demo(ctx, st); err != nil {
		t.Fatalf("second load: %v", err)
	}
	c2, n2 := check()
	if c2.ID != c1.ID || c2.Version != c1.Version || n2 != n1 {
		t.Fatalf("second load changed the contract: %d/%d, %d/%d payments", c1.Version, c2.Version, n1, n2)
	}
}
