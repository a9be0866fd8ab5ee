package funding

import (
	"testing"
	"time"

	"github.com/portail-aci/aci/internal/domain"
)

// TestAuditTermination: effective 2 months after receipt (ACI CPTS contrat type;
// docs/rules.md §9: 15/03/2025 → 15/05/2025), clamped to the month's last day;
// trop-perçu = paid − due when positive, reste dû otherwise.
func TestAuditTermination(t *testing.T) {
	for _, tc := range []struct{ received, effective domain.Date }{
		{d(2025, time.March, 15), d(2025, time.May, 15)},
		{d(2024, time.December, 31), d(2025, time.February, 28)},
		{d(2023, time.December, 30), d(2024, time.February, 29)},
		{d(2025, time.November, 1), d(2026, time.January, 1)},
	} {
		if got := TerminationEffective(tc.received); got != tc.effective {
			t.Errorf("%s → %s, want %s", tc.received, got, tc.effective)
		}
	}
	// Signed 01/03/2024, T2, acces from 01/03/2024; received 15/03/2025 →
	// effective 15/05/2025: year 1 in full (60 000 + 100 000) and year 2
	// prorated 75/365 days, each part rounded (docs/rules.md §11): fonctionnement
	// 12 328,77 + acces fixe 14 383,56 + acces variable 6 164,38.
	in := ScheduleInput{Baremes: []Bareme{Avenant2()}, Tier: 2, Signed: d(2024, time.March, 1), Starts: map[Mission]domain.Date{Acces: d(2024, time.March, 1)}}
	due := domain.Euros(160_000) + 1_232_877 + 1_438_356 + 616_438
	for _, tc := range []struct {
		paid, trop, reste domain.Cents
	}{
		{0, 0, due},
		{due, 0, 0},
		// 60 000 + 52 500 + 47 500 + 45 000 + 52 500 paid by 01/03/2025.
		{domain.Euros(257_500), domain.Euros(257_500) - due, 0},
		{due - 1, 0, 1},
	} {
		tr, err := Terminate(in, d(2025, time.March, 15), tc.paid)
		if err != nil {
			t.Fatal(err)
		}
		if tr.Effective != d(2025, time.May, 15) || tr.Due != due || tr.TropPercu != tc.trop || tr.ResteDu != tc.reste {
			t.Errorf("paid %d: %+v; want due %d trop %d reste %d", tc.paid, tr, due, tc.trop, tc.reste)
		}
	}
	if _, err := Terminate(in, d(2025, time.March, 15), -1); err == nil {
		t.Error("negative paid accepted")
	}
}

// TestAuditScheduleEqualsEntitlements: for every tier and a few launch
// patterns, Σ payments = Σ YearDue (docs/rules.md §8, §11), across a leap year.
func TestAuditScheduleEqualsEntitlements(t *testing.T) {
	for tier := 1; tier <= 4; tier++ {
		for _, signed := range []domain.Date{d(2023, time.March, 1), d(2024, time.February, 29), d(2022, time.June, 1)} {
			in := ScheduleInput{Baremes: []Bareme{Avenant2()}, Tier: tier, Signed: signed, Starts: map[Mission]domain.Date{
				Acces: signed.AddDays(92), Crise: signed, Parcours: signed.AddDays(400), Qualite: signed.AddDays(1500)}}
			in.Crisis[1] = true
			in.Achievement[2] = map[Mission]Rate{Acces: 3333, Parcours: 5000}
			s, err := BuildSchedule(in)
			if err != nil {
				t.Fatal(err)
			}
			var sum domain.Cents
			for y := 1; y <= ContractYears; y++ {
				e, _ := YearDue(in, y)
				sum += e.Total
			}
			var paid domain.Cents
			for _, p := range s.Payments {
				paid += p.Amount
			}
			if paid != sum || s.Total != sum {
				t.Errorf("T%d signed %s: payments %d, total %d, Σ years %d", tier, signed, paid, s.Total, sum)
			}
		}
	}
}
