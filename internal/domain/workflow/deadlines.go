package workflow

import "github.com/portail-aci/aci/internal/domain"

// Durations of the workflow's clocks.
const (
	LettreIntentionMonths = 6 // docs/rules.md §5: projet de santé filed and ACI signed ≤ 6 months after validation
	ProjetSanteMonths     = 2 // CSP L1434-12: réputé validé after two months of ARS silence
	ResiliationMonths     = 2 // docs/rules.md §9: résiliation effective 2 months after receipt
	ContractYears         = 5 // docs/rules.md §8: five contract years
	ComplementEveryDays   = 7 // reminder period of a pending complement request
)

// ReminderDaysBefore returns the reminders sent before each deadline, in days.
func ReminderDaysBefore() []int { return []int{30, 7} }

// LettreIntentionDeadline is the last day to file the projet de santé and
// sign the ACI after the lettre d'intention was validated: validated + 6
// months (day inclusive; 31/08 → 28 or 29/02).
func LettreIntentionDeadline(validated domain.Date) domain.Date {
	return validated.AddMonths(LettreIntentionMonths)
}

// ProjetSanteReputeValide is the day a CPTS projet de santé filed on filed is
// réputé validé if the ARS has not opposed it: filed + 2 months. The system
// may apply reputer_valide_projet_sante from that day on.
func ProjetSanteReputeValide(filed domain.Date) domain.Date {
	return filed.AddMonths(ProjetSanteMonths)
}

// ResiliationEffective is the effective date of a résiliation received on
// received: + 2 months (15/03/2025 → 15/05/2025; 31/12 → 28 or 29/02).
func ResiliationEffective(received domain.Date) domain.Date {
	return received.AddMonths(ResiliationMonths)
}

// ContractExpiry is the day a contract started on start is échu: start + 5
// years. The contract is in force from start through ContractLastDay.
func ContractExpiry(start domain.Date) domain.Date { return start.AddYears(ContractYears) }

// ContractLastDay is the last day a contract started on start is in force.
func ContractLastDay(start domain.Date) domain.Date { return ContractExpiry(start).AddDays(-1) }

// DaysLeft is the number of days from today to due: 0 on the day, negative
// once overdue.
func DaysLeft(today, due domain.Date) int { return today.DaysUntil(due) }

// Overdue reports whether due (inclusive) has passed on today.
func Overdue(today, due domain.Date) bool { return today.After(due) }

// DeadlineKind names a workflow clock.
type DeadlineKind string

const (
	DeadlineLettreIntention DeadlineKind = "lettre_intention"    // structure: file the projet de santé and sign
	DeadlineProjetSante     DeadlineKind = "projet_sante_repute" // ARS: oppose or let it be réputé validé
	DeadlineResiliation     DeadlineKind = "resiliation_effet"   // CPAM: prepare the résiliation and trop-perçu
	DeadlineContrat         DeadlineKind = "contrat_echeance"    // all: renew before the 5-year term
)

// Label is the French name of the deadline.
func (k DeadlineKind) Label() string {
	switch k {
	case DeadlineLettreIntention:
		return "Dépôt du projet de santé et signature de l'ACI (6 mois après la lettre d'intention)"
	case DeadlineProjetSante:
		return "Projet de santé réputé validé sans opposition de l'ARS (2 mois)"
	case DeadlineResiliation:
		return "Prise d'effet de la résiliation (2 mois après réception)"
	case DeadlineContrat:
		return "Échéance du contrat (5 ans)"
	}
	return string(k)
}

// Audience is who is reminded of a deadline of this kind.
func (k DeadlineKind) Audience() []Audience {
	switch k {
	case DeadlineLettreIntention:
		return []Audience{ToStructure, ToCPAM}
	case DeadlineProjetSante:
		return []Audience{ToARS}
	case DeadlineResiliation:
		return []Audience{ToCPAM}
	case DeadlineContrat:
		return []Audience{ToStructure, ToCPAM, ToARS}
	}
	return nil
}

// Reminder is one reminder to send on a given day.
type Reminder struct {
	Kind     DeadlineKind
	On       domain.Date // the day to send it
	Due      domain.Date // the deadline
	DaysLeft int         // days from On to Due
	To       []Audience
}

// Reminders is the schedule of reminders for a deadline of kind k due on
// due: one reminder ReminderDaysBefore days before it (30 and 7), oldest
// first. Reminders that would fall before from (the day the clock started)
// are dropped; pass a zero from to keep them all.
func Reminders(k DeadlineKind, from, due domain.Date) []Reminder {
	var out []Reminder
	for _, n := range ReminderDaysBefore() {
		on := due.AddDays(-n)
		if !from.IsZero() && on.Before(from) {
			continue
		}
		out = append(out, Reminder{Kind: k, On: on, Due: due, DaysLeft: n, To: k.Audience()})
	}
	return out
}

// ComplementReminders lists the days a pending complement request made on
// requested is recalled to the structure, every 7 days after it, up to and
// including until (typically today, or the day it was answered).
func ComplementReminders(requested, until domain.Date) []domain.Date {
	var out []domain.Date
	for d := requested.AddDays(ComplementEveryDays); !d.After(until); d = d.AddDays(ComplementEveryDays) {
		out = append(out, d)
	}
	return out
}

// ComplementReminderDue reports whether a complement request made on
// requested and still pending is recalled on today.
func ComplementReminderDue(requested, today domain.Date) bool {
	n := requested.DaysUntil(today)
	return n > 0 && n%ComplementEveryDays == 0
}

// RemindersOn keeps the reminders to send on today.
func RemindersOn(today domain.Date, rs []Reminder) []Reminder {
	var out []Reminder
	for _, r := range rs {
		if r.On == today {
			out = append(out, r)
		}
	}
	return out
}
