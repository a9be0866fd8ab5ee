package contractlife

import (
	"fmt"
	"slices"
	"strings"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/funding"
)

// TierFromYear returns the first contract year that uses the tier of a
// territory avenant effective on eff, or 0 when no year of the contract does.
//
// docs/rules.md §7 (decision "territory and tier after filing"): "The new
// population and tier apply from the first contract anniversary on or after
// the avenant's effective date". The anniversaries are those of Anniversary
// (1 to 4: the fifth ends the contract); an avenant effective on an
// anniversary applies to the year it opens. An effective date before the
// signature or after the contract's last day is refused.
func TierFromYear(signed, eff domain.Date) (int, error) {
	if err := checkAvenantDate(signed, eff); err != nil {
		return 0, err
	}
	for k := 1; k < funding.ContractYears; k++ {
		if cmp(Anniversary(signed, k), eff) >= 0 {
			return k + 1, nil
		}
	}
	return 0, nil
}

func checkAvenantDate(signed, eff domain.Date) error {
	switch {
	case eff.IsZero():
		return domain.FieldError("effective", "date d'effet de l'avenant obligatoire")
	case cmp(eff, signed) < 0:
		return domain.FieldError("effective", "date d'effet de l'avenant (%s) antérieure à la signature du contrat (%s)", eff.French(), signed.French())
	case cmp(eff, LastDay(signed)) > 0:
		return domain.FieldError("effective", "date d'effet de l'avenant (%s) postérieure à la fin du contrat (%s)", eff.French(), LastDay(signed).French())
	}
	return nil
}

// TerritoryAvenant is a signed territory avenant: its effective date and
// the tier of the new territory's population (funding.Tier).
type TerritoryAvenant struct {
	Effective domain.Date
	Tier      int
}

// TiersByYear returns the tier of each contract year (index 0 = year 1):
// the tier at signature, changed by each territory avenant from the year
// TierFromYear gives, in the order of their effective dates
// (docs/rules.md §7).
func TiersByYear(signed domain.Date, initial int, avenants []TerritoryAvenant) ([funding.ContractYears]int, error) {
	var out [funding.ContractYears]int
	if initial < 1 || initial > 4 {
		return out, domain.FieldError("tier", "taille de CPTS invalide (%d)", initial)
	}
	for i := range out {
		out[i] = initial
	}
	sorted := slices.Clone(avenants)
	slices.SortStableFunc(sorted, func(a, b TerritoryAvenant) int { return cmp(a.Effective, b.Effective) })
	for _, a := range sorted {
		if a.Tier < 1 || a.Tier > 4 {
			return out, domain.FieldError("tier", "taille de CPTS invalide (%d)", a.Tier)
		}
		from, err := TierFromYear(signed, a.Effective)
		if err != nil {
			return out, err
		}
		for y := from; from > 0 && y <= funding.ContractYears; y++ {
			out[y-1] = a.Tier
		}
	}
	return out, nil
}

// YearTerms pairs the barème and tier of each contract year.
func YearTerms(baremes [funding.ContractYears]funding.Bareme, tiers [funding.ContractYears]int) [funding.ContractYears]Terms {
	var out [funding.ContractYears]Terms
	for i := range out {
		out[i] = Terms{Bareme: baremes[i], Tier: tiers[i]}
	}
	return out
}

// Scheduled is a payment already recorded, with its state.
type Scheduled struct {
	ID int64 // the store's id, carried through
	funding.Payment
	State PaymentState
}

// Recompute is the effect of an avenant on a schedule: what stays, what is
// cancelled (planned lines replaced or no longer due) and what is created.
type Recompute struct {
	Keep   []Scheduled
	Cancel []Scheduled
	Create []funding.Payment
}

// scheduleKind reports the kinds an avenant recomputes: the schedule's
// advances, balances and start-up money. Event payments (crisis, crisis
// plan), adjustments and termination lines are kept as they are.
func scheduleKind(k funding.Kind) bool {
	return k == funding.KindAvance || k == funding.KindSolde || k == funding.KindAmorcage
}

type payKey struct {
	year int
	m    funding.Mission
	k    funding.Kind
}

func keyOf(p funding.Payment) payKey { return payKey{p.ContractYear, p.Mission, p.Kind} }

// ApplyAvenant recomputes a schedule from an avenant's effective date only
// (docs/rules.md §7: "payments already ordered or paid stay as they are";
// "when signed, the schedule is recomputed from its effective date
// only").
//
// existing is every payment of the contract; recomputed is the contract's
// whole schedule of kinds avance, solde and amorcage under the new terms,
// as this package's rules produce it (SignaturePayments, StartAdvance,
// AnniversaryAdvances, YearBalance of closed years), over the same horizon
// as existing (a line of recomputed that existing lacks is created). A
// payment is matched
// by contract year, mission and kind (the key a payment is unique on).
//
//   - payments due before the effective date, and those of other kinds,
//     stay as they are, whatever the new terms say;
//   - from the effective date, a planned payment whose amount changes or
//     that is no longer due is cancelled (and its replacement created); an
//     unchanged one is kept; a new one is created;
//   - an ordered, paid or recovered payment that the new terms would change
//     or remove makes the avenant refused (invalid), with the list of those
//     payments in French: an avenant never changes money already ordered.
//
// Cancelled payments are ignored.
func ApplyAvenant(existing []Scheduled, recomputed []funding.Payment, effective domain.Date) (Recompute, error) {
	var out Recompute
	if effective.IsZero() {
		return out, domain.FieldError("effective", "date d'effet de l'avenant obligatoire")
	}
	want := map[payKey]funding.Payment{}
	for _, p := range recomputed {
		if !scheduleKind(p.Kind) || cmp(p.Due, effective) < 0 || p.Amount == 0 {
			continue
		}
		if _, dup := want[keyOf(p)]; dup {
			return Recompute{}, domain.Errorf(domain.EInvalid, "échéancier recalculé incohérent : deux paiements %s de l'année %d pour %s", p.Kind, p.ContractYear, p.Mission.Label())
		}
		want[keyOf(p)] = p
	}
	seen := map[payKey]bool{}
	var refused []string
	for _, e := range existing {
		if e.State == Cancelled {
			continue
		}
		if !scheduleKind(e.Kind) || cmp(e.Due, effective) < 0 {
			out.Keep = append(out.Keep, e)
			continue
		}
		k := keyOf(e.Payment)
		if seen[k] {
			return Recompute{}, domain.Errorf(domain.EInvalid, "échéancier incohérent : deux paiements %s de l'année %d pour %s", e.Kind, e.ContractYear, e.Mission.Label())
		}
		seen[k] = true
		n, ok := want[k]
		same := ok && n.Amount == e.Amount
		switch {
		case same:
			out.Keep = append(out.Keep, e)
		case e.State != Planned:
			to := "supprimé"
			if ok {
				to = domain.FormatEUR(n.Amount)
			}
			refused = append(refused, fmt.Sprintf("%s %s de l'année %d, %s (%s → %s)", e.Kind, e.Mission.Label(), e.ContractYear, e.State.Label(), domain.FormatEUR(e.Amount), to))
		default:
			out.Cancel = append(out.Cancel, e)
			if ok {
				out.Create = append(out.Create, n)
			}
		}
	}
	if len(refused) > 0 {
		return Recompute{}, domain.Errorf(domain.EInvalid, "l'avenant modifierait des paiements déjà ordonnancés ou versés : %s", strings.Join(refused, " ; "))
	}
	for _, p := range recomputed {
		if k := keyOf(p); want[k] == p && !seen[k] {
			out.Create = append(out.Create, p)
		}
	}
	slices.SortStableFunc(out.Create, func(a, b funding.Payment) int { return cmp(a.Due, b.Due) })
	return out, nil
}
