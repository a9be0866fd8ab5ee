package contractlife

import (
	"strings"
	"testing"
	"time"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/funding"
)

func TestTerminationEffective(t *testing.T) {
	signed := d(2023, time.June, 1)
	for _, tc := range []struct{ received, eff domain.Date }{
		{d(2025, time.March, 15), d(2025, time.May, 15)},
		{d(2024, time.December, 31), d(2025, time.February, 28)},
		{d(2023, time.December, 31), d(2024, time.February, 29)},
		{d(2024, time.December, 30), d(2025, time.February, 28)},
		{d(2025, time.July, 31), d(2025, time.September, 30)},
		{d(2025, time.November, 1), d(2026, time.January, 1)},
	} {
		got, err := TerminationEffective(signed, tc.received)
		if err != nil || got != tc.eff {
			t.Errorf("%s: %s %v; want %s", tc.received, got, err, tc.eff)
		}
	}
	for _, bad := range []domain.Date{{}, d(2023, time.May, 31), d(2028, time.June, 1)} {
		if _, err := TerminationEffective(signed, bad); domain.ErrorCode(err) != domain.EInvalid {
			t.Errorf("%s: %v", bad, err)
		}
	}
}

func TestCPAMTermination(t *testing.T) {
	n := d(2025, time.March, 15)
	for _, tc := range []struct {
		name   string
		t      CPAMTermination
		status TerminationStatus
		eff    domain.Date
		bad    bool
	}{
		{"no recourse", CPAMTermination{Notified: n}, TerminationScheduled, d(2025, time.May, 15), false},
		{"recourse pending", CPAMTermination{Notified: n, RecourseFiled: d(2025, time.April, 1)}, TerminationSuspended, domain.Date{}, false},
		{"upheld early", CPAMTermination{Notified: n, RecourseFiled: d(2025, time.April, 1), Decided: d(2025, time.April, 20), Upheld: true}, TerminationScheduled, d(2025, time.May, 15), false},
		{"upheld late", CPAMTermination{Notified: n, RecourseFiled: d(2025, time.April, 1), Decided: d(2025, time.June, 20), Upheld: true}, TerminationScheduled, d(2025, time.June, 20), false},
		{"annulled", CPAMTermination{Notified: n, RecourseFiled: d(2025, time.April, 1), Decided: d(2025, time.June, 20)}, TerminationAnnulled, domain.Date{}, false},
		{"no notification", CPAMTermination{}, "", domain.Date{}, true},
		{"recourse before notification", CPAMTermination{Notified: n, RecourseFiled: d(2025, time.March, 1)}, "", domain.Date{}, true},
		{"recourse after the effective date", CPAMTermination{Notified: n, RecourseFiled: d(2025, time.May, 15)}, "", domain.Date{}, true},
		{"decision before recourse", CPAMTermination{Notified: n, RecourseFiled: d(2025, time.April, 1), Decided: d(2025, time.March, 31)}, "", domain.Date{}, true},
	} {
		s, eff, err := tc.t.Effective()
		if (err != nil) != tc.bad || s != tc.status || eff != tc.eff {
			t.Errorf("%s: %s %s %v", tc.name, s, eff, err)
		}
	}
}

// TestSettle: signed 01/03/2024, T2, accès from signature; letter received
// 15/03/2025 → effective 15/05/2025 (docs/rules.md §9), to the cent and
// against funding.Terminate.
func TestSettle(t *testing.T) {
	signed := d(2024, time.March, 1)
	starts := map[funding.Mission]domain.Date{funding.Acces: signed}
	c := tier2(signed, starts)
	eff, _ := TerminationEffective(signed, d(2025, time.March, 15))
	pay := func(id int64, due domain.Date, y int, m funding.Mission, k funding.Kind, amount domain.Cents, st PaymentState) Scheduled {
		return Scheduled{ID: id, Payment: funding.Payment{Due: due, ContractYear: y, Mission: m, Kind: k, Amount: amount}, State: st}
	}
	payments := []Scheduled{
		pay(1, signed, 1, funding.Fonctionnement, funding.KindAvance, domain.Euros(60_000), Paid),
		pay(2, signed, 1, funding.Acces, funding.KindAvance, domain.Euros(52_500), Paid),
		pay(3, d(2025, time.March, 20), 1, funding.Acces, funding.KindSolde, domain.Euros(47_500), Paid),
		pay(4, d(2025, time.March, 1), 2, funding.Fonctionnement, funding.KindAvance, domain.Euros(45_000), Paid),
		pay(5, d(2025, time.March, 1), 2, funding.Acces, funding.KindAvance, domain.Euros(52_500), Ordered),
		pay(6, d(2024, time.May, 2), 1, funding.Crise, KindPlanCrise, domain.Euros(35_000), Paid),           // one-off: out of both sides
		pay(7, d(2025, time.July, 3), 2, funding.Crise, funding.KindCrise, domain.Euros(52_500), Planned),   // after: cancelled
		pay(8, d(2026, time.March, 1), 3, funding.Acces, funding.KindAvance, domain.Euros(52_500), Planned), // after: cancelled
		pay(9, d(2026, time.March, 1), 3, funding.Fonctionnement, funding.KindAvance, domain.Euros(45_000), Cancelled),
		pay(10, eff, 2, funding.Acces, funding.KindAvance, 1, Planned), // on the effective date: cancelled
	}
	var rates [5]map[funding.Mission]funding.Rate
	rates[0] = map[funding.Mission]funding.Rate{funding.Acces: 10_000}
	rates[1] = map[funding.Mission]funding.Rate{funding.Acces: 10_000}
	s, err := Settle(SettleInput{Contract: c, Effective: eff, Payments: payments, Rates: rates})
	if err != nil {
		t.Fatal(err)
	}
	// Due: year 1 in full (60 000 + 70 000 + 30 000); year 2 for 75/365 days:
	// fonctionnement 12 328,77 + fixe 14 383,56 + variable 6 164,38.
	due := domain.Euros(160_000) + 1_232_877 + 1_438_356 + 616_438
	kept := domain.Euros(60_000 + 52_500 + 47_500 + 45_000 + 52_500)
	if s.Due != due || s.Kept != kept || s.Line == nil || s.Line.Amount != due-kept || s.Line.Amount != -6_462_329 ||
		s.Line.Kind != KindRecouvrement || s.Line.Due != eff || s.Line.ContractYear != 2 || !strings.Contains(s.Line.Rule, "15/05/2025") {
		t.Errorf("settlement %+v line %+v", s, s.Line)
	}
	var ids []int64
	for _, p := range s.Cancel {
		ids = append(ids, p.ID)
	}
	if len(ids) != 3 || ids[0] != 7 || ids[1] != 8 || ids[2] != 10 {
		t.Errorf("cancelled %v", ids)
	}
	// The funding engine agrees on the amount due and the trop-perçu.
	var ach [5]map[funding.Mission]funding.Rate
	tr, err := funding.Terminate(funding.ScheduleInput{Baremes: []funding.Bareme{funding.Avenant2()}, Tier: 2, Signed: signed, Starts: starts, Achievement: ach}, d(2025, time.March, 15), kept)
	if err != nil || tr.Due != s.Due || tr.TropPercu != -s.Line.Amount {
		t.Errorf("engine %+v", tr)
	}
	// The year cut by the termination, not evaluated: its variable part at 0 %.
	rates[1] = nil
	s, _ = Settle(SettleInput{Contract: c, Effective: eff, Payments: payments, Rates: rates})
	if s.Due != due-616_438 || s.Line.Amount != due-616_438-kept {
		t.Errorf("unevaluated last year: %+v", s)
	}
	// A whole year without its validated rate: refused.
	rates[0] = nil
	if _, err := Settle(SettleInput{Contract: c, Effective: eff, Payments: payments, Rates: rates}); domain.ErrorCode(err) != domain.EInvalid {
		t.Errorf("missing year-1 rate: %v", err)
	}
	// Less paid than due: a final balance.
	s, err = Settle(SettleInput{Contract: c, Effective: eff, Payments: payments[:2], Rates: [5]map[funding.Mission]funding.Rate{{funding.Acces: 5_000}}})
	wantDue := domain.Euros(60_000+70_000+15_000) + 1_232_877 + 1_438_356
	if err != nil || s.Due != wantDue || s.Line == nil || s.Line.Kind != KindSoldeResiliation || s.Line.Amount != wantDue-domain.Euros(112_500) {
		t.Errorf("final balance %+v %v", s, err)
	}
	// Exactly even: no line.
	s, _ = Settle(SettleInput{Contract: tier2(signed, nil), Effective: d(2024, time.March, 2), Payments: []Scheduled{pay(1, signed, 1, funding.Fonctionnement, funding.KindAvance, domain.MulDiv(domain.Euros(60_000), 1, 365), Paid)}})
	if s.Line != nil || s.Due != 16_438 {
		t.Errorf("even: %+v", s)
	}
	if _, err := Settle(SettleInput{Contract: c, Effective: signed}); domain.ErrorCode(err) != domain.EInvalid {
		t.Errorf("effective on the signature day: %v", err)
	}
}
