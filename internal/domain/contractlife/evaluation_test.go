package contractlife

import (
	"strings"
	"testing"
	"time"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/funding"
)

func TestDeclarationWindow(t *testing.T) {
	for _, tc := range []struct {
		signed domain.Date
		n      int
		label  string
	}{
		{d(2024, time.March, 1), 1, "du 01/02/2025 au 01/04/2025"},
		{d(2024, time.March, 31), 1, "du 28/02/2025 au 30/04/2025"},
		{d(2024, time.March, 31), 4, "du 29/02/2028 au 30/04/2028"},
		{d(2024, time.February, 29), 1, "du 28/01/2025 au 28/03/2025"},
		{d(2024, time.December, 31), 5, "du 30/11/2029 au 31/01/2030"},
	} {
		w, err := DeclarationWindow(tc.signed, tc.n)
		if err != nil || w.Label() != tc.label {
			t.Errorf("%s year %d: %q %v; want %q", tc.signed, tc.n, w.Label(), err, tc.label)
		}
	}
	w, _ := DeclarationWindow(d(2024, time.March, 1), 1)
	for _, tc := range []struct {
		on  domain.Date
		msg string
	}{
		{d(2025, time.January, 31), "pas encore ouverte"},
		{d(2025, time.February, 1), ""},
		{d(2025, time.April, 1), ""},
		{d(2025, time.April, 2), "est close"},
	} {
		err := w.Check(tc.on)
		if tc.msg == "" && (err != nil || !w.Contains(tc.on)) || tc.msg != "" && (w.Contains(tc.on) || domain.ErrorCode(err) != domain.EInvalid || !strings.Contains(domain.ErrorMessage(err), tc.msg) || !strings.Contains(domain.ErrorMessage(err), "du 01/02/2025 au 01/04/2025")) {
			t.Errorf("%s: %v", tc.on, err)
		}
	}
	if _, err := DeclarationWindow(d(2024, time.March, 1), 0); err == nil {
		t.Error("year 0")
	}
}

func TestCloseMissing(t *testing.T) {
	base := CloseInput{Signed: d(2024, time.March, 1), Year: 1, On: d(2025, time.March, 20),
		Indicators: []IndicatorStatus{{funding.Acces, "Patientèle MT", true, true}, {funding.Acces, "Urgences", true, true}},
		Started:    []funding.Mission{funding.Acces, funding.Crise},
		Meetings:   []domain.Date{d(2025, time.March, 10)}}
	if m := CloseMissing(base); m != nil || CheckClose(base) != nil {
		t.Fatalf("complete year: %v", m)
	}
	in := base
	in.Indicators = []IndicatorStatus{{funding.Acces, "Patientèle MT", true, false}, {funding.Acces, "Urgences", false, false}, {funding.Acces, "SNP", false, true}}
	in.Started = []funding.Mission{funding.Acces, funding.Parcours, funding.Crise}
	in.Meetings = []domain.Date{d(2024, time.February, 1), d(2025, time.March, 21)} // before the year, after the closing
	in.On = d(2025, time.February, 28)
	want := []string{
		"l'année 1 se termine le 28/02/2025 : clôture possible à partir du 01/03/2025",
		"aucun indicateur pour la mission Parcours pluriprofessionnels",
		"valeur non validée : Patientèle MT",
		"valeur non déclarée : Urgences",
		"aucun dialogue de gestion enregistré pour l'année",
	}
	if got := CloseMissing(in); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("missing %q", got)
	}
	err := CheckClose(in)
	if domain.ErrorCode(err) != domain.EInvalid || domain.ErrorMessage(err) != "clôture impossible : "+strings.Join(want, " ; ") {
		t.Errorf("CheckClose: %v", err)
	}
	in = base
	in.Closed = true
	if err := CheckClose(in); domain.ErrorCode(err) != domain.EConflict {
		t.Errorf("second closing: %v", err)
	}
	// The meeting may be on the closing day, or any day of the year.
	in = base
	in.Meetings = []domain.Date{in.On}
	if m := CloseMissing(in); m != nil {
		t.Errorf("meeting on the closing day: %v", m)
	}
	in.Meetings = []domain.Date{d(2024, time.March, 1)}
	if m := CloseMissing(in); m != nil {
		t.Errorf("meeting on the first day: %v", m)
	}
}

// TestYearBalance: the year-1 balances of the docs/rules.md §8 example
// contract, to the cent, and their agreement with the funding engine.
func TestYearBalance(t *testing.T) {
	signed := d(2024, time.March, 1)
	starts := map[funding.Mission]domain.Date{funding.Acces: d(2024, time.June, 1), funding.Parcours: d(2024, time.March, 1), funding.Crise: d(2024, time.March, 1), funding.Prevention: d(2025, time.June, 1)}
	c := tier2(signed, starts)
	closed := d(2025, time.March, 20)
	// Year 1: acces 273/365, rate 36,27 %: fixed 70 000 × 273/365 = 52 356,16; variable 30 000 × 0,3627 × 273/365 =
	// 8 138,39 (813 839,18… → 813 839); advance 39 267,12 → balance 21 227,43.
	// parcours full year, rate 50 %: 35 000 + 17 500 − 26 250 = 26 250.
	// No fonctionnement balance in year 1 (paid in full at signature); crise none; prevention not started.
	lines, err := YearBalance(BalanceInput{Contract: c, Year: 1, Closed: closed,
		Rates:    map[funding.Mission]funding.Rate{funding.Acces: 3_627, funding.Parcours: 5_000},
		Advances: map[funding.Mission]domain.Cents{funding.Fonctionnement: domain.Euros(60_000), funding.Acces: 3_926_712, funding.Parcours: domain.Euros(26_250)}})
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) != 2 {
		t.Fatalf("lines %+v", lines)
	}
	a, p := lines[0], lines[1]
	if a.Mission != funding.Acces || a.Fixed != 5_235_616 || a.Variable != 813_839 || a.Fixed+a.Variable-a.Advanced != 2_122_743 || a.Amount != 2_122_743 ||
		a.Due != closed || a.Kind != funding.KindSolde || a.ContractYear != 1 || !strings.Contains(a.Rule, "36,27") || !strings.Contains(a.Rule, "273/365") {
		t.Errorf("acces %+v", a)
	}
	if p.Mission != funding.Parcours || p.Amount != domain.Euros(26_250) || strings.Contains(p.Rule, "proratisées") {
		t.Errorf("parcours %+v", p)
	}
	// Agreement with the engine: due (fixed + variable) equals funding.YearDue's line for the same rates.
	var ach [funding.ContractYears]map[funding.Mission]funding.Rate
	ach[0] = map[funding.Mission]funding.Rate{funding.Acces: 3_627, funding.Parcours: 5_000}
	e, err := funding.YearDue(funding.ScheduleInput{Baremes: []funding.Bareme{funding.Avenant2()}, Tier: 2, Signed: signed, Starts: starts, Achievement: ach}, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range e.Lines {
		for _, b := range lines {
			if b.Mission == l.Mission && (b.Fixed != l.Fixed || b.Variable != l.Variable) {
				t.Errorf("%s: %d+%d, engine %d+%d", l.Mission, b.Fixed, b.Variable, l.Fixed, l.Variable)
			}
		}
	}

	// Year 2: fonctionnement 25 % balance (60 000 − 45 000); prevention started 01/06/2025
	// (273/365): fixed 15 000 × 273/365 = 11 219,18; variable 15 000 × 0,8 × 273/365 = 8 975,34;
	// advance 11 250 × 273/365 = 8 414,38 → 11 780,14. Acces and parcours full years at 100 %.
	lines, err = YearBalance(BalanceInput{Contract: c, Year: 2, Closed: d(2026, time.April, 2),
		Rates: map[funding.Mission]funding.Rate{funding.Acces: 10_000, funding.Parcours: 10_000, funding.Prevention: 8_000},
		Advances: map[funding.Mission]domain.Cents{funding.Fonctionnement: domain.Euros(45_000), funding.Acces: domain.Euros(52_500),
			funding.Parcours: domain.Euros(26_250), funding.Prevention: 841_438}})
	if err != nil {
		t.Fatal(err)
	}
	if sa, _ := StartAdvance(c, funding.Prevention, d(2025, time.June, 1)); len(sa) != 1 || sa[0].Amount != 841_438 {
		t.Errorf("prevention start advance %+v", sa)
	}
	got := map[funding.Mission]domain.Cents{}
	for _, l := range lines {
		got[l.Mission] = l.Amount
	}
	want := map[funding.Mission]domain.Cents{funding.Fonctionnement: domain.Euros(15_000), funding.Acces: domain.Euros(47_500), funding.Parcours: domain.Euros(43_750), funding.Prevention: 1_178_014}
	if len(got) != len(want) {
		t.Errorf("year 2 lines %v", got)
	}
	for m, w := range want {
		if got[m] != w {
			t.Errorf("year 2 %s: %s, want %s", m, domain.FormatEUR(got[m]), domain.FormatEUR(w))
		}
	}
	// A tier change in year 2 (territory avenant) uses the year's tier: acces T3 90 000 + 35 000 − advance.
	c.Terms[1].Tier = 3
	lines, _ = YearBalance(BalanceInput{Contract: c, Year: 2, Closed: d(2026, time.April, 2),
		Rates:    map[funding.Mission]funding.Rate{funding.Acces: 10_000, funding.Parcours: 10_000, funding.Prevention: 0},
		Advances: map[funding.Mission]domain.Cents{funding.Acces: domain.Euros(67_500)}})
	for _, l := range lines {
		if l.Mission == funding.Acces && l.Amount != domain.Euros(57_500) {
			t.Errorf("tier 3 acces %s", domain.FormatEUR(l.Amount))
		}
		if l.Mission == funding.Fonctionnement && l.Amount != domain.Euros(75_000) {
			t.Errorf("tier 3 fonctionnement without recorded advance %s", domain.FormatEUR(l.Amount))
		}
	}

	for _, tc := range []struct {
		in  BalanceInput
		msg string
	}{
		{BalanceInput{Contract: c, Year: 1, Closed: d(2025, time.February, 28), Rates: map[funding.Mission]funding.Rate{funding.Acces: 1, funding.Parcours: 1}}, "se termine le 28/02/2025"},
		{BalanceInput{Contract: c, Year: 1, Closed: closed, Rates: map[funding.Mission]funding.Rate{funding.Acces: 1}}, "manquant pour Parcours"},
		{BalanceInput{Contract: c, Year: 1, Closed: closed, Rates: map[funding.Mission]funding.Rate{funding.Acces: 10_001, funding.Parcours: 1}}, "invalide pour Accès"},
		{BalanceInput{Contract: c, Year: 6, Closed: closed}, "année de contrat invalide"},
	} {
		if _, err := YearBalance(tc.in); domain.ErrorCode(err) != domain.EInvalid || !strings.Contains(domain.ErrorMessage(err), tc.msg) {
			t.Errorf("%q: %v", tc.msg, err)
		}
	}
}

func TestAdjustments(t *testing.T) {
	c := tier2(d(2024, time.March, 1), map[funding.Mission]domain.Date{funding.Acces: d(2024, time.March, 1), funding.Parcours: d(2024, time.March, 1)})
	adv := map[funding.Mission]domain.Cents{funding.Fonctionnement: domain.Euros(60_000), funding.Acces: domain.Euros(52_500), funding.Parcours: domain.Euros(26_250)}
	closedLines, err := YearBalance(BalanceInput{Contract: c, Year: 1, Closed: d(2025, time.March, 20),
		Rates: map[funding.Mission]funding.Rate{funding.Acces: 5_000, funding.Parcours: 10_000}, Advances: adv})
	if err != nil {
		t.Fatal(err)
	}
	var prev []funding.Payment
	for _, l := range closedLines {
		prev = append(prev, l.Payment)
	}
	prev = append(prev, funding.Payment{ContractYear: 1, Mission: funding.Acces, Kind: funding.KindAvance, Amount: domain.Euros(52_500)}) // ignored: not a balance
	// Corrected: acces 60 % (+3 000 €), parcours 90 % (−3 500 €).
	corrected, _ := YearBalance(BalanceInput{Contract: c, Year: 1, Closed: d(2025, time.June, 2),
		Rates: map[funding.Mission]funding.Rate{funding.Acces: 6_000, funding.Parcours: 9_000}, Advances: adv})
	adj, err := Adjustments(prev, corrected, d(2025, time.June, 2), "  erreur de   saisie\n du référent ")
	if err != nil || len(adj) != 2 {
		t.Fatalf("%+v %v", adj, err)
	}
	if adj[0].Mission != funding.Acces || adj[0].Amount != domain.Euros(3_000) || adj[1].Mission != funding.Parcours || adj[1].Amount != -domain.Euros(3_500) {
		t.Errorf("adjustments %+v", adj)
	}
	for _, a := range adj {
		if a.Kind != KindAjustement || a.Due != d(2025, time.June, 2) || a.ContractYear != 1 || !strings.Contains(a.Rule, "(erreur de saisie du référent)") {
			t.Errorf("adjustment %+v", a)
		}
	}
	// A second correction back to the first rates cancels out both adjustments.
	prev = append(prev, adj...)
	again, _ := Adjustments(prev, closedLines, d(2025, time.July, 1), "retour")
	if len(again) != 2 || again[0].Amount != -domain.Euros(3_000) || again[1].Amount != domain.Euros(3_500) {
		t.Errorf("second correction %+v", again)
	}
	// Same evaluation: nothing.
	if none, err := Adjustments(prev[:len(prev)-3], closedLines, d(2025, time.July, 1), "x"); err != nil || len(none) != 0 {
		t.Errorf("unchanged: %+v %v", none, err)
	}
	if _, err := Adjustments(prev, corrected, d(2025, time.June, 2), "  "); domain.ErrorCode(err) != domain.EInvalid {
		t.Errorf("no motive: %v", err)
	}
	mixed := append([]funding.Payment{{ContractYear: 2, Mission: funding.Acces, Kind: funding.KindSolde, Amount: 1}}, prev...)
	if _, err := Adjustments(mixed, corrected, d(2025, time.June, 2), "x"); domain.ErrorCode(err) != domain.EInvalid {
		t.Errorf("mixed years: %v", err)
	}
}

func TestMSPCivilYear(t *testing.T) {
	w := MSPDeclarationWindow(2025)
	if w.Label() != "du 01/12/2025 au 31/01/2026" || MSPBalanceDue(2025) != d(2026, time.April, 30) {
		t.Errorf("%s %s", w.Label(), MSPBalanceDue(2025))
	}
	if w.Check(d(2025, time.November, 30)) == nil || w.Check(d(2026, time.February, 1)) == nil || w.Check(d(2026, time.January, 31)) != nil {
		t.Error("window edges")
	}
	for _, tc := range []struct {
		sisa, finess bool
		reason       string
		missing      string
	}{
		{true, true, "", ""},
		{false, true, "bloqué : SISA / FINESS manquant", "forme juridique SISA"},
		{true, false, "bloqué : SISA / FINESS manquant", "numéro FINESS"},
		{false, false, "bloqué : SISA / FINESS manquant", "forme juridique SISA, numéro FINESS"},
	} {
		if MSPGate(tc.sisa, tc.finess) != tc.reason || strings.Join(MSPGateMissing(tc.sisa, tc.finess), ", ") != tc.missing {
			t.Errorf("%v %v: %q %v", tc.sisa, tc.finess, MSPGate(tc.sisa, tc.finess), MSPGateMissing(tc.sisa, tc.finess))
		}
	}
	in := MSPCloseInput{Year: 2025, On: d(2025, time.December, 31), Indicators: []IndicatorStatus{{Label: "Horaires", Declared: true}, {Label: "Coordination", Declared: true, Validated: true}}}
	if got := strings.Join(MSPCloseMissing(in), "|"); got != "l'année civile 2025 n'est pas terminée : clôture possible à partir du 01/01/2026|valeur non validée : Horaires" {
		t.Errorf("MSP missing %q", got)
	}
	in.On, in.Indicators[0].Validated = d(2026, time.February, 15), true
	if err := CheckMSPClose(in); err != nil {
		t.Error(err)
	}
	in.Closed = true
	if err := CheckMSPClose(in); domain.ErrorCode(err) != domain.EConflict {
		t.Error(err)
	}
	list := []MSPBareme{{Code: "aci-msp-2017", Effective: d(2017, time.August, 1)}, {Code: "aci-msp-avenant-1", Effective: d(2022, time.July, 1)}}
	for n, code := range map[int]string{2018: "aci-msp-2017", 2022: "aci-msp-2017", 2023: "aci-msp-avenant-1"} {
		if b, err := MSPBaremeFor(list, n); err != nil || b.Code != code {
			t.Errorf("%d: %s %v", n, b.Code, err)
		}
	}
	if _, err := MSPBaremeFor(list, 2017); domain.ErrorCode(err) != domain.ENotFound {
		t.Error(err)
	}
}
