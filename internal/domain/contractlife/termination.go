package contractlife

import (
	"fmt"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/funding"
)

// TerminationEffective is the effective date of a termination by the
// structure whose letter the CPAM received on received (docs/rules.md §9:
// "effective 2 months after receipt (received 15/03/2025 → effective
// 15/05/2025)"; "the receipt date is the one the CPAM records").
//
// Decision on month ends: the same day two months later, or the last day of
// that month when it has no such day — 31/12/2024 → 28/02/2025, 31/12/2023
// → 29/02/2024, 30/12/2024 → 28/02/2025, 31/07 → 30/09 — the date arithmetic
// of funding.TerminationEffective and workflow.ResiliationEffective. The
// receipt must fall within the contract (not before the signature, not
// after its last day).
func TerminationEffective(signed, received domain.Date) (domain.Date, error) {
	switch {
	case received.IsZero():
		return domain.Date{}, domain.FieldError("received", "date de réception du courrier obligatoire")
	case cmp(received, signed) < 0:
		return domain.Date{}, domain.FieldError("received", "date de réception (%s) antérieure à la signature du contrat (%s)", received.French(), signed.French())
	case cmp(received, LastDay(signed)) > 0:
		return domain.Date{}, domain.FieldError("received", "date de réception (%s) postérieure à la fin du contrat (%s)", received.French(), LastDay(signed).French())
	}
	return funding.TerminationEffective(received), nil
}

// CPAMTermination is a termination decided by the CPAM, with the structure's
// possible recourse to the commission paritaire (docs/rules.md §9: "The CPAM
// can also terminate; a recourse to the commission paritaire suspends it").
type CPAMTermination struct {
	Notified      domain.Date // the day the CPAM notified its decision
	RecourseFiled domain.Date // zero: no recourse
	Decided       domain.Date // the commission's decision (zero: pending)
	Upheld        bool        // the commission confirmed the termination
}

// TerminationStatus is where a CPAM termination stands.
type TerminationStatus string

const (
	TerminationScheduled TerminationStatus = "programmee" // effective on Effective
	TerminationSuspended TerminationStatus = "suspendue"  // recourse pending
	TerminationAnnulled  TerminationStatus = "annulee"    // the commission did not confirm it
)

// Effective returns the status and effective date of a CPAM termination.
//
// Decisions (the sources give no delay for a CPAM termination): the same two
// months' notice as the structure's, counted from the notification; a
// recourse filed before that date suspends it until the commission's
// decision; confirmed, it takes effect on the later of the notice's end and
// the decision day; not confirmed, it is annulled.
func (t CPAMTermination) Effective() (TerminationStatus, domain.Date, error) {
	if t.Notified.IsZero() {
		return "", domain.Date{}, domain.FieldError("notified", "date de notification obligatoire")
	}
	eff := funding.TerminationEffective(t.Notified)
	switch {
	case t.RecourseFiled.IsZero():
		return TerminationScheduled, eff, nil
	case cmp(t.RecourseFiled, t.Notified) < 0:
		return "", domain.Date{}, domain.FieldError("recourse", "le recours (%s) précède la notification de la résiliation (%s)", t.RecourseFiled.French(), t.Notified.French())
	case cmp(t.RecourseFiled, eff) >= 0:
		return "", domain.Date{}, domain.FieldError("recourse", "recours formé le %s, après la date d'effet de la résiliation (%s)", t.RecourseFiled.French(), eff.French())
	case t.Decided.IsZero():
		return TerminationSuspended, domain.Date{}, nil
	case cmp(t.Decided, t.RecourseFiled) < 0:
		return "", domain.Date{}, domain.FieldError("decided", "la décision de la commission (%s) précède le recours (%s)", t.Decided.French(), t.RecourseFiled.French())
	case !t.Upheld:
		return TerminationAnnulled, domain.Date{}, nil
	}
	if cmp(t.Decided, eff) > 0 {
		eff = t.Decided
	}
	return TerminationScheduled, eff, nil
}

// SettleInput is what a termination's settlement is computed on.
type SettleInput struct {
	Contract  Contract
	Effective domain.Date
	Payments  []Scheduled // every payment of the contract
	// Rates are the validated achievement rates of each contract year
	// (index 0 = year 1). Every year that ends on or before the effective
	// date needs the rate of each started achievement mission; in the year
	// cut by the termination a missing rate counts as 0 (decision below).
	Rates [funding.ContractYears]map[funding.Mission]funding.Rate
}

// Settlement is the outcome of a termination at its effective date.
type Settlement struct {
	Effective domain.Date
	Cancel    []Scheduled  // planned payments due on or after the effective date
	Due       domain.Cents // what was due up to the effective date (prorated by days)
	Kept      domain.Cents // what was paid or stays to be paid (ordered, or planned before the date)
	// Line is the recovery (trop-perçu, negative, kind recouvrement) or
	// the final balance (still due, positive, kind solde_resiliation); nil
	// when Kept equals Due.
	Line *funding.Payment
}

// settledKind reports the kinds the settlement compares with what was due:
// the schedule's advances and balances and the adjustments. One-off amounts
// (the early-signer supplement, the crisis plan and crisis variable parts)
// stay due in full as paid, and are left out of both sides.
func settledKind(k funding.Kind) bool {
	return k == funding.KindAvance || k == funding.KindSolde || k == KindAjustement
}

// Settle computes what a termination does at its effective date
// (docs/rules.md §9).
//
//   - "payments planned after the effective date are cancelled (with the
//     reason)": every planned payment due on or after it (the termination's
//     own lines aside);
//   - "amounts due are prorated by days to the effective date; trop-perçu =
//     paid − due, when positive" (decision): for each contract year begun
//     before the effective date, fonctionnement (when due, §8) and each
//     mission started before it, prorated by the days from the year's (or
//     the mission's) start to the effective date, exclusive, over the days
//     of the year, the variable part × the year's validated rate; on the
//     year's barème and tier (§4, §7);
//   - "paid" is what was paid or stays to be paid: the ordered and paid
//     payments, and the planned ones due before the effective date;
//   - the trop-perçu is "a recovery (a payment of negative amount) with its
//     own status (planned → ordered → recovered)", due on the effective
//     date.
//
// Decisions: in the year the termination cuts, a mission without a
// validated rate counts its variable part at 0 % (that year is never
// evaluated); when more was due than paid, the difference is a final
// balance (solde de résiliation) due on the effective date.
func Settle(in SettleInput) (Settlement, error) {
	c := in.Contract
	if in.Effective.IsZero() || cmp(in.Effective, c.Signed) <= 0 {
		return Settlement{}, domain.FieldError("effective", "date d'effet de la résiliation (%s) invalide : elle doit suivre la signature du contrat (%s)", in.Effective.French(), c.Signed.French())
	}
	s := Settlement{Effective: in.Effective}
	for n := 1; n <= funding.ContractYears; n++ {
		y, t, err := c.year(n)
		if err != nil {
			return Settlement{}, err
		}
		if cmp(y.Start, in.Effective) >= 0 {
			break
		}
		end := minDate(y.Next(), in.Effective)
		whole := cmp(y.Next(), in.Effective) <= 0
		if c.FonctionnementDue(n) {
			a, _ := t.Bareme.Amounts(funding.Fonctionnement)
			s.Due += domain.MulDiv(a.Fixed.At(t.Tier), int64(y.Start.DaysUntil(end)), y.Days)
		}
		for _, m := range funding.AllMissions()[1:] {
			at, ok := c.Starts[m]
			if !ok || m == funding.Crise || cmp(at, end) >= 0 {
				continue
			}
			a, ok := t.Bareme.Amounts(m)
			if !ok {
				continue
			}
			days := int64(maxDate(y.Start, at).DaysUntil(end))
			s.Due += domain.MulDiv(a.Fixed.At(t.Tier), days, y.Days)
			if !m.HasAchievement() {
				continue
			}
			r, ok := in.Rates[n-1][m]
			if !ok && whole {
				return Settlement{}, domain.Errorf(domain.EInvalid, "taux d'atteinte validé manquant pour %s en année %d : clôturez l'année avant de solder la résiliation", m.Label(), n)
			}
			if !r.Valid() {
				return Settlement{}, domain.Errorf(domain.EInvalid, "taux d'atteinte invalide pour %s en année %d", m.Label(), n)
			}
			s.Due += domain.MulDiv(a.Variable.At(t.Tier), int64(r)*days, int64(funding.FullRate)*y.Days)
		}
	}
	for _, p := range in.Payments {
		if p.State == Cancelled || terminationKind(p.Kind) {
			continue
		}
		if p.State == Planned && cmp(p.Due, in.Effective) >= 0 {
			s.Cancel = append(s.Cancel, p)
			continue
		}
		if settledKind(p.Kind) {
			s.Kept += p.Amount
		}
	}
	last, ok := YearAt(c.Signed, in.Effective.AddDays(-1))
	if !ok {
		last, _ = ContractYearOf(c.Signed, funding.ContractYears)
	}
	switch diff := s.Due - s.Kept; {
	case diff < 0:
		s.Line = &funding.Payment{Due: in.Effective, ContractYear: last.N, Kind: KindRecouvrement, Amount: diff,
			Rule: fmt.Sprintf("Trop-perçu à la résiliation effective le %s : versé ou dû %s, montants dus proratisés aux jours jusqu'à la date d'effet %s (ACI, contrat type)", in.Effective.French(), domain.FormatEUR(s.Kept), domain.FormatEUR(s.Due))}
	case diff > 0:
		s.Line = &funding.Payment{Due: in.Effective, ContractYear: last.N, Kind: KindSoldeResiliation, Amount: diff,
			Rule: fmt.Sprintf("Solde à la résiliation effective le %s : montants dus proratisés aux jours jusqu'à la date d'effet %s, versé ou dû %s (ACI, contrat type)", in.Effective.French(), domain.FormatEUR(s.Due), domain.FormatEUR(s.Kept))}
	}
	return s, nil
}

func maxDate(a, b domain.Date) domain.Date {
	if cmp(a, b) >= 0 {
		return a
	}
	return b
}
