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
