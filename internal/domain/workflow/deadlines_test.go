package workflow

import (
	"slices"
	"testing"
	"time"

	"github.com/portail-aci/aci/internal/domain"
)

func d(y int, m time.Month, day int) domain.Date { return domain.Date{Y: y, M: m, D: day} }

func TestDeadlines(t *testing.T) {
	tests := []struct {
		name string
		f    func(domain.Date) domain.Date
		in   domain.Date
		want domain.Date
	}{
		{"LI plain", LettreIntentionDeadline, d(2025, 3, 15), d(2025, 9, 15)},
		{"LI month end, common year", LettreIntentionDeadline, d(2025, 8, 31), d(2026, 2, 28)},
		{"LI month end, leap year", LettreIntentionDeadline, d(2023, 8, 31), d(2024, 2, 29)},
		{"LI 31/12 → 30/06", LettreIntentionDeadline, d(2024, 12, 31), d(2025, 6, 30)},
		{"projet plain", ProjetSanteReputeValide, d(2025, 3, 15), d(2025, 5, 15)},
		{"projet 31/12 → 28/02", ProjetSanteReputeValide, d(2024, 12, 31), d(2025, 2, 28)},
		{"projet 31/12 → 29/02 leap", ProjetSanteReputeValide, d(2023, 12, 31), d(2024, 2, 29)},
		{"résiliation rules §9 example", ResiliationEffective, d(2025, 3, 15), d(2025, 5, 15)},
		{"résiliation 31/07 → 30/09", ResiliationEffective, d(2025, 7, 31), d(2025, 9, 30)},
		{"contract expiry", ContractExpiry, d(2024, 3, 1), d(2029, 3, 1)},
		{"contract expiry from 29/02", ContractExpiry, d(2024, 2, 29), d(2029, 2, 28)},
		{"contract last day", ContractLastDay, d(2024, 3, 1), d(2029, 2, 28)},
	}
	for _, tt := range tests {
		if got := tt.f(tt.in); got != tt.want {
			t.Errorf("%s: %s → %s, want %s", tt.name, tt.in, got, tt.want)
		}
	}
}

func TestDaysLeftOverdue(t *testing.T) {
	due := LettreIntentionDeadline(d(2025, 8, 31)) // 28/02/2026
	tests := []struct {
		today   domain.Date
		left    int
		overdue bool
	}{
		{d(2026, 1, 29), 30, false},
		{d(2026, 2, 21), 7, false},
		{d(2026, 2, 28), 0, false},
		{d(2026, 3, 1), -1, true},
		{d(2027, 2, 28), -365, true},
	}
	for _, tt := range tests {
		if got := DaysLeft(tt.today, due); got != tt.left {
			t.Errorf("DaysLeft(%s) = %d, want %d", tt.today, got, tt.left)
		}
		if got := Overdue(tt.today, due); got != tt.overdue {
			t.Errorf("Overdue(%s) = %v", tt.today, got)
		}
	}
}

func TestReminders(t *testing.T) {
	due := d(2026, 2, 28)
	got := Reminders(DeadlineLettreIntention, d(2025, 8, 31), due)
	if len(got) != 2 || got[0].On != d(2026, 1, 29) || got[0].DaysLeft != 30 || got[1].On != d(2026, 2, 21) || got[1].DaysLeft != 7 {
		t.Fatalf("reminders %+v", got)
	}
	if !slices.Equal(got[0].To, []Audience{ToStructure, ToCPAM}) || got[0].Due != due || got[0].Kind != DeadlineLettreIntention {
		t.Errorf("reminder %+v", got[0])
	}
	// A reminder before the clock started is dropped.
	got = Reminders(DeadlineProjetSante, d(2026, 2, 1), d(2026, 2, 28))
	if len(got) != 1 || got[0].On != d(2026, 2, 21) || !slices.Equal(got[0].To, []Audience{ToARS}) {
		t.Errorf("short clock %+v", got)
	}
	if on := RemindersOn(d(2026, 2, 21), Reminders(DeadlineContrat, domain.Date{}, due)); len(on) != 1 || on[0].DaysLeft != 7 {
		t.Errorf("RemindersOn %+v", on)
	}
	if on := RemindersOn(d(2026, 2, 22), Reminders(DeadlineContrat, domain.Date{}, due)); len(on) != 0 {
		t.Errorf("RemindersOn %+v", on)
	}
	for _, k := range []DeadlineKind{DeadlineLettreIntention, DeadlineProjetSante, DeadlineResiliation, DeadlineContrat} {
		if k.Label() == string(k) || len(k.Audience()) == 0 {
			t.Errorf("%s: label or audience missing", k)
		}
	}
}

func TestComplementReminders(t *testing.T) {
	req := d(2025, 2, 20)
	got := ComplementReminders(req, d(2025, 3, 13))
	want := []domain.Date{d(2025, 2, 27), d(2025, 3, 6), d(2025, 3, 13)}
	if !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if got := ComplementReminders(req, d(2025, 2, 26)); len(got) != 0 {
		t.Errorf("none yet: %v", got)
	}
	for day, want := range map[domain.Date]bool{req: false, d(2025, 2, 27): true, d(2025, 2, 28): false, d(2025, 3, 6): true} {
		if ComplementReminderDue(req, day) != want {
			t.Errorf("ComplementReminderDue(%s) != %v", day, want)
		}
	}
}
