package store_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/contractlife"
	"github.com/portail-aci/aci/internal/domain/funding"
	"github.com/portail-aci/aci/internal/domain/workflow"
	"github.com/portail-aci/aci/internal/store"
	"github.com/portail-aci/aci/internal/store/pgtest"
)

// setPaymentState moves a payment to a state for the test's figures (the
// payment lifecycle's own acts are tested with them): ordonnance, verse or
// recouvre on day on.
func setPaymentState(t *testing.T, st *store.Store, id int64, state string, on domain.Date) {
	t.Helper()
	var err error
	switch state {
	case "ordonnance":
		_, err = pgtest.Owner(t, st).Exec(context.Background(), `UPDATE payments SET status = 'ordonnance', ordered_on = $2 WHERE id = $1`, id, on.String())
	default:
		_, err = pgtest.Owner(t, st).Exec(context.Background(), `UPDATE payments SET status = $2, ordered_on = $3, paid_on = $3 WHERE id = $1`, id, state, on.String())
	}
	if err != nil {
		t.Fatal(err)
	}
}

func scopeOf(t *testing.T, st *store.Store, email string) store.Scope {
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

// The homes' and the steering page's sums, to the cent, from a real
// contract's schedule (itself checked against funding.BuildSchedule): some
// payments paid, one ordered, a recovery planned then recovered; the ARS
// of another region sees none of it.
func TestDashboardMoneyAggregates(t *testing.T) {
	ctx := context.Background()
	st, scopes := contractFixture(t)
	sid := scopes[coordA].OrgID
	// The demo's own structures of region 84 (the Côtière's contract, the
	// amorçages of the other dossiers) are on the steering page before this
	// test adds anything: their figures are the baseline, itself checked
	// against the payments of the region's structures read without the
	// scope.
	steerings := []struct {
		name string
		sc   store.Scope
		f    store.SteeringFilter
	}{{"ars", scopes[arsDir], store.SteeringFilter{}}, {"admin 84", scopes[adminD], store.SteeringFilter{Region: "84"}}}
	base := map[string]store.Steering{}
	for _, v := range steerings {
		s, err := st.Steering(ctx, v.sc, v.f)
		if err != nil {
			t.Fatal(err)
		}
		var n int
		var sum int64
		if err := pgtest.Owner(t, st).QueryRow(ctx, `SELECT count(*), coalesce(sum(p.amount_cents), 0)::bigint FROM payments p JOIN organisations o ON o.id = p.structure_id
			WHERE p.status <> 'annule' AND o.departement IN (SELECT code FROM departements WHERE region = '84')`).Scan(&n, &sum); err != nil {
			t.Fatal(err)
		}
		tot := moneyLines(s)["total:"]
		if tot.Count != n || tot.Planned+tot.Ordered+tot.Paid-tot.ToRecover-tot.Recovered != domain.Cents(sum) {
			t.Fatalf("%s: baseline %+v, the region's payments %d for %s", v.name, tot, n, domain.FormatEUR(domain.Cents(sum)))
		}
		base[v.name] = s
	}
	tr, err := st.Territory(ctx, scopes[coordA], sid)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.AddCommunes(ctx, scopes[coordA], sid, tr.Version, []string{"01053", "01283"}); err != nil {
		t.Fatal(err)
	}
	start := domain.NewDate(2026, time.March, 2)
	id, c := activeContract(t, st, scopes, coordA, start)
	// The contract's payments as its life creates them: fonctionnement at
	// the signature, each mission's advance at its start, year 2's advances
	// at the first anniversary (the anniversary job).
	startMissions(t, st, scopes[coordA], c, start)
	jobFor(t, st, scopes[cpamMgr], c, contractlife.Anniversary(start, 1))
	ps, err := st.ContractPayments(ctx, scopes[cpamMgr], id)
	if err != nil {
		t.Fatal(err)
	}
	// The dossier's own payment: the amorçage of the lettre d'intention
	// (year 0, no contract), planned.
	pre, err := st.DossierPayments(ctx, scopes[cpamMgr], id)
	if err != nil || len(pre) != 1 || pre[0].ContractYear != 0 {
		t.Fatalf("dossier payments %+v %v", pre, err)
	}
	life := lifeOf(t, st, scopes[cpamMgr], c)
	sched, err := contractlife.SignaturePayments(life)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range funding.AllMissions() {
		if on, ok := life.Starts[m]; ok {
			adv, err := contractlife.StartAdvance(life, m, on)
			if err != nil {
				t.Fatal(err)
			}
			sched = append(sched, adv...)
		}
	}
	y2, err := contractlife.AnniversaryAdvances(life, 2)
	if err != nil {
		t.Fatal(err)
	}
	sched = append(sched, y2...)
	var schedTotal domain.Cents
	for _, p := range sched {
		schedTotal += p.Amount
	}
	schedTotal += pre[0].Amount
	sched = append(sched, funding.Payment{Amount: pre[0].Amount})
	ps = append(pre, ps...)

	// Year 1's lines paid on their due day, year 2's first line ordered.
	want := map[int]store.MoneyTotals{}
	civil := map[int]store.MoneyTotals{}
	var total store.MoneyTotals
	ordered := false
	var paid2026 domain.Cents
	for _, p := range ps {
		w, cv := want[p.ContractYear], civil[p.Due.Y]
		switch {
		case p.ContractYear == 1:
			setPaymentState(t, st, p.ID, "verse", p.Due)
			w.Paid += p.Amount
			cv.Paid += p.Amount
			total.Paid += p.Amount
			if p.Due.Y == 2026 {
				paid2026 += p.Amount
			}
		case p.ContractYear == 2 && !ordered:
			ordered = true
			setPaymentState(t, st, p.ID, "ordonnance", p.Due)
			w.Ordered += p.Amount
			cv.Ordered += p.Amount
			total.Ordered += p.Amount
		default:
			w.Planned += p.Amount
			cv.Planned += p.Amount
			total.Planned += p.Amount
		}
		w.Count++
		cv.Count++
		total.Count++
		want[p.ContractYear], civil[p.Due.Y] = w, cv
	}
	if total.Paid+total.Ordered+total.Planned != schedTotal || total.Count != len(sched) || want[2].Count == 0 {
		t.Fatalf("schedule %s (%d lines), stored %s (%d)", domain.FormatEUR(schedTotal), len(sched), domain.FormatEUR(total.Paid+total.Ordered+total.Planned), total.Count)
	}
	// A recovery of 1 234,56 € (year 1) recovered on 10/11/2026, another of
	// 100,01 € still to recover (year 2).
	ids, err := store.AddPaymentsForTest(ctx, st, store.ContractOwner(c), []store.NewPayment{
		{Payment: funding.Payment{Due: domain.NewDate(2026, time.November, 1), ContractYear: 1, Kind: "recouvrement", Amount: -123456, Rule: "Trop-perçu"}},
		{Payment: funding.Payment{Due: domain.NewDate(2027, time.November, 1), ContractYear: 2, Kind: "recouvrement", Amount: -10001, Rule: "Trop-perçu"}},
	}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	setPaymentState(t, st, ids[0], "recouvre", domain.NewDate(2026, time.November, 10))
	for y, amount := range map[int]domain.Cents{1: 123456, 2: 10001} {
		w := want[y]
		if y == 1 {
			w.Recovered += amount
		} else {
			w.ToRecover += amount
		}
		w.Count++
		want[y] = w
	}
	total.Recovered, total.ToRecover, total.Count = 123456, 10001, total.Count+2

	// The coordinator's home: per contract year.
	got, err := st.StructureMoney(ctx, scopes[coordA], sid)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("years %+v, want %+v", got, want)
	}
	for _, y := range got {
		if y.MoneyTotals != want[y.Year] {
			t.Errorf("year %d: %+v, want %+v", y.Year, y.MoneyTotals, want[y.Year])
		}
	}
	// Outside the scope: nothing.
	if got, err := st.StructureMoney(ctx, scopes[coordB], sid); err != nil || len(got) != 0 {
		t.Fatalf("another structure sees %+v %v", got, err)
	}

	// The referent: what is prévu and due by a day.
	day := start.AddYears(2)
	var n int
	var sum domain.Cents
	for _, p := range ps {
		if p.ContractYear != 1 && !p.Due.After(day) { // year 0: the amorçage
			n++
			sum += p.Amount
		}
	}
	n--                        // the ordered one
	sum -= want[2].Ordered     // idem
	n, sum = n+1, sum+(-10001) // the recovery of year 2, prévu, due 01/11/2027
	// The demo's other structures of the Ain (the Côtière's contract) are
	// the CPAM de l'Ain's too, read here without the scope; the MSP de
	// Démo-Lille's payments are in the CPAM du Nord's scope.
	var on int
	var osum int64
	if err := pgtest.Owner(t, st).QueryRow(ctx, `SELECT count(*), coalesce(sum(p.amount_cents), 0)::bigint FROM payments p JOIN organisations o ON o.id = p.structure_id
		WHERE o.departement = '01' AND p.status = 'prevu' AND p.due_on <= $1::date AND p.dossier_id <> $2`, day.String(), id).Scan(&on, &osum); err != nil {
		t.Fatal(err)
	}
	n, sum = n+on, sum+domain.Cents(osum)
	gn, gsum, err := st.PaymentsToOrder(ctx, scopes[referen], day)
	if err != nil || gn != n || gsum != sum {
		t.Fatalf("to order %d %s (%v), want %d %s", gn, domain.FormatEUR(gsum), err, n, domain.FormatEUR(sum))
	}

	// The steering page of the ARS of the region (84) and of the admin
	// filtered on it: the same figures, to the cent.
	hdf := scopeOf(t, st, "ars.hdf@demo.portail-aci.fr")
	// This test's lines, added to the baseline.
	delta := map[string]store.MoneyTotals{"total:": total, "region:84": total}
	for y, w := range want {
		delta["annee_contrat:"+strconv.Itoa(y)] = w
	}
	for y, w := range civil {
		delta["annee_civile:"+strconv.Itoa(y)] = w
	}
	c26 := delta["annee_civile:2026"]
	c26.Count++
	c26.Recovered = 123456
	delta["annee_civile:2026"] = c26
	c27 := delta["annee_civile:2027"]
	c27.Count++
	c27.ToRecover = 10001
	delta["annee_civile:2027"] = c27
	now, err := st.ContractPayments(ctx, scopes[cpamMgr], id) // with their states set above
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range append(pre, now...) {
		if p.Kind == contractlife.KindRecouvrement {
			continue // below
		}
		k := "mission:" + string(p.Mission)
		m := delta[k]
		m.Count++
		switch p.Status {
		case store.PaymentVerse:
			m.Paid += p.Amount
		case store.PaymentOrdonnance:
			m.Ordered += p.Amount
		default:
			m.Planned += p.Amount
		}
		delta[k] = m
	}
	rec := delta["mission:"] // the recoveries have no mission
	rec.Count += 2
	rec.Recovered += 123456
	rec.ToRecover += 10001
	delta["mission:"] = rec
	for _, v := range steerings {
		s, err := st.Steering(ctx, v.sc, v.f)
		if err != nil {
			t.Fatal(err)
		}
		lines, b := moneyLines(s), moneyLines(base[v.name])
		for k := range lines {
			if _, ok := b[k]; !ok {
				if _, ok := delta[k]; !ok {
					t.Errorf("%s: unexpected line %s %+v", v.name, k, lines[k])
				}
			}
			if strings.HasPrefix(k, "region:") && k != "region:84" {
				t.Errorf("%s: sees %s", v.name, k)
			}
		}
		for k, d := range delta {
			if w := addMoney(b[k], d); lines[k] != w {
				t.Errorf("%s: %s %+v, want %+v", v.name, k, lines[k], w)
			}
		}
		if s.ContractsN[string(workflow.Actif)] != base[v.name].ContractsN[string(workflow.Actif)]+1 {
			t.Errorf("%s: contracts %+v, before %+v", v.name, s.Contracts, base[v.name].Contracts)
		}
		// Coverage: the two communes of the territory added over the region.
		var pop, covered int64
		if err := pgtest.Owner(t, st).QueryRow(ctx, `SELECT sum(population) FROM communes WHERE region = '84' AND actuelle`).Scan(&pop); err != nil {
			t.Fatal(err)
		}
		if err := pgtest.Owner(t, st).QueryRow(ctx, `SELECT sum(population) FROM communes WHERE code IN ('01053', '01283')`).Scan(&covered); err != nil {
			t.Fatal(err)
		}
		bc := base[v.name].Coverage
		if len(s.Coverage) != 2 || len(bc) != 2 || s.Coverage[0].Code != "84" || s.Coverage[0].Population != pop || s.Coverage[0].Covered != bc[0].Covered+covered ||
			s.Coverage[1].Code != "" || s.Coverage[1].Population != pop || covered == 0 {
			t.Errorf("%s: coverage %+v, want %d more than %+v / %d", v.name, s.Coverage, covered, bc, pop)
		}
		tiers := func(s store.Steering) int {
			n := 0
			for _, x := range s.CPTS {
				if x.State == workflow.Actif && x.Tier == c.Tier {
					n += x.N
				}
			}
			return n
		}
		if tiers(s) != tiers(base[v.name])+1 {
			t.Errorf("%s: CPTS by tier %+v, before %+v (contract tier %d)", v.name, s.CPTS, base[v.name].CPTS, c.Tier)
		}
	}
	// The ARS of Hauts-de-France sees nothing of region 84.
	s, err := st.Steering(ctx, hdf, store.SteeringFilter{Region: "84"})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range s.Money {
		if l.Count != 0 || l.Paid != 0 {
			t.Errorf("ars hdf filtered on 84 sees money %+v", l)
		}
	}
	if len(s.Structures) != 0 || len(s.Contracts) != 0 || len(s.CPTS) != 0 {
		t.Errorf("ars hdf sees %+v %+v %+v", s.Structures, s.Contracts, s.CPTS)
	}
	s, err = st.Steering(ctx, hdf, store.SteeringFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range s.Money {
		if l.Axis == store.AxisRegion && l.Key != "32" {
			t.Errorf("ars hdf sees region %s", l.Key)
		}
	}
	for _, cv := range s.Coverage {
		if cv.Code != "32" && cv.Code != "" {
			t.Errorf("ars hdf sees the coverage of %s", cv.Code)
		}
	}

	// The yearly statement of 2026: the paid lines of 2026 and the recovery.
	lines, err := st.Statement(ctx, scopes[coordA], sid, 2026)
	if err != nil {
		t.Fatal(err)
	}
	var net domain.Cents
	for _, l := range lines {
		if l.On.Y != 2026 || l.Contract != c.Terms.Reference {
			t.Errorf("line %+v", l)
		}
		net += l.Amount
	}
	if net != paid2026-123456 {
		t.Fatalf("statement 2026: %s, want %s", domain.FormatEUR(net), domain.FormatEUR(paid2026-123456))
	}
	for _, who := range []store.Scope{scopes[coordB], hdf} {
		if got, err := st.Statement(ctx, who, sid, 2026); err != nil || len(got) != 0 {
			t.Errorf("outside the scope: %+v %v", got, err)
		}
	}
}

func moneyLines(s store.Steering) map[string]store.MoneyTotals {
	out := map[string]store.MoneyTotals{}
	for _, l := range s.Money {
		out[string(l.Axis)+":"+l.Key] = l.MoneyTotals
	}
	return out
}

func addMoney(a, b store.MoneyTotals) store.MoneyTotals {
	return store.MoneyTotals{Planned: a.Planned + b.Planned, Ordered: a.Ordered + b.Ordered, Paid: a.Paid + b.Paid,
		ToRecover: a.ToRecover + b.ToRecover, Recovered: a.Recovered + b.Recovered, Count: a.Count + b.Count}
}
