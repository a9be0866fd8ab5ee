package contractlife

import (
	"strings"
	"testing"
	"time"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/funding"
)

func d(y int, m time.Month, day int) domain.Date { return domain.Date{Y: y, M: m, D: day} }

func TestYears(t *testing.T) {
	for _, tc := range []struct {
		signed domain.Date
		labels []string
		days   []int64
		last   domain.Date
	}{
		{d(2024, time.March, 1), []string{
			"du 01/03/2024 au 28/02/2025", "du 01/03/2025 au 28/02/2026",
			"du 01/03/2026 au 28/02/2027", "du 01/03/2027 au 29/02/2028", "du 01/03/2028 au 28/02/2029"},
			[]int64{365, 365, 365, 366, 365}, d(2029, time.February, 28)},
		// 29 February: anniversaries on 28/02 in common years, 29/02 in leap years.
		{d(2024, time.February, 29), []string{
			"du 29/02/2024 au 27/02/2025", "du 28/02/2025 au 27/02/2026", "du 28/02/2026 au 27/02/2027",
			"du 28/02/2027 au 28/02/2028", "du 29/02/2028 au 27/02/2029"},
			[]int64{365, 365, 365, 366, 365}, d(2029, time.February, 27)},
		{d(2023, time.January, 1), []string{
			"du 01/01/2023 au 31/12/2023", "du 01/01/2024 au 31/12/2024", "du 01/01/2025 au 31/12/2025",
			"du 01/01/2026 au 31/12/2026", "du 01/01/2027 au 31/12/2027"},
			[]int64{365, 366, 365, 365, 365}, d(2027, time.December, 31)},
	} {
		ys, err := Years(tc.signed)
		if err != nil || len(ys) != 5 {
			t.Fatalf("%s: %v %v", tc.signed, ys, err)
		}
		for i, y := range ys {
			if y.N != i+1 || y.Label() != tc.labels[i] || y.Days != tc.days[i] {
				t.Errorf("%s year %d: %q %d days; want %q %d", tc.signed, i+1, y.Label(), y.Days, tc.labels[i], tc.days[i])
			}
			if int64(y.Start.DaysUntil(y.Next())) != y.Days || !y.Contains(y.Start) || !y.Contains(y.End) || y.Contains(y.Next()) {
				t.Errorf("year %+v inconsistent", y)
			}
			if i > 0 && ys[i-1].Next() != y.Start {
				t.Errorf("gap between years %d and %d", i, i+1)
			}
			if got, ok := YearAt(tc.signed, y.End); !ok || got != y {
				t.Errorf("YearAt(%s) = %+v", y.End, got)
			}
		}
		if LastDay(tc.signed) != tc.last || ys[4].End != tc.last {
			t.Errorf("%s: last day %s", tc.signed, LastDay(tc.signed))
		}
		if _, ok := YearAt(tc.signed, tc.signed.AddDays(-1)); ok {
			t.Error("a day before the signature is in no year")
		}
		if _, ok := YearAt(tc.signed, tc.last.AddDays(1)); ok {
			t.Error("the day after the last day is in no year")
		}
	}
	if _, err := ContractYearOf(d(2024, 3, 1), 6); domain.ErrorCode(err) != domain.EInvalid {
		t.Errorf("year 6: %v", err)
	}
	if _, err := Years(domain.Date{}); err == nil {
		t.Error("no signature: no years")
	}
}

// TestBaremesByYear: the barème in force on the first day of each contract
// year (docs/rules.md §4), including a new barème in the middle of a contract.
func TestBaremesByYear(t *testing.T) {
	next := funding.Avenant2()
	next.Code, next.Name, next.Effective = "avenant-3", "Avenant 3", d(2026, time.January, 1)
	list := []funding.Bareme{withoutCrise2019(), funding.Avenant2(), next}
	got, err := BaremesByYear(list, d(2024, time.March, 1))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"avenant-2", "avenant-2", "avenant-3", "avenant-3", "avenant-3"}
	for i := range got {
		if got[i].Code != want[i] {
			t.Errorf("year %d: %s, want %s", i+1, got[i].Code, want[i])
		}
	}
	// A barème effective on an anniversary applies to the year it opens.
	next.Effective = d(2025, time.March, 1)
	got, _ = BaremesByYear([]funding.Bareme{funding.Avenant2(), next}, d(2024, time.March, 1))
	if got[0].Code != "avenant-2" || got[1].Code != "avenant-3" {
		t.Errorf("effective on the anniversary: %s %s", got[0].Code, got[1].Code)
	}
	_, err = BaremesByYear([]funding.Bareme{funding.Avenant2()}, d(2021, time.June, 1))
	if domain.ErrorCode(err) != domain.ENotFound || !strings.Contains(domain.ErrorMessage(err), "01/06/2021") {
		t.Errorf("no barème: %v", err)
	}
}

// withoutCrise is a test fixture, not data: avenant 2's amounts without the
// crise mission (the barème of a contract year that does not fund it).
func withoutCrise() funding.Bareme {
	b := funding.Avenant2()
	b.Code, b.Name = "sans-crise", "Barème sans crise"
	b.Missions = nil
	for _, m := range funding.Avenant2().Missions {
		if m.Mission != funding.Crise {
			b.Missions = append(b.Missions, m)
		}
	}
	return b
}

// withoutCrise2019 stands for the 2019 table an admin enters later
// (docs/rules.md §4): withoutCrise in force from the ACI CPTS.
func withoutCrise2019() funding.Bareme {
	b := withoutCrise()
	b.Code, b.Name, b.Effective = "aci-cpts-2019", "ACI CPTS 2019", funding.ACICPTSEffective()
	b.EarlySignerCutoff, b.EarlySigner = domain.Date{}, funding.PerTier{}
	return b
}
