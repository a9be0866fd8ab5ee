package funding

import (
	"strings"
	"testing"
	"time"

	"github.com/portail-aci/aci/internal/domain"
)

// The MSP of the demo (reference patientèle 4 000) with every prérequis met:
// horaires 1 200 fixed points + coordination 1 000 fixed + 1 700 variable
// points × 4 000 / 4 000 = 3 900 points × 7 € = 27 300 € a full year
// (2 730 000 cents); advance 60 % = 16 380 €, balance 10 920 €.
const demoPatientele = 4_000

func TestMSPContractPayments(t *testing.T) {
	if mb, err := ContractMSPBareme(); err != nil || mb.ReferencePatientele != demoPatientele {
		t.Fatalf("the contract's MSP barème %+v, %v: reference patientèle is not the demo's", mb, err)
	}
	start := d(2026, time.March, 2) // 2026: 305 days from 2 March to 31 December, of 365
	type pay struct {
		due    domain.Date
		cy     int
		kind   Kind
		amount domain.Cents
	}
	want := []pay{
		// 2 730 000 × 60 × 305 / (100 × 365) = 1 368 739,7 → 1 368 740
		{d(2026, time.June, 2), 1, KindAvance, 1_368_740},
		// 2 730 000 × 305 / 365 = 2 281 232,9 → 2 281 233; − advance
		{d(2027, time.April, 30), 1, KindSolde, 2_281_233 - 1_368_740},
		{d(2027, time.April, 30), 2, KindAvance, 1_638_000},
		{d(2028, time.April, 30), 2, KindSolde, 1_092_000},
		{d(2028, time.April, 30), 3, KindAvance, 1_638_000},
		{d(2029, time.April, 30), 3, KindSolde, 1_092_000},
		{d(2029, time.April, 30), 4, KindAvance, 1_638_000},
		{d(2030, time.April, 30), 4, KindSolde, 1_092_000},
		{d(2030, time.April, 30), 5, KindAvance, 1_638_000},
		{d(2031, time.April, 30), 5, KindSolde, 1_092_000},
		// end 2 March 2031: 60 days of 2031 (1 January → 2 March).
		// 1 638 000 × 60 / 365 = 269 260,3 → 269 260
		{d(2031, time.April, 30), 6, KindAvance, 269_260},
		// 2 730 000 × 60 / 365 = 448 767,1 → 448 767; − advance
		{d(2032, time.April, 30), 6, KindSolde, 448_767 - 269_260},
	}
	ps, err := MSPContractPayments(demoPatientele, start)
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != len(want) {
		t.Fatalf("%d payments, want %d: %+v", len(ps), len(want), ps)
	}
	var total domain.Cents
	for i, w := range want {
		p := ps[i]
		if p.Due != w.due || p.ContractYear != w.cy || p.Kind != w.kind || p.Amount != w.amount || p.Rule == "" {
			t.Errorf("payment %d = %s y%d %s %d, want %s y%d %s %d", i, p.Due, p.ContractYear, p.Kind, p.Amount, w.due, w.cy, w.kind, w.amount)
		}
		total += p.Amount
	}
	// 305 + 60 days make one year: five years of 27 300 € in all.
	if total != 5*domain.Euros(27_300) {
		t.Errorf("total %s", domain.FormatEUR(total))
	}
}

func TestContractTermination(t *testing.T) {
	msp := ContractFunding{StructureType: domain.MSP, Patientele: demoPatientele, Start: d(2026, time.March, 2)}
	// Received 10/01/2028, effective 10/03/2028: 2026 (2 281 233) and 2027
	// (2 730 000) in full, 2028 for 69 of its 366 days:
	// 2 730 000 × 69 / 366 = 514 672,1 → 514 672.
	const mspDue = 2_281_233 + 2_730_000 + 514_672
	cpts := ContractFunding{StructureType: domain.CPTS, BaremeCode: "avenant-2", Tier: 1, Missions: SocleMissions(), Start: d(2024, time.January, 1)}
	cptsIn, err := ContractScheduleInput(cpts.BaremeCode, cpts.Tier, cpts.Start, cpts.Missions)
	if err != nil {
		t.Fatal(err)
	}
	cptsWant, err := Terminate(cptsIn, d(2025, time.March, 15), domain.Euros(100_000))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name              string
		c                 ContractFunding
		received          domain.Date
		paid              domain.Cents
		due, trop, resteD domain.Cents
	}{
		{"msp, paid less than due", msp, d(2028, time.January, 10), 5_000_000, mspDue, 0, mspDue - 5_000_000},
		{"msp, paid more than due", msp, d(2028, time.January, 10), 6_000_000, mspDue, 6_000_000 - mspDue, 0},
		{"msp, paid exactly", msp, d(2028, time.January, 10), mspDue, mspDue, 0, 0},
		{"cpts: funding.Terminate on the contract's input", cpts, d(2025, time.March, 15), domain.Euros(100_000), cptsWant.Due, cptsWant.TropPercu, cptsWant.ResteDu},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ContractTermination(tc.c, tc.received, tc.paid)
			if err != nil {
				t.Fatal(err)
			}
			if got.Due != tc.due || got.TropPercu != tc.trop || got.ResteDu != tc.resteD || got.Paid != tc.paid ||
				got.Effective != tc.received.AddMonths(2) {
				t.Errorf("got %+v, want due %d trop-perçu %d reste dû %d", got, tc.due, tc.trop, tc.resteD)
			}
		})
	}
	if _, err := ContractTermination(msp, domain.Date{}, 0); domain.ErrorCode(err) != domain.EConflict {
		t.Errorf("no résiliation received: %v", err)
	}
}

func TestContractScheduleInputAndPayments(t *testing.T) {
	start := d(2024, time.May, 6) // avenant 2 in force
	for _, tc := range []struct {
		name, frozen, want string
	}{
		{"the barème in force", "avenant-2", "avenant-2"},
		{"unknown frozen code: the barème in force", "gone", "avenant-2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in, err := ContractScheduleInput(tc.frozen, 2, start, []Mission{Fonctionnement, Acces, Parcours})
			if err != nil {
				t.Fatal(err)
			}
			if in.Tier != 2 || in.Signed != start || len(in.Starts) != 2 ||
				in.Starts[Acces] != start || in.Starts[Parcours] != start {
				t.Errorf("input tier %d signed %s starts %v", in.Tier, in.Signed, in.Starts)
			}
			for y := 1; y <= ContractYears; y++ {
				b, err := YearBareme(in.Baremes, in.Signed, y)
				if err != nil || b.Code != tc.want {
					t.Errorf("year %d: barème %s, %v", y, b.Code, err)
				}
			}
		})
	}
	// A contract year before avenant 2: no barème to compute it on.
	in, err := ContractScheduleInput("avenant-2", 2, d(2021, time.June, 1), []Mission{Fonctionnement})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := BuildSchedule(in); err == nil || !strings.Contains(err.Error(), "barème ACI CPTS 2019 non saisi") {
		t.Errorf("a contract year before avenant 2: %v", err)
	}
	if _, err := ContractPayments(ContractFunding{StructureType: domain.CPTS}); domain.ErrorCode(err) != domain.EConflict {
		t.Errorf("unsigned contract: %v", err)
	}
	ps, err := ContractPayments(ContractFunding{StructureType: domain.MSP, Patientele: demoPatientele, Start: d(2026, time.March, 2)})
	if err != nil || len(ps) != 12 {
		t.Errorf("msp payments: %d, %v", len(ps), err)
	}
}

// The year-1 funding of a tier-1 CPTS with the four socle missions, no
// crisis (TestAnnualTotals: 250 000 € with every mission, less qualité
// 15 000 € and accompagnement 10 000 €).
func TestCPTSContract(t *testing.T) {
	s, err := CPTSContract(1, SocleMissions(), d(2026, time.January, 15))
	if err != nil {
		t.Fatal(err)
	}
	if s.Bareme.Code != "avenant-2" || s.Year1Total != domain.Euros(250_000-15_000-10_000) {
		t.Errorf("barème %s, year 1 %s", s.Bareme.Code, domain.FormatEUR(s.Year1Total))
	}
	var lines, years domain.Cents
	for _, l := range s.Year1 {
		lines += l.Total()
	}
	for _, y := range s.YearTotals {
		years += y
	}
	if lines != s.Year1Total || len(s.YearTotals) != ContractYears || years != s.ScheduleTotal || s.YearTotals[0] != s.Year1Total {
		t.Errorf("lines %d, years %v (sum %d), schedule %d", lines, s.YearTotals, years, s.ScheduleTotal)
	}
}

// 27 300 € for 100 % of the socle (see TestMSPContractPayments); SAS
// (optional) not counted.
func TestMSPContract(t *testing.T) {
	s, err := MSPContract(demoPatientele)
	if err != nil {
		t.Fatal(err)
	}
	if s.Annual != domain.Euros(27_300) || s.Advance != domain.Euros(16_380) || len(s.Indicators) != len(BuiltinMSP()) {
		t.Errorf("annual %s advance %s, %d indicators", domain.FormatEUR(s.Annual), domain.FormatEUR(s.Advance), len(s.Indicators))
	}
	// Coordination at 2 000 patients: 1 000 × 7 € + 1 700 × 7 € × 2 000 / 4 000.
	s, _ = MSPContract(2_000)
	if s.Indicators[1].Amount != domain.Euros(7_000+5_950) || s.Annual != domain.Euros(8_400+7_000+5_950) {
		t.Errorf("at 2 000: coordination %s, annual %s", domain.FormatEUR(s.Indicators[1].Amount), domain.FormatEUR(s.Annual))
	}
}
