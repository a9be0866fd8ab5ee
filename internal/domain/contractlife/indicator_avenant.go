package contractlife

import (
	"errors"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/funding"
)

// IndicatorTerm is one indicator of a CPTS contract as a contract year
// evaluates it (docs/rules.md §6): its mission, sense, unit, weight,
// baseline and the target of each contract year (index 0 = year 1; the zero
// Value: not set).
type IndicatorTerm struct {
	Code      string
	Mission   funding.Mission
	Label     string
	Direction funding.Direction
	Unit      Unit
	Weight    int64
	Baseline  Value
	Targets   [funding.ContractYears]Value
	Mandatory bool
}

// IndicatorOp is the kind of an avenant's change to the indicators.
type IndicatorOp string

// The changes an avenant makes to the indicators (docs/rules.md §31).
const (
	IndicatorAdd    IndicatorOp = "ajout"    // an indicator added to a mission
	IndicatorRemove IndicatorOp = "retrait"  // an optional indicator removed
	IndicatorTarget IndicatorOp = "objectif" // an indicator's target changed
)

// IndicatorChange is one change of a signed avenant to the indicators, from
// contract year FromYear (IndicatorFromYear) to the last.
type IndicatorChange struct {
	Op        IndicatorOp
	FromYear  int
	Code      string
	Indicator IndicatorTerm // IndicatorAdd: the indicator added
	Target    Value         // IndicatorTarget: the new target
}

// IndicatorFromYear returns the first contract year that starts on or after
// an avenant's effective date eff — the first year that uses the avenant's
// indicators and targets — or 0 when no year of the contract starts then.
//
// Decision (docs/rules.md §31): a contract year is evaluated on one set of
// indicators and targets, the one in force on its first day; an avenant
// changes them from the first year that starts on or after its effective
// date (year 1 only when it takes effect on the signature day). The years
// before keep theirs, and so their balances.
func IndicatorFromYear(signed, eff domain.Date) (int, error) {
	if err := checkAvenantDate(signed, eff); err != nil {
		return 0, err
	}
	for n := 1; n <= funding.ContractYears; n++ {
		if cmp(Anniversary(signed, n-1), eff) >= 0 {
			return n, nil
		}
	}
	return 0, nil
}

// IndicatorsOfYear returns the indicators of contract year n: base (the
// contract's indicators at signature) with the changes of the signed
// avenants applied in their order, each only from its FromYear
// (docs/rules.md §31). A change whose indicator is absent is ignored; a
// mandatory indicator is never removed.
func IndicatorsOfYear(base []IndicatorTerm, changes []IndicatorChange, n int) []IndicatorTerm {
	out := slices.Clone(base)
	for _, ch := range changes {
		if ch.FromYear < 1 || n < ch.FromYear {
			continue
		}
		i := slices.IndexFunc(out, func(x IndicatorTerm) bool { return x.Code == ch.Code })
		switch ch.Op {
		case IndicatorAdd:
			if i < 0 {
				out = append(out, ch.Indicator)
			}
		case IndicatorRemove:
			if i >= 0 && !out[i].Mandatory {
				out = slices.Delete(out, i, i+1)
			}
		case IndicatorTarget:
			if i >= 0 && n >= 1 && n <= funding.ContractYears {
				out[i].Targets[n-1] = ch.Target
			}
		}
	}
	return out
}

// MaxIndicatorLabel bounds an indicator's label.
const MaxIndicatorLabel = 500

// CheckIndicatorChanges checks the changes of one avenant against the
// indicators of its first year (current, IndicatorsOfYear of FromYear) and
// the achievement missions the contract has after the avenant (missions):
// every refusal in French at its form field — target_<code> for a target,
// remove_indicators for a removal, add_<field> for the indicator added —
// joined (errors.Join). Decision (docs/rules.md §31): the five mandatory
// indicators stay (their target may change); a mission keeps at least one
// indicator; a new target differs from the one in force and is in the
// indicator's unit; an added indicator has its mission, label, sense, unit,
// baseline, target and weight (1 to 100).
func CheckIndicatorChanges(current []IndicatorTerm, missions []funding.Mission, changes []IndicatorChange) error {
	var errs []error
	left := map[funding.Mission]int{}
	for _, x := range current {
		left[x.Mission]++
	}
	find := func(code string) (IndicatorTerm, bool) {
		i := slices.IndexFunc(current, func(x IndicatorTerm) bool { return x.Code == code })
		if i < 0 {
			return IndicatorTerm{}, false
		}
		return current[i], true
	}
	seen := map[string]bool{}
	for _, ch := range changes {
		if ch.FromYear < 1 || ch.FromYear > funding.ContractYears {
			errs = append(errs, domain.FieldError("effective", "aucune année du contrat ne commence à la date d'effet ou après : un changement d'indicateur n'aurait aucun effet"))
			continue
		}
		switch ch.Op {
		case IndicatorTarget:
			field := "target_" + ch.Code
			x, ok := find(ch.Code)
			switch {
			case !ok:
				errs = append(errs, domain.FieldError(field, "indicateur inconnu du contrat à l'année %d", ch.FromYear))
			case seen[ch.Code]:
				errs = append(errs, domain.FieldError(field, "l'indicateur « %s » est à la fois modifié et retiré", x.Label))
			case ch.Target.Unit != x.Unit || !ch.Target.Valid():
				errs = append(errs, domain.FieldError(field, "objectif invalide : attendu en %s", x.Unit.Label()))
			case ch.Target == x.Targets[ch.FromYear-1]:
				errs = append(errs, domain.FieldError(field, "l'objectif %s est déjà celui de l'année %d", ch.Target.String(), ch.FromYear))
			}
			seen[ch.Code] = true
		case IndicatorRemove:
			x, ok := find(ch.Code)
			switch {
			case !ok:
				errs = append(errs, domain.FieldError("remove_indicators", "indicateur inconnu du contrat à l'année %d", ch.FromYear))
			case x.Mandatory:
				errs = append(errs, domain.FieldError("remove_indicators", "l'indicateur « %s » est obligatoire : il ne peut pas être retiré (son objectif peut changer)", x.Label))
			case seen[ch.Code]:
				errs = append(errs, domain.FieldError("remove_indicators", "l'indicateur « %s » est à la fois modifié et retiré", x.Label))
			default:
				left[x.Mission]--
			}
			seen[ch.Code] = true
		case IndicatorAdd:
			x := ch.Indicator
			if !slices.Contains(missions, x.Mission) || !x.Mission.HasAchievement() {
				errs = append(errs, domain.FieldError("add_mission", "choisissez une mission du contrat évaluée sur des indicateurs"))
			}
			switch l := strings.TrimSpace(x.Label); {
			case l == "":
				errs = append(errs, domain.FieldError("add_label", "indiquez l'intitulé de l'indicateur ajouté"))
			case utf8.RuneCountInString(l) > MaxIndicatorLabel:
				errs = append(errs, domain.FieldError("add_label", "l'intitulé ne doit pas dépasser %d caractères", MaxIndicatorLabel))
			case slices.ContainsFunc(current, func(y IndicatorTerm) bool { return strings.EqualFold(y.Label, l) }):
				errs = append(errs, domain.FieldError("add_label", "un indicateur « %s » existe déjà", l))
			}
			if x.Direction != funding.Increasing && x.Direction != funding.Decreasing {
				errs = append(errs, domain.FieldError("add_direction", "choisissez le sens de l'indicateur"))
			}
			if !x.Unit.Valid() {
				errs = append(errs, domain.FieldError("add_unit", "choisissez l'unité de l'indicateur"))
			}
			if x.Weight < 1 || x.Weight > 100 {
				errs = append(errs, domain.FieldError("add_weight", "le poids est un nombre entier de 1 à 100"))
			}
			if x.Unit.Valid() && (x.Baseline.Unit != x.Unit || !x.Baseline.Valid()) {
				errs = append(errs, domain.FieldError("add_baseline", "valeur de référence invalide : attendue en %s", x.Unit.Label()))
			}
			if x.Unit.Valid() && (x.Targets[ch.FromYear-1].Unit != x.Unit || !x.Targets[ch.FromYear-1].Valid()) {
				errs = append(errs, domain.FieldError("add_target", "objectif invalide : attendu en %s", x.Unit.Label()))
			}
			left[x.Mission]++
		default:
			errs = append(errs, domain.FieldError("indicators", "changement d'indicateur inconnu %q", string(ch.Op)))
		}
	}
	for _, ch := range changes {
		if x, ok := find(ch.Code); ch.Op == IndicatorRemove && ok && left[x.Mission] < 1 {
			errs = append(errs, domain.FieldError("remove_indicators", "la mission %s doit garder au moins un indicateur", x.Mission.Label()))
			break
		}
	}
	return errors.Join(errs...)
}

// AddedMissionFromYear returns the first contract year an indicator counts
// for when it belongs to a mission the same avenant adds: the year that
// contains the effective date eff.
//
// Decision (docs/rules.md §31): a mission added by avenant was evaluated in
// no earlier year, so its indicators count from the year it may start in
// (its fixed and variable parts are prorated from its start, §8); the
// indicators of the missions already in the contract change only from the
// next year to start (IndicatorFromYear).
func AddedMissionFromYear(signed, eff domain.Date) (int, error) {
	if err := checkAvenantDate(signed, eff); err != nil {
		return 0, err
	}
	y, ok := YearAt(signed, eff)
	if !ok {
		return 0, domain.FieldError("effective", "date d'effet de l'avenant (%s) hors du contrat", eff.French())
	}
	return y.N, nil
}

// CheckAddedMissions refuses an optional mission added by avenant without
// any indicator in its first year (indicators: IndicatorsOfYear of that
// year with the avenant's changes): its variable part could not be
// evaluated and the year could not be closed (docs/rules.md §31).
func CheckAddedMissions(added []funding.Mission, indicators []IndicatorTerm) error {
	for _, m := range added {
		if m.HasAchievement() && !slices.ContainsFunc(indicators, func(x IndicatorTerm) bool { return x.Mission == m }) {
			return domain.FieldError("missions", "la mission %s ajoutée doit avoir au moins un indicateur : ajoutez-le (partie « Ajouter un indicateur ») dans le même avenant", m.Label())
		}
	}
	return nil
}

// CheckStartAfterAvenant refuses the start of a mission added by an avenant
// (number, effective on added) declared before that date: the mission is
// part of the contract, and paid, from the avenant's effective date only
// (docs/rules.md §31).
func CheckStartAfterAvenant(m funding.Mission, number int, added, start domain.Date) error {
	if !added.IsZero() && cmp(start, added) < 0 {
		return domain.FieldError("date", "la mission %s a été ajoutée par l'avenant n° %d, effectif le %s : son démarrage (%s) ne peut pas être antérieur", m.Label(), number, added.French(), start.French())
	}
	return nil
}
