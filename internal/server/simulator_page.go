package server

import (
	"net/http"
	"strconv"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/funding"
	"github.com/portail-aci/aci/internal/store"
	"github.com/portail-aci/aci/templates/components"
	"github.com/portail-aci/aci/templates/pages"
)

// Bounds of the simulator's numbers: beyond them the input is a typing slip.
const (
	maxPopulation = 100_000_000 // more than France
	maxPatientele = 1_000_000
)

// simulator is GET /simulateur: a bookmarkable GET form (works without
// JavaScript) for every logged-in role; nothing is stored. Modes: cpts
// (default), msp, esp (ESP forfait and forfait structure).
func (s *Server) simulator(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	f := newSimForm(q)
	v := pages.SimulatorView{Mode: q.Get("mode")}
	for t := 1; t <= 4; t++ {
		v.TierRanges = append(v.TierRanges, funding.TierRange(t))
	}
	switch v.Mode {
	case "msp", "esp":
	default:
		v.Mode = "cpts"
	}
	for _, t := range []struct{ mode, label string }{{"cpts", "CPTS"}, {"msp", "MSP"}, {"esp", "ESP et forfait structure"}} {
		v.Tabs = append(v.Tabs, pages.SimTab{Label: t.label, Href: "/simulateur?mode=" + t.mode, Current: t.mode == v.Mode})
	}
	today := domain.DateOf(s.now())
	var err error
	var fr *frame
	switch v.Mode {
	case "cpts":
		// The barèmes, the viewer's CPTS with their territories' totals and
		// the frame's badge: one batch (docs/rules.md §35.1).
		sc, _ := scopeFrom(ctx)
		rd := store.NewReads(sc)
		fr = s.readFrame(rd)
		var list []funding.Bareme
		rd.Baremes(&list)
		picks := s.simStructures(rd)
		err = s.store.Send(ctx, rd)
		if err == nil {
			picks, cut := picks()
			v.CPTS = simulateCPTS(f, list, today, picks)
			v.CPTS.StructureCut = cut
			if len(picks) == 0 {
				v.NoStructurePicker = "Saisissez la population du territoire (somme des populations légales de ses communes). Aucune CPTS de votre périmètre n'a encore de territoire enregistré."
			}
		}
	case "msp":
		var inds []store.MSPIndicatorRow
		var mbs []funding.MSPBareme
		if inds, err = s.store.LoadMSPIndicators(ctx, ""); err == nil {
			mbs, err = s.store.LoadMSPBaremes(ctx)
		}
		if err == nil {
			var mb funding.MSPBareme
			if mb, err = funding.MSPBaremeByCode(mbs, funding.MSPBaremeCode); err == nil {
				v.MSP = simulateMSP(f, inds, mb)
			}
		}
	case "esp":
		v.ESP = simulateESP(f)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.Errors, v.Summary = f.errs, f.summary
	status := http.StatusOK
	if len(v.Summary) > 0 {
		status = http.StatusUnprocessableEntity
	}
	s.render(w, r, status, pages.Simulator(s.pageOf(r, "Simulateur", fr), v))
}

// simStructure is a CPTS of the user's scope the simulator can start from.
type simStructure struct {
	id         int64
	name       string
	population int64
}

// maxSimStructures bounds the picker (a national admin sees every CPTS).
const maxSimStructures = 200

// simStructures queues on rd the CPTS in the user's scope (the first
// maxSimStructures by name) and their territories' totals (the territory
// area's sum of the communes' legal populations, store.TerritoryTotals, read
// by the same page's ids); once rd is sent, picks lists those that have a
// territory, and whether the list was cut.
func (s *Server) simStructures(rd *store.Reads) (picks func() ([]simStructure, bool)) {
	f, p := store.StructureFilter{Type: domain.CPTS}, store.Page{Number: 1, Size: maxSimStructures}
	var orgs []store.Organisation
	var total int
	totals := map[int64]store.TerritoryTotal{}
	rd.ListStructures(f, p, &orgs, &total)
	rd.TerritoryTotalsOfPage(f, p, totals)
	return func() ([]simStructure, bool) {
		if len(orgs) == 0 {
			return nil, false
		}
		var out []simStructure
		for _, o := range orgs {
			if t, ok := totals[o.ID]; ok && t.Communes > 0 {
				out = append(out, simStructure{id: o.ID, name: o.Name, population: t.Population})
			}
		}
		return out, total > len(orgs)
	}
}

// simulateCPTS reads the CPTS simulator's form and computes what it shows:
// the amount per mission of the chosen contract year with the barème of that
// year, and, once the signature date is known, the schedule of the five
// years. On a first visit (nothing submitted) it returns the form with every
// mission checked; a wrong field is said next to it (f.fail) and stops the
// computation.
func simulateCPTS(f *simForm, list []funding.Bareme, today domain.Date, picks []simStructure) pages.SimCPTS {
	submitted := f.q.Has("population") || f.q.Has("calculer") || f.q.Has("structure")
	c := pages.SimCPTS{Population: f.raw("population"), Rate: f.raw("taux"), Signed: f.raw("signature"), Year: "1", Crisis: f.has("crise", "1")}
	simPickStructure(f, &c, picks)
	if c.Rate == "" {
		c.Rate = "100"
	}
	year := simContractYear(f)
	c.Year = strconv.Itoa(year)
	chosen, missions := simMissions(f, &c, submitted)
	if !submitted {
		return c
	}
	pop, popOK := f.integer("population", "Population du territoire", 0, maxPopulation, true)
	rate, rateOK := f.rate("taux", "Taux d'atteinte")
	signed, signedOK := f.date("signature", "Date de signature")
	starts := simMissionStarts(f, &c, chosen, signed)
	if !popOK || !rateOK || !signedOK || len(f.errs) > 0 {
		return c
	}
	b, err := simBareme(list, today, signed, year)
	if err != nil {
		f.fail("signature", "Date de signature", domain.ErrorMessage(err))
		return c
	}
	tier, _ := b.Tier(pop) // pop ≥ 0: no error
	kept := simKeptMissions(&c, b, missions, starts)
	if err := funding.ValidateContractMissions(kept); err != nil {
		c.Notices = append(c.Notices, "Simulation hors contrat type : "+domain.ErrorMessage(err)+".")
	}
	ach := map[funding.Mission]funding.Rate{}
	for _, m := range kept {
		if m.HasAchievement() {
			ach[m] = rate
		}
	}
	ent, err := funding.Annual(funding.YearInput{Bareme: b, Tier: tier, Missions: kept, Year: year, Crisis: c.Crisis, Achievement: ach, Signed: signed})
	if err != nil {
		f.fail("population", "Calcul", domain.ErrorMessage(err))
		return c
	}
	simYearResult(&c, b, tier, year, rate, ent)
	if signed.IsZero() {
		c.SchedNote = "Indiquez la date de signature du contrat pour voir l'échéancier des 5 années."
		return c
	}
	in := funding.ScheduleInput{Baremes: list, Tier: tier, Signed: signed, Starts: starts}
	for y := range in.Achievement {
		in.Achievement[y] = ach
	}
	in.Crisis[year-1] = c.Crisis
	simSchedule(&c, in)
	return c
}

// simPickStructure applies the CPTS chosen in the list (its territory's
// population replaces the one typed) and lists the CPTS of the viewer's
// scope; a CPTS not in picks, unknown or outside the scope, gets the same
// answer.
func simPickStructure(f *simForm, c *pages.SimCPTS, picks []simStructure) {
	if sid := f.raw("structure"); sid != "" {
		found := false
		for _, p := range picks {
			if strconv.FormatInt(p.id, 10) == sid {
				found = true
				c.Population = strconv.FormatInt(p.population, 10)
				f.q.Set("population", c.Population)
			}
		}
		if !found { // unknown or outside the scope: same answer
			f.fail("structure", "CPTS", "structure introuvable dans votre périmètre : choisissez-en une dans la liste")
		}
	}
	for _, p := range picks {
		id := strconv.FormatInt(p.id, 10)
		c.Structures = append(c.Structures, pages.Option{Value: id, Label: p.name + " — " + domain.GroupThousands(p.population) + " hab.", Selected: id == f.raw("structure")})
	}
}

// simContractYear reads the simulated contract year, 1 when not given (or
// wrong: the error is said next to the field).
func simContractYear(f *simForm) int {
	y := f.raw("annee")
	if y == "" {
		return 1
	}
	n, err := strconv.Atoi(y)
	if err != nil || n < 1 || n > funding.ContractYears {
		f.fail("annee", "Année du contrat", "choisissez une année entre 1 et 5")
		return 1
	}
	return n
}

// simMissions lists the missions of the form (every mission but
// fonctionnement, checked on a first visit) into c.Missions, and returns the
// checked ones, as a set and in order.
func simMissions(f *simForm, c *pages.SimCPTS, submitted bool) (map[funding.Mission]bool, []funding.Mission) {
	chosen := map[funding.Mission]bool{}
	var missions []funding.Mission
	for _, m := range funding.AllMissions()[1:] {
		on := !submitted || f.has("mission", string(m)) // first visit: every mission
		sm := pages.SimMission{Code: string(m), Label: m.Label(), Checked: on, Start: f.raw("debut_" + string(m)), Note: "optionnelle"}
		for _, x := range funding.SocleMissions() {
			if x == m {
				sm.Note = "socle, obligatoire dans un contrat"
			}
		}
		c.Missions = append(c.Missions, sm)
		if on {
			chosen[m] = true
			missions = append(missions, m)
		}
	}
	return chosen, missions
}

// simMissionStarts reads the start date of each chosen mission (the
// signature date when not given), which must fall within the five years of
// the contract; a wrong date is said next to its mission.
func simMissionStarts(f *simForm, c *pages.SimCPTS, chosen map[funding.Mission]bool, signed domain.Date) map[funding.Mission]domain.Date {
	starts := map[funding.Mission]domain.Date{}
	for i, sm := range c.Missions {
		d, ok := f.date("debut_"+sm.Code, "Démarrage de "+sm.Label)
		if !ok {
			c.Missions[i].StartError = f.errs["debut_"+sm.Code]
			continue
		}
		m := funding.Mission(sm.Code)
		if !chosen[m] {
			continue
		}
		if d.IsZero() {
			d = signed
		}
		if !d.IsZero() && !signed.IsZero() && (d.Before(signed) || !d.Before(signed.AddYears(funding.ContractYears))) {
			f.fail("debut_"+sm.Code, "Démarrage de "+sm.Label, "la date doit être comprise dans les 5 années du contrat (du "+signed.French()+" au "+signed.AddYears(funding.ContractYears).AddDays(-1).French()+")")
			c.Missions[i].StartError = f.errs["debut_"+sm.Code]
			continue
		}
		starts[m] = d
	}
	return starts
}

// simBareme is the barème of the simulated contract year: in force on its
// first day when the signature date is known, else today (docs/rules.md §4).
// None in force (a year before avenant 2: « barème ACI CPTS 2019 non
// saisi ») is an error, said next to the signature date.
func simBareme(list []funding.Bareme, today, signed domain.Date, year int) (funding.Bareme, error) {
	if signed.IsZero() {
		return funding.BaremeAt(list, today)
	}
	return funding.YearBareme(list, signed, year)
}

// simKeptMissions returns the chosen missions that barème b has. A barème may
// lack a mission (crise came with avenant 2): it is simulated without it,
// removed from starts, and a notice says so.
func simKeptMissions(c *pages.SimCPTS, b funding.Bareme, missions []funding.Mission, starts map[funding.Mission]domain.Date) []funding.Mission {
	var kept []funding.Mission
	for _, m := range missions {
		if !b.Has(m) {
			c.Notices = append(c.Notices, "La mission « "+m.Label()+" » n'existe pas dans le barème "+b.Name+" : elle est exclue du calcul.")
			delete(starts, m)
			continue
		}
		kept = append(kept, m)
	}
	return kept
}

// simYearResult fills the result of the simulated year: tier and barème, one
// row and one bar per mission (with what its variable part depends on), the
// early signers' supplement when due, and the year's total.
func simYearResult(c *pages.SimCPTS, b funding.Bareme, tier, year int, rate funding.Rate, ent funding.Entitlement) {
	c.HasResult = true
	c.Tier, c.TierRule = strconv.Itoa(tier), funding.TierRange(tier)
	c.Bareme = b.Name + " (en vigueur depuis le " + b.Effective.French() + ")"
	c.YearChart = components.BarChart{ID: "annee", Title: "Montant par mission, année " + c.Year,
		Desc: "Barres proportionnelles au total de chaque mission ; les montants figurent dans le tableau."}
	for _, l := range ent.Lines {
		row := pages.SimMoneyRow{Label: l.Mission.Label(), Fixed: domain.FormatEUR(l.Fixed), Variable: domain.FormatEUR(l.Variable), Total: domain.FormatEUR(l.Fixed + l.Variable)}
		row.Note = simMissionNote(l.Mission, c.Crisis, rate, year)
		if l.Mission == funding.Fonctionnement {
			row.Variable = "—"
		}
		c.Rows = append(c.Rows, row)
		c.YearChart.Bars = append(c.YearChart.Bars, components.Bar{Label: l.Mission.Label(), Value: int64(l.Fixed + l.Variable), Display: domain.FormatEUR(l.Fixed + l.Variable)})
		if l.Supplement > 0 {
			c.Rows = append(c.Rows, pages.SimMoneyRow{Label: "Supplément exceptionnel des signataires précoces", Fixed: domain.FormatEUR(l.Supplement), Variable: "—", Total: domain.FormatEUR(l.Supplement),
				Note: "supplément du fonctionnement, contrat signé avant le " + b.EarlySignerCutoff.French() + " (" + b.Name + ")"})
			c.YearChart.Bars = append(c.YearChart.Bars, components.Bar{Label: "Supplément signataires précoces", Value: int64(l.Supplement), Display: domain.FormatEUR(l.Supplement)})
		}
	}
	c.Total = domain.FormatEUR(ent.Total)
}

// simMissionNote says what a mission's variable part depends on (a declared
// crisis, the achievement rate) and, for the crise mission, which plan the
// year asks for.
func simMissionNote(m funding.Mission, crisis bool, rate funding.Rate, year int) string {
	var note string
	switch {
	case m == funding.Fonctionnement:
		// No variable part: nothing to say.
	case m == funding.Crise && crisis:
		note = "part variable versée en totalité : crise déclarée"
	case m == funding.Crise:
		note = "part variable : seulement si l'ARS déclare une crise"
	case m.HasAchievement() && rate != funding.FullRate:
		note = "part variable à " + funding.FormatRate(rate) + " d'atteinte"
	}
	if m == funding.Crise {
		if year == 1 {
			note = joinNote("plan de crise rédigé cette année", note)
		} else {
			note = joinNote("mise à jour du plan de crise", note)
		}
	}
	return note
}

// simSchedule fills the schedule of the five years: each payment, the total
// and a bar per contract year; an impossible schedule is said in c.SchedNote.
func simSchedule(c *pages.SimCPTS, in funding.ScheduleInput) {
	sched, err := funding.BuildSchedule(in)
	if err != nil {
		c.SchedNote = "Échéancier impossible : " + domain.ErrorMessage(err)
		return
	}
	c.HasSched = true
	c.SchedNote = "Même taux d'atteinte chaque année"
	if c.Crisis {
		c.SchedNote += " ; crise déclarée en année " + c.Year + " seulement"
	}
	c.SchedNote += "."
	c.SchedChart = components.BarChart{ID: "echeancier", Title: "Versements par année de contrat",
		Desc: "Barres proportionnelles au total versé chaque année de contrat ; les montants figurent dans le tableau."}
	var perYear [funding.ContractYears]domain.Cents
	for _, p := range sched.Payments {
		perYear[p.ContractYear-1] += p.Amount
		c.Payments = append(c.Payments, pages.SimPaymentRow{Due: p.Due.French(), Year: strconv.Itoa(p.ContractYear), Mission: p.Mission.Label(),
			Kind: kindLabel(p.Kind), Amount: domain.FormatEUR(p.Amount), Rule: p.Rule})
	}
	for y, a := range perYear {
		ys := strconv.Itoa(y + 1)
		c.YearTotals = append(c.YearTotals, pages.SimYearTotal{Year: ys, Amount: domain.FormatEUR(a)})
		c.SchedChart.Bars = append(c.SchedChart.Bars, components.Bar{Label: "Année " + ys, Value: int64(a), Display: domain.FormatEUR(a)})
	}
	c.SchedTotal = domain.FormatEUR(sched.Total)
}

func joinNote(a, b string) string {
	if b == "" {
		return a
	}
	return a + " ; " + b
}

// kindLabel is the French label of a payment kind.
func kindLabel(k funding.Kind) string {
	switch k {
	case funding.KindAvance:
		return "Avance"
	case funding.KindSolde:
		return "Solde"
	case funding.KindAmorcage:
		return "Amorçage"
	case funding.KindCrise:
		return "Crise"
	}
	return string(k)
}

func axisLabel(a funding.MSPAxis) string {
	switch a {
	case funding.AxisAcces:
		return "Accès aux soins"
	case funding.AxisTravailEquipe:
		return "Travail en équipe et coordination"
	case funding.AxisSystemeInformation:
		return "Système d'information partagé"
	}
	return string(a)
}

func mspKindLabel(k funding.MSPKind) string {
	switch k {
	case funding.MSPPrerequis:
		return "Socle prérequis"
	case funding.MSPSocle:
		return "Socle"
	case funding.MSPOptionnel:
		return "Optionnel"
	}
	return string(k)
}

// simulateMSP computes the MSP remuneration (docs/rules.md §9).
//
// Decision: the simulation uses the indicators of every MSP barème together
// (the ACI MSP of 2017 as amended by avenant 1), since an avenant amends the
// accord rather than replacing it.
//
// The point value, reference patientèle and advance rate are those of the MSP
// barème mb (the one a contract uses, funding.MSPBaremeCode).
func simulateMSP(f *simForm, rows []store.MSPIndicatorRow, mb funding.MSPBareme) pages.SimMSP {
	submitted := f.q.Has("patientele") || f.q.Has("calculer")
	pct := strconv.FormatInt(mb.AdvancePercent, 10) + " %"
	m := pages.SimMSP{Patientele: f.raw("patientele"), Contracted: f.raw("contractualisation"), CivilYear: f.raw("annee_civile"),
		Params: "1 point = " + domain.FormatEUR(mb.PointValue) + ". Les points variables sont proportionnels à la patientèle médecin traitant des médecins associés, rapportée à " +
			domain.GroupThousands(mb.ReferencePatientele) + " patients (" + mb.Name + ").",
		AdvanceHint: "Pour l'avance de " + pct + " proratisée et le solde au 30 avril suivant."}
	met := map[string]bool{}
	inds := make([]funding.MSPIndicator, 0, len(rows))
	for _, r := range rows {
		on := f.has("indicateur", r.Code)
		if !submitted {
			on = r.Kind != funding.MSPOptionnel // first visit: the socle
		}
		met[r.Code] = on
		inds = append(inds, r.MSPIndicator)
		m.Indicators = append(m.Indicators, pages.SimIndicator{Code: r.Code, Label: r.Label, Bareme: r.Bareme, Axis: axisLabel(r.Axis), Kind: mspKindLabel(r.Kind),
			Fixed: domain.GroupThousands(r.FixedPoints), Variable: domain.GroupThousands(r.VariablePoints), Checked: on})
	}
	if !submitted {
		return m
	}
	pat, patOK := f.integer("patientele", "Patientèle médecin traitant", 0, maxPatientele, true)
	contracted, cOK := f.date("contractualisation", "Date de contractualisation")
	civil, civilGiven := int64(0), false
	if f.raw("annee_civile") != "" {
		var ok bool
		if civil, ok = f.integer("annee_civile", "Année civile simulée", 2000, 2100, false); ok {
			civilGiven = true
		}
	}
	if !patOK || !cOK || len(f.errs) > 0 {
		return m
	}
	total, err := funding.MSPRemuneration(mb, inds, met, pat)
	if err != nil {
		f.fail("patientele", "Patientèle médecin traitant", domain.ErrorMessage(err))
		return m
	}
	m.HasResult = true
	for i, ind := range inds {
		if met[ind.Code] {
			m.Indicators[i].Amount = domain.FormatEUR(funding.MSPIndicatorAmount(mb, ind, pat))
		}
	}
	for _, ind := range inds {
		if ind.Kind == funding.MSPPrerequis && !met[ind.Code] {
			m.Warning = "Indicateur prérequis non atteint (« " + ind.Label + " ») : aucune rémunération n'est due."
			break
		}
	}
	m.Total = domain.FormatEUR(total)
	// Points retained: euros ÷ the point value (7 €), to the hundredth
	// (variable points scale with the patientèle).
	m.Points = domain.FormatNumber(domain.MulDiv(total, 100, int64(mb.PointValue)))
	if contracted.IsZero() {
		return m
	}
	year := contracted.Y
	if civilGiven {
		year = int(civil)
	}
	y, err := funding.MSPSchedule(funding.MSPYearInput{Bareme: mb, Indicators: inds, Met: met, Patientele: pat, Year: year, Contracted: contracted})
	if err != nil {
		f.fail("annee_civile", "Année civile simulée", domain.ErrorMessage(err))
		return m
	}
	m.HasSchedule = true
	if y.Days != y.YearDays {
		m.ScheduleNote = "Année " + strconv.Itoa(year) + " proratisée : " + strconv.FormatInt(y.Days, 10) + "/" + strconv.FormatInt(y.YearDays, 10) + " jours ; rémunération de l'année : " + domain.FormatEUR(y.Remuneration) + "."
	} else {
		m.ScheduleNote = "Année " + strconv.Itoa(year) + " complète ; rémunération de l'année : " + domain.FormatEUR(y.Remuneration) + "."
	}
	balanceKind := "Solde"
	if y.Balance < 0 {
		balanceKind = "Solde (trop-perçu à reverser)"
	}
	m.ScheduleRows = []pages.SimPaymentRow{
		{Due: y.AdvanceDue.French(), Kind: "Avance de " + pct, Amount: domain.FormatEUR(y.Advance), Rule: y.AdvanceRule},
		{Due: y.BalanceDue.French(), Kind: balanceKind, Amount: domain.FormatEUR(y.Balance), Rule: y.BalanceRule},
	}
	return m
}

// simulateESP computes the proposed ESP forfait and the forfait structure
// loss (docs/rules.md §9).
func simulateESP(f *simForm) pages.SimESP {
	e := pages.SimESP{Patients: f.raw("patients"), PatienteleMT: f.raw("patientele_mt"), Coordinated: "non"}
	if f.raw("coordination") == "oui" {
		e.Coordinated = "oui"
	}
	if !f.q.Has("calculer") && !f.q.Has("patients") && !f.q.Has("coordination") {
		return e
	}
	if e.Patients != "" || e.PatienteleMT != "" {
		p, ok1 := f.integer("patients", "Patients suivis en coordination", 0, maxPatientele, true)
		mt, ok2 := f.integer("patientele_mt", "Patientèle médecin traitant", 0, maxPatientele, true)
		if ok1 && ok2 {
			a, err := funding.ESPForfait(p, mt)
			if err != nil {
				f.fail("patients", "Patients suivis en coordination", domain.ErrorMessage(err))
			} else {
				e.HasESP = true
				e.ESPAmount = domain.FormatEUR(a)
				e.ESPRule = "20 € × " + domain.GroupThousands(min(p, mt*20/100)) + " patients (plafond : 20 % de " + domain.GroupThousands(mt) + " = " + domain.GroupThousands(mt*20/100) + " patients). Statut : " + funding.ESPStatus + " (CNAM, novembre 2020)."
			}
		}
	}
	e.HasLoss = true
	met := e.Coordinated == "oui"
	e.Loss = domain.FormatEUR(funding.ForfaitStructureLoss(met))
	if met {
		e.Volet1, e.Volet2 = domain.FormatEUR(0), domain.FormatEUR(0)
	} else {
		e.Volet1, e.Volet2 = domain.FormatEUR(funding.ForfaitStructureVolet1), domain.FormatEUR(funding.ForfaitStructureVolet2)
	}
	return e
}
