package contractlife

import (
	"fmt"
	"slices"
	"strings"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/funding"
)

// Crisis is a health crisis declared by an ARS director (docs/rules.md §4).
type Crisis struct {
	Name   string
	Start  domain.Date
	End    domain.Date // inclusive
	Region string      // the declaring ARS's region code
	// Departements affected; empty means the whole region.
	Departements []string
	Declared     domain.Date // the day the ARS director declared it
}

// maxCrisisName bounds a crisis name.
const maxCrisisName = 200

// Validate checks a crisis as the ARS declares it: a name, dates in order,
// a declaration day, and départements of the ARS's own region
// (regionDepartements: the codes of that region's départements).
func (c Crisis) Validate(regionDepartements []string) error {
	name := strings.TrimSpace(c.Name)
	switch {
	case name == "":
		return domain.FieldError("name", "nom de la crise obligatoire")
	case len([]rune(name)) > maxCrisisName:
		return domain.FieldError("name", "nom trop long (au plus %d caractères)", maxCrisisName)
	case c.Start.IsZero():
		return domain.FieldError("start", "date de début obligatoire")
	case c.End.IsZero():
		return domain.FieldError("end", "date de fin obligatoire")
	case cmp(c.End, c.Start) < 0:
		return domain.FieldError("end", "la fin de la crise (%s) précède son début (%s)", c.End.French(), c.Start.French())
	case c.Declared.IsZero():
		return domain.FieldError("declared", "date de déclaration obligatoire")
	case c.Region == "":
		return domain.FieldError("region", "région de l'ARS manquante")
	}
	for _, dep := range c.Departements {
		if !slices.Contains(regionDepartements, dep) {
			return domain.FieldError("departements", "le département %s n'est pas dans la région de l'ARS", dep)
		}
	}
	return nil
}

// Covers reports whether the crisis's territory includes a CPTS whose seat
// is in département dep of region region (docs/rules.md §4 decision: "a
// crisis whose territory includes the CPTS's seat département (or its whole
// region)").
func (c Crisis) Covers(region, dep string) bool {
	if region != c.Region {
		return false
	}
	return len(c.Departements) == 0 || slices.Contains(c.Departements, dep)
}

// CrisisCPTS is what the crisis variable part of one CPTS depends on.
type CrisisCPTS struct {
	Region      string // region of the seat
	Departement string // département of the seat
	Contract    Contract
	Active      bool        // the contract is in force (state actif)
	Terminated  domain.Date // effective date of its termination (zero: none)
	// PlanAccepted are the days the CPAM accepted the crisis plan (first
	// version, then each yearly update).
	PlanAccepted []domain.Date
	// PaidYears are the contract years in which a crisis variable part was
	// already paid (planned, ordered or paid; not cancelled).
	PaidYears []int
}

// CrisisResult is the crisis variable part of one CPTS: the payment, or the
// French reason it gets nothing.
type CrisisResult struct {
	Payment funding.Payment // zero when nothing is due
	Reason  string          // French, when nothing is due
}

// Due reports whether the CPTS gets the crisis variable part.
func (r CrisisResult) Due() bool { return r.Reason == "" }

// CrisisPayment computes the crisis variable part of a CPTS for a declared
// crisis (docs/rules.md §4, decision "crisis mission payments": "due on the
// day an ARS director declares a crisis whose territory includes the CPTS's
// seat département (or its whole region), once per contract year, to a CPTS
// whose crisis plan is accepted on that day; not prorated. A crisis declared
// while no plan is accepted pays nothing; the page says why").
//
// The amount is the crise variable amount of the barème and tier of the
// contract year that contains the declaration day (§4, §7), not scaled by
// achievement (avenant 2 negotiation: no result indicators). Reasons, in this order:
// outside the territory, contract not active that day, no plan accepted on
// or before that day, already paid this contract year, no crise mission in
// the year's barème.
func CrisisPayment(c Crisis, p CrisisCPTS) CrisisResult {
	on := c.Declared
	if !c.Covers(p.Region, p.Departement) {
		return CrisisResult{Reason: "siège hors du territoire de la crise"}
	}
	y, inContract := YearAt(p.Contract.Signed, on)
	if !p.Active || !inContract || !p.Terminated.IsZero() && cmp(on, p.Terminated) >= 0 {
		return CrisisResult{Reason: fmt.Sprintf("contrat non actif le %s", on.French())}
	}
	accepted := false
	for _, a := range p.PlanAccepted {
		if !a.IsZero() && cmp(a, on) <= 0 {
			accepted = true
		}
	}
	if !accepted {
		return CrisisResult{Reason: fmt.Sprintf("aucun plan de crise accepté le %s", on.French())}
	}
	if slices.Contains(p.PaidYears, y.N) {
		return CrisisResult{Reason: fmt.Sprintf("part variable crise déjà versée pour l'année %d du contrat (%s)", y.N, y.Label())}
	}
	_, t, err := p.Contract.year(y.N)
	if err != nil {
		return CrisisResult{Reason: domain.ErrorMessage(err)}
	}
	a, ok := t.Bareme.Amounts(funding.Crise)
	if !ok {
		return CrisisResult{Reason: fmt.Sprintf("le barème %s ne prévoit pas la mission crises sanitaires graves", t.Bareme.Name)}
	}
	return CrisisResult{Payment: funding.Payment{Due: on, ContractYear: y.N, Mission: funding.Crise, Kind: funding.KindCrise,
		Amount: a.Variable.At(t.Tier),
		Rule:   fmt.Sprintf("Part variable crise sanitaire grave « %s » déclarée par l'ARS le %s, versée en totalité, une fois par année de contrat (avenant 2)", strings.TrimSpace(c.Name), on.French())}}
}

// PlanPayment is the crisis plan part paid when the CPAM accepts the plan
// document (docs/rules.md §4, decision: "the plan part (first writing, then
// the yearly update) is paid in full, once per contract year, on the day
// the CPAM accepts the plan document — not prorated, no 75 %/25 % split"):
// the first-writing amount for the first version, the update amount after,
// on the barème and tier of the contract year of the acceptance. paidYears
// are the contract years whose plan part was already paid: a second
// acceptance in the same year is refused (conflict).
func PlanPayment(c Contract, accepted domain.Date, first bool, paidYears []int) (funding.Payment, error) {
	y, ok := YearAt(c.Signed, accepted)
	if !ok {
		return funding.Payment{}, domain.FieldError("accepted", "acceptation du plan le %s hors du contrat (du %s au %s)", accepted.French(), c.Signed.French(), LastDay(c.Signed).French())
	}
	if slices.Contains(paidYears, y.N) {
		return funding.Payment{}, domain.Errorf(domain.EConflict, "le plan de crise de l'année %d du contrat est déjà rémunéré", y.N)
	}
	_, t, err := c.year(y.N)
	if err != nil {
		return funding.Payment{}, err
	}
	a, ok := t.Bareme.Amounts(funding.Crise)
	if !ok {
		return funding.Payment{}, domain.Errorf(domain.EInvalid, "le barème %s ne prévoit pas la mission crises sanitaires graves", t.Bareme.Name)
	}
	amount, what := a.FixedUpdate.At(t.Tier), "mise à jour annuelle"
	if first {
		amount, what = a.FixedFirst.At(t.Tier), "première rédaction"
	}
	return funding.Payment{Due: accepted, ContractYear: y.N, Mission: funding.Crise, Kind: KindPlanCrise, Amount: amount,
		Rule: fmt.Sprintf("Plan de crise (%s) accepté par la CPAM le %s : part fixe versée en totalité (avenant 2)", what, accepted.French())}, nil
}
