package workflow

import (
	"fmt"
	"time"

	"github.com/portail-aci/aci/internal/domain"
)

// French motivations of the audit rows the acts on a contract append (the
// store records them; the timeline shows them).

// SignatureRecord is the audit text of a signature for party p by
// organisation org of the document whose SHA-256 is sha.
func SignatureRecord(p Party, org, sha string) string {
	return fmt.Sprintf("Signature pour %s (%s) — empreinte SHA-256 du document %s", p.Label(), org, sha)
}

// ResiliationRequestRecord is the audit text of a résiliation request
// received on received, effective on effective, with the requester's
// motivation (may be empty).
func ResiliationRequestRecord(received, effective domain.Date, motivation string) string {
	s := fmt.Sprintf("Courrier reçu le %s ; effet le %s (deux mois après réception)", received.French(), effective.French())
	if motivation != "" {
		s += " — " + motivation
	}
	return s
}

// ResiliationRecord is the audit text of a résiliation: the motivation, then
// what was due on the effective date, what was paid and the trop-perçu.
func ResiliationRecord(motivation string, effective domain.Date, due, paid, tropPercu domain.Cents) string {
	return fmt.Sprintf("%s — dû au %s : %s ; versé : %s ; trop-perçu : %s", motivation, effective.French(),
		domain.FormatEUR(due), domain.FormatEUR(paid), domain.FormatEUR(tropPercu))
}

// PaymentRecord is the audit text of payment n° seq of amount marked paid on
// paidOn.
func PaymentRecord(seq int, amount domain.Cents, paidOn domain.Date) string {
	return fmt.Sprintf("Paiement n° %d de %s versé le %s", seq, domain.FormatEUR(amount), paidOn.French())
}

// AppointmentRecord is the audit text of a signature appointment.
func AppointmentRecord(at time.Time, place string) string {
	return "Le " + domain.FrenchDateTime(at) + " — " + place
}

// ReminderText is the French title and body of the reminder r of a deadline.
func ReminderText(r Reminder) (title, body string) {
	switch r.Kind {
	case DeadlineLettreIntention:
		return fmt.Sprintf("Échéance dans %d jours : projet de santé et signature de l'ACI", r.DaysLeft),
			fmt.Sprintf("%s : au plus tard le %s (6 mois après la validation de la lettre d'intention).", r.Kind.Label(), r.Due.French())
	case DeadlineProjetSante:
		return fmt.Sprintf("Projet de santé réputé validé dans %d jours", r.DaysLeft),
			fmt.Sprintf("Sans opposition du directeur général de l'ARS, le projet de santé sera réputé validé le %s (CSP L1434-12).", r.Due.French())
	}
	return r.Kind.Label(), r.Due.French()
}

// ComplementReminderText is the French title and body of the reminder of
// complements requested on requested and still unanswered.
func ComplementReminderText(requested domain.Date) (title, body string) {
	return "Rappel : des compléments vous ont été demandés",
		fmt.Sprintf("La CPAM attend des compléments demandés le %s : répondez depuis le dossier.", requested.French())
}

// MessageNoticeTitle is the French title of the notification of a message
// (or an internal note) by author of org in the thread of structure's
// dossier.
func MessageNoticeTitle(structure, author, org string, internal bool) string {
	if internal {
		return structure + " : note interne de " + author + " (" + org + ")"
	}
	return structure + " : nouveau message de " + author + " (" + org + ")"
}
