package funding

import (
	"strings"
	"testing"
	"time"

	"github.com/portail-aci/aci/internal/domain"
)

func d(y int, m time.Month, day int) domain.Date { return domain.Date{Y: y, M: m, D: day} }

func TestTierEdges(t *testing.T) {
	for _, tc := range []struct {
		pop  int64
		tier int
	}{{0, 1}, {39_999, 1}, {40_000, 2}, {79_999, 2}, {80_000, 3}, {175_000, 3}, {175_001, 4}, {2_000_000, 4}} {
		got, err := Tier(tc.pop)
		if err != nil || got != tc.tier {
			t.Errorf("Tier(%d) = %d, %v; want %d", tc.pop, got, err, tc.tier)
		}
	}
	if _, err := Tier(-1); domain.ErrorCode(err) != domain.EInvalid {
		t.Errorf("Tier(-1) error = %v, want invalid", err)
	}
	// The edges are data of the barème: another avenant may move them.
	b := Avenant2()
	b.TierFrom = [3]int64{30_000, 90_000, 200_000}
	for _, tc := range []struct {
		pop  int64
		tier int
	}{{29_999, 1}, {30_000, 2}, {89_999, 2}, {90_000, 3}, {199_999, 3}, {200_000, 4}} {
		if got, err := b.Tier(tc.pop); err != nil || got != tc.tier {
			t.Errorf("moved edges: Tier(%d) = %d, %v; want %d", tc.pop, got, err, tc.tier)
		}
	}
}

// TestBaremeAmounts reproduces every amount of docs/rules.md §4 for the four tiers.
func TestBaremeAmounts(t *testing.T) {
	b := Avenant2()
	type row struct {
		m    Mission
		part string
		want [4]int64 // euros
	}
	rows := []row{
		{Fonctionnement, "fixe", [4]int64{50_000, 60_000, 75_000, 90_000}},
		{Acces, "fixe", [4]int64{55_000, 70_000, 90_000, 110_000}},
		{Acces, "variable", [4]int64{25_000, 30_000, 35_000, 45_000}},
		{Parcours, "fixe", [4]int64{25_000, 35_000, 45_000, 50_000}},
		{Parcours, "variable", [4]int64{25_000, 35_000, 45_000, 50_000}},
		{Prevention, "fixe", [4]int64{10_000, 15_000, 17_500, 20_000}},
		{Prevention, "variable", [4]int64{10_000, 15_000, 17_500, 20_000}},
		{Crise, "fixe_premiere", [4]int64{25_000, 35_000, 45_000, 50_000}},
		{Crise, "fixe_mise_a_jour", [4]int64{12_500, 17_500, 22_500, 25_000}},
		{Crise, "variable", [4]int64{37_500, 52_500, 67_500, 75_000}},
		{Qualite, "fixe", [4]int64{7_500, 10_000, 15_000, 20_000}},
		{Qualite, "variable", [4]int64{7_500, 10_000, 15_000, 20_000}},
		{Accompagnement, "fixe", [4]int64{5_000, 7_500, 10_000, 15_000}},
		{Accompagnement, "variable", [4]int64{5_000, 7_500, 10_000, 15_000}},
	}
	got := map[[3]string]domain.Cents{}
	for _, r := range b.AmountRows() {
		got[[3]string{string(r.Mission), r.Part, string(rune('0' + r.Tier))}] = r.Amount
	}
	if len(got) != len(rows)*4 {
		t.Errorf("AmountRows has %d rows, want %d", len(got), len(rows)*4)
	}
	for _, r := range rows {
		for tier := 1; tier <= 4; tier++ {
			if g := got[[3]string{string(r.m), r.part, string(rune('0' + tier))}]; g != domain.Euros(r.want[tier-1]) {
				t.Errorf("%s %s T%d = %s, want %d €", r.m, r.part, tier, domain.FormatEUR(g), r.want[tier-1])
			}
		}
	}
	if err := b.Validate(); err != nil {
		t.Fatal(err)
	}
	// The parameters an avenant may change are fields of the barème.
	if b.Effective != d(2022, time.April, 1) || b.EarlySignerCutoff != d(2022, time.September, 30) ||
		b.TierFrom != [3]int64{40_000, 80_000, 175_001} || b.AdvancePercent != 75 {
		t.Errorf("avenant 2 parameters: %+v", b)
	}
	// No invented 2019 table: avenant 2 is the only built-in barème.
	if list := Builtin(); len(list) != 1 || list[0].Code != "avenant-2" {
		t.Errorf("Builtin() = %+v", list)
	}
	for name, edit := range map[string]func(*Bareme){
		"tier edges not increasing": func(b *Bareme) { b.TierFrom = [3]int64{40_000, 40_000, 175_001} },
		"tier edge zero":            func(b *Bareme) { b.TierFrom[0] = 0 },
		"advance above 100 %":       func(b *Bareme) { b.AdvancePercent = 101 },
		"advance negative":          func(b *Bareme) { b.AdvancePercent = -1 },
	} {
		x := Avenant2()
		edit(&x)
		if err := x.Validate(); domain.ErrorCode(err) != domain.EInvalid {
			t.Errorf("%s: Validate = %v, want invalid", name, err)
		}
	}
}

// entered2019 stands for the 2019 per-line table an admin enters later
// (docs/rules.md §4): a test fixture, not data — its amounts (80 % of avenant
// 2's, no crise, no early-signer supplement) only need to differ from avenant
// 2's so that the tests see which barème each contract year uses.
func entered2019() Bareme {
	b := Avenant2()
	b.Code, b.Name, b.Effective = "aci-cpts-2019", "ACI CPTS 2019", ACICPTSEffective()
	b.EarlySignerCutoff, b.EarlySigner = domain.Date{}, PerTier{}
	b.Missions = nil
	for _, m := range avenant2Missions() {
		if m.Mission == Crise {
			continue
		}
		for i := range m.Fixed {
			m.Fixed[i] = m.Fixed[i] * 8 / 10
			m.Variable[i] = m.Variable[i] * 8 / 10
		}
		b.Missions = append(b.Missions, m)
	}
	return b
}

// TestAnnualTotals checks the per-mission totals of docs/rules.md §4 and the
// "maximum possible" row, year 1 and later years.
func TestAnnualTotals(t *testing.T) {
	type want struct{ acces, parcours, prevention, crise, qualite, accomp, max, maxNoCrisis, year2 int64 }
	wants := [4]want{
		{80_000, 50_000, 20_000, 62_500, 15_000, 10_000, 287_500, 250_000, 275_000},
		{100_000, 70_000, 30_000, 87_500, 20_000, 15_000, 382_500, 330_000, 365_000},
		{125_000, 90_000, 35_000, 112_500, 30_000, 20_000, 487_500, 420_000, 465_000},
		{155_000, 100_000, 40_000, 125_000, 40_000, 30_000, 580_000, 505_000, 555_000},
	}
	for tier := 1; tier <= 4; tier++ {
		w := wants[tier-1]
		e, err := Annual(YearInput{Bareme: Avenant2(), Tier: tier, Missions: AllMissions(), Year: 1, Crisis: true})
		if err != nil {
			t.Fatal(err)
		}
		if e.Total != domain.Euros(w.max) {
			t.Errorf("T%d max = %s, want %d", tier, domain.FormatEUR(e.Total), w.max)
		}
		byM := map[Mission]domain.Cents{}
		var sum domain.Cents
		for _, l := range e.Lines {
			byM[l.Mission] = l.Total()
			sum += l.Total()
		}
		if sum != e.Total {
			t.Errorf("T%d total %d != sum of lines %d", tier, e.Total, sum)
		}
		for m, x := range map[Mission]int64{Acces: w.acces, Parcours: w.parcours, Prevention: w.prevention, Crise: w.crise, Qualite: w.qualite, Accompagnement: w.accomp} {
			if byM[m] != domain.Euros(x) {
				t.Errorf("T%d %s = %s, want %d", tier, m, domain.FormatEUR(byM[m]), x)
			}
		}
		e, _ = Annual(YearInput{Bareme: Avenant2(), Tier: tier, Missions: AllMissions(), Year: 1})
		if e.Total != domain.Euros(w.maxNoCrisis) {
			t.Errorf("T%d without crisis = %s, want %d", tier, domain.FormatEUR(e.Total), w.maxNoCrisis)
		}
		// Year 2, crisis: plan update instead of first writing.
		e, _ = Annual(YearInput{Bareme: Avenant2(), Tier: tier, Missions: AllMissions(), Year: 2, Crisis: true})
		if e.Total != domain.Euros(w.year2) {
			t.Errorf("T%d year 2 = %s, want %d", tier, domain.FormatEUR(e.Total), w.year2)
		}
	}
}

func TestAnnualAchievementAndSupplement(t *testing.T) {
	e, err := Annual(YearInput{Bareme: Avenant2(), Tier: 2, Missions: []Mission{Acces}, Year: 1,
		Achievement: map[Mission]Rate{Acces: 8_333}, Signed: d(2022, time.September, 29)})
	if err != nil {
		t.Fatal(err)
	}
	// fonctionnement 60 000 + supplement 45 000; acces 70 000 + 30 000 × 0,8333 = 24 999.
	if e.Lines[0].Supplement != domain.Euros(45_000) || e.Lines[1].Variable != domain.Euros(24_999) {
		t.Errorf("lines = %+v", e.Lines)
	}
	if e.Total != domain.Euros(60_000+45_000+70_000+24_999) {
		t.Errorf("total = %s", domain.FormatEUR(e.Total))
	}
	// On the cut-off day: no supplement ("avant le 30 septembre 2022").
	e, _ = Annual(YearInput{Bareme: Avenant2(), Tier: 2, Year: 1, Signed: d(2022, time.September, 30)})
	if e.Total != domain.Euros(60_000) {
		t.Errorf("cut-off day total = %s", domain.FormatEUR(e.Total))
	}
	// The supplement is in one year only (docs/rules.md §5): year 1 of a
	// contract signed under avenant 2; for a contract signed before avenant 2
	// took effect, its first year on avenant 2 (the first fonctionnement
	// payment on or after 01/04/2022).
	for _, tc := range []struct {
		signed domain.Date
		year   int
		want   int64
	}{
		{d(2022, time.June, 1), 1, 60_000 + 45_000},
		{d(2022, time.June, 1), 2, 60_000},
		{d(2021, time.June, 1), 2, 60_000 + 45_000}, // year 2 starts 01/06/2022
		{d(2021, time.June, 1), 3, 60_000},
		{d(2021, time.April, 1), 2, 60_000 + 45_000}, // year 2 starts 01/04/2022, the day avenant 2 takes effect
		{d(2021, time.April, 1), 3, 60_000},
	} {
		e, err := Annual(YearInput{Bareme: Avenant2(), Tier: 2, Year: tc.year, Signed: tc.signed})
		if err != nil || e.Total != domain.Euros(tc.want) {
			t.Errorf("signed %s year %d: total %s, %v; want %d €", tc.signed, tc.year, domain.FormatEUR(e.Total), err, tc.want)
		}
	}
	if _, err := Annual(YearInput{Bareme: entered2019(), Tier: 2, Year: 1, Missions: []Mission{Crise}}); err == nil {
		t.Error("crise in a barème without it accepted")
	}
	if _, err := Annual(YearInput{Bareme: Avenant2(), Tier: 2, Year: 6}); err == nil {
		t.Error("year 6 accepted")
	}
	if _, err := Annual(YearInput{Bareme: Avenant2(), Tier: 2, Year: 1, Missions: []Mission{Acces}, Achievement: map[Mission]Rate{Acces: 10_001}}); err == nil {
		t.Error("rate > 100 % accepted")
	}
}

func TestStartupMoney(t *testing.T) {
	b := Avenant2()
	for tier, w := range [4]struct{ lettre, early, total, ars, covid int64 }{
		{15_000, 37_500, 87_500, 10_000, 37_500},
		{17_500, 45_000, 105_000, 13_500, 52_500},
		{25_000, 56_250, 131_250, 16_500, 67_500},
		{30_000, 67_500, 157_500, 20_000, 75_000},
	} {
		tier++
		if got, _ := AmorcageLettreIntention(b, tier); got != domain.Euros(w.lettre) {
			t.Errorf("T%d lettre = %s", tier, domain.FormatEUR(got))
		}
		early := EarlySignerSupplement(b, tier, d(2021, time.June, 1))
		if early != domain.Euros(w.early) {
			t.Errorf("T%d early = %s", tier, domain.FormatEUR(early))
		}
		fonct, _ := b.Amounts(Fonctionnement)
		if early != domain.MulDiv(fonct.Fixed.At(tier), 75, 100) {
			t.Errorf("T%d early supplement is not 75 %% of fonctionnement", tier)
		}
		if fonct.Fixed.At(tier)+early != domain.Euros(w.total) {
			t.Errorf("T%d amorçage after signature = %s", tier, domain.FormatEUR(fonct.Fixed.At(tier)+early))
		}
		if got, _ := ARSPreACI(b, tier, false); got != domain.Euros(w.ars) {
			t.Errorf("T%d ARS = %s", tier, domain.FormatEUR(got))
		}
		if got, _ := ARSPreACI(b, tier, true); got != domain.Euros(w.ars+24_000) {
			t.Errorf("T%d ARS + coordinator = %s", tier, domain.FormatEUR(got))
		}
		if got, _ := CovidAmorcage(b, tier); got != domain.Euros(w.covid) {
			t.Errorf("T%d COVID = %s", tier, domain.FormatEUR(got))
		}
	}
	if _, err := CovidAmorcage(entered2019(), 1); err == nil {
		t.Error("COVID amorçage on a barème without crise")
	}
	if _, err := AmorcageLettreIntention(b, 5); err == nil {
		t.Error("tier 5 accepted")
	}
	if got := LettreDeadline(d(2024, time.August, 31)); got != d(2025, time.February, 28) {
		t.Errorf("LettreDeadline = %s", got)
	}
}

func TestBaremeAt(t *testing.T) {
	list := Builtin()
	for _, tc := range []struct {
		at   domain.Date
		code string
	}{{d(2022, time.April, 1), "avenant-2"}, {d(2026, time.January, 1), "avenant-2"}} {
		b, err := BaremeAt(list, tc.at)
		if err != nil || b.Code != tc.code {
			t.Errorf("BaremeAt(%s) = %s, %v; want %s", tc.at, b.Code, err, tc.code)
		}
	}
	// No invented table (docs/rules.md §4): before avenant 2 took effect
	// (01/04/2022, the day after the JO of 31/03/2022), refused until an
	// admin enters the 2019 table; before the ACI CPTS, refused too.
	for _, tc := range []struct {
		at   domain.Date
		want string
	}{
		{d(2022, time.March, 31), "barème ACI CPTS 2019 non saisi : aucun barème en vigueur le 31/03/2022 (le barème Avenant 2 s'applique à partir du 01/04/2022)"},
		{d(2019, time.August, 25), "barème ACI CPTS 2019 non saisi : aucun barème en vigueur le 25/08/2019 (le barème Avenant 2 s'applique à partir du 01/04/2022)"},
		{d(2019, time.August, 24), "aucun barème ACI CPTS le 24/08/2019 : l'ACI CPTS est en vigueur depuis le 25/08/2019"},
	} {
		_, err := BaremeAt(list, tc.at)
		if domain.ErrorCode(err) != domain.EInvalid || domain.ErrorMessage(err) != tc.want {
			t.Errorf("BaremeAt(%s) = %v; want invalid %q", tc.at, err, tc.want)
		}
	}
	// Once an admin enters it, the 2019 barème is used up to 31/03/2022.
	with := append([]Bareme{entered2019()}, list...)
	for _, tc := range []struct {
		at   domain.Date
		code string
	}{{d(2019, time.August, 25), "aci-cpts-2019"}, {d(2022, time.March, 31), "aci-cpts-2019"}, {d(2022, time.April, 1), "avenant-2"}} {
		if b, err := BaremeAt(with, tc.at); err != nil || b.Code != tc.code {
			t.Errorf("with 2019 entered: BaremeAt(%s) = %s, %v; want %s", tc.at, b.Code, err, tc.code)
		}
	}
	// A new avenant is a new value.
	next := Avenant2()
	next.Code, next.Effective = "avenant-9", d(2030, time.January, 1)
	if b, _ := BaremeAt(append(list, next), d(2030, time.June, 1)); b.Code != "avenant-9" {
		t.Errorf("new avenant not picked: %s", b.Code)
	}
}

func TestValidateContractMissions(t *testing.T) {
	if err := ValidateContractMissions([]Mission{Acces, Parcours, Prevention, Crise, Qualite}); err != nil {
		t.Error(err)
	}
	err := ValidateContractMissions([]Mission{Acces, Parcours})
	if err == nil || !strings.Contains(domain.ErrorMessage(err), "Prévention") {
		t.Errorf("missing socle: %v", err)
	}
	if err := ValidateContractMissions([]Mission{"x"}); err == nil {
		t.Error("unknown mission accepted")
	}
}

func TestRateFromIndicators(t *testing.T) {
	for _, tc := range []struct {
		name string
		ms   []Measure
		want Rate
	}{
		{"halfway", []Measure{{Increasing, 100, 200, 150, 1}}, 5_000},
		{"clamped above", []Measure{{Increasing, 100, 200, 300, 1}}, 10_000},
		{"clamped below", []Measure{{Increasing, 100, 200, 50, 1}}, 0},
		{"decreasing", []Measure{{Decreasing, 300, 200, 275, 1}}, 2_500},
		{"decreasing worse", []Measure{{Decreasing, 300, 200, 320, 1}}, 0},
		{"target = baseline, reached", []Measure{{Increasing, 100, 100, 100, 1}}, 10_000},
		{"target = baseline, missed", []Measure{{Decreasing, 100, 100, 101, 1}}, 0},
		// 1/3 → 0,3333 (3 333,33… bp rounds down).
		{"thirds", []Measure{{Increasing, 0, 3, 1, 1}}, 3_333},
		// 2/3 → 0,6667.
		{"two thirds", []Measure{{Increasing, 0, 3, 2, 1}}, 6_667},
		// weights: (1×1 + 2×0 + 1×0,5)/4 = 0,375.
		{"weighted", []Measure{{Increasing, 0, 10, 10, 1}, {Increasing, 0, 10, 0, 2}, {Decreasing, 10, 0, 5, 1}}, 3_750},
		// exactly half a basis point: 1/20000 → 0,00005 rounds half away from zero to 0,0001.
		{"half bp", []Measure{{Increasing, 0, 20_000, 1, 1}}, 1},
		// (1/3 + 1/3 + 1/3)/3 = 1/3 exactly: no double rounding.
		{"exact sum", []Measure{{Increasing, 0, 3, 1, 1}, {Increasing, 0, 6, 2, 1}, {Increasing, 0, 9, 3, 1}}, 3_333},
	} {
		got, err := RateFromIndicators(tc.ms)
		if err != nil || got != tc.want {
			t.Errorf("%s: %d, %v; want %d", tc.name, got, err, tc.want)
		}
	}
	if _, err := RateFromIndicators([]Measure{{Increasing, 0, 1, 1, 0}}); err == nil {
		t.Error("zero weight accepted")
	}
	if _, err := RateFromIndicators(nil); err == nil {
		t.Error("no indicator accepted")
	}
	// variable = MulDiv(variable, rateBP, 10000): 30 000 × 0,3333 = 9 999.
	if got := domain.MulDiv(domain.Euros(30_000), 3_333, 10_000); got != domain.Euros(9_999) {
		t.Errorf("variable = %s", domain.FormatEUR(got))
	}
	if len(MandatoryCPTSIndicators()) != 5 {
		t.Error("five mandatory indicators expected")
	}
	if FormatRate(8_500) != "85,00\u00a0%" || FormatRate(5) != "0,05\u00a0%" {
		t.Errorf("FormatRate = %q %q", FormatRate(8_500), FormatRate(5))
	}
}

func find(ps []Payment, m Mission, k Kind, y int) (Payment, bool) {
	for _, p := range ps {
		if p.Mission == m && p.Kind == k && p.ContractYear == y {
			return p, true
		}
	}
	return Payment{}, false
}

// TestWorkedExample is docs/rules.md §8's example: signed 01/03/2024, accès aux
// soins (T2, fixe 70 000) started 01/06/2024 → 52 500 × 273/365 = 39 267,12 €.
func TestWorkedExample(t *testing.T) {
	in := ScheduleInput{Baremes: []Bareme{Avenant2()}, Tier: 2, Signed: d(2024, time.March, 1),
		Starts: map[Mission]domain.Date{Acces: d(2024, time.June, 1)}}
	s, err := BuildSchedule(in)
	if err != nil {
		t.Fatal(err)
	}
	p, ok := find(s.Payments, Acces, KindAvance, 1)
	if !ok || p.Amount != 3_926_712 || p.Due != d(2024, time.June, 1) {
		t.Fatalf("advance = %+v", p)
	}
	if domain.FormatEUR(p.Amount) != "39\u202f267,12\u00a0€" {
		t.Errorf("formatted %q", domain.FormatEUR(p.Amount))
	}
	if p.Rule != "Avance de 75 % de la part fixe, proratisée 273/365 jours (ACI art. 9.1)" {
		t.Errorf("rule %q", p.Rule)
	}
	// Year 1 due for acces: 70 000 × 273/365 + 30 000 × 273/365.
	y1, _ := YearDue(in, 1)
	want := domain.MulDiv(domain.Euros(70_000), 273, 365) + domain.MulDiv(domain.Euros(30_000), 273, 365)
	if y1.Lines[1].Total() != want {
		t.Errorf("year-1 acces due = %s, want %s", domain.FormatEUR(y1.Lines[1].Total()), domain.FormatEUR(want))
	}
	solde, _ := find(s.Payments, Acces, KindSolde, 1)
	if solde.Due != d(2025, time.March, 1) || solde.Amount != want-p.Amount {
		t.Errorf("solde = %+v", solde)
	}
	// Fonctionnement: in full at signature; year 2 advance 75 % at the first anniversary.
	f1, _ := find(s.Payments, Fonctionnement, KindAvance, 1)
	f2, _ := find(s.Payments, Fonctionnement, KindAvance, 2)
	f2s, _ := find(s.Payments, Fonctionnement, KindSolde, 2)
	if f1.Amount != domain.Euros(60_000) || f1.Due != in.Signed || f2.Amount != domain.Euros(45_000) ||
		f2.Due != d(2025, time.March, 1) || f2s.Amount != domain.Euros(15_000) || f2s.Due != d(2026, time.March, 1) {
		t.Errorf("fonctionnement %+v %+v %+v", f1, f2, f2s)
	}
	if !strings.Contains(f1.Rule, "versement intégral à la signature") {
		t.Errorf("rule %q", f1.Rule)
	}
	// Last balance after year 5.
	last := s.Payments[len(s.Payments)-1]
	if last.Due != d(2029, time.March, 1) || last.ContractYear != 5 || last.Kind != KindSolde {
		t.Errorf("last payment %+v", last)
	}
	checkInvariant(t, in, s)
}

func checkInvariant(t testing.TB, in ScheduleInput, s Schedule) {
	t.Helper()
	var pay, years domain.Cents
	for _, p := range s.Payments {
		pay += p.Amount
	}
	for y := 1; y <= ContractYears; y++ {
		e, err := YearDue(in, y)
		if err != nil {
			t.Fatal(err)
		}
		var lines domain.Cents
		for _, l := range e.Lines {
			lines += l.Total()
		}
		if lines != e.Total || e.Total != s.Years[y-1].Total {
			t.Fatalf("year %d: lines %d, total %d, schedule year %d", y, lines, e.Total, s.Years[y-1].Total)
		}
		years += e.Total
	}
	if pay != s.Total || s.Total != years {
		t.Fatalf("Σ payments %d, schedule total %d, Σ YearDue %d", pay, s.Total, years)
	}
	for i := 1; i < len(s.Payments); i++ {
		if s.Payments[i].Due.Before(s.Payments[i-1].Due) {
			t.Fatalf("payments out of order at %d", i)
		}
	}
}

// TestLeapYearProration: signed 2023-03-01, the contract year 2023-03-01 →
// 2024-03-01 has 366 days (29/02/2024); a mission started 2023-06-01 has
// 274 days left.
func TestLeapYearProration(t *testing.T) {
	in := ScheduleInput{Baremes: []Bareme{Avenant2()}, Tier: 1, Signed: d(2023, time.March, 1),
		Starts: map[Mission]domain.Date{Parcours: d(2023, time.June, 1), Acces: d(2023, time.March, 1)}}
	s, err := BuildSchedule(in)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := find(s.Payments, Parcours, KindAvance, 1)
	// 25 000 × 75 % × 274/366 = 14 036,885… → 14 036,89.
	if p.Amount != 1_403_689 || !strings.Contains(p.Rule, "274/366") {
		t.Errorf("parcours advance = %+v", p)
	}
	a, _ := find(s.Payments, Acces, KindAvance, 1)
	if a.Amount != domain.Euros(41_250) || strings.Contains(a.Rule, "proratisée") {
		t.Errorf("acces advance = %+v", a)
	}
	checkInvariant(t, in, s)
}

func TestScheduleCrisisAndAchievement(t *testing.T) {
	in := ScheduleInput{Baremes: []Bareme{Avenant2()}, Tier: 3, Signed: d(2024, time.January, 31),
		Starts: map[Mission]domain.Date{Acces: d(2024, time.January, 31), Crise: d(2024, time.July, 15), Qualite: d(2026, time.May, 2)},
		Crisis: [5]bool{false, true, false, false, true}}
	in.Achievement[1] = map[Mission]Rate{Acces: 8_500}
	s, err := BuildSchedule(in)
	if err != nil {
		t.Fatal(err)
	}
	c, ok := find(s.Payments, Crise, KindCrise, 2)
	if !ok || c.Amount != domain.Euros(67_500) || c.Due != d(2026, time.January, 31) {
		t.Errorf("crise = %+v", c)
	}
	if _, ok := find(s.Payments, Crise, KindCrise, 1); ok {
		t.Error("crisis paid in a year without crisis")
	}
	// Year 2 crise advance: 75 % of the update amount 22 500.
	ca, _ := find(s.Payments, Crise, KindAvance, 2)
	if ca.Amount != domain.MulDiv(domain.Euros(22_500), 75, 100) {
		t.Errorf("crise advance y2 = %+v", ca)
	}
	// Year 2 acces balance: 90 000 + 35 000 × 85 % − 67 500.
	as, _ := find(s.Payments, Acces, KindSolde, 2)
	if as.Amount != domain.Euros(90_000+29_750-67_500) || !strings.Contains(as.Rule, "85,00") {
		t.Errorf("acces solde y2 = %+v", as)
	}
	checkInvariant(t, in, s)
}

func TestScheduleNoMission(t *testing.T) {
	in := ScheduleInput{Baremes: []Bareme{Avenant2()}, Tier: 2, Signed: d(2022, time.May, 2)}
	s, err := BuildSchedule(in)
	if err != nil {
		t.Fatal(err)
	}
	// Only fonctionnement of year 1 and the early-signer supplement.
	if len(s.Payments) != 2 || s.Total != domain.Euros(60_000+45_000) {
		t.Errorf("payments %+v", s.Payments)
	}
	if s.Payments[1].Kind != KindAmorcage {
		t.Errorf("supplement kind %s", s.Payments[1].Kind)
	}
	checkInvariant(t, in, s)
	// A contract year that starts before 01/04/2022 is refused while the 2019
	// barème is not entered (docs/rules.md §4).
	for _, signed := range []domain.Date{d(2020, time.February, 29), d(2022, time.March, 31)} {
		for _, run := range []func(ScheduleInput) error{
			func(in ScheduleInput) error { _, err := BuildSchedule(in); return err },
			func(in ScheduleInput) error { _, err := YearDue(in, 1); return err },
			func(in ScheduleInput) error { _, err := Terminate(in, d(2023, 1, 1), 0); return err },
		} {
			err := run(ScheduleInput{Baremes: Builtin(), Tier: 2, Signed: signed})
			want := "barème ACI CPTS 2019 non saisi : aucun barème en vigueur le " + signed.French() + ", premier jour de l'année 1 du contrat (le barème Avenant 2 s'applique à partir du 01/04/2022)"
			if domain.ErrorCode(err) != domain.EInvalid || domain.ErrorMessage(err) != want {
				t.Errorf("signed %s: %v", signed, err)
			}
		}
	}
	for _, bad := range []ScheduleInput{
		{Baremes: []Bareme{Avenant2()}, Tier: 2},
		{Baremes: []Bareme{Avenant2()}, Tier: 0, Signed: d(2024, 1, 1)},
		{Baremes: []Bareme{Avenant2()}, Tier: 2, Signed: d(2024, 1, 1), Starts: map[Mission]domain.Date{Acces: d(2023, 12, 31)}},
		{Baremes: []Bareme{Avenant2()}, Tier: 2, Signed: d(2024, 1, 1), Starts: map[Mission]domain.Date{Acces: d(2029, 1, 1)}},
		{Baremes: []Bareme{Avenant2()}, Tier: 2, Signed: d(2024, 1, 1), Starts: map[Mission]domain.Date{"x": d(2024, 1, 1)}},
		{Baremes: []Bareme{entered2019()}, Tier: 2, Signed: d(2020, 1, 1), Starts: map[Mission]domain.Date{Crise: d(2020, 1, 1)}},
	} {
		if _, err := BuildSchedule(bad); domain.ErrorCode(err) != domain.EInvalid {
			t.Errorf("%+v: err %v", bad, err)
		}
	}
}

// TestSchedulePerYearBareme: each contract year is computed on the barème in
// force on its first day (docs/rules.md §4), and the early-signer supplement
// of a contract signed before avenant 2 took effect is paid with the first
// fonctionnement payment on or after 01/04/2022 (docs/rules.md §5). T2.
func TestSchedulePerYearBareme(t *testing.T) {
	// avenant9 is a later avenant of the tests: fonctionnement T2 70 000 €,
	// advances of 80 %, in force from 01/01/2023.
	avenant9 := Avenant2()
	avenant9.Code, avenant9.Name, avenant9.Effective, avenant9.AdvancePercent = "avenant-9", "Avenant 9", d(2023, time.January, 1), 80
	avenant9.Missions = avenant2Missions()
	avenant9.Missions[0].Fixed[1] = domain.Euros(70_000)
	type pay struct {
		due  domain.Date
		year int
		m    Mission
		k    Kind
		eur  int64 // euros
	}
	for _, tc := range []struct {
		name    string
		baremes []Bareme
		signed  domain.Date
		starts  map[Mission]domain.Date
		codes   [ContractYears]string // barème of each year
		years   [ContractYears]int64  // euros due each year
		want    []pay                 // the payments of years 1 and 2 (and the supplement), in order
	}{
		{
			// Year 1 on the 2019 table (fonct 48 000, acces 56 000 + 24 000);
			// year 2 on avenant 2, with the supplement on 01/06/2022.
			name: "signed 01/06/2021", baremes: []Bareme{entered2019(), Avenant2()}, signed: d(2021, time.June, 1),
			starts: map[Mission]domain.Date{Acces: d(2021, time.June, 1)},
			codes:  [5]string{"aci-cpts-2019", "avenant-2", "avenant-2", "avenant-2", "avenant-2"},
			years:  [5]int64{48_000 + 80_000, 60_000 + 45_000 + 100_000, 160_000, 160_000, 160_000},
			want: []pay{
				{d(2021, time.June, 1), 1, Fonctionnement, KindAvance, 48_000},
				{d(2021, time.June, 1), 1, Acces, KindAvance, 42_000},
				{d(2022, time.June, 1), 1, Acces, KindSolde, 56_000 + 24_000 - 42_000},
				{d(2022, time.June, 1), 2, Fonctionnement, KindAvance, 45_000},
				{d(2022, time.June, 1), 2, Fonctionnement, KindAmorcage, 45_000},
				{d(2022, time.June, 1), 2, Acces, KindAvance, 52_500},
				{d(2023, time.June, 1), 2, Fonctionnement, KindSolde, 15_000},
				{d(2023, time.June, 1), 2, Acces, KindSolde, 100_000 - 52_500},
			},
		},
		{
			// Years 1 and 2 on the 2019 table; the supplement comes with
			// year 3's fonctionnement advance, 01/06/2022.
			name: "signed 01/06/2020", baremes: []Bareme{entered2019(), Avenant2()}, signed: d(2020, time.June, 1),
			starts: map[Mission]domain.Date{Acces: d(2020, time.June, 1)},
			codes:  [5]string{"aci-cpts-2019", "aci-cpts-2019", "avenant-2", "avenant-2", "avenant-2"},
			years:  [5]int64{128_000, 128_000, 205_000, 160_000, 160_000},
			want: []pay{
				{d(2020, time.June, 1), 1, Fonctionnement, KindAvance, 48_000},
				{d(2020, time.June, 1), 1, Acces, KindAvance, 42_000},
				{d(2021, time.June, 1), 1, Acces, KindSolde, 38_000},
				{d(2021, time.June, 1), 2, Fonctionnement, KindAvance, 36_000},
				{d(2021, time.June, 1), 2, Acces, KindAvance, 42_000},
				{d(2022, time.June, 1), 2, Fonctionnement, KindSolde, 12_000},
				{d(2022, time.June, 1), 2, Acces, KindSolde, 38_000},
				{d(2022, time.June, 1), 3, Fonctionnement, KindAvance, 45_000},
				{d(2022, time.June, 1), 3, Fonctionnement, KindAmorcage, 45_000},
				{d(2022, time.June, 1), 3, Acces, KindAvance, 52_500},
			},
		},
		{
			// No mission started: no fonctionnement after year 1, so no
			// fonctionnement payment on or after 01/04/2022 carries the
			// supplement.
			name: "signed 01/06/2021, no mission", baremes: []Bareme{entered2019(), Avenant2()}, signed: d(2021, time.June, 1),
			codes: [5]string{"aci-cpts-2019", "avenant-2", "avenant-2", "avenant-2", "avenant-2"},
			years: [5]int64{48_000, 0, 0, 0, 0},
			want:  []pay{{d(2021, time.June, 1), 1, Fonctionnement, KindAvance, 48_000}},
		},
		{
			// Year 1 on avenant 2 (supplement at signature), years 2–5 on
			// avenant 9: fonctionnement 70 000 with an 80 % advance; acces
			// advances at 80 % too.
			name: "signed 01/06/2022, avenant 9 from 2023", baremes: []Bareme{Avenant2(), avenant9}, signed: d(2022, time.June, 1),
			starts: map[Mission]domain.Date{Acces: d(2022, time.June, 1)},
			codes:  [5]string{"avenant-2", "avenant-9", "avenant-9", "avenant-9", "avenant-9"},
			years:  [5]int64{60_000 + 45_000 + 100_000, 170_000, 170_000, 170_000, 170_000},
			want: []pay{
				{d(2022, time.June, 1), 1, Fonctionnement, KindAvance, 60_000},
				{d(2022, time.June, 1), 1, Fonctionnement, KindAmorcage, 45_000},
				{d(2022, time.June, 1), 1, Acces, KindAvance, 52_500},
				{d(2023, time.June, 1), 1, Acces, KindSolde, 47_500},
				{d(2023, time.June, 1), 2, Fonctionnement, KindAvance, 56_000},
				{d(2023, time.June, 1), 2, Acces, KindAvance, 56_000},
				{d(2024, time.June, 1), 2, Fonctionnement, KindSolde, 14_000},
				{d(2024, time.June, 1), 2, Acces, KindSolde, 44_000},
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := ScheduleInput{Baremes: tc.baremes, Tier: 2, Signed: tc.signed, Starts: tc.starts}
			s, err := BuildSchedule(in)
			if err != nil {
				t.Fatal(err)
			}
			var total int64
			for i, e := range s.Years {
				if e.Bareme != tc.codes[i] || e.Total != domain.Euros(tc.years[i]) {
					t.Errorf("year %d: barème %s, %s; want %s, %d €", i+1, e.Bareme, domain.FormatEUR(e.Total), tc.codes[i], tc.years[i])
				}
				total += tc.years[i]
			}
			if s.Total != domain.Euros(total) {
				t.Errorf("total %s, want %d €", domain.FormatEUR(s.Total), total)
			}
			// The payments up to the last year and day of tc.want.
			last := tc.want[len(tc.want)-1]
			var got []pay
			for _, p := range s.Payments {
				if p.ContractYear > last.year || p.Due.After(last.due) {
					continue
				}
				got = append(got, pay{p.Due, p.ContractYear, p.Mission, p.Kind, int64(p.Amount / 100)})
				if p.Amount%100 != 0 {
					t.Errorf("payment %+v not in whole euros", p)
				}
			}
			if len(got) != len(tc.want) {
				t.Fatalf("payments\n got %+v\nwant %+v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Errorf("payment %d = %+v, want %+v", i, got[i], tc.want[i])
				}
			}
			var amorcage int
			for _, p := range s.Payments {
				if p.Kind == KindAmorcage {
					amorcage++
				}
			}
			if want := map[bool]int{true: 1, false: 0}[tc.starts != nil]; amorcage != want {
				t.Errorf("%d supplement payments, want %d", amorcage, want)
			}
			checkInvariant(t, in, s)
		})
	}
}

// TestTermination: signed 01/03/2024, T2, acces from 01/06/2024; letter
// received 15/03/2025 → effective 15/05/2025.
func TestTermination(t *testing.T) {
	if got := TerminationEffective(d(2025, time.March, 15)); got != d(2025, time.May, 15) {
		t.Fatalf("effective = %s", got)
	}
	in := ScheduleInput{Baremes: []Bareme{Avenant2()}, Tier: 2, Signed: d(2024, time.March, 1),
		Starts: map[Mission]domain.Date{Acces: d(2024, time.June, 1)}}
	s, _ := BuildSchedule(in)
	eff := d(2025, time.May, 15)
	paid := PaidBefore(s, eff)
	// Paid: 60 000 (fonct y1) + 39 267,12 (acces adv y1) + solde y1 + 45 000 (fonct adv y2) + 52 500 (acces adv y2).
	y1, _ := YearDue(in, 1)
	wantPaid := y1.Total + domain.Euros(45_000) + domain.Euros(52_500)
	if paid != wantPaid {
		t.Fatalf("paid = %s, want %s", domain.FormatEUR(paid), domain.FormatEUR(wantPaid))
	}
	tr, err := Terminate(in, d(2025, time.March, 15), paid)
	if err != nil {
		t.Fatal(err)
	}
	// Year 2 runs 01/03/2025 → 01/03/2026 (365 days); 75 days to 15/05/2025.
	want := y1.Total + domain.MulDiv(domain.Euros(60_000), 75, 365) + domain.MulDiv(domain.Euros(70_000), 75, 365) + domain.MulDiv(domain.Euros(30_000), 75, 365)
	if tr.Due != want {
		t.Errorf("due = %s, want %s", domain.FormatEUR(tr.Due), domain.FormatEUR(want))
	}
	if tr.TropPercu != paid-want || tr.ResteDu != 0 {
		t.Errorf("trop-perçu = %s", domain.FormatEUR(tr.TropPercu))
	}
	// 45 000 + 52 500 − (12 328,77 + 14 383,56 + 6 164,38) = 64 623,29.
	if tr.TropPercu != 6_462_329 {
		t.Errorf("trop-perçu = %s, want 64 623,29 €", domain.FormatEUR(tr.TropPercu))
	}
	// Nothing paid: the whole due remains.
	tr, _ = Terminate(in, d(2025, time.March, 15), 0)
	if tr.ResteDu != want || tr.TropPercu != 0 {
		t.Errorf("reste dû = %+v", tr)
	}
	// Termination after the contract's end: everything due.
	tr, _ = Terminate(in, d(2030, time.January, 1), s.Total)
	if tr.Due != s.Total || tr.TropPercu != 0 {
		t.Errorf("late termination %+v, schedule %d", tr, s.Total)
	}
}

func TestMSP(t *testing.T) {
	inds := BuiltinMSP()
	mb, err := MSPBaremeByCode(BuiltinMSPBaremes(), "aci-msp-avenant-1")
	if err != nil || mb.PointValue != 7_00 || mb.ReferencePatientele != 4_000 || mb.AdvancePercent != 60 {
		t.Fatalf("MSP barème %+v, %v", mb, err)
	}
	all := map[string]bool{"horaires_soins_non_programmes": true, "fonction_coordination": true, "sas_tous_medecins": true, "sas_moitie_medecins": true}
	// 1 200 + 1 000 + 1 700 × 4 000/4 000 + 200 (best SAS level) = 4 100 points = 28 700 €.
	got, err := MSPRemuneration(mb, inds, all, 4_000)
	if err != nil || got != domain.Euros(28_700) {
		t.Errorf("remuneration = %s, %v", domain.FormatEUR(got), err)
	}
	// Variable points scale: 1 700 × 7 € × 3 000/4 000 = 8 925 €.
	if got := MSPIndicatorAmount(mb, inds[1], 3_000); got != domain.Euros(7_000+8_925) {
		t.Errorf("coordination at 3 000 = %s", domain.FormatEUR(got))
	}
	// 1 700 × 700 × 1 234 / 4 000 = 367 115 cents.
	if got := MSPIndicatorAmount(mb, inds[1], 1_234); got != domain.Euros(7_000)+367_115 {
		t.Errorf("coordination at 1 234 = %d", got)
	}
	// A prérequis not met: nothing.
	if got, _ := MSPRemuneration(mb, inds, map[string]bool{"fonction_coordination": true, "sas_tous_medecins": true}, 4_000); got != 0 {
		t.Errorf("prérequis missing: %s", domain.FormatEUR(got))
	}
	// Civil-year schedule, contracted 01/07/2024 (leap year: 184/366 days left).
	y, err := MSPSchedule(MSPYearInput{Bareme: mb, Indicators: inds, Met: all, Patientele: 4_000, Year: 2024, Contracted: d(2024, time.July, 1)})
	if err != nil {
		t.Fatal(err)
	}
	// Socle at 100 %: 1 200 + 2 700 points = 27 300 €; 60 % × 184/366.
	if y.Days != 184 || y.YearDays != 366 || y.Advance != domain.MulDiv(domain.Euros(27_300), 60*184, 100*366) {
		t.Errorf("advance %+v", y)
	}
	if y.AdvanceDue != d(2024, time.October, 1) || y.BalanceDue != d(2025, time.April, 30) {
		t.Errorf("dates %+v", y)
	}
	if y.Remuneration != domain.MulDiv(domain.Euros(28_700), 184, 366) || y.Balance != y.Remuneration-y.Advance {
		t.Errorf("balance %+v", y)
	}
	y, _ = MSPSchedule(MSPYearInput{Bareme: mb, Indicators: inds, Met: all, Patientele: 4_000, Year: 2025, Contracted: d(2024, time.July, 1)})
	if y.AdvanceDue != d(2025, time.April, 30) || y.Advance != domain.Euros(16_380) {
		t.Errorf("year 2 %+v", y)
	}
	// The point value, reference patientèle and advance rate are the
	// barème's: 8 €, 5 000 patients, 50 %.
	other := MSPBareme{Code: "aci-msp-avenant-9", PointValue: 8_00, ReferencePatientele: 5_000, AdvancePercent: 50}
	// 1 000 × 8 € + 1 700 × 8 € × 4 000/5 000 = 8 000 + 10 880 €.
	if got := MSPIndicatorAmount(other, inds[1], 4_000); got != domain.Euros(8_000+10_880) {
		t.Errorf("coordination under other barème = %s", domain.FormatEUR(got))
	}
	// Socle: (1 200 + 1 000) × 8 € + 10 880 € = 28 480 €; advance 50 % = 14 240 €.
	y, err = MSPSchedule(MSPYearInput{Bareme: other, Indicators: inds, Met: all, Patientele: 4_000, Year: 2025, Contracted: d(2024, time.July, 1)})
	if err != nil || y.Advance != domain.Euros(14_240) || !strings.Contains(y.AdvanceRule, "Avance de 50 %") {
		t.Errorf("other barème year 2 %+v, %v", y, err)
	}
	for _, bad := range []MSPBareme{{Code: "x", ReferencePatientele: 4_000, AdvancePercent: 60}, {Code: "x", PointValue: 7_00, AdvancePercent: 60}, {Code: "x", PointValue: 7_00, ReferencePatientele: 4_000, AdvancePercent: 101}, {}} {
		if _, err := MSPRemuneration(bad, inds, all, 4_000); domain.ErrorCode(err) != domain.EInvalid {
			t.Errorf("MSP barème %+v accepted: %v", bad, err)
		}
	}
	if _, err := MSPBaremeByCode(BuiltinMSPBaremes(), "aci-msp-2030"); domain.ErrorCode(err) != domain.EInvalid {
		t.Errorf("unknown MSP barème: %v", err)
	}
}

func TestESPAndForfaitStructure(t *testing.T) {
	for _, tc := range []struct{ patients, mt, want int64 }{
		{300, 1_500, 6_000}, {300, 10_000, 6_000}, {300, 1_000, 4_000}, {300, 1_004, 4_000}, {0, 100, 0},
	} {
		got, err := ESPForfait(tc.patients, tc.mt)
		if err != nil || got != domain.Euros(tc.want) {
			t.Errorf("ESPForfait(%d, %d) = %s", tc.patients, tc.mt, domain.FormatEUR(got))
		}
	}
	if ESPStatus != "proposition, non en vigueur" {
		t.Error(ESPStatus)
	}
	if ForfaitStructureLoss(false) != domain.Euros(9_695) || ForfaitStructureLoss(true) != 0 {
		t.Error("forfait structure")
	}
}
