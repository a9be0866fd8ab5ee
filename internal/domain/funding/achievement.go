package funding

import (
	"math"
	"math/big"

	"github.com/portail-aci/aci/internal/domain"
)

// Rate is an achievement rate in basis points: 10 000 = 100 %, 8 500 =
// 85,00 %. Rates are integers so that "rounded to 4 decimals" (docs/rules.md §6)
// is exact.
type Rate int64

// FullRate is 100 %.
const FullRate Rate = 10_000

// Valid reports whether r is within [0, 100 %].
func (r Rate) Valid() bool { return r >= 0 && r <= FullRate }

// Direction says whether an indicator improves upward or downward.
type Direction string

const (
	Increasing Direction = "croissant"
	Decreasing Direction = "decroissant"
)

// Measure is one indicator's data for a contract year: baseline, yearly
// target, declared value (all in the indicator's own unit, as integers — e.g.
// per-mille or hundredths of a percent, the same unit for the three), its
// weight and direction.
type Measure struct {
	Direction Direction
	Baseline  int64
	Target    int64
	Value     int64
	Weight    int64 // > 0
}

// indicatorRate returns the indicator's rate as an exact fraction in [0, 1].
//
// Decision (docs/rules.md §6; the sources only say the variable amounts are for
// 100 %): an indicator's rate = progress from baseline toward target, clamped
// to [0, 1]; for a decreasing indicator the same on the reversed scale; a
// target equal to the baseline counts as reached when the value is at least
// as good.
func indicatorRate(m Measure) *big.Rat {
	progress := m.Value - m.Baseline
	span := m.Target - m.Baseline
	if m.Direction == Decreasing {
		progress, span = -progress, -span
	}
	if span <= 0 {
		// Target equal to (or, by mistake, behind) the baseline: reached
		// when the value is at least as good as the target.
		good := m.Value >= m.Target
		if m.Direction == Decreasing {
			good = m.Value <= m.Target
		}
		if good {
			return big.NewRat(1, 1)
		}
		return new(big.Rat)
	}
	switch {
	case progress <= 0:
		return new(big.Rat)
	case progress >= span:
		return big.NewRat(1, 1)
	}
	return big.NewRat(progress, span)
}

// RateFromIndicators computes a mission's achievement rate from its
// indicators (docs/rules.md §6, decision): mission rate = Σ weight × rate / Σ
// weight, rounded (half away from zero) to 4 decimals, i.e. to a basis point.
// The sum is exact (rationals) so the only rounding is the final one.
func RateFromIndicators(ms []Measure) (Rate, error) {
	if len(ms) == 0 {
		return 0, domain.Errorf(domain.EInvalid, "aucun indicateur pour calculer le taux d'atteinte")
	}
	sum := new(big.Rat)
	var weights int64
	for _, m := range ms {
		if m.Weight <= 0 {
			return 0, domain.Errorf(domain.EInvalid, "poids d'indicateur invalide (%d) : il doit être positif", m.Weight)
		}
		if m.Direction != Increasing && m.Direction != Decreasing {
			return 0, domain.Errorf(domain.EInvalid, "sens d'indicateur inconnu %q", string(m.Direction))
		}
		if m.Weight > math.MaxInt64/2-weights {
			return 0, domain.Errorf(domain.EInvalid, "poids d'indicateurs trop grands")
		}
		weights += m.Weight
		sum.Add(sum, new(big.Rat).Mul(indicatorRate(m), new(big.Rat).SetInt64(m.Weight)))
	}
	// rate in basis points = round(10000 × sum / weights), half away from zero
	// (the value is ≥ 0, so half up).
	num := new(big.Int).Mul(sum.Num(), big.NewInt(2*int64(FullRate)))
	den := new(big.Int).Mul(sum.Denom(), big.NewInt(weights))
	num.Add(num, den)                              // 2x + 1
	q := num.Quo(num, den.Mul(den, big.NewInt(2))) // floor((2x+1)/2)
	return Rate(q.Int64()), nil
}

// Indicator is a named indicator of a mission.
type Indicator struct {
	Code      string
	Label     string // French
	Mission   Mission
	Direction Direction
}

// MandatoryCPTSIndicators are the five indicators every CPTS contract carries
// (docs/rules.md §6; ACI CPTS "Certains indicateurs sont fixés par le texte et
// s'imposent à chaque signataire"). Other indicators are set per contract.
func MandatoryCPTSIndicators() []Indicator {
	return []Indicator{
		{"patientele_mt", "Progression de la patientèle avec médecin traitant dans la population couverte par la communauté professionnelle", Acces, Increasing},
		{"sans_mt_ald_70_cmuc", "Pourcentage de patients sans médecin traitant parmi les patients en ALD, les patients de plus de 70 ans et les patients couverts par la CMU-C", Acces, Decreasing},
		{"urgences_sans_hospitalisation", "Taux de passages aux urgences générales, pédiatriques et de gynécologie-obstétrique non suivis d'hospitalisation", Acces, Decreasing},
		{"admissions_directes_ville", "Part des admissions directes en hospitalisation adressées par un professionnel de santé de ville", Parcours, Increasing},
		{"consultations_snp", "Nombre de consultations enregistrées dans le cadre de l'organisation territoriale de prise en charge des soins non programmés", Acces, Increasing},
	}
}
