package funding

import (
	"strconv"

	"github.com/portail-aci/aci/internal/domain"
)

// ContractYears is the length of a CPTS contract (docs/rules.md §8: "The contract
// lasts 5 years").
const ContractYears = 5

// Line is what is due for one mission in one contract year.
type Line struct {
	Mission  Mission
	Fixed    domain.Cents // fixed part (fonctionnement: its whole amount)
	Variable domain.Cents // variable part × achievement (crise: in full when a crisis is declared)
	// Supplement is the early-signer supplement, on the fonctionnement line
	// of one contract year only: year 1 for a contract signed while the
	// barème that grants it is in force, else the first year on that barème
	// (docs/rules.md §5, avenant 2).
	Supplement domain.Cents
	// Days / YearDays is the proration applied to Fixed and to the
	// achievement Variable (docs/rules.md §8); equal for a full year.
	Days, YearDays int64
}

// Total is Fixed + Variable + Supplement.
func (l Line) Total() domain.Cents { return l.Fixed + l.Variable + l.Supplement }

// Prorated reports whether the line covers less than its whole contract year.
func (l Line) Prorated() bool { return l.Days != l.YearDays }

// Entitlement is what a CPTS is due for one contract year: one line per
// mission and their total (the sum of the rounded lines, docs/rules.md §11).
type Entitlement struct {
	Bareme string // barème code
	Tier   int
	Year   int // contract year 1..5
	Lines  []Line
	Total  domain.Cents
}

func newEntitlement(b Bareme, tier, year int, lines []Line) Entitlement {
	e := Entitlement{Bareme: b.Code, Tier: tier, Year: year, Lines: lines}
	for _, l := range lines {
		e.Total += l.Total()
	}
	return e
}

// YearInput describes one contract year for Annual.
type YearInput struct {
	Bareme Bareme
	Tier   int
	// Missions funded this year; fonctionnement is always included, listed
	// or not. Compulsoriness is checked by ValidateContractMissions, not here,
	// so that a simulation may use any subset.
	Missions []Mission
	Year     int // contract year 1..5
	// PlanYear is the contract year the crisis plan is first written (0 means
	// year 1): the crise fixed part is the "first writing" amount that year
	// and the "update" amount in later years (ACI CPTS, avenant 2, avenant 2 negotiation).
	PlanYear int
	Crisis   bool // the ARS declared a crisis affecting the territory this year
	// Achievement per mission (basis points); a mission absent from the map
	// is at 100 %. Use RateFromIndicators to compute one from indicators.
	Achievement map[Mission]Rate
	// Signed is the signature date; zero means unknown (no early-signer
	// supplement). Bareme must be the barème of contract year Year of that
	// contract (YearBareme).
	Signed domain.Date
}

// EarlySignerEligible reports whether a contract signed on `signed` gets the
// exceptional +75 % fonctionnement supplement of barème b: signed strictly
// before the barème's cut-off (avenant 2: "pour les communautés
// professionnelles adhérentes avant le 30 septembre 2022"; docs/rules.md §5).
func EarlySignerEligible(b Bareme, signed domain.Date) bool {
	return !signed.IsZero() && !b.EarlySignerCutoff.IsZero() && signed.Before(b.EarlySignerCutoff)
}

// EarlySignerSupplement returns the supplement due to a contract signed on
// `signed`, or 0 (docs/rules.md §5; avenant 2).
//
// Decision (docs/rules.md §5): paid once, with the first fonctionnement
// payment; for a contract signed before the barème that grants it took
// effect, with the first fonctionnement payment on or after that day
// (BuildSchedule; SupplementYear for one year).
func EarlySignerSupplement(b Bareme, tier int, signed domain.Date) domain.Cents {
	if !EarlySignerEligible(b, signed) {
		return 0
	}
	return b.EarlySigner.At(tier)
}

// SupplementYear reports whether contract year y of a contract signed on
// `signed`, computed on barème b (the barème of that year), carries the
// early-signer supplement: b grants it to the contract, and year y is the
// contract's first year on b — year 1, or a year whose previous year began
// before b took effect (docs/rules.md §5: a contract signed before avenant 2
// took effect gets it with the first fonctionnement payment on or after
// 01/04/2022). It assumes, as Annual does, that fonctionnement is due every
// year; BuildSchedule moves it to the first year where it is.
func SupplementYear(b Bareme, signed domain.Date, y int) bool {
	if !EarlySignerEligible(b, signed) {
		return false
	}
	return y == 1 || signed.AddYears(y-2).Before(b.Effective)
}

// Annual computes the entitlement of one full contract year (no proration),
// for 100 % of the year: used by the simulator (aci funding).
func Annual(in YearInput) (Entitlement, error) {
	if err := checkTier(in.Tier); err != nil {
		return Entitlement{}, err
	}
	if err := checkYear(in.Year); err != nil {
		return Entitlement{}, err
	}
	plan := in.PlanYear
	if plan == 0 {
		plan = 1
	}
	if plan < 1 || plan > in.Year {
		return Entitlement{}, domain.Errorf(domain.EInvalid, "année de première rédaction du plan de crise invalide (%d)", in.PlanYear)
	}
	want := map[Mission]bool{Fonctionnement: true}
	for _, m := range in.Missions {
		if !m.Valid() {
			return Entitlement{}, domain.Errorf(domain.EInvalid, "mission inconnue %q", string(m))
		}
		if !in.Bareme.Has(m) {
			return Entitlement{}, domain.Errorf(domain.EInvalid, "la mission %s n'existe pas dans le barème %s", m.Label(), in.Bareme.Name)
		}
		want[m] = true
	}
	lines := make([]Line, 0, len(want))
	for _, m := range AllMissions() {
		if !want[m] {
			continue
		}
		rate, err := rateOf(in.Achievement, m)
		if err != nil {
			return Entitlement{}, err
		}
		l := missionLine(in.Bareme, in.Tier, m, in.Year, plan, in.Crisis, rate, 1, 1)
		if m == Fonctionnement && SupplementYear(in.Bareme, in.Signed, in.Year) {
			l.Supplement = EarlySignerSupplement(in.Bareme, in.Tier, in.Signed)
		}
		lines = append(lines, l)
	}
	return newEntitlement(in.Bareme, in.Tier, in.Year, lines), nil
}

func checkYear(y int) error {
	if y < 1 || y > ContractYears {
		return domain.FieldError("year", "année de contrat invalide (%d) : attendue entre 1 et 5", y)
	}
	return nil
}

func rateOf(rates map[Mission]Rate, m Mission) (Rate, error) {
	r, ok := rates[m]
	if !ok {
		return FullRate, nil
	}
	if !r.Valid() {
		return 0, domain.Errorf(domain.EInvalid, "taux d'atteinte invalide pour %s (%s) : attendu entre 0 et 100 %%", m.Label(), FormatRate(r))
	}
	return r, nil
}

// fixedBase is the unprorated fixed amount of mission m in contract year
// `year`. Crise: the "1re rédaction du plan" amount in the year the plan is
// first written, the "mise à jour" amount in the following years
// (ACI CPTS, avenant 2; avenant 2 negotiation "Année 1 : 1ère rédaction … Année 2 et suivantes : mise à
// jour").
func fixedBase(b Bareme, tier int, m Mission, year, planYear int) domain.Cents {
	a, ok := b.Amounts(m)
	if !ok {
		return 0
	}
	if m == Crise {
		switch {
		case year == planYear:
			return a.FixedFirst.At(tier)
		case year > planYear:
			return a.FixedUpdate.At(tier)
		}
		return 0
	}
	return a.Fixed.At(tier)
}

// missionLine computes the line of mission m for contract year `year`,
// prorated by days/yearDays (docs/rules.md §8) — equal for a full year.
//
//   - Fixed: fixed amount × days/yearDays (docs/rules.md §8, decision: in the
//     year a mission starts, its fixed and variable parts due are prorated by
//     the same fraction as the advance).
//   - Variable of an achievement mission: variable × rate × days/yearDays, one
//     rounding (docs/rules.md §6 "variable paid = variable amount × mission rate,
//     rounded to the cent"; §11).
//   - Variable of crise: paid in full when the ARS declared a crisis that
//     year, never scaled by achievement (avenant 2 negotiation: "Mission obligatoire ne
//     faisant pas l'objet d'indicateurs de résultats"; "enveloppe
//     complémentaire déclenchée et versée à la CPTS dès que l'ARS a
//     caractérisé la survenue d'une crise sanitaire").
//
// Decision: the crisis variable part is not prorated either: it rewards the
// response to a declared crisis, not time spent in the mission.
func missionLine(b Bareme, tier int, m Mission, year, planYear int, crisis bool, rate Rate, days, yearDays int64) Line {
	l := Line{Mission: m, Days: days, YearDays: yearDays}
	l.Fixed = domain.MulDiv(fixedBase(b, tier, m, year, planYear), days, yearDays)
	a, _ := b.Amounts(m)
	switch {
	case m == Crise:
		if crisis {
			l.Variable = a.Variable.At(tier)
		}
	case m.HasAchievement():
		l.Variable = domain.MulDiv(a.Variable.At(tier), int64(rate)*days, int64(FullRate)*yearDays)
	}
	return l
}

// FormatRate writes a rate the French way: 8 500 → "85,00 %".
func FormatRate(r Rate) string {
	v := int64(r)
	neg := v < 0
	if neg {
		v = -v
	}
	s := strconv.FormatInt(v/100, 10) + "," + strconv.FormatInt(v%100/10, 10) + strconv.FormatInt(v%10, 10) + "\u00a0%"
	if neg {
		s = "-" + s
	}
	return s
}

// AmorcageLettreIntention is the amorçage paid to the association when the
// ARS validates the lettre d'intention: T1 15 000 · T2 17 500 · T3 25 000 ·
// T4 30 000 € (docs/rules.md §5; avenant 2 negotiation "Montants versés lors de la validation
// de la lettre d'intention (financement complémentaire au FIR)"). Condition:
// file the projet de santé and sign the ACI within 6 months (LettreDeadline).
func AmorcageLettreIntention(b Bareme, tier int) (domain.Cents, error) {
	if err := checkTier(tier); err != nil {
		return 0, err
	}
	return b.LettreIntention.At(tier), nil
}

// LettreDeadline is the last day to file the projet de santé and sign the ACI
// after the validation of the lettre d'intention (avenant 2 negotiation: "Échéance = 6
// mois au plus pour déposer le projet de santé et signer officiellement
// l'ACI").
func LettreDeadline(validated domain.Date) domain.Date { return validated.AddMonths(6) }

// ARSPreACI is the ARS support before the ACI (docs/rules.md §5; URPS HDF guide: "un
// forfait pour l'indemnisation des professionnels de santé (de 10 000€ à
// 20 000€ selon la taille de la CPTS)" and "un forfait pour le recrutement du
// coordonnateur de 24 000€"): the tier's forfait (see Avenant2 for the
// decision on the split), plus the coordinator forfait when one is recruited.
func ARSPreACI(b Bareme, tier int, coordinator bool) (domain.Cents, error) {
	if err := checkTier(tier); err != nil {
		return 0, err
	}
	c := b.ARSForfait.At(tier)
	if coordinator {
		c += b.ARSCoordinator.At(tier)
	}
	return c, nil
}

// CovidAmorcage is the amorçage for COVID actions already run by a signed
// CPTS: the crisis variable amounts, 37 500 € to 75 000 € by tier (docs/rules.md
// §5; avenant 2 negotiation: "Mise en œuvre d'actions de gestion de crise sanitaire COVID
// (actions déjà mise en œuvre) = proposition d'un montant d'amorçage de
// 37 500€ à 75 000€"). Fails when the barème has no crise mission.
func CovidAmorcage(b Bareme, tier int) (domain.Cents, error) {
	if err := checkTier(tier); err != nil {
		return 0, err
	}
	a, ok := b.Amounts(Crise)
	if !ok {
		return 0, domain.Errorf(domain.EInvalid, "le barème %s ne prévoit pas la mission crise sanitaire", b.Name)
	}
	return a.Variable.At(tier), nil
}
