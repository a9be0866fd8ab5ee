package workflow

import (
	"testing"
	"time"

	"github.com/portail-aci/aci/internal/domain"
)

func TestRecords(t *testing.T) {
	d := func(y int, m time.Month, day int) domain.Date { return domain.NewDate(y, m, day) }
	for _, tc := range []struct{ got, want string }{
		{ResiliationRequestRecord(d(2027, time.March, 1), d(2027, time.May, 1), ""),
			"Courrier reçu le 01/03/2027 ; effet le 01/05/2027 (deux mois après réception)"},
		{ResiliationRequestRecord(d(2027, time.March, 1), d(2027, time.May, 1), "Dissolution"),
			"Courrier reçu le 01/03/2027 ; effet le 01/05/2027 (deux mois après réception) — Dissolution"},
		{PaymentRecord(3, 1_638_000, d(2027, time.April, 30)), "Paiement n° 3 de " + domain.FormatEUR(1_638_000) + " versé le 30/04/2027"},
		{ResiliationRecord("Dissolution", d(2027, time.May, 1), 300, 500, 200),
			"Dissolution — dû au 01/05/2027 : " + domain.FormatEUR(300) + " ; versé : " + domain.FormatEUR(500) + " ; trop-perçu : " + domain.FormatEUR(200)},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q\nwant %q", tc.got, tc.want)
		}
	}
}

func TestNoticeTexts(t *testing.T) {
	due := domain.NewDate(2027, time.June, 30)
	for _, tc := range []struct{ got, want string }{
		{MessageNoticeTitle("CPTS A", "Camille", "CPAM de l'Ain", false), "CPTS A : nouveau message de Camille (CPAM de l'Ain)"},
		{MessageNoticeTitle("CPTS A", "Camille", "CPAM de l'Ain", true), "CPTS A : note interne de Camille (CPAM de l'Ain)"},
		{first(ReminderText(Reminder{Kind: DeadlineProjetSante, Due: due, DaysLeft: 7})), "Projet de santé réputé validé dans 7 jours"},
		{second(ReminderText(Reminder{Kind: DeadlineProjetSante, Due: due, DaysLeft: 7})),
			"Sans opposition du directeur général de l'ARS, le projet de santé sera réputé validé le 30/06/2027 (CSP L1434-12)."},
		{first(ReminderText(Reminder{Kind: DeadlineLettreIntention, Due: due, DaysLeft: 30})), "Échéance dans 30 jours : projet de santé et signature de l'ACI"},
		{second(ComplementReminderText(due)), "La CPAM attend des compléments demandés le 30/06/2027 : répondez depuis le dossier."},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q\nwant %q", tc.got, tc.want)
		}
	}
}

func first(a, _ string) string  { return a }
func second(_, b string) string { return b }
