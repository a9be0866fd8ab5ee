package funding

import (
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
// achievement rate (DOMAIN.md §4). Fonctionnement has only Fixed (its
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

// Bareme is one set of CPTS amounts with the date it takes effect (DOMAIN.md
// §4: "keep every table above as data with an effective date, so that a new
// avenant is a new row set, not a code change"). A new avenant is a new
// Bareme value (and new rows in the baremes tables), never a code change.
type Bareme struct {
	Code      string      // stable code, e.g. "avenant-2"
	Name      string      // e.g. "Avenant 2"
	Effective domain.Date // first day in force
	// EarlySignerCutoff: communities that signed strictly before this date get
	// the exceptional +75 % fonctionnement supplement (seed 003 §8B "adhérentes
	// avant le 30 septembre 2022"); default 2022-09-30. Zero: no supplement.
	EarlySignerCutoff domain.Date
	Missions          []MissionAmounts // one entry per mission of the barème

	LettreIntention PerTier // amorçage at validation of the lettre d'intention (seed 001)
	EarlySigner     PerTier // +75 % of fonctionnement for early signers (seed 003 §8B, avenant 2)
	ARSForfait      PerTier // ARS pre-ACI forfait indemnisation des professionnels (seed 002)
	ARSCoordinator  PerTier // ARS pre-ACI forfait recrutement du coordonnateur (seed 002), same for every tier
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
// missions once each, fonctionnement present, amounts within [0, MaxAmount].
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

// BaremeAt returns the barème in force on day d: the one with the latest
// effective date on or before d. It fails (not_found) when none is in force.
func BaremeAt(list []Bareme, d domain.Date) (Bareme, error) {
	var best Bareme
	found := false
	for _, b := range list {
		if b.Effective.After(d) {
			continue
		}
		if !found || b.Effective.After(best.Effective) {
			best, found = b, true
		}
	}
	if !found {
		return Bareme{}, domain.Errorf(domain.ENotFound, "aucun barème ACI CPTS en vigueur le %s", d.French())
	}
	return best, nil
}

// DefaultEarlySignerCutoff is the avenant-2 cut-off of the early-signer
// supplement (seed 003 §8B: "adhérentes avant le 30 septembre 2022"; the
// negotiation-era sources said 31/12/2021 — DOMAIN.md §5 makes it a parameter).
var DefaultEarlySignerCutoff = domain.Date{Y: 2022, M: time.September, D: 30}

// avenant2Missions are the amounts of DOMAIN.md §4 (seed 003 §8C4, avenant 2).
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

// ARSForfaitByTier is the ARS pre-ACI forfait for compensating professionals.
//
// Decision: seed 002 only says "de 10 000 € à 20 000 € selon la taille de la
// CPTS"; we split the range linearly over the four tiers (steps of 3 333,33 €)
// rounded to the nearest 500 €: T1 10 000 · T2 13 500 · T3 16 500 · T4 20 000.
// The ARS may pay another amount: this is the simulator's default only.
var ARSForfaitByTier = euros(10_000, 13_500, 16_500, 20_000)

// amorcage fills the start-up amounts shared by both built-in barèmes
// (DOMAIN.md §5).
func amorcage(b Bareme) Bareme {
	b.LettreIntention = euros(15_000, 17_500, 25_000, 30_000) // seed 001 (25 000 / 30 000 for T3/T4, not 20 000 / 25 000)
	b.EarlySigner = euros(37_500, 45_000, 56_250, 67_500)     // seed 003 §8B, seed 001: +75 % of fonctionnement
	b.ARSForfait = ARSForfaitByTier                           // seed 002 (decision on the split, see ARSForfaitByTier)
	b.ARSCoordinator = euros(24_000, 24_000, 24_000, 24_000)  // seed 002: "recrutement du coordonnateur de 24 000€"
	b.EarlySignerCutoff = DefaultEarlySignerCutoff
	return b
}

// ACICPTS2019 is the barème of the ACI CPTS approved by the arrêté of 21
// August 2019 (JORF 24/08/2019), in force from 2019-08-24.
//
// Decision: the seeds do not give the 2019 amounts (seed 003 and seed 001 give
// only the avenant-2 table; seed 004 predates the text and has no amount), so
// this barème is equal to the avenant-2 amounts but without the crisis mission
// (created by avenant 2: seed 003 §A4 "L'avenant n°2 a ajouté une mission
// socle (obligatoire) pour la réponse aux crises sanitaires graves"; seed 001
// "Nouvelle mission dédiée à la réponse aux crises sanitaires graves"). A
// contract signed before 31/03/2022 is computed on this barème (aci funding
// --signed picks the barème in force on the signature day), so its year 1 has
// no crise line, as in 2019–2022. Its amorçage amounts are the same as avenant 2's,
// including the early-signer supplement, which avenant 2 grants to
// communities that signed in 2019 and 2020 as well (seed 001). Replace it with
// the official 2019 table as data when it is at hand.
func ACICPTS2019() Bareme {
	var ms []MissionAmounts
	for _, m := range avenant2Missions() {
		if m.Mission != Crise {
			ms = append(ms, m)
		}
	}
	return amorcage(Bareme{
		Code:      "aci-cpts-2019",
		Name:      "ACI CPTS 2019",
		Effective: domain.Date{Y: 2019, M: time.August, D: 24},
		Missions:  ms,
	})
}

// Avenant2 is the barème of avenant 2 to the ACI CPTS (signed 20/12/2021, JO
// 31/03/2022), in force from 2022-03-31: the amounts of DOMAIN.md §4.
func Avenant2() Bareme {
	return amorcage(Bareme{
		Code:      "avenant-2",
		Name:      "Avenant 2",
		Effective: domain.Date{Y: 2022, M: time.March, D: 31},
		Missions:  avenant2Missions(),
	})
}

// Builtin returns the built-in CPTS barèmes, oldest first. Each call returns
// fresh values. migrations/00010_baremes.sql inserts exactly these rows.
func Builtin() []Bareme { return []Bareme{ACICPTS2019(), Avenant2()} }

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
