package contractlife

import (
	"strings"
	"testing"
	"time"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/funding"
)

var ara = []string{"01", "03", "07", "15", "26", "38", "42", "43", "63", "69", "73", "74"}

func TestCrisisValidate(t *testing.T) {
	ok := Crisis{Name: "Canicule", Start: d(2025, time.July, 1), End: d(2025, time.July, 1), Region: "84", Departements: []string{"01"}, Declared: d(2025, time.July, 2)}
	if err := ok.Validate(ara); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		mod   func(*Crisis)
		field string
		msg   string
	}{
		{func(c *Crisis) { c.Name = "  " }, "name", "obligatoire"},
		{func(c *Crisis) { c.Name = strings.Repeat("x", 201) }, "name", "trop long"},
		{func(c *Crisis) { c.End = d(2025, time.June, 30) }, "end", "la fin de la crise (30/06/2025) précède son début (01/07/2025)"},
		{func(c *Crisis) { c.Start = domain.Date{} }, "start", "début"},
		{func(c *Crisis) { c.End = domain.Date{} }, "end", "fin"},
		{func(c *Crisis) { c.Declared = domain.Date{} }, "declared", "déclaration"},
		{func(c *Crisis) { c.Region = "" }, "region", "région"},
		{func(c *Crisis) { c.Departements = []string{"01", "59"} }, "departements", "le département 59 n'est pas dans la région de l'ARS"},
	} {
		c := ok
		c.Departements = append([]string(nil), ok.Departements...)
		tc.mod(&c)
		err := c.Validate(ara)
		var e *domain.Error
		if !errorAs(err, &e) || e.Field != tc.field || !strings.Contains(e.Message, tc.msg) {
			t.Errorf("%s: %v", tc.field, err)
		}
	}
}

func TestCrisisPayment(t *testing.T) {
	signed := d(2024, time.March, 1)
	cpts := func() CrisisCPTS {
		return CrisisCPTS{Region: "84", Departement: "01", Contract: tier2(signed, nil), Active: true, PlanAccepted: []domain.Date{d(2024, time.May, 2)}}
	}
	crisis := Crisis{Name: "Canicule", Start: d(2025, time.July, 1), End: d(2025, time.August, 15), Region: "84", Departements: []string{"01", "69"}, Declared: d(2025, time.July, 3)}
	r := CrisisPayment(crisis, cpts())
	// T2 crisis variable part: 52 500, due on the declaration day, contract year 2.
	if !r.Due() || r.Payment.Amount != domain.Euros(52_500) || r.Payment.Due != crisis.Declared || r.Payment.ContractYear != 2 ||
		r.Payment.Kind != funding.KindCrise || r.Payment.Mission != funding.Crise || !strings.Contains(r.Payment.Rule, "« Canicule » déclarée par l'ARS le 03/07/2025") {
		t.Fatalf("%+v", r)
	}
	// Each tier, the year's tier (a territory avenant moved it to T4 in year 2).
	for tier, want := range map[int]int64{1: 37_500, 2: 52_500, 3: 67_500, 4: 75_000} {
		p := cpts()
		p.Contract.Terms[1].Tier = tier
		if r := CrisisPayment(crisis, p); r.Payment.Amount != domain.Euros(want) {
			t.Errorf("T%d: %+v", tier, r)
		}
	}
	whole := crisis
	whole.Departements = nil
	for _, tc := range []struct {
		name   string
		c      Crisis
		mod    func(*CrisisCPTS)
		reason string
	}{
		{"whole region", whole, func(p *CrisisCPTS) { p.Departement = "74" }, ""},
		{"other département", crisis, func(p *CrisisCPTS) { p.Departement = "74" }, "siège hors du territoire de la crise"},
		{"other region", whole, func(p *CrisisCPTS) { p.Region, p.Departement = "32", "59" }, "siège hors du territoire de la crise"},
		{"not active", crisis, func(p *CrisisCPTS) { p.Active = false }, "contrat non actif le 03/07/2025"},
		{"terminated before", crisis, func(p *CrisisCPTS) { p.Terminated = d(2025, time.July, 3) }, "contrat non actif le 03/07/2025"},
		{"terminated after", crisis, func(p *CrisisCPTS) { p.Terminated = d(2025, time.July, 4) }, ""},
		{"signed after", crisis, func(p *CrisisCPTS) { p.Contract = tier2(d(2025, time.July, 4), nil) }, "contrat non actif le 03/07/2025"},
		{"expired", crisis, func(p *CrisisCPTS) { p.Contract = tier2(d(2020, time.July, 3), nil) }, "contrat non actif le 03/07/2025"},
		{"no plan", crisis, func(p *CrisisCPTS) { p.PlanAccepted = nil }, "aucun plan de crise accepté le 03/07/2025"},
		{"plan accepted after", crisis, func(p *CrisisCPTS) { p.PlanAccepted = []domain.Date{d(2025, time.July, 4)} }, "aucun plan de crise accepté le 03/07/2025"},
		{"plan accepted that day", crisis, func(p *CrisisCPTS) { p.PlanAccepted = []domain.Date{d(2025, time.July, 3)} }, ""},
		{"already paid this year", crisis, func(p *CrisisCPTS) { p.PaidYears = []int{2} }, "part variable crise déjà versée pour l'année 2 du contrat (du 01/03/2025 au 28/02/2026)"},
		{"paid another year", crisis, func(p *CrisisCPTS) { p.PaidYears = []int{1} }, ""},
		{"barème without crise", crisis, func(p *CrisisCPTS) { p.Contract.Terms[1].Bareme = withoutCrise() }, "ne prévoit pas la mission crises sanitaires graves"},
	} {
		p := cpts()
		tc.mod(&p)
		r := CrisisPayment(tc.c, p)
		if r.Reason != tc.reason && (tc.reason == "" || !strings.Contains(r.Reason, tc.reason)) {
			t.Errorf("%s: %q, want %q", tc.name, r.Reason, tc.reason)
		}
		if r.Due() != (tc.reason == "") || r.Due() != (r.Payment.Amount > 0) {
			t.Errorf("%s: %+v", tc.name, r)
		}
	}
}

func TestPlanPayment(t *testing.T) {
	c := tier2(d(2024, time.March, 1), nil)
	p, err := PlanPayment(c, d(2024, time.May, 2), true, nil)
	if err != nil || p.Amount != domain.Euros(35_000) || p.ContractYear != 1 || p.Kind != KindPlanCrise || p.Due != d(2024, time.May, 2) || !strings.Contains(p.Rule, "première rédaction") {
		t.Errorf("%+v %v", p, err)
	}
	c.Terms[1].Tier = 3
	p, err = PlanPayment(c, d(2025, time.April, 10), false, []int{1})
	if err != nil || p.Amount != domain.Euros(22_500) || p.ContractYear != 2 || !strings.Contains(p.Rule, "mise à jour annuelle") {
		t.Errorf("%+v %v", p, err)
	}
	if _, err := PlanPayment(c, d(2025, time.April, 10), false, []int{1, 2}); domain.ErrorCode(err) != domain.EConflict {
		t.Errorf("twice in a year: %v", err)
	}
	if _, err := PlanPayment(c, d(2024, time.February, 1), true, nil); domain.ErrorCode(err) != domain.EInvalid {
		t.Errorf("before signature: %v", err)
	}
}
