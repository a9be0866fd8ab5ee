package funding

import (
	"fmt"
	"slices"

	"github.com/portail-aci/aci/internal/domain"
)

// Kind is the nature of a payment.
type Kind string

const (
	KindAvance   Kind = "avance"   // advance (and fonctionnement year 1, paid in full at signature)
	KindSolde    Kind = "solde"    // balance of a contract year
	KindAmorcage Kind = "amorcage" // start-up money (early-signer supplement)
	KindCrise    Kind = "crise"    // crisis variable part, when the ARS declared a crisis
)

// Payment is one dated payment of a schedule.
type Payment struct {
	Due          domain.Date
	ContractYear int
	Mission      Mission
	Kind         Kind
	Amount       domain.Cents
	Rule         string // French, shown to users
}

// ScheduleInput describes a CPTS contract for BuildSchedule, YearDue and
// Terminate.
type ScheduleInput struct {
	// Baremes are the barèmes to choose from (Builtin() or the ones read from
	// the database). Each contract year is computed on the barème in force on
	// its first day (YearBareme; docs/rules.md §4): a year that starts before
	// every barème is refused (« barème ACI CPTS 2019 non saisi »).
	Baremes []Bareme
	// Tier is the CPTS size tier (compute it with the Tier method of the
	// barème of year 1).
	Tier   int
	Signed domain.Date
	// Starts maps each started mission to its start date (within the 5
	// contract years, not before the signature). Missions absent get nothing.
	// A fonctionnement entry is ignored: fonctionnement starts at signature.
	Starts map[Mission]domain.Date
	// Achievement per contract year (index 0 = year 1) and mission; a
	// missing map or mission means 100 %.
	Achievement [ContractYears]map[Mission]Rate
	// Crisis per contract year (index 0 = year 1): the ARS declared a crisis
	// affecting the territory during that year.
	Crisis [ContractYears]bool
}

// Schedule is the 5-year payment schedule of a contract, with the yearly
// entitlements it pays. Total is the sum of the payments and equals the sum
// of the Years' totals.
type Schedule struct {
	Payments []Payment
	Years    []Entitlement // 5 entries, year 1 first
	Total    domain.Cents
}

type started struct {
	m    Mission
	at   domain.Date
	year int // contract year in which the mission starts
}

type prepared struct {
	in      ScheduleInput
	baremes [ContractYears]Bareme          // baremes[y-1] = barème of year y
	bounds  [ContractYears + 1]domain.Date // bounds[y-1] = first day of year y; bounds[5] = end of year 5
	days    [ContractYears]int64
	starts  []started
	first   domain.Date // earliest mission start (zero when none)
	// supplementYear is the contract year whose fonctionnement line carries
	// the early-signer supplement (0: none).
	supplementYear int
}

func prepare(in ScheduleInput) (*prepared, error) {
	if err := checkTier(in.Tier); err != nil {
		return nil, err
	}
	if in.Signed.IsZero() {
		return nil, domain.FieldError("signed", "date de signature manquante")
	}
	p := &prepared{in: in}
	for y := 0; y <= ContractYears; y++ {
		p.bounds[y] = in.Signed.AddYears(y)
	}
	for y := 1; y <= ContractYears; y++ {
		b, err := YearBareme(in.Baremes, in.Signed, y)
		if err != nil {
			return nil, err
		}
		if !b.Has(Fonctionnement) {
			return nil, domain.Errorf(domain.EInvalid, "barème %q incomplet (fonctionnement absent)", b.Code)
		}
		p.baremes[y-1] = b
	}
	for y := 0; y < ContractYears; y++ {
		p.days[y] = int64(p.bounds[y].DaysUntil(p.bounds[y+1]))
	}
	for _, m := range AllMissions()[1:] {
		at, ok := in.Starts[m]
		if !ok {
			continue
		}
		if at.Before(in.Signed) || !at.Before(p.bounds[ContractYears]) {
			return nil, domain.FieldError("launch", "démarrage de %s le %s hors du contrat (du %s au %s exclu)", m.Label(), at.French(), in.Signed.French(), p.bounds[ContractYears].French())
		}
		y := 1
		for cmpDate(at, p.bounds[y]) >= 0 {
			y++
		}
		if b := p.baremes[y-1]; !b.Has(m) {
			return nil, domain.Errorf(domain.EInvalid, "la mission %s n'existe pas dans le barème %s", m.Label(), b.Name)
		}
		p.starts = append(p.starts, started{m, at, y})
		if p.first.IsZero() || at.Before(p.first) {
			p.first = at
		}
	}
	for m := range in.Starts {
		if !m.Valid() {
			return nil, domain.Errorf(domain.EInvalid, "mission inconnue %q", string(m))
		}
	}
	for y := 1; y <= ContractYears; y++ {
		if p.fonctionnementDue(y) && EarlySignerEligible(p.baremes[y-1], in.Signed) {
			p.supplementYear = y
			break
		}
	}
	for y, rates := range in.Achievement {
		for m, r := range rates {
			if !r.Valid() {
				return nil, domain.Errorf(domain.EInvalid, "taux d'atteinte invalide pour %s en année %d (%s)", m.Label(), y+1, FormatRate(r))
			}
		}
	}
	return p, nil
}

// fonctionnementDue reports whether fonctionnement is due in contract year y.
//
// docs/rules.md §8 (contrat type art. 6: "Ce sera répété chaque
// année à date anniversaire de la signature, bien entendu, si des missions ont
// débuté, mais seulement pour 75% du montant"). Decision: year 1 is always due
// (paid at signature); fonctionnement of a year y ≥ 2 is due only when at
// least one mission started on or before the anniversary that opens year y;
// it is never prorated.
func (p *prepared) fonctionnementDue(y int) bool {
	return y == 1 || (!p.first.IsZero() && cmpDate(p.first, p.bounds[y-1]) <= 0)
}

// yearLines returns the lines due for contract year y, counting days up to
// cut (exclusive; cut ≥ the year's end means the whole year).
func (p *prepared) yearLines(y int, cut domain.Date) []Line {
	ys, ye := p.bounds[y-1], p.bounds[y]
	end := ye
	if cmpDate(cut, ye) < 0 {
		end = cut
	}
	den := p.days[y-1]
	b, tier := p.baremes[y-1], p.in.Tier
	lines := make([]Line, 0, 1+len(p.starts))
	if p.fonctionnementDue(y) && cmpDate(ys, end) < 0 {
		l := missionLine(b, tier, Fonctionnement, y, 1, false, FullRate, int64(ys.DaysUntil(end)), den)
		if y == p.supplementYear {
			l.Supplement = EarlySignerSupplement(b, tier, p.in.Signed)
		}
		lines = append(lines, l)
	}
	for _, s := range p.starts {
		if s.year > y {
			continue
		}
		from := ys
		if s.year == y {
			from = s.at
		}
		if cmpDate(from, end) >= 0 {
			continue
		}
		rate := FullRate
		if r, ok := p.in.Achievement[y-1][s.m]; ok {
			rate = r
		}
		lines = append(lines, missionLine(b, tier, s.m, y, s.year, p.in.Crisis[y-1], rate, int64(from.DaysUntil(end)), den))
	}
	return lines
}

// YearDue returns what is due for contract year y (1..5) of a contract: the
// entitlement the schedule pays for that year, with the proration of a
// mission's start year applied (docs/rules.md §8). BuildSchedule and the
// invariant "schedule total = Σ YearDue" share it.
func YearDue(in ScheduleInput, y int) (Entitlement, error) {
	if err := checkYear(y); err != nil {
		return Entitlement{}, err
	}
	p, err := prepare(in)
	if err != nil {
		return Entitlement{}, err
	}
	return newEntitlement(p.baremes[y-1], in.Tier, y, p.yearLines(y, p.bounds[y])), nil
}

// Rule texts (French, shown to users), with their sources. The advance rate
// is the barème's (docs/rules.md §4, §8).
const (
	ruleFonctionnementSignature = "Fonctionnement : versement intégral à la signature (ACI art. 9.1, contrat type art. 6)"
	ruleSupplement              = "Supplément exceptionnel du fonctionnement, signature avant le %s, versé avec le premier fonctionnement du barème %s (avenant 2)"
	ruleFonctionnementAvance    = "Avance de %d %% du fonctionnement de l'année %d (ACI art. 9.1, contrat type art. 6)"
	ruleFonctionnementSolde     = "Solde de %d %% du fonctionnement de l'année %d (ACI art. 9.1, contrat type art. 6)"
	ruleAvanceProrata           = "Avance de %d %% de la part fixe, proratisée %d/%d jours (ACI art. 9.1)"
	ruleAvance                  = "Avance de %d %% de la part fixe de l'année %d (ACI art. 9.1)"
	ruleSolde                   = "Solde de l'année %d : part fixe restante et part variable à %s d'atteinte (ACI art. 9.1)"
	ruleSoldeProrata            = "Solde de l'année %d : part fixe restante et part variable à %s d'atteinte, proratisées %d/%d jours (ACI art. 9.1)"
	ruleSoldeCrise              = "Solde de l'année %d : part fixe restante du plan de crise (avenant 2)"
	ruleCrise                   = "Part variable crise sanitaire grave déclarée par l'ARS en année %d, versée en totalité avec le solde (avenant 2)"
)

// cmpDate orders calendar dates without going through time.Time.
func cmpDate(a, b domain.Date) int {
	switch {
	case a.Y != b.Y:
		return a.Y - b.Y
	case a.M != b.M:
		return int(a.M) - int(b.M)
	}
	return a.D - b.D
}

// BuildSchedule computes the payments of the 5 contract years (docs/rules.md §8;
// ACI art. 9.1 and contrat type art. 6):
//
//   - each contract year on the barème in force on its first day (YearBareme);
//   - fonctionnement of year 1 in full at signature ("déclenché dès la
//     signature du contrat (versement du montant dans son intégralité)"),
//     kind avance;
//   - fonctionnement of a later year: an advance of the barème's rate (75 %)
//     at the anniversary that opens it, the rest at the next one (see
//     fonctionnementDue);
//   - the early-signer supplement, kind amorcage, once, with the first
//     fonctionnement payment of a year whose barème grants it to the
//     contract (docs/rules.md §5: for a contract signed before avenant 2 took
//     effect, the first fonctionnement payment on or after 01/04/2022);
//   - each mission: from its start date, an advance of 75 % of its fixed part
//     prorated days(start → anniversary)/days(contract year) ("dès la date de
//     démarrage de chaque mission, une avance de 75 % de l'enveloppe fixe");
//     then at each anniversary the balance of the year that ends (due −
//     advance, with the variable part × achievement) and the 75 % advance of
//     the year that begins ("Puis à chaque date anniversaire du contrat, le
//     solde de la part fixe de l'année n-1 est versé ainsi que les 75 % de
//     l'enveloppe pour l'année n"); the last balance after year 5;
//   - the crisis variable part, kind crise, with the balance of a year in
//     which the ARS declared a crisis.
//
// Zero amounts are left out. Payments are ordered by due date.
func BuildSchedule(in ScheduleInput) (Schedule, error) {
	p, err := prepare(in)
	if err != nil {
		return Schedule{}, err
	}
	tier := in.Tier
	s := Schedule{Years: make([]Entitlement, 0, ContractYears), Payments: make([]Payment, 0, 4+ContractYears*(2+2*len(p.starts)))}
	add := func(due domain.Date, y int, m Mission, k Kind, amount domain.Cents, rule string) {
		if amount == 0 {
			return
		}
		s.Payments = append(s.Payments, Payment{Due: due, ContractYear: y, Mission: m, Kind: k, Amount: amount, Rule: rule})
		s.Total += amount
	}
	for y := 1; y <= ContractYears; y++ {
		ys, ye := p.bounds[y-1], p.bounds[y]
		b := p.baremes[y-1]
		pct := b.AdvancePercent
		lines := p.yearLines(y, ye)
		s.Years = append(s.Years, newEntitlement(b, tier, y, lines))
		si := 0 // index in p.starts of the next mission line
		for _, l := range lines {
			if l.Mission == Fonctionnement {
				supplement := fmt.Sprintf(ruleSupplement, b.EarlySignerCutoff.French(), b.Name)
				if y == 1 {
					add(ys, y, Fonctionnement, KindAvance, l.Fixed, ruleFonctionnementSignature)
					add(ys, y, Fonctionnement, KindAmorcage, l.Supplement, supplement)
					continue
				}
				adv := domain.MulDiv(l.Fixed, pct, 100)
				add(ys, y, Fonctionnement, KindAvance, adv, fmt.Sprintf(ruleFonctionnementAvance, pct, y))
				add(ys, y, Fonctionnement, KindAmorcage, l.Supplement, supplement)
				add(ye, y, Fonctionnement, KindSolde, l.Fixed-adv, fmt.Sprintf(ruleFonctionnementSolde, 100-pct, y))
				continue
			}
			for p.starts[si].m != l.Mission {
				si++
			}
			st := p.starts[si]
			base := fixedBase(b, tier, l.Mission, y, st.year)
			var adv domain.Cents
			if st.year == y {
				adv = domain.MulDiv(base, pct*l.Days, 100*l.YearDays)
				rule := fmt.Sprintf(ruleAvance, pct, y)
				if l.Prorated() {
					rule = fmt.Sprintf(ruleAvanceProrata, pct, l.Days, l.YearDays)
				}
				add(st.at, y, l.Mission, KindAvance, adv, rule)
			} else {
				adv = domain.MulDiv(base, pct, 100)
				add(ys, y, l.Mission, KindAvance, adv, fmt.Sprintf(ruleAvance, pct, y))
			}
			if l.Mission == Crise {
				add(ye, y, Crise, KindSolde, l.Fixed-adv, fmt.Sprintf(ruleSoldeCrise, y))
				add(ye, y, Crise, KindCrise, l.Variable, fmt.Sprintf(ruleCrise, y))
				continue
			}
			rate := FullRate
			if r, ok := in.Achievement[y-1][l.Mission]; ok {
				rate = r
			}
			var rule string
			switch {
			case l.Prorated():
				rule = fmt.Sprintf(ruleSoldeProrata, y, FormatRate(rate), l.Days, l.YearDays)
			default:
				rule = fmt.Sprintf(ruleSolde, y, FormatRate(rate))
			}
			add(ye, y, l.Mission, KindSolde, l.Fixed+l.Variable-adv, rule)
		}
	}
	slices.SortStableFunc(s.Payments, func(a, c Payment) int { return cmpDate(a.Due, c.Due) })
	return s, nil
}

// Termination is the outcome of a résiliation (docs/rules.md §9).
type Termination struct {
	Received  domain.Date  // receipt of the letter by the CPAM
	Effective domain.Date  // received + 2 months
	Due       domain.Cents // amounts due up to the effective date
	Paid      domain.Cents // what was paid
	TropPercu domain.Cents // paid − due, when positive: to be recovered
	ResteDu   domain.Cents // due − paid, when positive: still to pay
}

// TerminationEffective is the day a résiliation takes effect: 2 months after
// the receipt of the letter (ACI CPTS contrat type: "la résiliation n'est effective que
// 2 mois après la date de réception du courrier"). 15/03/2025 → 15/05/2025.
func TerminationEffective(received domain.Date) domain.Date { return received.AddMonths(2) }

// PaidBefore sums the payments of s due strictly before d: what was paid by
// that day if the schedule was followed.
func PaidBefore(s Schedule, d domain.Date) domain.Cents {
	var c domain.Cents
	for _, p := range s.Payments {
		if p.Due.Before(d) {
			c += p.Amount
		}
	}
	return c
}

// Terminate computes what is due when a contract is terminated by a letter
// received on `received`, and the trop-perçu given what was paid.
//
// Decision (docs/rules.md §9; ACI CPTS contrat type "la CPAM est en mesure de demander
// remboursement du trop perçu", no text gives the method): amounts due are
// prorated by days to the effective date (each line over the days of its
// contract year, from the year's or the mission's start to the effective date,
// exclusive); trop-perçu = paid − due, when positive. The early-signer
// supplement and the crisis variable part of a year begun before the
// effective date are one-off amounts and stay due in full.
func Terminate(in ScheduleInput, received domain.Date, paid domain.Cents) (Termination, error) {
	if received.IsZero() {
		return Termination{}, domain.FieldError("received", "date de réception manquante")
	}
	if paid < 0 {
		return Termination{}, domain.FieldError("paid", "montant versé négatif")
	}
	p, err := prepare(in)
	if err != nil {
		return Termination{}, err
	}
	t := Termination{Received: received, Effective: TerminationEffective(received), Paid: paid}
	for y := 1; y <= ContractYears; y++ {
		if !p.bounds[y-1].Before(t.Effective) {
			break
		}
		for _, l := range p.yearLines(y, t.Effective) {
			t.Due += l.Total()
		}
	}
	if d := paid - t.Due; d > 0 {
		t.TropPercu = d
	} else {
		t.ResteDu = -d
	}
	return t, nil
}
