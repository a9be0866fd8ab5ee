package funding

import (
	"fmt"
	"time"

	"github.com/portail-aci/aci/internal/domain"
)

// PerTier holds one amount per CPTS size tier: index 0 is tier 1.
type PerTier [4]domain.Cents

// At returns the amount of a tier (1..4); 0 outside.
func (p PerTier) At(tier int) domain.Cents {
	if tier < 1 || tier > 4 {
		return 0
	}
	return p[tier-1]
}

func euros(t1, t2, t3, t4 int64) PerTier {
	return PerTier{domain.Euros(t1), domain.Euros(t2), domain.Euros(t3), domain.Euros(t4)}
}

// MissionAmounts are the annual amounts of one line of a barème, for a 100 %
// achievement rate (docs/rules.md §4). Fonctionnement has only Fixed (its
// "total"). Crise uses FixedFirst (year the plan is first written),
// FixedUpdate (later years, plan update) and Variable (when the ARS declares
// a crisis) and leaves Fixed at zero.
type MissionAmounts struct {
	Mission     Mission
	Fixed       PerTier
	Variable    PerTier
	FixedFirst  PerTier
	FixedUpdate PerTier
}

// Bareme is one set of CPTS amounts with the date it takes effect (docs/rules.md
// §4: "keep every table above as data with an effective date, so that a new
// avenant is a new row set, not a code change"). A new avenant is a new
// Bareme value (and new rows in the baremes tables), never a code change.
//
// Everything an avenant may change is part of the barème, not a constant
// (docs/rules.md §4): the amounts, the tier edges, the advance rate and the
// early-signer cut-off.
type Bareme struct {
	Code      string      // stable code, e.g. "avenant-2"
	Name      string      // e.g. "Avenant 2"
	Effective domain.Date // first day in force: the day after its publication in the JO
	// EarlySignerCutoff: communities that signed strictly before this date get
	// the exceptional fonctionnement supplement EarlySigner (avenant 2
	// "adhérentes avant le 30 septembre 2022"); avenant 2: 2022-09-30. Zero:
	// no supplement.
	EarlySignerCutoff domain.Date
	// TierFrom is the smallest population of tiers 2, 3 and 4 (docs/rules.md
	// §3). Avenant 2: 40 000, 80 000, 175 001 (decision on the edges: 40 000 →
	// tier 2; 80 000 → tier 3; 175 000 → tier 3; 175 001 → tier 4).
	TierFrom [3]int64
	// AdvancePercent is the advance paid at the start of a mission and at each
	// anniversary, in % of the year's fixed part and of fonctionnement from
	// year 2 (docs/rules.md §8, ACI art. 9.1: 75 %).
	AdvancePercent int64
	Missions       []MissionAmounts // one entry per mission of the barème

	LettreIntention PerTier // amorçage at validation of the lettre d'intention (avenant 2 negotiation)
	EarlySigner     PerTier // +75 % of fonctionnement for early signers (avenant 2)
	ARSForfait      PerTier // ARS pre-ACI forfait indemnisation des professionnels (URPS HDF guide)
	ARSCoordinator  PerTier // ARS pre-ACI forfait recrutement du coordonnateur (URPS HDF guide), same for every tier
}

// Tier returns the CPTS size tier (1..4) of a population under the tier
// edges of the barème (docs/rules.md §3; ACI CPTS: "taille 1 : < 40.000
// habitants, taille 2 : de 40.000 à 80.000, taille 3 : de 80.000 à 175.000,
// taille 4 : > 175.000").
func (b Bareme) Tier(population int64) (int, error) {
	if population < 0 {
		return 0, domain.FieldError("population", "population négative (%d)", population)
	}
	tier := 1
	for _, from := range b.TierFrom {
		if population >= from {
			tier++
		}
	}
	return tier, nil
}

// Amounts returns the line of mission m, and whether the barème has it.
func (b Bareme) Amounts(m Mission) (MissionAmounts, bool) {
	for _, a := range b.Missions {
		if a.Mission == m {
			return a, true
		}
	}
	return MissionAmounts{}, false
}

// Has reports whether the barème funds mission m.
func (b Bareme) Has(m Mission) bool { _, ok := b.Amounts(m); return ok }

// MaxAmount is the largest amount (in cents) a barème line may hold: it keeps
// every integer product of the engine (amount × rate × days) far from int64
// overflow. 10 billion euros.
const MaxAmount domain.Cents = 1_000_000_000_000

// Validate checks a barème entered as data: a code, an effective date, known
// missions once each, fonctionnement present, amounts within [0, MaxAmount],
// increasing positive tier edges, an advance rate within [0, 100] %.
func (b Bareme) Validate() error {
	if b.Code == "" || b.Effective.IsZero() {
		return domain.Errorf(domain.EInvalid, "barème sans code ou sans date d'effet")
	}
	seen := map[Mission]bool{}
	for _, a := range b.Missions {
		if !a.Mission.Valid() || seen[a.Mission] {
			return domain.Errorf(domain.EInvalid, "barème %s : mission %q inconnue ou en double", b.Code, string(a.Mission))
		}
		seen[a.Mission] = true
		for _, p := range []PerTier{a.Fixed, a.Variable, a.FixedFirst, a.FixedUpdate} {
			if !p.valid() {
				return domain.Errorf(domain.EInvalid, "barème %s : montant hors limites pour %s", b.Code, a.Mission)
			}
		}
	}
	if !seen[Fonctionnement] {
		return domain.Errorf(domain.EInvalid, "barème %s sans fonctionnement", b.Code)
	}
	if b.TierFrom[0] <= 0 || b.TierFrom[0] >= b.TierFrom[1] || b.TierFrom[1] >= b.TierFrom[2] {
		return domain.Errorf(domain.EInvalid, "barème %s : seuils de taille de CPTS invalides (%d, %d, %d), attendus croissants et positifs", b.Code, b.TierFrom[0], b.TierFrom[1], b.TierFrom[2])
	}
	if b.AdvancePercent < 0 || b.AdvancePercent > 100 {
		return domain.Errorf(domain.EInvalid, "barème %s : taux d'avance %d %% hors de [0, 100]", b.Code, b.AdvancePercent)
	}
	for _, p := range []PerTier{b.LettreIntention, b.EarlySigner, b.ARSForfait, b.ARSCoordinator} {
		if !p.valid() {
			return domain.Errorf(domain.EInvalid, "barème %s : montant d'amorçage hors limites", b.Code)
		}
	}
	return nil
}

func (p PerTier) valid() bool {
	for _, c := range p {
		if c < 0 || c > MaxAmount {
			return false
		}
	}
	return true
}

// ACICPTSEffective is the day the ACI CPTS took effect: the day after the
// publication in the JO (24/08/2019) of the arrêté of 21 August 2019 that
// approves it (docs/rules.md §4: "a barème takes effect the day after its
// publication in the JO").
func ACICPTSEffective() domain.Date { return domain.Date{Y: 2019, M: time.August, D: 25} }

// BaremeAt returns the barème in force on day d: the one with the latest
// effective date on or before d.
//
// Decision — no invented table (docs/rules.md §4): the per-line table of the
// original 2019 ACI CPTS is not at hand, so no barème is built in before
// avenant 2. Until an admin enters it, a day on or after the ACI CPTS took
// effect (25/08/2019) with no barème in force is refused (invalid) with
// « barème ACI CPTS 2019 non saisi »; it is never computed from another
// table. A day before the ACI CPTS is refused too (invalid).
func BaremeAt(list []Bareme, d domain.Date) (Bareme, error) {
	return baremeAt(list, d, "")
}

// baremeAt is BaremeAt; what, when set, says what day d is (", premier jour
// de l'année 2 du contrat").
func baremeAt(list []Bareme, d domain.Date, what string) (Bareme, error) {
	var best, first Bareme
	found := false
	for _, b := range list {
		if first.Code == "" || b.Effective.Before(first.Effective) {
			first = b
		}
		if b.Effective.After(d) {
			continue
		}
		if !found || b.Effective.After(best.Effective) {
			best, found = b, true
		}
	}
	switch {
	case found:
		return best, nil
	case d.Before(ACICPTSEffective()):
		return Bareme{}, domain.Errorf(domain.EInvalid, "aucun barème ACI CPTS le %s%s : l'ACI CPTS est en vigueur depuis le %s", d.French(), what, ACICPTSEffective().French())
	case first.Code != "":
		return Bareme{}, domain.Errorf(domain.EInvalid, "barème ACI CPTS 2019 non saisi : aucun barème en vigueur le %s%s (le barème %s s'applique à partir du %s)", d.French(), what, first.Name, first.Effective.French())
	}
	return Bareme{}, domain.Errorf(domain.EInvalid, "barème ACI CPTS 2019 non saisi : aucun barème en vigueur le %s%s", d.French(), what)
}

// YearBareme returns the barème of contract year y (1..5) of a contract
// signed on `signed`.
//
// Decision — which barème a contract year uses (docs/rules.md §4): the
// barème in force on the first day of that contract year; amendments of the
// ACI apply to contracts in progress from the next contract year.
func YearBareme(list []Bareme, signed domain.Date, y int) (Bareme, error) {
	if err := checkYear(y); err != nil {
		return Bareme{}, err
	}
	return baremeAt(list, signed.AddYears(y-1), fmt.Sprintf(", premier jour de l'année %d du contrat", y))
}

// avenant2Missions are the amounts of docs/rules.md §4 (ACI CPTS, avenant 2).
func avenant2Missions() []MissionAmounts {
	return []MissionAmounts{
		{Mission: Fonctionnement, Fixed: euros(50_000, 60_000, 75_000, 90_000)},
		{Mission: Acces, Fixed: euros(55_000, 70_000, 90_000, 110_000), Variable: euros(25_000, 30_000, 35_000, 45_000)},
		{Mission: Parcours, Fixed: euros(25_000, 35_000, 45_000, 50_000), Variable: euros(25_000, 35_000, 45_000, 50_000)},
		{Mission: Prevention, Fixed: euros(10_000, 15_000, 17_500, 20_000), Variable: euros(10_000, 15_000, 17_500, 20_000)},
		{Mission: Crise,
			FixedFirst:  euros(25_000, 35_000, 45_000, 50_000),
			FixedUpdate: euros(12_500, 17_500, 22_500, 25_000),
			Variable:    euros(37_500, 52_500, 67_500, 75_000)},
		{Mission: Qualite, Fixed: euros(7_500, 10_000, 15_000, 20_000), Variable: euros(7_500, 10_000, 15_000, 20_000)},
		{Mission: Accompagnement, Fixed: euros(5_000, 7_500, 10_000, 15_000), Variable: euros(5_000, 7_500, 10_000, 15_000)},
	}
}

// Avenant2 is the barème of avenant 2 to the ACI CPTS (signed 20/12/2021, JO
// 31/03/2022), in force from the day after its publication, 2022-04-01
// (docs/rules.md §4): the amounts of docs/rules.md §4 and §5.
//
// Its ARS pre-ACI forfait is a decision: the URPS HDF guide only says "de 10 000 € à
// 20 000 € selon la taille de la CPTS"; we split the range linearly over the
// four tiers (steps of 3 333,33 €) rounded to the nearest 500 €: T1 10 000 ·
// T2 13 500 · T3 16 500 · T4 20 000. The ARS may pay another amount: this is
// the simulator's default only.
func Avenant2() Bareme {
	return Bareme{
		Code:      "avenant-2",
		Name:      "Avenant 2",
		Effective: domain.Date{Y: 2022, M: time.April, D: 1},
		// avenant 2 "adhérentes avant le 30 septembre 2022" (the
		// negotiation-era sources said 31/12/2021).
		EarlySignerCutoff: domain.Date{Y: 2022, M: time.September, D: 30},
		TierFrom:          [3]int64{40_000, 80_000, 175_001},
		AdvancePercent:    75, // ACI art. 9.1, contrat type art. 6
		Missions:          avenant2Missions(),
		LettreIntention:   euros(15_000, 17_500, 25_000, 30_000), // avenant 2 negotiation (25 000 / 30 000 for T3/T4, not 20 000 / 25 000)
		EarlySigner:       euros(37_500, 45_000, 56_250, 67_500), // avenant 2, avenant 2 negotiation: +75 % of fonctionnement
		ARSForfait:        euros(10_000, 13_500, 16_500, 20_000), // URPS HDF guide (decision on the split, above)
		ARSCoordinator:    euros(24_000, 24_000, 24_000, 24_000), // URPS HDF guide: "recrutement du coordonnateur de 24 000€"
	}
}

// Builtin returns the built-in CPTS barèmes, oldest first: avenant 2 only
// (no invented 2019 table, see BaremeAt). Each call returns fresh values. The
// migrations insert exactly these rows (a store test compares them).
func Builtin() []Bareme { return []Bareme{Avenant2()} }

// AmountRow is one row of table bareme_amounts (migrations/00010_baremes.sql).
type AmountRow struct {
	Tier    int
	Mission Mission
	Part    string // "fixe", "variable", "fixe_premiere", "fixe_mise_a_jour"
	Amount  domain.Cents
}

// AmountRows flattens the mission amounts the way table bareme_amounts stores
// them: one row per tier, mission and non-empty part.
func (b Bareme) AmountRows() []AmountRow {
	var out []AmountRow
	for _, a := range b.Missions {
		parts := []struct {
			name string
			p    PerTier
		}{{"fixe", a.Fixed}, {"variable", a.Variable}, {"fixe_premiere", a.FixedFirst}, {"fixe_mise_a_jour", a.FixedUpdate}}
		for tier := 1; tier <= 4; tier++ {
			for _, p := range parts {
				if p.p == (PerTier{}) {
					continue
				}
				out = append(out, AmountRow{Tier: tier, Mission: a.Mission, Part: p.name, Amount: p.p.At(tier)})
			}
		}
	}
	return out
}

// AmorcageRow is one row of table bareme_amorcage.
type AmorcageRow struct {
	Tier   int
	Kind   string // "lettre_intention", "signataire_precoce", "ars_forfait", "ars_coordonnateur"
	Amount domain.Cents
}

// AmorcageRows flattens the start-up amounts the way table bareme_amorcage
// stores them.
func (b Bareme) AmorcageRows() []AmorcageRow {
	var out []AmorcageRow
	for tier := 1; tier <= 4; tier++ {
		out = append(out,
			AmorcageRow{tier, "lettre_intention", b.LettreIntention.At(tier)},
			AmorcageRow{tier, "signataire_precoce", b.EarlySigner.At(tier)},
			AmorcageRow{tier, "ars_forfait", b.ARSForfait.At(tier)},
			AmorcageRow{tier, "ars_coordonnateur", b.ARSCoordinator.At(tier)},
		)
	}
	return out
}
