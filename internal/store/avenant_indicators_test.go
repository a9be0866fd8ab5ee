package store_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/contractlife"
	"github.com/portail-aci/aci/internal/domain/funding"
	"github.com/portail-aci/aci/internal/store"
)

// signAvenant has the CPAM accept avenant aid and the three parties sign it.
func signAvenant(t *testing.T, st *store.Store, scopes map[string]store.Scope, cid, aid int64, day domain.Date) store.AvenantEffect {
	t.Helper()
	if err := st.DecideAvenant(context.Background(), scopes[referen], cid, aid, true, "", at(day)); err != nil {
		t.Fatal(err)
	}
	var eff store.AvenantEffect
	for _, who := range []string{coordA, arsDir, cpamMgr} {
		var err error
		if eff, err = st.SignAvenant(context.Background(), scopes[who], cid, aid, at(day)); err != nil {
			t.Fatalf("%s signs: %v", who, err)
		}
	}
	return eff
}

// closeYearWith declares vals for year n, has the referent validate them,
// records the dialogue de gestion and closes the year the day after its end.
func closeYearWith(t *testing.T, st *store.Store, scopes map[string]store.Scope, c store.Contract, n int, vals map[string]string) domain.Date {
	t.Helper()
	ctx := context.Background()
	w, _ := contractlife.DeclarationWindow(c.Start, n)
	in := w.Open.AddDays(3)
	if err := st.SaveDeclaration(ctx, scopes[coordA], store.DeclarationInput{ContractID: c.ID, Year: n, Values: vals, Submit: true, Today: in, At: at(in)}); err != nil {
		t.Fatalf("declare year %d: %v", n, err)
	}
	y := yearOf(t, st, scopes[referen], c, n, in)
	for _, ind := range y.Indicators {
		if err := st.ValidateValue(ctx, scopes[referen], store.ValidationInput{ContractID: c.ID, Year: n, Code: ind.Code, Version: ind.Version, At: at(in)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.RecordMeeting(ctx, scopes[referen], store.MeetingInput{ContractID: c.ID, Year: n, HeldOn: y.End.AddDays(-10), Structure: "Dr A", CPAM: "Mme B",
		ARS: "M. C", Minutes: "Compte rendu", Today: y.End}); err != nil {
		t.Fatal(err)
	}
	after := y.End.AddDays(2)
	if err := st.CloseYear(ctx, scopes[referen], c.ID, n, after, at(after)); err != nil {
		t.Fatalf("close year %d: %v", n, err)
	}
	return after
}

// An avenant's indicator changes (docs/rules.md §31): a new target of a
// mandatory indicator and an indicator added to prévention, effective on
// the first anniversary, apply from contract year 2; year 1 keeps its
// indicators; the year-2 balance is contractlife.YearBalance on the new
// targets, to the cent (and differs from the old targets'); the document
// shows before → after; bad values are refused at their field; once year 2
// is closed, an avenant reaching it is refused.
func TestIndicatorAvenantMovesTheYearBalance(t *testing.T) {
	ctx := context.Background()
	st, scopes := contractFixture(t)
	c := signedContract(t, st, scopes, coordA, domain.NewDate(2026, time.March, 2))
	signed := c.Start
	evalIndicators(t, st, c.DossierID)
	startMissions(t, st, scopes[coordA], c, signed)
	eff := contractlife.Anniversary(signed, 1)
	day := domain.NewDate(2026, time.May, 20)
	prop := store.AvenantProposal{ContractID: c.ID, Version: c.Version, Object: "Objectifs révisés", Effective: eff, At: at(day),
		Targets:      map[string]string{"patientele_mt": "95 %"},
		AddIndicator: store.AvenantNewIndicator{Mission: "prevention", Label: "Ateliers d'éducation", Direction: "croissant", Unit: "nombre", Baseline: "2", Target: "10", Weight: "1"}}

	// Bad input: each at its field, nothing recorded.
	for name, tc := range map[string]struct {
		mut    func(p *store.AvenantProposal)
		fields []string
	}{
		"text target":    {func(p *store.AvenantProposal) { p.Targets = map[string]string{"patientele_mt": "beaucoup"} }, []string{"target_patientele_mt"}},
		"above 100 %":    {func(p *store.AvenantProposal) { p.Targets = map[string]string{"patientele_mt": "101"} }, []string{"target_patientele_mt"}},
		"same target":    {func(p *store.AvenantProposal) { p.Targets = map[string]string{"patientele_mt": "90"} }, []string{"target_patientele_mt"}},
		"decimal count":  {func(p *store.AvenantProposal) { p.Targets = map[string]string{"depistage": "2,5"} }, []string{"target_depistage"}},
		"mandatory gone": {func(p *store.AvenantProposal) { p.RemoveIndicators = []string{"patientele_mt"} }, []string{"remove_indicators"}},
		"last of mission": {func(p *store.AvenantProposal) {
			p.AddIndicator = store.AvenantNewIndicator{}
			p.RemoveIndicators = []string{"depistage"}
		}, []string{"remove_indicators"}},
		"new without name": {func(p *store.AvenantProposal) { p.AddIndicator.Label = ""; p.AddIndicator.Baseline = "abc" }, []string{"add_label", "add_baseline"}},
		"no year after":    {func(p *store.AvenantProposal) { p.Effective = contractlife.Anniversary(signed, 4).AddDays(1) }, []string{"effective"}},
	} {
		p := prop
		tc.mut(&p)
		_, err := st.ProposeAvenant(ctx, scopes[coordA], p)
		f := yearFields(err)
		for _, want := range tc.fields {
			if f[want] == "" {
				t.Errorf("%s: no error at %s (%v)", name, want, err)
			}
		}
	}
	if avs, _ := st.ContractAvenants(ctx, scopes[coordA], c.ID); len(avs) != 0 {
		t.Fatalf("a refused proposal was recorded: %+v", avs)
	}

	aid, err := st.ProposeAvenant(ctx, scopes[coordA], prop)
	if err != nil {
		t.Fatal(err)
	}
	v, _ := st.ContractAvenant(ctx, scopes[coordA], c.ID, aid)
	if len(v.Changes.IndicatorChanges) != 2 || v.Changes.IndicatorChanges[0].FromYear != 2 {
		t.Fatalf("changes %+v", v.Changes.IndicatorChanges)
	}
	before := contractPayments(t, st, c.ID)
	if e := signAvenant(t, st, scopes, c.ID, aid, day); !e.Applied || e.Cancelled != 0 || e.Created != 0 {
		t.Fatalf("an indicator avenant moved advances: %+v", e)
	}
	if after := contractPayments(t, st, c.ID); len(after) != len(before) {
		t.Fatal("payments changed")
	}
	doc, err := st.AvenantDocument(ctx, scopes[coordA], c.ID, aid)
	if err != nil || !strings.Contains(doc.HTML, "à compter de l&#39;année 2 du contrat : 90\u00a0% → 95\u00a0%") || !strings.Contains(doc.HTML, "Ateliers d&#39;éducation") {
		t.Fatalf("document: %v\n%s", err, doc.HTML)
	}

	// Year 1 keeps its indicators; year 2 has the new target and indicator.
	y1 := yearOf(t, st, scopes[coordA], c, 1, day)
	y2 := yearOf(t, st, scopes[coordA], c, 2, day)
	if len(y1.Indicators) != 6 || y1.Indicators[0].Target.N != 9000 {
		t.Fatalf("year 1 changed: %d indicators, target %v", len(y1.Indicators), y1.Indicators[0].Target)
	}
	if len(y2.Indicators) != 7 || y2.Indicators[0].Target.N != 9500 || y2.Indicators[6].Code != "avenant_1" {
		t.Fatalf("year 2: %+v", y2.Indicators)
	}

	// Year 2: opened by the anniversary job, declared, validated, closed.
	if jobFor(t, st, scopes[referen], c, eff) == 0 {
		t.Fatal("no year-2 advance")
	}
	vals := map[string]string{"patientele_mt": "86", "sans_mt_ald_70_cmuc": "10", "urgences_sans_hospitalisation": "45",
		"admissions_directes_ville": "15", "consultations_snp": "2 000", "depistage": "150", "avenant_1": "8"}
	closed := closeYearWith(t, st, scopes, c, 2, vals)

	// The domain's balance on the new terms.
	pct := func(n int64) contractlife.Value { return contractlife.Value{Unit: contractlife.Percent, N: n} }
	cnt := func(n int64) contractlife.Value { return contractlife.Value{Unit: contractlife.Count, N: n} }
	all := func(v contractlife.Value) (out [funding.ContractYears]contractlife.Value) {
		for i := range out {
			out[i] = v
		}
		return out
	}
	base := []contractlife.IndicatorTerm{
		{Code: "patientele_mt", Mission: funding.Acces, Direction: funding.Increasing, Unit: contractlife.Percent, Weight: 2, Baseline: pct(8000), Targets: all(pct(9000)), Mandatory: true},
		{Code: "sans_mt_ald_70_cmuc", Mission: funding.Acces, Direction: funding.Decreasing, Unit: contractlife.Percent, Weight: 1, Baseline: pct(1200), Targets: all(pct(800)), Mandatory: true},
		{Code: "urgences_sans_hospitalisation", Mission: funding.Acces, Direction: funding.Decreasing, Unit: contractlife.Percent, Weight: 1, Baseline: pct(5000), Targets: all(pct(4000)), Mandatory: true},
		{Code: "admissions_directes_ville", Mission: funding.Parcours, Direction: funding.Increasing, Unit: contractlife.Percent, Weight: 1, Baseline: pct(1000), Targets: all(pct(2000)), Mandatory: true},
		{Code: "consultations_snp", Mission: funding.Acces, Direction: funding.Increasing, Unit: contractlife.Count, Weight: 1, Baseline: cnt(1000), Targets: all(cnt(3000)), Mandatory: true},
		{Code: "depistage", Mission: funding.Prevention, Direction: funding.Increasing, Unit: contractlife.Count, Weight: 1, Baseline: cnt(100), Targets: all(cnt(200))},
	}
	value := map[string]contractlife.Value{"patientele_mt": pct(8600), "sans_mt_ald_70_cmuc": pct(1000), "urgences_sans_hospitalisation": pct(4500),
		"admissions_directes_ville": pct(1500), "consultations_snp": cnt(2000), "depistage": cnt(150), "avenant_1": cnt(8)}
	changes := []contractlife.IndicatorChange{
		{Op: contractlife.IndicatorTarget, FromYear: 2, Code: "patientele_mt", Target: pct(9500)},
		{Op: contractlife.IndicatorAdd, FromYear: 2, Code: "avenant_1", Indicator: contractlife.IndicatorTerm{Code: "avenant_1", Mission: funding.Prevention,
			Direction: funding.Increasing, Unit: contractlife.Count, Weight: 1, Baseline: cnt(2), Targets: all(cnt(10))}},
	}
	baremes, err := st.LoadBaremes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	bs, _ := contractlife.BaremesByYear(baremes, c.Start)
	tiers, _ := contractlife.TiersByYear(c.Start, c.Tier, nil)
	starts := map[funding.Mission]domain.Date{}
	for _, m := range c.Terms.Missions {
		if m.Code != funding.Crise && m.Code != funding.Fonctionnement {
			starts[m.Code] = c.Start
		}
	}
	lc := contractlife.Contract{Signed: c.Start, Terms: contractlife.YearTerms(bs, tiers), Starts: starts}
	ps, err := st.ContractPayments(ctx, scopes[referen], c.DossierID)
	if err != nil {
		t.Fatal(err)
	}
	adv := map[funding.Mission]domain.Cents{}
	got := map[funding.Mission]domain.Cents{}
	for _, p := range ps {
		if p.ContractYear == 2 && p.Status != "annule" && p.Mission != funding.Crise {
			switch p.Kind {
			case funding.KindAvance:
				adv[p.Mission] += p.Amount
			case funding.KindSolde:
				got[p.Mission] += p.Amount
			}
		}
	}
	balance := func(terms []contractlife.IndicatorTerm) map[funding.Mission]domain.Cents {
		var ms []contractlife.Measure
		for _, x := range terms {
			ms = append(ms, contractlife.Measure{Mission: x.Mission, Direction: x.Direction, Weight: x.Weight, Baseline: x.Baseline, Target: x.Targets[1], Value: value[x.Code]})
		}
		rates, err := contractlife.MissionRates(ms)
		if err != nil {
			t.Fatal(err)
		}
		lines, err := contractlife.YearBalance(contractlife.BalanceInput{Contract: lc, Year: 2, Closed: closed, Rates: rates, Advances: adv})
		if err != nil {
			t.Fatal(err)
		}
		out := map[funding.Mission]domain.Cents{}
		for _, l := range lines {
			out[l.Mission] += l.Amount
		}
		return out
	}
	want, old := balance(contractlife.IndicatorsOfYear(base, changes, 2)), balance(base)
	if len(want) == 0 || len(got) != len(want) {
		t.Fatalf("balances %v, want %v", got, want)
	}
	for m, a := range want {
		if got[m] != a {
			t.Errorf("year 2 %s: %s, want %s", m, domain.FormatEUR(got[m]), domain.FormatEUR(a))
		}
	}
	if want[funding.Acces] == old[funding.Acces] || want[funding.Prevention] == old[funding.Prevention] {
		t.Fatalf("fixture: the avenant does not move the balance (%v / %v)", want, old)
	}

	// Year 2 closed: an avenant reaching it is refused; nothing recorded.
	now, _ := st.ContractByID(ctx, scopes[coordA], c.ID)
	late := store.AvenantProposal{ContractID: c.ID, Version: now.Version, Object: "Trop tard", Effective: eff, Targets: map[string]string{"depistage": "300"}, At: at(closed)}
	if _, err := st.ProposeAvenant(ctx, scopes[coordA], late); !strings.Contains(yearFields(err)["effective"], "déjà clôturée") {
		t.Fatalf("avenant over a closed year: %v", err)
	}
	if rep, err := st.VerifyAudit(ctx); err != nil || rep.Broken != "" {
		t.Fatalf("verify %+v %v", rep, err)
	}
}

// An optional mission added by avenant (docs/rules.md §31), end to end: it
// needs an indicator in the same avenant; once signed it is part of the
// contract but pays nothing until the coordinator declares its start, which
// cannot precede the avenant's effective date; its start advance and its
// year-2 anniversary advance are contractlife's (StartAdvance,
// AnniversaryAdvances) to the cent; the payments before are unchanged; its
// indicator is evaluated from the year the avenant takes effect in.
func TestOptionalMissionAvenantPaysFromItsStart(t *testing.T) {
	ctx := context.Background()
	st, scopes := contractFixture(t)
	c := signedContract(t, st, scopes, coordA, domain.NewDate(2026, time.March, 2))
	signed := c.Start
	evalIndicators(t, st, c.DossierID)
	startMissions(t, st, scopes[coordA], c, signed)
	for _, m := range c.Terms.Missions {
		if m.Code == funding.Qualite {
			t.Fatal("fixture: the contract already has qualité et pertinence")
		}
	}
	day, eff := signed.AddDays(30), signed.AddDays(60)
	prop := store.AvenantProposal{ContractID: c.ID, Version: c.Version, Object: "Mission qualité", Effective: eff, Missions: []funding.Mission{funding.Qualite}, At: at(day)}
	if _, err := st.ProposeAvenant(ctx, scopes[coordA], prop); yearFields(err)["missions"] == "" {
		t.Fatalf("a mission without indicator: %v", err)
	}
	prop.AddIndicator = store.AvenantNewIndicator{Mission: "qualite", Label: "Revues de pertinence", Direction: "croissant", Unit: "pourcentage", Baseline: "10 %", Target: "30,5 %", Weight: "1"}
	aid, err := st.ProposeAvenant(ctx, scopes[coordA], prop)
	if err != nil {
		t.Fatal(err)
	}
	before := contractPayments(t, st, c.ID)
	e := signAvenant(t, st, scopes, c.ID, aid, day)
	if !e.Applied || e.Cancelled != 0 || e.Created != 0 {
		t.Fatalf("a mission not started yet changed the schedule: %+v", e)
	}
	if after := contractPayments(t, st, c.ID); len(after) != len(before) {
		t.Fatal("payments changed at the signature")
	}
	now, _ := st.ContractByID(ctx, scopes[coordA], c.ID)
	if !slices.ContainsFunc(now.Terms.Missions, func(m store.ContractMission) bool { return m.Code == funding.Qualite && m.Optional }) {
		t.Fatalf("terms %+v", now.Terms.Missions)
	}
	// Its start: not before the effective date; then its prorated advance.
	if _, err := declareStart(st, scopes[coordA], c.ID, funding.Qualite, eff.AddDays(-1), eff.AddDays(5)); yearFields(err)["date"] == "" {
		t.Fatalf("start before the avenant: %v", err)
	}
	start := eff.AddDays(5)
	ids, err := declareStart(st, scopes[coordA], c.ID, funding.Qualite, start, start)
	if err != nil || len(ids) == 0 {
		t.Fatalf("start: %v %v", ids, err)
	}
	life := lifeOf(t, st, scopes[coordA], now)
	if life.Starts[funding.Qualite] != start {
		t.Fatalf("starts %v", life.Starts)
	}
	want, err := contractlife.StartAdvance(life, funding.Qualite, start)
	if err != nil || len(want) == 0 {
		t.Fatalf("domain start advance %v %v", want, err)
	}
	got := missionPaymentsOf(t, st, scopes[coordA], c.DossierID, funding.Qualite)
	if len(got) != len(want) || got[0].Amount != want[0].Amount || got[0].Due != want[0].Due || got[0].Amount <= 0 {
		t.Fatalf("qualité start advance %+v, want %+v", got, want)
	}
	// Year 2: its anniversary advance at contractlife's amount.
	jobFor(t, st, scopes[referen], c, contractlife.Anniversary(signed, 1))
	adv, err := contractlife.AnniversaryAdvances(life, 2)
	if err != nil {
		t.Fatal(err)
	}
	var w2 domain.Cents
	for _, p := range adv {
		if p.Mission == funding.Qualite {
			w2 += p.Amount
		}
	}
	var g2 domain.Cents
	for _, p := range missionPaymentsOf(t, st, scopes[coordA], c.DossierID, funding.Qualite) {
		if p.ContractYear == 2 && p.Kind == funding.KindAvance && p.Status != "annule" {
			g2 += p.Amount
		}
	}
	if w2 == 0 || g2 != w2 {
		t.Fatalf("qualité year-2 advance %s, want %s", domain.FormatEUR(g2), domain.FormatEUR(w2))
	}
	// Its indicator is evaluated from year 1 (the year the avenant takes effect in).
	y1 := yearOf(t, st, scopes[coordA], c, 1, day)
	i := slices.IndexFunc(y1.Indicators, func(x store.YearIndicator) bool { return x.Mission == funding.Qualite })
	if i < 0 || y1.Indicators[i].Target.N != 3050 || y1.Indicators[i].Baseline.N != 1000 {
		t.Fatalf("year-1 indicators %+v", y1.Indicators)
	}
}
