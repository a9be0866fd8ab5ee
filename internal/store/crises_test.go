package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/contractlife"
	"github.com/portail-aci/aci/internal/domain/funding"
	"github.com/portail-aci/aci/internal/store"
	"github.com/portail-aci/aci/internal/store/pgtest"
)

// scopeOfEmail is the scope of a seeded account's only membership.
func scopeOfEmail(t *testing.T, st *store.Store, email string) store.Scope {
	t.Helper()
	ctx := context.Background()
	u, err := st.UserByEmail(ctx, email)
	if err != nil {
		t.Fatal(err)
	}
	ms, err := st.Memberships(ctx, u.ID)
	if err != nil || len(ms) == 0 {
		t.Fatalf("%s: %v %v", email, ms, err)
	}
	sc, err := st.ScopeFor(ctx, u.ID, ms[0].OrgID)
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

// freeCommunes returns communes of département dep held by no CPTS, largest
// first, whose population sums to at least min (and below max), for a
// territory of a chosen tier.
func freeCommunes(t *testing.T, st *store.Store, dep string, min, max int64, skip []string) ([]string, int64) {
	t.Helper()
	rows, err := pgtest.Owner(t, st).Query(context.Background(), `SELECT code, population FROM communes WHERE departement = $1 AND actuelle
		AND code NOT IN (SELECT commune_code FROM territory_communes) AND NOT (code = ANY(coalesce($2::text[], '{}'))) ORDER BY population DESC, code LIMIT 400`, dep, skip)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var codes []string
	var sum int64
	for rows.Next() && sum < min {
		var c string
		var p int64
		if err := rows.Scan(&c, &p); err != nil {
			t.Fatal(err)
		}
		if sum+p >= max {
			continue
		}
		codes, sum = append(codes, c), sum+p
	}
	if sum < min {
		t.Fatalf("no communes of %s for %d–%d", dep, min, max)
	}
	return codes, sum
}

// tieredContract gives the CPTS of scopes[who] a territory of about
// population [min, max), then walks a dossier to an active contract signed
// on day.
func tieredContract(t *testing.T, st *store.Store, scopes map[string]store.Scope, who string, min, max int64, day domain.Date) (int64, store.Contract) {
	t.Helper()
	ctx := context.Background()
	sc := scopes[who]
	if min > 0 {
		codes, _ := freeCommunes(t, st, "01", min, max, nil)
		tr, err := st.Territory(ctx, sc, sc.OrgID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.AddCommunes(ctx, sc, sc.OrgID, tr.Version, codes); err != nil {
			t.Fatal(err)
		}
	}
	return activeContract(t, st, scopes, who, day)
}

// lifeOf is the contract's life of c with a tier per year, computed here
// from the domain (the store's amounts are checked against it).
func crisisLifeOf(t *testing.T, c store.Contract, tiers [funding.ContractYears]int) contractlife.Contract {
	t.Helper()
	bs, err := contractlife.BaremesByYear(funding.Builtin(), c.Start)
	if err != nil {
		t.Fatal(err)
	}
	return contractlife.Contract{Signed: c.Start, Terms: contractlife.YearTerms(bs, tiers)}
}

func allYears(tier int) [funding.ContractYears]int {
	return [funding.ContractYears]int{tier, tier, tier, tier, tier}
}

func at(d domain.Date) time.Time { return d.Time().Add(10 * time.Hour) }

func uploadPlan(t *testing.T, st *store.Store, sc store.Scope, cid int64, day domain.Date) int {
	t.Helper()
	n, err := st.UploadCrisisPlan(context.Background(), sc, cid, "plan-crise.pdf", pdfBytes("plan"), at(day))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func resultOf(t *testing.T, res []store.CrisisResult, contractID int64) store.CrisisResult {
	t.Helper()
	for _, r := range res {
		if r.ContractID == contractID {
			return r
		}
	}
	t.Fatalf("contract %d not in the crisis results %+v", contractID, res)
	return store.CrisisResult{}
}

// A health crisis (docs/rules.md §4, §31): the ARS director declares it;
// every CPTS with a contract seated in its territory is listed with its
// crisis variable part (contractlife.CrisisPayment, to the cent) or the
// reason it gets nothing; once per contract year; the crisis plan's
// acceptance pays the first-writing amount, then the update amount.
func TestCrisisDeclarationAndPlanPayments(t *testing.T) {
	ctx := context.Background()
	st, scopes := contractFixture(t)
	signed := domain.NewDate(2026, time.March, 2)
	_, ca := tieredContract(t, st, scopes, coordA, 40000, 80000, signed) // Ain, tier 2
	scopes["cptsA2"] = testStructure(t, st, "CPTS Test Ain Deux", domain.CPTS, "01")
	_, cb := tieredContract(t, st, scopes, "cptsA2", 0, 0, signed) // Ain, tier 1, no plan
	if ca.Tier != 2 || cb.Tier != 1 {
		t.Fatalf("tiers %d %d", ca.Tier, cb.Tier)
	}
	lifeA := crisisLifeOf(t, ca, allYears(2))
	ars := scopes[arsDir]
	declare := func(name string, day domain.Date, deps ...string) (store.Crisis, []store.CrisisResult) {
		t.Helper()
		id, err := st.DeclareCrisis(ctx, ars, store.CrisisInput{Name: name, Start: day.AddDays(-3), End: day.AddDays(30), Departements: deps, At: at(day)})
		if err != nil {
			t.Fatal(err)
		}
		k, res, err := st.CrisisByID(ctx, ars, id)
		if err != nil {
			t.Fatal(err)
		}
		return k, res
	}
	// 1. No plan accepted yet: nothing, and the reason.
	d1 := domain.NewDate(2026, time.April, 10)
	_, res := declare("Canicule", d1, "01")
	r := resultOf(t, res, ca.ID)
	exp := contractlife.CrisisPayment(contractlife.Crisis{Name: "Canicule", Region: "84", Declared: d1, Departements: []string{"01"}},
		contractlife.CrisisCPTS{Region: "84", Departement: "01", Contract: lifeA, Active: true})
	if r.PaymentID != 0 || r.Reason != exp.Reason || !strings.Contains(r.Reason, "aucun plan de crise accepté le 10/04/2026") {
		t.Fatalf("no plan: %+v (want %q)", r, exp.Reason)
	}
	if _, res := declare("Pollution", d1, "69"); len(res) != 0 {
		t.Fatalf("Ain CPTS in a crisis of the Rhône: %+v", res)
	}

	// 2. The plan, first writing, accepted by the CPAM: its payment.
	n := uploadPlan(t, st, scopes[coordA], ca.ID, domain.NewDate(2026, time.April, 12))
	if _, err := st.UploadCrisisPlan(ctx, scopes[coordA], ca.ID, "x.pdf", pdfBytes("x"), at(d1)); domain.ErrorCode(err) != domain.EInvalid {
		t.Fatalf("second pending version: %v", err)
	}
	for _, who := range []string{coordA, arsDir, coordB} {
		if _, err := st.DecideCrisisPlan(ctx, scopes[who], store.PlanDecision{ContractID: ca.ID, N: n, Accept: true}); !domain.IsNotFound(err) {
			t.Fatalf("%s accepts the plan: %v", who, err)
		}
	}
	if _, err := st.DecideCrisisPlan(ctx, scopes[referen], store.PlanDecision{ContractID: ca.ID, N: n}); domain.ErrorCode(err) != domain.EInvalid {
		t.Fatalf("refusal without a reason: %v", err)
	}
	acc1 := domain.NewDate(2026, time.April, 15)
	got, err := st.DecideCrisisPlan(ctx, scopes[referen], store.PlanDecision{ContractID: ca.ID, N: n, Accept: true, At: at(acc1)})
	if err != nil {
		t.Fatal(err)
	}
	wp, err := contractlife.PlanPayment(lifeA, acc1, true, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got != wp.Amount || got != 35000_00 {
		t.Fatalf("first plan payment %s, want %s", domain.FormatEUR(got), domain.FormatEUR(wp.Amount))
	}

	// 3. A crisis in the Ain: the tier-2 CPTS gets exactly its amount.
	d2 := domain.NewDate(2026, time.May, 4)
	k2, res := declare("Épidémie de grippe", d2, "01")
	r = resultOf(t, res, ca.ID)
	exp = contractlife.CrisisPayment(contractlife.Crisis{Name: "Épidémie de grippe", Region: "84", Declared: d2, Departements: []string{"01"}},
		contractlife.CrisisCPTS{Region: "84", Departement: "01", Contract: lifeA, Active: true, PlanAccepted: []domain.Date{acc1}})
	if !exp.Due() || r.PaymentID == 0 || r.Amount != exp.Payment.Amount || r.Amount != 52500_00 || r.ContractYear != 1 || r.Reason != "" {
		t.Fatalf("crisis payment %+v, want %s", r, domain.FormatEUR(exp.Payment.Amount))
	}
	if k2.Paid != 1 || k2.Total != exp.Payment.Amount {
		t.Fatalf("crisis totals %+v", k2)
	}

	// 4. The whole region, same contract year: already paid; the other
	// CPTS has no plan.
	d3 := domain.NewDate(2026, time.June, 1)
	_, res = declare("Inondations", d3)
	if r := resultOf(t, res, ca.ID); r.PaymentID != 0 || !strings.Contains(r.Reason, "déjà versée pour l'année 1 du contrat") {
		t.Fatalf("twice in a year: %+v", r)
	}
	if r := resultOf(t, res, cb.ID); r.PaymentID != 0 || !strings.Contains(r.Reason, "aucun plan de crise") {
		t.Fatalf("without plan: %+v", r)
	}

	// 5. The yearly update: a second acceptance in the same contract year is
	// refused; the next year pays the update amount; a crisis then pays year 2.
	n2 := uploadPlan(t, st, scopes[coordA], ca.ID, domain.NewDate(2026, time.June, 2))
	if _, err := st.DecideCrisisPlan(ctx, scopes[referen], store.PlanDecision{ContractID: ca.ID, N: n2, Accept: true, At: at(domain.NewDate(2026, time.June, 3))}); domain.ErrorCode(err) != domain.EConflict {
		t.Fatalf("second plan payment in year 1: %v", err)
	}
	if _, err := st.DecideCrisisPlan(ctx, scopes[referen], store.PlanDecision{ContractID: ca.ID, N: n2, Reason: "À mettre à jour à l'anniversaire", At: at(domain.NewDate(2026, time.June, 3))}); err != nil {
		t.Fatal(err)
	}
	n3 := uploadPlan(t, st, scopes[coordA], ca.ID, domain.NewDate(2027, time.March, 5))
	acc2 := domain.NewDate(2027, time.March, 8)
	got, err = st.DecideCrisisPlan(ctx, scopes[referen], store.PlanDecision{ContractID: ca.ID, N: n3, Accept: true, At: at(acc2)})
	if err != nil {
		t.Fatal(err)
	}
	wp, _ = contractlife.PlanPayment(lifeA, acc2, false, []int{1})
	if got != wp.Amount || got != 17500_00 {
		t.Fatalf("update payment %s, want %s", domain.FormatEUR(got), domain.FormatEUR(wp.Amount))
	}
	d4 := domain.NewDate(2027, time.March, 20)
	_, res = declare("Épidémie", d4, "01", "69")
	if r := resultOf(t, res, ca.ID); r.ContractYear != 2 || r.Amount != 52500_00 {
		t.Fatalf("year 2 crisis: %+v", r)
	}
	plan, err := st.CrisisPlan(ctx, scopes[coordA], ca.ID)
	if err != nil || len(plan) != 3 || plan[0].State != "accepte" || plan[1].State != "refuse" || plan[1].Reason == "" || plan[2].Amount != 35000_00 {
		t.Fatalf("plan versions %+v %v", plan, err)
	}

	// Bad input: at the field, nothing saved; only an ARS director declares.
	before, total, _ := st.Crises(ctx, ars, store.Page{Number: 1, Size: 50})
	for _, tc := range []struct {
		name  string
		in    store.CrisisInput
		field string
	}{
		{"end before start", store.CrisisInput{Name: "X", Start: d4, End: d4.AddDays(-1)}, "end"},
		{"outside the region", store.CrisisInput{Name: "X", Start: d4, End: d4, Departements: []string{"59"}}, "departements"},
		{"empty name", store.CrisisInput{Name: "  ", Start: d4, End: d4}, "name"},
	} {
		_, err := st.DeclareCrisis(ctx, ars, tc.in)
		var de *domain.Error
		if !errors.As(err, &de) || de.Field != tc.field || de.Code != domain.EInvalid {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
	for _, who := range []string{"agent.ara@test.portail-aci.fr", referen, coordA, adminD, dcgdrR} {
		if _, err := st.DeclareCrisis(ctx, scopes[who], store.CrisisInput{Name: "X", Start: d4, End: d4}); !domain.IsNotFound(err) {
			t.Errorf("%s declares: %v", who, err)
		}
	}
	if after, n, _ := st.Crises(ctx, ars, store.Page{Number: 1, Size: 50}); n != total || len(after) != len(before) {
		t.Fatalf("bad input saved: %d → %d", total, n)
	}

	// Scope: ARS/DCGDR/admin see the region's 5 crises; the CPAM de l'Ain
	// those affecting the Ain; a CPAM and an ARS of another region none; a
	// structure those that paid it.
	nord, hdf := scopeOfEmail(t, st, "cpam.nord@demo.portail-aci.fr"), scopeOfEmail(t, st, "ars.hdf@demo.portail-aci.fr")
	for who, n := range map[string]int{arsDir: 5, dcgdrR: 5, adminD: 5, referen: 4, coordA: 2, coordB: 0, "cptsA2": 0} {
		if _, got, err := st.Crises(ctx, scopes[who], store.Page{Number: 1, Size: 10}); err != nil || got != n {
			t.Errorf("%s sees %d crises, want %d (%v)", who, got, n, err)
		}
	}
	for _, sc := range []store.Scope{nord, hdf} {
		if _, got, _ := st.Crises(ctx, sc, store.Page{Number: 1, Size: 10}); got != 0 {
			t.Errorf("%s sees %d crises", sc.OrgName, got)
		}
		if _, _, err := st.CrisisByID(ctx, sc, k2.ID); !domain.IsNotFound(err) {
			t.Errorf("%s reads a crisis: %v", sc.OrgName, err)
		}
	}
	// The structure sees its own line only.
	_, res, err = st.CrisisByID(ctx, scopes[coordA], k2.ID)
	if err != nil || len(res) != 1 || res[0].ContractID != ca.ID {
		t.Fatalf("structure's results %+v %v", res, err)
	}
	if _, _, err := st.CrisisByID(ctx, scopes[coordB], k2.ID); !domain.IsNotFound(err) {
		t.Fatalf("a CPTS not paid reads the crisis: %v", err)
	}
	// Every payment is in the dossier's audit chain, which still verifies.
	hist, err := st.DossierHistory(ctx, scopes[adminD], ca.DossierID)
	if err != nil {
		t.Fatal(err)
	}
	var crises, plans int
	for _, h := range hist {
		switch h.Transition {
		case store.TransitionCrise:
			crises++
		case store.TransitionPlanCriseAccepte:
			plans++
		}
	}
	if crises != 2 || plans != 2 {
		t.Fatalf("audit: %d crises, %d plans", crises, plans)
	}
	if rep, err := st.VerifyAudit(ctx); err != nil || rep.Broken != "" {
		t.Fatalf("verify %+v %v", rep, err)
	}
}
