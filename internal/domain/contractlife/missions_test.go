package contractlife

import (
	"strings"
	"testing"
	"time"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/funding"
)

func tier2(signed domain.Date, starts map[funding.Mission]domain.Date) Contract {
	c := Contract{Signed: signed, Starts: starts}
	for i := range c.Terms {
		c.Terms[i] = Terms{funding.Avenant2(), 2}
	}
	return c
}

func TestMissionDeadlinesAndLateness(t *testing.T) {
	signed := d(2024, time.August, 31)
	for _, tc := range []struct {
		m               funding.Mission
		start, deployed domain.Date
	}{
		{funding.Acces, d(2025, time.February, 28), d(2026, time.February, 28)},
		{funding.Crise, d(2025, time.February, 28), d(2026, time.February, 28)},
		{funding.Parcours, d(2025, time.August, 31), d(2026, time.August, 31)},
		{funding.Prevention, d(2025, time.August, 31), d(2026, time.August, 31)},
		{funding.Qualite, domain.Date{}, domain.Date{}},
		{funding.Accompagnement, domain.Date{}, domain.Date{}},
	} {
		if got := MissionDeadline(tc.m, signed); got != (Deadline{tc.start, tc.deployed}) {
			t.Errorf("%s: %+v", tc.m, got)
		}
	}
	signed = d(2024, time.March, 1) // acces: start by 01/09/2024, deployed by 01/09/2025
	for _, tc := range []struct {
		p             Progress
		today         domain.Date
		start, deploy bool
		reason        string
	}{
		{Progress{Mission: funding.Acces}, d(2024, time.September, 1), false, false, ""},
		{Progress{Mission: funding.Acces}, d(2024, time.September, 2), true, false, "non démarrée à l'échéance du 01/09/2024"},
		{Progress{funding.Acces, d(2024, time.September, 1), domain.Date{}}, d(2025, time.January, 1), false, false, ""},
		{Progress{funding.Acces, d(2024, time.September, 2), domain.Date{}}, d(2024, time.September, 2), true, false, "démarrée le 02/09/2024, après l'échéance du 01/09/2024"},
		{Progress{funding.Acces, d(2024, time.June, 1), domain.Date{}}, d(2025, time.September, 2), false, true, "non déployée à l'échéance du 01/09/2025"},
		{Progress{funding.Acces, d(2024, time.June, 1), d(2025, time.October, 1)}, d(2026, time.January, 1), false, true, "déployée le 01/10/2025, après l'échéance du 01/09/2025"},
		{Progress{funding.Acces, d(2024, time.June, 1), d(2025, time.September, 1)}, d(2029, time.January, 1), false, false, ""},
		{Progress{Mission: funding.Qualite}, d(2029, time.January, 1), false, false, ""},
		{Progress{Mission: funding.Prevention}, d(2025, time.March, 2), true, false, "non démarrée à l'échéance du 01/03/2025"},
	} {
		l := Lateness(tc.p, signed, tc.today)
		if l.Start != tc.start || l.Deployment != tc.deploy || l.Any() != (tc.start || tc.deploy) || strings.Join(l.Reasons, "; ") != tc.reason {
			t.Errorf("%+v on %s: %+v; want %v %v %q", tc.p, tc.today, l, tc.start, tc.deploy, tc.reason)
		}
	}
}

func TestCheckStartAndDeployment(t *testing.T) {
	signed, today := d(2024, time.March, 1), d(2026, time.January, 10)
	ok := []domain.Date{signed, d(2024, time.June, 1), today}
	for _, s := range ok {
		if err := CheckStart(funding.Acces, signed, s, today); err != nil {
			t.Errorf("start %s: %v", s, err)
		}
	}
	if err := CheckStart(funding.Acces, signed, LastDay(signed), domain.Date{}); err != nil {
		t.Errorf("start on the last day: %v", err)
	}
	for _, tc := range []struct {
		m     funding.Mission
		start domain.Date
		msg   string
	}{
		{funding.Acces, d(2024, time.February, 29), "antérieure à la signature du contrat (01/03/2024)"},
		{funding.Acces, d(2029, time.March, 1), "postérieure à la fin du contrat (28/02/2029)"},
		{funding.Acces, today.AddDays(1), "dans le futur"},
		{funding.Acces, domain.Date{}, "manquante"},
		{funding.Fonctionnement, signed, "fonctionnement"},
		{"bogus", signed, "mission inconnue"},
	} {
		err := CheckStart(tc.m, signed, tc.start, today)
		if domain.ErrorCode(err) != domain.EInvalid || !strings.Contains(domain.ErrorMessage(err), tc.msg) {
			t.Errorf("start %s %s: %v; want %q", tc.m, tc.start, err, tc.msg)
		}
	}
	if err := CheckDeployment(funding.Acces, signed, d(2024, time.June, 1), d(2024, time.June, 1), today); err != nil {
		t.Error(err)
	}
	for _, tc := range []struct {
		started, deployed domain.Date
		msg               string
	}{
		{domain.Date{}, d(2024, time.June, 1), "pas encore démarré"},
		{d(2024, time.June, 1), d(2024, time.May, 31), "ne peut précéder le démarrage"},
		{d(2024, time.June, 1), today.AddDays(1), "dans le futur"},
		{d(2024, time.June, 1), d(2029, time.March, 1), "postérieure à la fin"},
	} {
		err := CheckDeployment(funding.Acces, signed, tc.started, tc.deployed, today)
		if domain.ErrorCode(err) != domain.EInvalid || !strings.Contains(domain.ErrorMessage(err), tc.msg) {
			t.Errorf("deployment %s/%s: %v; want %q", tc.started, tc.deployed, err, tc.msg)
		}
	}
}

// TestStartAdvance: the docs/rules.md §8 example and its neighbours, to the
// cent.
func TestStartAdvance(t *testing.T) {
	c := tier2(d(2024, time.March, 1), nil)
	for _, tc := range []struct {
		m     funding.Mission
		start domain.Date
		year  int
		cents domain.Cents
		rule  string
	}{
		// 52 500 × 273/365 = 39 267,12.
		{funding.Acces, d(2024, time.June, 1), 1, 3_926_712, "proratisée 273/365 jours"},
		// Full year on the signature day: 52 500.
		{funding.Acces, d(2024, time.March, 1), 1, 5_250_000, "au démarrage de la mission le 01/03/2024 (ACI"},
		// Last day of year 1: 52 500 × 1/365 = 143,84.
		{funding.Acces, d(2025, time.February, 28), 1, 14_384, "1/365"},
		// Parcours T2 fixe 35 000 started in year 2 (365 days), 01/12/2025 → 01/03/2026: 90 days; 26 250 × 90/365 = 6 472,60.
		{funding.Parcours, d(2025, time.December, 1), 2, 647_260, "90/365"},
		// Prevention in year 4 (366 days: 01/03/2027 → 29/02/2028): from 01/01/2028, 60 days; 11 250 × 60/366 = 1 844,26.
		{funding.Prevention, d(2028, time.January, 1), 4, 184_426, "60/366"},
		// Qualite T2 fixe 10 000, started on an anniversary: 7 500 in full.
		{funding.Qualite, d(2026, time.March, 1), 3, 750_000, "le 01/03/2026 (ACI"},
	} {
		ps, err := StartAdvance(c, tc.m, tc.start)
		if err != nil || len(ps) != 1 {
			t.Fatalf("%s %s: %v %v", tc.m, tc.start, ps, err)
		}
		p := ps[0]
		if p.Amount != tc.cents || p.ContractYear != tc.year || p.Due != tc.start || p.Kind != funding.KindAvance || p.Mission != tc.m || !strings.Contains(p.Rule, tc.rule) {
			t.Errorf("%s %s: %+v; want %s year %d rule %q", tc.m, tc.start, p, domain.FormatEUR(tc.cents), tc.year, tc.rule)
		}
	}
	if ps, err := StartAdvance(c, funding.Crise, d(2024, time.June, 1)); err != nil || ps != nil {
		t.Errorf("crise start: %v %v (the plan pays, not the start)", ps, err)
	}
	for _, bad := range []domain.Date{d(2024, time.February, 28), d(2029, time.March, 1)} {
		if _, err := StartAdvance(c, funding.Acces, bad); domain.ErrorCode(err) != domain.EInvalid {
			t.Errorf("start %s: %v", bad, err)
		}
	}
	// The barème and tier of the start's contract year apply (§4, §7).
	c.Terms[1] = Terms{funding.Avenant2(), 3} // T3 acces fixe 90 000
	ps, _ := StartAdvance(c, funding.Acces, d(2025, time.March, 1))
	if ps[0].Amount != 6_750_000 {
		t.Errorf("year 2 at tier 3: %s", domain.FormatEUR(ps[0].Amount))
	}
	c.Terms[2].Bareme = withoutCrise()
	if _, err := StartAdvance(c, funding.Crise, d(2026, time.March, 1)); domain.ErrorCode(err) != domain.EInvalid {
		t.Errorf("crise absent from the barème: %v", err)
	}
}

// TestAdvancesMatchTheEngine: the signature payments, every start advance
// and every anniversary advance are exactly funding.BuildSchedule's advances
// for the same starts (crise aside: its plan is paid per docs/rules.md §4).
func TestAdvancesMatchTheEngine(t *testing.T) {
	for _, tc := range []struct {
		signed domain.Date
		starts map[funding.Mission]domain.Date
	}{
		{d(2024, time.March, 1), map[funding.Mission]domain.Date{funding.Acces: d(2024, time.June, 1), funding.Parcours: d(2025, time.March, 10), funding.Qualite: d(2027, time.March, 1)}},
		{d(2022, time.June, 15), map[funding.Mission]domain.Date{funding.Prevention: d(2022, time.June, 15), funding.Accompagnement: d(2026, time.June, 14)}},
		{d(2024, time.February, 29), map[funding.Mission]domain.Date{funding.Acces: d(2025, time.February, 27), funding.Parcours: d(2028, time.February, 29)}},
		{d(2024, time.March, 1), map[funding.Mission]domain.Date{funding.Parcours: d(2026, time.April, 1)}}, // first start in year 3
		{d(2024, time.March, 1), nil},
	} {
		c := tier2(tc.signed, tc.starts)
		s, err := funding.BuildSchedule(funding.ScheduleInput{Baremes: []funding.Bareme{funding.Avenant2()}, Tier: 2, Signed: tc.signed, Starts: tc.starts})
		if err != nil {
			t.Fatal(err)
		}
		type key struct {
			due  domain.Date
			m    funding.Mission
			kind funding.Kind
			y    int
		}
		want := map[key]domain.Cents{}
		for _, p := range s.Payments {
			if p.Kind == funding.KindAvance || p.Kind == funding.KindAmorcage {
				want[key{p.Due, p.Mission, p.Kind, p.ContractYear}] += p.Amount
			}
		}
		got := map[key]domain.Cents{}
		ps, err := SignaturePayments(c)
		if err != nil {
			t.Fatal(err)
		}
		for m, at := range tc.starts {
			sp, err := StartAdvance(c, m, at)
			if err != nil {
				t.Fatal(err)
			}
			ps = append(ps, sp...)
		}
		for n := 2; n <= 5; n++ {
			ap, err := AnniversaryAdvances(c, n)
			if err != nil {
				t.Fatal(err)
			}
			ps = append(ps, ap...)
		}
		for _, p := range ps {
			got[key{p.Due, p.Mission, p.Kind, p.ContractYear}] += p.Amount
		}
		if len(got) != len(want) {
			t.Errorf("%s: %d advances, engine %d", tc.signed, len(got), len(want))
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s %+v: %s, engine %s", tc.signed, k, domain.FormatEUR(got[k]), domain.FormatEUR(v))
			}
		}
	}
}

func TestFonctionnementDue(t *testing.T) {
	signed := d(2024, time.March, 1)
	for _, tc := range []struct {
		first domain.Date
		due   [5]bool
	}{
		{domain.Date{}, [5]bool{true, false, false, false, false}},
		{d(2024, time.March, 1), [5]bool{true, true, true, true, true}},
		{d(2025, time.March, 1), [5]bool{true, true, true, true, true}}, // on the anniversary opening year 2
		{d(2025, time.March, 2), [5]bool{true, false, true, true, true}},
		{d(2027, time.December, 1), [5]bool{true, false, false, false, true}},
	} {
		starts := map[funding.Mission]domain.Date{}
		if !tc.first.IsZero() {
			starts[funding.Prevention] = tc.first
			starts[funding.Qualite] = tc.first.AddDays(30)
		}
		c := tier2(signed, starts)
		for n := 1; n <= 5; n++ {
			if c.FonctionnementDue(n) != tc.due[n-1] {
				t.Errorf("first start %s, year %d: %v", tc.first, n, !tc.due[n-1])
			}
		}
	}
	// Year 2 advance: 75 % of 60 000 = 45 000, and the started mission's 75 %.
	c := tier2(signed, map[funding.Mission]domain.Date{funding.Acces: d(2024, time.June, 1)})
	ps, err := AnniversaryAdvances(c, 2)
	if err != nil || len(ps) != 2 || ps[0].Amount != domain.Euros(45_000) || ps[1].Amount != domain.Euros(52_500) || ps[0].Due != d(2025, time.March, 1) {
		t.Errorf("year 2 advances %+v %v", ps, err)
	}
	if _, err := AnniversaryAdvances(c, 1); err == nil {
		t.Error("year 1 has no anniversary advance")
	}
	c.Terms[3].Tier = 0
	if _, err := AnniversaryAdvances(c, 4); domain.ErrorCode(err) != domain.EInvalid {
		t.Errorf("tier 0: %v", err)
	}
	// Early signer: supplement with the signature payment.
	c = tier2(d(2022, time.June, 1), nil)
	ps, _ = SignaturePayments(c)
	if len(ps) != 2 || ps[0].Amount != domain.Euros(60_000) || ps[1].Amount != domain.Euros(45_000) || ps[1].Kind != funding.KindAmorcage {
		t.Errorf("signature payments %+v", ps)
	}
}
