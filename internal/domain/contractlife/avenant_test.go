package contractlife

import (
	"strings"
	"testing"
	"time"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/funding"
)

func TestTierFromYear(t *testing.T) {
	signed := d(2024, time.March, 1)
	for _, tc := range []struct {
		eff  domain.Date
		year int
	}{
		{signed, 2},
		{d(2025, time.March, 1), 2}, // on an anniversary: the year it opens
		{d(2025, time.March, 2), 3},
		{d(2025, time.September, 10), 3},
		{d(2028, time.March, 1), 5},
		{d(2028, time.March, 2), 0}, // after the 4th anniversary: no year uses it
		{LastDay(signed), 0},
	} {
		got, err := TierFromYear(signed, tc.eff)
		if err != nil || got != tc.year {
			t.Errorf("%s: %d %v; want %d", tc.eff, got, err, tc.year)
		}
	}
	for _, bad := range []domain.Date{{}, signed.AddDays(-1), LastDay(signed).AddDays(1)} {
		if _, err := TierFromYear(signed, bad); domain.ErrorCode(err) != domain.EInvalid {
			t.Errorf("%s: %v", bad, err)
		}
	}
	tiers, err := TiersByYear(signed, 2, []TerritoryAvenant{{d(2027, time.January, 5), 4}, {d(2025, time.September, 10), 3}})
	if err != nil || tiers != [5]int{2, 2, 3, 4, 4} {
		t.Errorf("tiers %v %v", tiers, err)
	}
	if _, err := TiersByYear(signed, 2, []TerritoryAvenant{{d(2025, time.September, 10), 5}}); err == nil {
		t.Error("tier 5")
	}
	if _, err := TiersByYear(signed, 0, nil); err == nil {
		t.Error("tier 0")
	}
}

// scheduleOf lists the advances of a contract (signature, starts,
// anniversaries), as the store would record them.
func scheduleOf(t *testing.T, c Contract) []funding.Payment {
	t.Helper()
	ps, err := SignaturePayments(c)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range funding.AllMissions() {
		if at, ok := c.Starts[m]; ok {
			sp, err := StartAdvance(c, m, at)
			if err != nil {
				t.Fatal(err)
			}
			ps = append(ps, sp...)
		}
	}
	for n := 2; n <= 5; n++ {
		ap, err := AnniversaryAdvances(c, n)
		if err != nil {
			t.Fatal(err)
		}
		ps = append(ps, ap...)
	}
	return ps
}

// TestApplyAvenantTerritory: a territory avenant moves a T2 CPTS to T3 from
// the next anniversary; earlier payments stay as they are.
func TestApplyAvenantTerritory(t *testing.T) {
	signed := d(2024, time.March, 1)
	starts := map[funding.Mission]domain.Date{funding.Acces: signed, funding.Parcours: d(2024, time.September, 1)}
	old := tier2(signed, starts)
	eff := d(2025, time.September, 10)
	var existing []Scheduled
	for i, p := range scheduleOf(t, old) {
		st := Planned
		if cmp(p.Due, d(2025, time.March, 1)) <= 0 {
			st = Paid
		}
		existing = append(existing, Scheduled{ID: int64(i + 1), Payment: p, State: st})
	}
	// A crisis plan payment after the effective date: an event payment, kept.
	existing = append(existing, Scheduled{ID: 100, Payment: funding.Payment{Due: d(2026, time.April, 1), ContractYear: 3, Mission: funding.Crise, Kind: KindPlanCrise, Amount: domain.Euros(17_500)}, State: Planned})
	// A cancelled line is ignored.
	existing = append(existing, Scheduled{ID: 101, Payment: funding.Payment{Due: d(2026, time.March, 1), ContractYear: 3, Mission: funding.Acces, Kind: funding.KindAvance, Amount: 1}, State: Cancelled})

	tiers, _ := TiersByYear(signed, 2, []TerritoryAvenant{{eff, 3}})
	baremes, _ := BaremesByYear(funding.Builtin(), signed)
	next := Contract{Signed: signed, Starts: starts, Terms: YearTerms(baremes, tiers)}
	r, err := ApplyAvenant(existing, scheduleOf(t, next), eff)
	if err != nil {
		t.Fatal(err)
	}
	// Years 3–5 (01/03/2026 on): fonctionnement, acces and parcours advances, replaced at tier 3.
	if len(r.Cancel) != 9 || len(r.Create) != 9 {
		t.Fatalf("cancel %d create %d: %+v", len(r.Cancel), len(r.Create), r)
	}
	want := map[funding.Mission]domain.Cents{funding.Fonctionnement: domain.Euros(56_250), funding.Acces: domain.Euros(67_500), funding.Parcours: domain.Euros(33_750)}
	for _, p := range r.Create {
		if p.ContractYear < 3 || p.Amount != want[p.Mission] || p.Kind != funding.KindAvance {
			t.Errorf("created %+v", p)
		}
	}
	for _, p := range r.Cancel {
		if p.ContractYear < 3 || p.State != Planned {
			t.Errorf("cancelled %+v", p)
		}
	}
	if len(r.Keep) != len(existing)-1-9 {
		t.Errorf("kept %d of %d", len(r.Keep), len(existing))
	}
	for _, k := range r.Keep {
		if k.ContractYear >= 3 && k.Kind != KindPlanCrise {
			t.Errorf("kept %+v", k)
		}
	}
	// Same terms: nothing changes.
	same, err := ApplyAvenant(existing, scheduleOf(t, old), eff)
	if err != nil || len(same.Cancel) != 0 || len(same.Create) != 0 {
		t.Errorf("unchanged terms: %+v %v", same, err)
	}
	// An ordered year-3 advance that the avenant would change: refused, nothing applied.
	for i := range existing {
		if existing[i].ContractYear == 3 && existing[i].Mission == funding.Acces && existing[i].State == Planned {
			existing[i].State = Ordered
		}
	}
	_, err = ApplyAvenant(existing, scheduleOf(t, next), eff)
	if domain.ErrorCode(err) != domain.EInvalid || !strings.Contains(domain.ErrorMessage(err), "l'avenant modifierait des paiements déjà ordonnancés ou versés : avance Accès aux soins de l'année 3, ordonnancé (52\u202f500,00\u00a0€ → 67\u202f500,00\u00a0€)") {
		t.Errorf("ordered line changed: %v", err)
	}
	// The same ordered line, unchanged by the new terms, is fine.
	if r, err := ApplyAvenant(existing, scheduleOf(t, old), eff); err != nil || len(r.Cancel) != 0 {
		t.Errorf("ordered unchanged: %+v %v", r, err)
	}
	// Removing a mission: its planned advances go, an ordered one refuses.
	fewer := next
	fewer.Starts = map[funding.Mission]domain.Date{funding.Parcours: d(2024, time.September, 1)}
	if _, err := ApplyAvenant(existing, scheduleOf(t, fewer), eff); domain.ErrorCode(err) != domain.EInvalid || !strings.Contains(domain.ErrorMessage(err), "→ supprimé") {
		t.Errorf("removed ordered line: %v", err)
	}
	if _, err := ApplyAvenant(existing, nil, domain.Date{}); err == nil {
		t.Error("no effective date")
	}
}
