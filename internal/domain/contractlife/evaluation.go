package contractlife

import (
	"fmt"
	"slices"
	"strings"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/funding"
)

// Window is a declaration period, both days inclusive.
type Window struct {
	Open, Close domain.Date
}

// Contains reports whether d is within the window.
func (w Window) Contains(d domain.Date) bool { return cmp(d, w.Open) >= 0 && cmp(d, w.Close) <= 0 }

// Label is the French form: « du 01/02/2025 au 01/04/2025 ».
func (w Window) Label() string { return fmt.Sprintf("du %s au %s", w.Open.French(), w.Close.French()) }

// Check refuses a declaration made outside the window, in French.
func (w Window) Check(on domain.Date) error {
	switch {
	case cmp(on, w.Open) < 0:
		return domain.Errorf(domain.EInvalid, "la déclaration n'est pas encore ouverte : elle est possible %s", w.Label())
	case cmp(on, w.Close) > 0:
		return domain.Errorf(domain.EInvalid, "la période de déclaration est close : elle était ouverte %s", w.Label())
	}
	return nil
}

// DeclarationWindow is when a CPTS declares the indicators of contract year
// n (docs/rules.md §6, decision "the yearly evaluation of a CPTS": "from one
// month before the anniversary until one month after it").
//
// Decision: the anniversary is the one that ends year n; the window opens
// on that day one month earlier and closes on that day one month later, both
// inclusive, with month-end days clamped (31/03 − 1 month → 28 or 29/02).
// Signed 01/03/2024, year 1 → du 01/02/2025 au 01/04/2025.
func DeclarationWindow(signed domain.Date, n int) (Window, error) {
	y, err := ContractYearOf(signed, n)
	if err != nil {
		return Window{}, err
	}
	a := y.Next()
	return Window{Open: a.AddMonths(-1), Close: a.AddMonths(1)}, nil
}

// IndicatorStatus is where one indicator of a year's evaluation stands.
type IndicatorStatus struct {
	Mission   funding.Mission
	Label     string // French name of the indicator
	Declared  bool   // a value was submitted by the structure
	Validated bool   // the CPAM validated it (or corrected it, with a reason)
}

// CloseInput is what the closing of a CPTS contract year is checked on.
type CloseInput struct {
	Signed     domain.Date
	Year       int
	On         domain.Date // closing day
	Indicators []IndicatorStatus
	Meetings   []domain.Date // dates of the recorded follow-up meetings of the year
	Closed     bool          // the year is already closed
	// Started are the achievement missions started on or before the year's
	// last day: each needs at least one indicator (its balance is computed
	// from its validated rate).
	Started []funding.Mission
}

// CloseMissing lists, in French, what prevents closing a CPTS contract year
// (docs/rules.md §6, decision "the yearly evaluation of a CPTS": every value
// validated, at least one follow-up meeting recorded; "A year cannot be
// closed with values not validated"). Empty: the year may be closed.
//
// Decisions: a year is closed on or after the anniversary that ends it (its
// balance is due on the closing day, never before the year is over); a
// meeting counts for the year when it is dated from the year's first day to
// the closing day; an indicator validated without a declaration (the CPAM
// entered it) counts as validated; a started achievement mission without
// any indicator cannot be closed (its balance needs a validated rate).
func CloseMissing(in CloseInput) []string {
	y, err := ContractYearOf(in.Signed, in.Year)
	if err != nil {
		return []string{domain.ErrorMessage(err)}
	}
	var out []string
	if in.Closed {
		out = append(out, fmt.Sprintf("l'année %d est déjà clôturée", in.Year))
	}
	if cmp(in.On, y.Next()) < 0 {
		out = append(out, fmt.Sprintf("l'année %d se termine le %s : clôture possible à partir du %s", in.Year, y.End.French(), y.Next().French()))
	}
	for _, m := range in.Started {
		if !m.HasAchievement() {
			continue
		}
		if !slices.ContainsFunc(in.Indicators, func(s IndicatorStatus) bool { return s.Mission == m }) {
			out = append(out, fmt.Sprintf("aucun indicateur pour la mission %s", m.Label()))
		}
	}
	out = append(out, missingValues(in.Indicators)...)
	met := false
	for _, m := range in.Meetings {
		if cmp(m, y.Start) >= 0 && cmp(m, in.On) <= 0 {
			met = true
		}
	}
	if !met {
		out = append(out, "aucun dialogue de gestion enregistré pour l'année")
	}
	return out
}

func missingValues(inds []IndicatorStatus) []string {
	var out []string
	for _, ind := range inds {
		switch {
		case ind.Validated:
		case ind.Declared:
			out = append(out, fmt.Sprintf("valeur non validée : %s", ind.Label))
		default:
			out = append(out, fmt.Sprintf("valeur non déclarée : %s", ind.Label))
		}
	}
	return out
}

// CheckClose is CloseMissing as one error: conflict when the year is already
// closed, invalid with the list of what is missing otherwise; nil when the
// year may be closed.
func CheckClose(in CloseInput) error {
	if in.Closed {
		return domain.Errorf(domain.EConflict, "l'année %d est déjà clôturée", in.Year)
	}
	return missingError(CloseMissing(in))
}

func missingError(missing []string) error {
	if len(missing) == 0 {
		return nil
	}
	return domain.Errorf(domain.EInvalid, "clôture impossible : %s", strings.Join(missing, " ; "))
}

// BalanceLine is one balance payment of a closed year with how it was
// computed (the page shows the rule and its figures).
type BalanceLine struct {
	funding.Payment
	Rate           funding.Rate // validated achievement (achievement missions)
	Fixed          domain.Cents // fixed part due for the year (prorated)
	Variable       domain.Cents // variable part × rate (prorated)
	Advanced       domain.Cents // advances already made for the year
	Days, YearDays int64        // proration of the start year
}

// BalanceInput is what a CPTS year's balance is computed on.
type BalanceInput struct {
	Contract Contract
	Year     int
	Closed   domain.Date // closing day: the balance's due date
	// Rates is the validated achievement of each started achievement
	// mission (MissionRates on the validated values).
	Rates map[funding.Mission]funding.Rate
	// Advances are the year's advances per mission, as created (planned,
	// ordered or paid; cancelled ones left out); fonctionnement's year-1
	// payment at signature counts as its advance.
	Advances map[funding.Mission]domain.Cents
}

// YearBalance computes the balance payments created when a CPTS contract
// year is closed (docs/rules.md §6, §8): for each mission started on or
// before the year's last day, remaining fixed + variable × validated
// achievement, i.e. what is due for the year minus its advances; and the
// fonctionnement balance (25 %) of a year ≥ 2 in which it is due.
//
//   - due fixed = fixed × days/yearDays; due variable = variable × rate ×
//     days/yearDays, one rounding each (§6, §11) — days/yearDays is the
//     start-year proration (decision §8: "in the year a mission starts, its
//     fixed and variable parts due for the year are prorated by the same
//     fraction"), 1 in later years;
//   - the barème and tier are the year's (§4, §7);
//   - crise has no balance: its plan part is paid in full on acceptance and
//     its variable part when a crisis is declared (§4 decision);
//   - the balance is due on the closing day (§6 decision).
//
// A line is left out when zero; it is negative when the advances exceed
// what is due (the store records it as a recovery). Every started
// achievement mission needs its rate.
func YearBalance(in BalanceInput) ([]BalanceLine, error) {
	c := in.Contract
	y, t, err := c.year(in.Year)
	if err != nil {
		return nil, err
	}
	if cmp(in.Closed, y.Next()) < 0 {
		return nil, domain.FieldError("closed", "l'année %d se termine le %s : son solde ne peut être calculé qu'à partir du %s", in.Year, y.End.French(), y.Next().French())
	}
	var out []BalanceLine
	if in.Year >= 2 && c.FonctionnementDue(in.Year) {
		a, _ := t.Bareme.Amounts(funding.Fonctionnement)
		fixed := a.Fixed.At(t.Tier)
		out = append(out, BalanceLine{
			Payment: funding.Payment{Due: in.Closed, ContractYear: in.Year, Mission: funding.Fonctionnement, Kind: funding.KindSolde,
				Amount: fixed - in.Advances[funding.Fonctionnement], Rule: fmt.Sprintf(ruleFonctSolde, 100-t.Bareme.AdvancePercent, in.Year)},
			Rate: funding.FullRate, Fixed: fixed, Advanced: in.Advances[funding.Fonctionnement], Days: y.Days, YearDays: y.Days,
		})
	}
	for _, m := range funding.AllMissions()[1:] {
		at, ok := c.Starts[m]
		if !ok || m == funding.Crise || cmp(at, y.End) > 0 {
			continue
		}
		a, ok := t.Bareme.Amounts(m)
		if !ok {
			return nil, domain.Errorf(domain.EInvalid, "la mission %s n'existe pas dans le barème %s de l'année %d", m.Label(), t.Bareme.Name, in.Year)
		}
		from := y.Start
		if cmp(at, from) > 0 {
			from = at
		}
		days := int64(from.DaysUntil(y.Next()))
		rate := funding.FullRate
		if m.HasAchievement() {
			r, ok := in.Rates[m]
			if !ok {
				return nil, domain.Errorf(domain.EInvalid, "taux d'atteinte validé manquant pour %s", m.Label())
			}
			if !r.Valid() {
				return nil, domain.Errorf(domain.EInvalid, "taux d'atteinte invalide pour %s (%s)", m.Label(), funding.FormatRate(r))
			}
			rate = r
		}
		l := BalanceLine{Rate: rate, Days: days, YearDays: y.Days, Advanced: in.Advances[m]}
		l.Fixed = domain.MulDiv(a.Fixed.At(t.Tier), days, y.Days)
		if m.HasAchievement() {
			l.Variable = domain.MulDiv(a.Variable.At(t.Tier), int64(rate)*days, int64(funding.FullRate)*y.Days)
		}
		rule := fmt.Sprintf(ruleBalance, in.Year, funding.FormatRate(rate))
		if days != y.Days {
			rule = fmt.Sprintf(ruleBalanceProrata, in.Year, funding.FormatRate(rate), days, y.Days)
		}
		l.Payment = funding.Payment{Due: in.Closed, ContractYear: in.Year, Mission: m, Kind: funding.KindSolde,
			Amount: l.Fixed + l.Variable - l.Advanced, Rule: rule}
		out = append(out, l)
	}
	kept := out[:0]
	for _, l := range out {
		if l.Amount != 0 {
			kept = append(kept, l)
		}
	}
	return kept, nil
}

const ruleAdjustment = "Ajustement de l'année %d après clôture : évaluation corrigée (%s), différence avec les soldes déjà produits (ACI art. 9.1)"

// Adjustments compares a corrected evaluation of a closed year with what the
// year already produced (docs/rules.md §6, decision: "a correction after
// closing is a new evaluation record … creating an adjustment payment (never
// editing a payment)"): for each mission, corrected balance − the sum of
// the year's balance and adjustment payments already made (prev, cancelled
// ones left out). Each non-zero difference is a new payment of kind
// ajustement, due on the correction day `on` — positive (a complement) or
// negative (to recover). motive is the CPAM manager's motivation, quoted
// in the rule.
func Adjustments(prev []funding.Payment, corrected []BalanceLine, on domain.Date, motive string) ([]funding.Payment, error) {
	motive = strings.Join(strings.Fields(motive), " ")
	if motive == "" {
		return nil, domain.FieldError("motive", "motivation obligatoire pour corriger une année clôturée")
	}
	if len([]rune(motive)) > 200 {
		motive = string([]rune(motive)[:199]) + "…"
	}
	year := 0
	had := map[funding.Mission]domain.Cents{}
	for _, p := range prev {
		if p.Kind != funding.KindSolde && p.Kind != KindAjustement {
			continue
		}
		if year != 0 && p.ContractYear != year {
			return nil, domain.Errorf(domain.EInvalid, "paiements de plusieurs années mêlés (%d et %d)", year, p.ContractYear)
		}
		year = p.ContractYear
		had[p.Mission] += p.Amount
	}
	want := map[funding.Mission]domain.Cents{}
	for _, l := range corrected {
		if year != 0 && l.ContractYear != year {
			return nil, domain.Errorf(domain.EInvalid, "paiements de plusieurs années mêlés (%d et %d)", year, l.ContractYear)
		}
		year = l.ContractYear
		want[l.Mission] += l.Amount
	}
	var out []funding.Payment
	for _, m := range funding.AllMissions() {
		if diff := want[m] - had[m]; diff != 0 {
			out = append(out, funding.Payment{Due: on, ContractYear: year, Mission: m, Kind: KindAjustement, Amount: diff,
				Rule: fmt.Sprintf(ruleAdjustment, year, motive)})
		}
	}
	return out, nil
}
