package funding

import (
	"fmt"
	"time"

	"github.com/portail-aci/aci/internal/domain"
)

// The funding of one contract, from what the store keeps of it (barème
// code, tier, patientèle, missions, start date): pure functions, the store
// persists their results.

// ContractEnd is the day a contract started on start is échu: five contract
// years later (docs/rules.md §18, ACI CPTS: a 5-year contract).
func ContractEnd(start domain.Date) domain.Date { return start.AddYears(ContractYears) }

// MSPBaremeCode is the MSP barème a contract is computed on.
//
// Decision (docs/rules.md §9): an MSP contract uses every known MSP
// indicator (ACI MSP 2017 as amended by avenant 1, BuiltinMSP); the schedule
// projects 100 % of the socle indicators (prérequis and socle) met.
const MSPBaremeCode = "aci-msp-avenant-1"

// MSPBaremeName is the French name of MSPBaremeCode.
const MSPBaremeName = "ACI MSP 2017 et avenant 1 (2022)"

// ContractMSPBareme is the built-in MSP barème of code MSPBaremeCode (point
// value, reference patientèle, advance rate: docs/rules.md §4, §9).
func ContractMSPBareme() (MSPBareme, error) {
	return MSPBaremeByCode(BuiltinMSPBaremes(), MSPBaremeCode)
}

// mspSocle is the set of MSP indicators that are not optional.
func mspSocle() map[string]bool {
	socle := map[string]bool{}
	for _, ind := range BuiltinMSP() {
		if ind.Kind != MSPOptionnel {
			socle[ind.Code] = true
		}
	}
	return socle
}

// ContractScheduleInput is the funding input of a CPTS contract of tier
// tier, frozen on barème baremeCode, with missions, started on start.
//
// Decision: each mission of the contract starts on the contract's start
// date (the third signature): the portal has no separate "mission started"
// act, and a mission's payments begin with the contract (ACI CPTS « dès la
// date de démarrage de chaque mission »); the deployment calendar
// gives the latest dates, not the payment start (docs/rules.md §7, §18).
// Each contract year is computed on the barème in force on its first day
// (docs/rules.md §4, YearBareme); baremeCode (frozen at acceptance) is
// informative.
func ContractScheduleInput(baremeCode string, tier int, start domain.Date, missions []Mission) (ScheduleInput, error) {
	starts := map[Mission]domain.Date{}
	for _, m := range missions {
		if m != Fonctionnement {
			starts[m] = start
		}
	}
	return ScheduleInput{Baremes: Builtin(), Tier: tier, Signed: start, Starts: starts}, nil
}

// MSPContractPayments is the civil-year payments of an MSP contract with
// patientele started on start (docs/rules.md §9, ACI MSP; MSPSchedule).
//
// Decision: the schedule covers each civil year the 5-year contract touches,
// with 100 % of the socle indicators met (the balance is recomputed after each
// annual evaluation); the last civil year, cut by the contract's end, is
// prorated by days (1 January → end, exclusive) like the first one.
func MSPContractPayments(patientele int64, start domain.Date) ([]Payment, error) {
	mb, err := ContractMSPBareme()
	if err != nil {
		return nil, err
	}
	socle := mspSocle()
	end := ContractEnd(start)
	var out []Payment
	for y := start.Y; y <= end.AddDays(-1).Y; y++ {
		my, err := MSPSchedule(MSPYearInput{Bareme: mb, Indicators: BuiltinMSP(), Met: socle, Patientele: patientele, Year: y, Contracted: start})
		if err != nil {
			return nil, err
		}
		adv, bal := my.Advance, my.Balance
		advRule, balRule := my.AdvanceRule, my.BalanceRule
		if y == end.Y {
			jan1 := domain.NewDate(y, time.January, 1)
			days := int64(jan1.DaysUntil(end))
			adv, bal = domain.MulDiv(adv, days, my.YearDays), domain.MulDiv(my.Remuneration, days, my.YearDays)-domain.MulDiv(adv, days, my.YearDays)
			advRule += fmt.Sprintf(", proratisée %d/%d jours (fin du contrat le %s)", days, my.YearDays, end.AddDays(-1).French())
			balRule += fmt.Sprintf(", proratisé %d/%d jours", days, my.YearDays)
		}
		cy := y - start.Y + 1
		if adv != 0 {
			out = append(out, Payment{Due: my.AdvanceDue, ContractYear: cy, Kind: KindAvance, Amount: adv, Rule: advRule})
		}
		if bal != 0 {
			out = append(out, Payment{Due: my.BalanceDue, ContractYear: cy, Kind: KindSolde, Amount: bal, Rule: balRule})
		}
	}
	return out, nil
}

// ContractFunding is what the store keeps of a signed contract to compute its
// funding.
type ContractFunding struct {
	StructureType domain.StructureType
	BaremeCode    string    // CPTS: the frozen barème
	Tier          int       // CPTS
	Missions      []Mission // CPTS: the contract's missions
	Patientele    int64     // MSP
	Start         domain.Date
}

// ContractPayments is the payment schedule of a contract from its start date
// (CPTS: BuildSchedule of ContractScheduleInput; MSP: MSPContractPayments).
func ContractPayments(c ContractFunding) ([]Payment, error) {
	if c.Start.IsZero() {
		return nil, domain.Errorf(domain.EConflict, "Le contrat n'est pas encore signé.")
	}
	if c.StructureType == domain.MSP {
		return MSPContractPayments(c.Patientele, c.Start)
	}
	in, err := ContractScheduleInput(c.BaremeCode, c.Tier, c.Start, c.Missions)
	if err != nil {
		return nil, err
	}
	s, err := BuildSchedule(in)
	return s.Payments, err
}

// ContractTermination is what a résiliation received on received gives,
// given what was paid (docs/rules.md §9, §18). CPTS: Terminate. For an MSP (no
// contract-year proration in Terminate), decision: what is due is the
// scheduled amounts prorated by days of their civil year up to the effective
// date.
func ContractTermination(c ContractFunding, received domain.Date, paid domain.Cents) (Termination, error) {
	if received.IsZero() {
		return Termination{}, domain.Errorf(domain.EConflict, "Aucune demande de résiliation n'est enregistrée.")
	}
	if c.StructureType == domain.CPTS {
		in, err := ContractScheduleInput(c.BaremeCode, c.Tier, c.Start, c.Missions)
		if err != nil {
			return Termination{}, err
		}
		return Terminate(in, received, paid)
	}
	t := Termination{Received: received, Effective: TerminationEffective(received), Paid: paid}
	ps, err := MSPContractPayments(c.Patientele, c.Start)
	if err != nil {
		return t, err
	}
	// Group by civil year: due = that year's scheduled amounts × days before
	// the effective date ÷ days of the part of the year under contract.
	byYear := map[int]domain.Cents{}
	for _, p := range ps {
		byYear[c.Start.Y+p.ContractYear-1] += p.Amount
	}
	end := ContractEnd(c.Start)
	for y, amount := range byYear {
		from := domain.NewDate(y, time.January, 1)
		if y == c.Start.Y {
			from = c.Start
		}
		to := domain.NewDate(y+1, time.January, 1)
		if end.Before(to) {
			to = end
		}
		cut := to
		if t.Effective.Before(cut) {
			cut = t.Effective
		}
		if !from.Before(cut) {
			continue
		}
		t.Due += domain.MulDiv(amount, int64(from.DaysUntil(cut)), int64(from.DaysUntil(to)))
	}
	if d := paid - t.Due; d > 0 {
		t.TropPercu = d
	} else {
		t.ResteDu = -d
	}
	return t, nil
}

// CPTSContractSummary is the funding part of a CPTS contract document.
type CPTSContractSummary struct {
	Bareme        Bareme
	Year1         []Line         // year-1 funding, per mission
	Year1Total    domain.Cents   //
	YearTotals    []domain.Cents // 5 contract years, year 1 first
	ScheduleTotal domain.Cents
}

// CPTSContract computes the funding shown in a CPTS contract created on
// today: the barème in force, year 1 per mission and the 5-year summary with
// every mission starting on that day (full years, whatever the signature
// date).
func CPTSContract(tier int, missions []Mission, today domain.Date) (CPTSContractSummary, error) {
	var out CPTSContractSummary
	b, err := BaremeAt(Builtin(), today)
	if err != nil {
		return out, err
	}
	out.Bareme = b
	starts := map[Mission]domain.Date{}
	for _, m := range missions {
		starts[m] = today
	}
	y1, err := Annual(YearInput{Bareme: b, Tier: tier, Missions: missions, Year: 1})
	if err != nil {
		return out, err
	}
	out.Year1, out.Year1Total = y1.Lines, y1.Total
	s, err := BuildSchedule(ScheduleInput{Baremes: Builtin(), Tier: tier, Signed: today, Starts: starts})
	if err != nil {
		return out, err
	}
	for _, y := range s.Years {
		out.YearTotals = append(out.YearTotals, y.Total)
	}
	out.ScheduleTotal = s.Total
	return out, nil
}

// MSPIndicatorLine is one MSP indicator with its amount for a patientèle.
type MSPIndicatorLine struct {
	Indicator MSPIndicator
	Amount    domain.Cents
}

// MSPContractSummary is the funding part of an MSP contract document.
type MSPContractSummary struct {
	Indicators []MSPIndicatorLine
	Annual     domain.Cents // remuneration for 100 % of the socle
	Advance    domain.Cents // the MSP barème's advance rate (60 %) of it, full civil year
}

// MSPContract computes the funding shown in an MSP contract for patientele
// (MSPBaremeCode, 100 % of the socle met).
func MSPContract(patientele int64) (MSPContractSummary, error) {
	var out MSPContractSummary
	mb, err := ContractMSPBareme()
	if err != nil {
		return out, err
	}
	for _, ind := range BuiltinMSP() {
		out.Indicators = append(out.Indicators, MSPIndicatorLine{Indicator: ind, Amount: MSPIndicatorAmount(mb, ind, patientele)})
	}
	if out.Annual, err = MSPRemuneration(mb, BuiltinMSP(), mspSocle(), patientele); err != nil {
		return out, err
	}
	out.Advance = domain.MulDiv(out.Annual, mb.AdvancePercent, 100)
	return out, nil
}

// CalendarRow is one line of the deployment calendar (docs/rules.md §7).
type CalendarRow struct {
	Mission      Mission
	StartMonths  int // 0: no deadline
	DeployMonths int // 0: no deadline
}

// DeploymentCalendar is docs/rules.md §7 (ACI CPTS): months after the
// signature by which each mission must start and be deployed; 0 = no
// deadline. acces: one reading of the ACI CPTS gives 8 months to deploy,
// the ARS Hauts-de-France page says 18; we use 18.
func DeploymentCalendar() []CalendarRow {
	return []CalendarRow{
		{Mission: Acces, StartMonths: 6, DeployMonths: 18},
		{Mission: Parcours, StartMonths: 12, DeployMonths: 24},
		{Mission: Prevention, StartMonths: 12, DeployMonths: 24},
		{Mission: Crise, StartMonths: 6, DeployMonths: 18},
		{Mission: Qualite},
		{Mission: Accompagnement},
	}
}
