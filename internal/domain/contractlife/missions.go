package contractlife

import (
	"fmt"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/funding"
)

// Deadline is when a mission must be started and deployed at the latest
// (docs/rules.md §7). Zero dates: no deadline (qualite, accompagnement).
type Deadline struct {
	Start    domain.Date
	Deployed domain.Date
}

// MissionDeadline returns the deadlines of mission m for a contract signed
// on signed (docs/rules.md §7): start within 6 months (acces, crise) or 12
// (parcours, prevention), deployed within 18 or 24; no deadline for qualite
// and accompagnement.
//
// Decision: a deadline of N months is the signature day N months later
// (the last day of the month when that day does not exist: 31/08 + 6 months
// → 28 or 29/02), and is met by a start or deployment on that very day.
func MissionDeadline(m funding.Mission, signed domain.Date) Deadline {
	if signed.IsZero() {
		return Deadline{}
	}
	// The months come from funding.DeploymentCalendar (docs/rules.md §7).
	for _, r := range funding.DeploymentCalendar() {
		if r.Mission == m && r.StartMonths > 0 {
			return Deadline{Start: signed.AddMonths(r.StartMonths), Deployed: signed.AddMonths(r.DeployMonths)}
		}
	}
	return Deadline{}
}

// Progress is what happened to one mission: its start and deployment dates
// (zero when not yet declared).
type Progress struct {
	Mission  funding.Mission
	Started  domain.Date
	Deployed domain.Date
}

// Late says whether a mission is late, and why (French, one reason per
// line shown).
type Late struct {
	Start      bool
	Deployment bool
	Reasons    []string
}

// Any reports whether the mission is late in any way.
func (l Late) Any() bool { return l.Start || l.Deployment }

// Lateness flags a mission late on today (docs/rules.md §7: "A mission not
// started (or not deployed) by its deadline is flagged late on every page
// that shows it"; "a start after the deadline is accepted but stays
// flagged late").
//
// Decision: late when not started (not deployed) and today is after the
// deadline, or when started (deployed) after the deadline — that flag stays
// for the rest of the contract. A start or deployment on the deadline day is
// on time.
func Lateness(p Progress, signed, today domain.Date) Late {
	dl := MissionDeadline(p.Mission, signed)
	var l Late
	check := func(done, due domain.Date, notYet, after string) bool {
		switch {
		case due.IsZero():
			return false
		case done.IsZero() && cmp(today, due) > 0:
			l.Reasons = append(l.Reasons, fmt.Sprintf(notYet, due.French()))
			return true
		case !done.IsZero() && cmp(done, due) > 0:
			l.Reasons = append(l.Reasons, fmt.Sprintf(after, done.French(), due.French()))
			return true
		}
		return false
	}
	l.Start = check(p.Started, dl.Start, "non démarrée à l'échéance du %s", "démarrée le %s, après l'échéance du %s")
	l.Deployment = check(p.Deployed, dl.Deployed, "non déployée à l'échéance du %s", "déployée le %s, après l'échéance du %s")
	return l
}

// CheckStart validates the declared start date of mission m (docs/rules.md
// §7, §8): a mission of the contract (not fonctionnement, which follows the
// signature), on or after the signature, on or before the contract's last
// day, and not after today (a start is declared once it happened — a
// decision). A start after the deadline is accepted (Lateness flags it).
func CheckStart(m funding.Mission, signed, start, today domain.Date) error {
	if err := checkMission(m); err != nil {
		return err
	}
	return checkInContract("date", "démarrage", signed, start, today)
}

// CheckDeployment validates a declared deployment date (docs/rules.md §7):
// the mission is started, and the deployment is on or after its start,
// within the contract and not after today.
func CheckDeployment(m funding.Mission, signed, started, deployed, today domain.Date) error {
	if err := checkMission(m); err != nil {
		return err
	}
	if started.IsZero() {
		return domain.FieldError("date", "la mission %s n'a pas encore démarré : déclarez d'abord son démarrage", m.Label())
	}
	if err := checkInContract("date", "déploiement", signed, deployed, today); err != nil {
		return err
	}
	if cmp(deployed, started) < 0 {
		return domain.FieldError("date", "le déploiement (%s) ne peut précéder le démarrage de la mission (%s)", deployed.French(), started.French())
	}
	return nil
}

func checkMission(m funding.Mission) error {
	switch {
	case !m.Valid():
		return domain.Errorf(domain.EInvalid, "mission inconnue %q", string(m))
	case m == funding.Fonctionnement:
		return domain.Errorf(domain.EInvalid, "le fonctionnement n'a pas de démarrage à déclarer : il suit la signature et le démarrage des missions")
	}
	return nil
}

func checkInContract(field, what string, signed, d, today domain.Date) error {
	switch {
	case signed.IsZero():
		return domain.FieldError("signed", "contrat non signé")
	case d.IsZero():
		return domain.FieldError(field, "date de %s manquante", what)
	case cmp(d, signed) < 0:
		return domain.FieldError(field, "date de %s (%s) antérieure à la signature du contrat (%s)", what, d.French(), signed.French())
	case cmp(d, LastDay(signed)) > 0:
		return domain.FieldError(field, "date de %s (%s) postérieure à la fin du contrat (%s)", what, d.French(), LastDay(signed).French())
	case !today.IsZero() && cmp(d, today) > 0:
		return domain.FieldError(field, "date de %s (%s) dans le futur : déclarez-le une fois fait", what, d.French())
	}
	return nil
}

// Contract is a signed CPTS contract as the contract's life sees it: its
// signature, the terms (barème and tier) of each contract year, and the
// missions started so far.
type Contract struct {
	Signed domain.Date
	// Terms of each contract year (index 0 = year 1): the barème from
	// BaremesByYear, the tier from TiersByYear.
	Terms  [funding.ContractYears]Terms
	Starts map[funding.Mission]domain.Date
}

func (c Contract) year(n int) (Year, Terms, error) {
	y, err := ContractYearOf(c.Signed, n)
	if err != nil {
		return Year{}, Terms{}, err
	}
	t := c.Terms[n-1]
	if t.Tier < 1 || t.Tier > 4 {
		return Year{}, Terms{}, domain.FieldError("tier", "taille de CPTS invalide (%d) pour l'année %d", t.Tier, n)
	}
	if !t.Bareme.Has(funding.Fonctionnement) {
		return Year{}, Terms{}, domain.Errorf(domain.EInvalid, "barème de l'année %d incomplet (fonctionnement absent)", n)
	}
	return y, t, nil
}

// firstStart is the earliest mission start (zero when none).
func (c Contract) firstStart() domain.Date {
	var first domain.Date
	for m, d := range c.Starts {
		if m == funding.Fonctionnement || d.IsZero() {
			continue
		}
		if first.IsZero() || cmp(d, first) < 0 {
			first = d
		}
	}
	return first
}

// FonctionnementDue reports whether fonctionnement is due in contract year n
// (docs/rules.md §8: "déclenché dès la signature … From the start of the
// missions, each anniversary: an advance of 75 % … No mission started → no
// further fonctionnement").
//
// Decision (the funding engine's, kept): year 1 is always due, in full at
// signature; a year n ≥ 2 is due when at least one mission started on or
// before the anniversary that opens it. Never prorated.
func (c Contract) FonctionnementDue(n int) bool {
	if n == 1 {
		return true
	}
	f := c.firstStart()
	return !f.IsZero() && cmp(f, Anniversary(c.Signed, n-1)) <= 0
}

// Rule texts of the contract's life (French, shown next to each amount).
const (
	ruleSignature      = "Fonctionnement : versement intégral à la signature (ACI art. 9.1, contrat type art. 6)"
	ruleSupplement     = "Supplément exceptionnel de 75 %% du fonctionnement, signature avant le %s, versé avec le premier fonctionnement (avenant 2)"
	ruleFonctAvance    = "Avance de %d %% du fonctionnement de l'année %d (ACI art. 9.1, contrat type art. 6)"
	ruleFonctSolde     = "Solde de %d %% du fonctionnement de l'année %d, à la clôture de l'année (ACI art. 9.1, contrat type art. 6)"
	ruleStartProrata   = "Avance de %d %% de la part fixe au démarrage de la mission le %s, proratisée %d/%d jours (ACI art. 9.1)"
	ruleStartFull      = "Avance de %d %% de la part fixe au démarrage de la mission le %s (ACI art. 9.1)"
	ruleAnnivAvance    = "Avance de %d %% de la part fixe de l'année %d (ACI art. 9.1)"
	ruleBalance        = "Solde de l'année %d : part fixe restante et part variable à %s d'atteinte validée (ACI art. 9.1)"
	ruleBalanceProrata = "Solde de l'année %d : part fixe restante et part variable à %s d'atteinte validée, proratisées %d/%d jours (ACI art. 9.1)"
)

// SignaturePayments are the payments a signature creates (docs/rules.md §8:
// fonctionnement "déclenché dès la signature du contrat (versement du montant
// dans son intégralité)"; §5: the early-signer supplement, decision "paid
// once, with the first fonctionnement payment"). Mission advances are no
// longer created by the signature: each start creates its own (StartAdvance).
func SignaturePayments(c Contract) ([]funding.Payment, error) {
	y, t, err := c.year(1)
	if err != nil {
		return nil, err
	}
	a, _ := t.Bareme.Amounts(funding.Fonctionnement)
	out := []funding.Payment{{Due: y.Start, ContractYear: 1, Mission: funding.Fonctionnement, Kind: funding.KindAvance, Amount: a.Fixed.At(t.Tier), Rule: ruleSignature}}
	if s := funding.EarlySignerSupplement(t.Bareme, t.Tier, c.Signed); s != 0 {
		out = append(out, funding.Payment{Due: y.Start, ContractYear: 1, Mission: funding.Fonctionnement, Kind: funding.KindAmorcage, Amount: s,
			Rule: fmt.Sprintf(ruleSupplement, t.Bareme.EarlySignerCutoff.French())})
	}
	return nonZero(out), nil
}

// StartAdvance is the payment a mission start creates (docs/rules.md §7, §8:
// "dès la date de démarrage de chaque mission, une avance de 75 % de
// l'enveloppe fixe … prorated to the time between the start date and the
// contract's anniversary").
//
// Decision (docs/rules.md §8): proration = days from the start date
// (inclusive) to the next anniversary (exclusive) ÷ days of that contract
// year; the barème and tier are those of the contract year of the start
// (§4). Signed 01/03/2024, accès T2 (fixe 70 000) started 01/06/2024 →
// 52 500 × 273/365 = 39 267,12 €. The crisis mission gets no start advance:
// its plan part is paid when the CPAM accepts the plan (PlanPayment, §4).
// Nil when nothing is due.
func StartAdvance(c Contract, m funding.Mission, start domain.Date) ([]funding.Payment, error) {
	if err := checkMission(m); err != nil {
		return nil, err
	}
	y, ok := YearAt(c.Signed, start)
	if !ok {
		return nil, domain.FieldError("date", "démarrage le %s hors du contrat (du %s au %s)", start.French(), c.Signed.French(), LastDay(c.Signed).French())
	}
	_, t, err := c.year(y.N)
	if err != nil {
		return nil, err
	}
	a, ok := t.Bareme.Amounts(m)
	if !ok {
		return nil, domain.Errorf(domain.EInvalid, "la mission %s n'existe pas dans le barème %s", m.Label(), t.Bareme.Name)
	}
	if m == funding.Crise {
		return nil, nil
	}
	days := int64(start.DaysUntil(y.Next()))
	pct := t.Bareme.AdvancePercent
	rule := fmt.Sprintf(ruleStartFull, pct, start.French())
	if days != y.Days {
		rule = fmt.Sprintf(ruleStartProrata, pct, start.French(), days, y.Days)
	}
	p := funding.Payment{Due: start, ContractYear: y.N, Mission: m, Kind: funding.KindAvance,
		Amount: domain.MulDiv(a.Fixed.At(t.Tier), pct*days, 100*y.Days), Rule: rule}
	return nonZero([]funding.Payment{p}), nil
}

// AnniversaryAdvances are the advances due at the anniversary that opens
// contract year n (2..5) (docs/rules.md §8: "at each anniversary … the 75 %
// advance of the year that begins"): 75 % of fonctionnement when it is due
// (FonctionnementDue), and 75 % of the fixed part of every mission started
// before that anniversary, on the barème and tier of year n (§4, §7).
// A mission started on the anniversary itself gets its advance from
// StartAdvance (same amount, never twice); crise is paid by its plan (§4).
func AnniversaryAdvances(c Contract, n int) ([]funding.Payment, error) {
	if n < 2 || n > funding.ContractYears {
		return nil, domain.FieldError("year", "année de contrat invalide (%d) : une avance d'anniversaire ouvre les années 2 à 5", n)
	}
	y, t, err := c.year(n)
	if err != nil {
		return nil, err
	}
	var out []funding.Payment
	if c.FonctionnementDue(n) {
		a, _ := t.Bareme.Amounts(funding.Fonctionnement)
		out = append(out, funding.Payment{Due: y.Start, ContractYear: n, Mission: funding.Fonctionnement, Kind: funding.KindAvance,
			Amount: domain.MulDiv(a.Fixed.At(t.Tier), t.Bareme.AdvancePercent, 100), Rule: fmt.Sprintf(ruleFonctAvance, t.Bareme.AdvancePercent, n)})
	}
	for _, m := range funding.AllMissions()[1:] {
		at, ok := c.Starts[m]
		if !ok || m == funding.Crise || cmp(at, y.Start) >= 0 {
			continue
		}
		a, ok := t.Bareme.Amounts(m)
		if !ok {
			continue // the mission left the barème: nothing due under it
		}
		out = append(out, funding.Payment{Due: y.Start, ContractYear: n, Mission: m, Kind: funding.KindAvance,
			Amount: domain.MulDiv(a.Fixed.At(t.Tier), t.Bareme.AdvancePercent, 100), Rule: fmt.Sprintf(ruleAnnivAvance, t.Bareme.AdvancePercent, n)})
	}
	return nonZero(out), nil
}

func nonZero(ps []funding.Payment) []funding.Payment {
	out := ps[:0]
	for _, p := range ps {
		if p.Amount != 0 {
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}
