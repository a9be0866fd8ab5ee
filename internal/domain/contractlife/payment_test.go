package contractlife

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/funding"
)

var allStates = []PaymentState{Planned, Ordered, Paid, Cancelled, Recovered}

// TestPaymentLifecycleGraph: every state × action × sign, against the
// lifecycle of docs/rules.md §9 written out by hand.
func TestPaymentLifecycleGraph(t *testing.T) {
	type edge struct {
		from PaymentState
		a    PaymentAction
		neg  bool
	}
	want := map[edge]PaymentState{
		{Planned, Order, false}: Ordered, {Planned, Order, true}: Ordered,
		{Ordered, Pay, false}: Paid, {Ordered, Recover, true}: Recovered,
		{Planned, Cancel, false}: Cancelled, {Planned, Cancel, true}: Cancelled,
		{Ordered, Cancel, false}: Cancelled, {Ordered, Cancel, true}: Cancelled,
	}
	in := ActionInput{On: d(2025, time.April, 1), Reference: "VIR-2025-0042", Reason: "doublon"}
	for _, s := range allStates {
		for _, a := range []PaymentAction{Order, Pay, Recover, Cancel} {
			for _, neg := range []bool{false, true} {
				f := PaymentFacts{Kind: funding.KindAvance, Amount: domain.Euros(100), State: s, Due: d(2025, time.March, 1), ContractYear: 1}
				if neg {
					f.Amount, f.Kind = -f.Amount, KindRecouvrement
				}
				to, err := CheckPayment(a, f, in)
				w, ok := want[edge{s, a, neg}]
				if ok != (err == nil) || to != w {
					t.Errorf("%s −%s→ (neg %v): %s, %v; want %q", s, a, neg, to, err, w)
				}
				if ok != slices.Contains(AvailableActions(f), a) {
					t.Errorf("%s %s neg %v: available %v", s, a, neg, AvailableActions(f))
				}
				if err != nil && domain.ErrorCode(err) != domain.EConflict && domain.ErrorCode(err) != domain.EInvalid {
					t.Errorf("uncoded error %v", err)
				}
				if ok && s.Final() {
					t.Errorf("an action leaves final state %s", s)
				}
			}
		}
	}
	// Ordering twice is a conflict.
	if _, err := CheckPayment(Order, PaymentFacts{Kind: funding.KindAvance, Amount: 1, State: Ordered}, in); domain.ErrorCode(err) != domain.EConflict || !strings.Contains(domain.ErrorMessage(err), "ordonnancé") {
		t.Errorf("order twice: %v", err)
	}
	// Who may act, as data.
	for a, min := range map[PaymentAction]domain.Role{Order: domain.RoleReferent, Pay: domain.RoleReferent, Recover: domain.RoleReferent, Cancel: domain.RoleManager} {
		r, ok := PaymentRule(a)
		if !ok || len(r.Who) != 1 || r.Who[0].Org != domain.OrgCPAM || r.Who[0].MinRole != min {
			t.Errorf("%s: %+v", a, r.Who)
		}
	}
	if r, _ := PaymentRule(Order); r.System {
		t.Error("ordering is a human act")
	}
	if len(PaymentRules()) != 4 {
		t.Error("four actions")
	}
}

func TestPaymentInputs(t *testing.T) {
	paid := PaymentFacts{Kind: funding.KindAvance, Amount: 1, State: Ordered}
	for _, tc := range []struct {
		a     PaymentAction
		f     PaymentFacts
		in    ActionInput
		field string
	}{
		{Pay, paid, ActionInput{Reference: "X"}, "on"},
		{Pay, paid, ActionInput{On: d(2025, 1, 1), Reference: "  "}, "reference"},
		{Pay, paid, ActionInput{On: d(2025, 1, 1), Reference: strings.Repeat("x", 101)}, "reference"},
		{Recover, PaymentFacts{Kind: KindRecouvrement, Amount: -1, State: Ordered}, ActionInput{}, "on"},
		{Cancel, paid, ActionInput{Reason: " "}, "reason"},
		{Cancel, paid, ActionInput{Reason: strings.Repeat("é", 1001)}, "reason"},
	} {
		_, err := CheckPayment(tc.a, tc.f, tc.in)
		var e *domain.Error
		if domain.ErrorCode(err) != domain.EInvalid || !errorAs(err, &e) || e.Field != tc.field {
			t.Errorf("%s %+v: %v; want field %s", tc.a, tc.in, err, tc.field)
		}
	}
	if _, err := CheckPayment(Pay, paid, ActionInput{On: d(2025, 1, 1), Reference: strings.Repeat("é", 100)}); err != nil {
		t.Error(err)
	}
	if _, err := CheckPayment("bogus", paid, ActionInput{}); domain.ErrorCode(err) != domain.EInvalid {
		t.Error(err)
	}
	if _, err := CheckPayment(Order, PaymentFacts{Kind: funding.KindAvance, State: Planned}, ActionInput{}); domain.ErrorCode(err) != domain.EInvalid {
		t.Errorf("zero amount: %v", err)
	}
}

func errorAs(err error, e **domain.Error) bool {
	de, ok := err.(*domain.Error)
	*e = de
	return ok
}

func TestOrderGuards(t *testing.T) {
	eff := d(2025, time.May, 15)
	for _, tc := range []struct {
		name string
		f    PaymentFacts
		why  string
	}{
		{"advance", PaymentFacts{Kind: funding.KindAvance, Amount: 1, Due: d(2025, 3, 1), ContractYear: 2}, ""},
		{"balance of an open year", PaymentFacts{Kind: funding.KindSolde, Amount: 1, ContractYear: 1}, "en attente de l'évaluation : le solde de l'année 1 ne peut être ordonnancé qu'après la clôture de l'année"},
		{"balance of a closed year", PaymentFacts{Kind: funding.KindSolde, Amount: 1, ContractYear: 1, YearClosed: true}, ""},
		{"adjustment of an open year", PaymentFacts{Kind: KindAjustement, Amount: -1, ContractYear: 1}, "en attente de l'évaluation"},
		{"due before the termination", PaymentFacts{Kind: funding.KindAvance, Amount: 1, Due: eff.AddDays(-1), Terminated: eff}, ""},
		{"due on the termination day", PaymentFacts{Kind: funding.KindAvance, Amount: 1, Due: eff, Terminated: eff}, "échéance du 15/05/2025 postérieure à la résiliation du contrat (effective le 15/05/2025)"},
		{"crisis after the termination", PaymentFacts{Kind: funding.KindCrise, Amount: 1, Due: eff.AddDays(40), Terminated: eff}, "échéance du 24/06/2025 postérieure"},
		{"recovery of the termination", PaymentFacts{Kind: KindRecouvrement, Amount: -1, Due: eff, Terminated: eff}, ""},
		{"final balance of the termination", PaymentFacts{Kind: KindSoldeResiliation, Amount: 1, Due: eff, Terminated: eff}, ""},
		{"MSP without SISA", PaymentFacts{Kind: funding.KindAvance, Amount: 1, MSP: true, HasFINESS: true}, "bloqué : SISA / FINESS manquant"},
		{"MSP without FINESS", PaymentFacts{Kind: funding.KindSolde, Amount: 1, MSP: true, HasSISA: true, YearClosed: true}, "bloqué : SISA / FINESS manquant"},
		{"MSP complete", PaymentFacts{Kind: funding.KindAvance, Amount: 1, MSP: true, HasSISA: true, HasFINESS: true}, ""},
	} {
		tc.f.State = Planned
		if got := OrderBlock(tc.f); got != tc.why && (tc.why == "" || !strings.HasPrefix(got, tc.why)) {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.why)
		}
		to, err := CheckPayment(Order, tc.f, ActionInput{})
		if (tc.why == "") != (err == nil) || err == nil && to != Ordered || err != nil && !strings.Contains(domain.ErrorMessage(err), tc.why) {
			t.Errorf("%s: order %s %v", tc.name, to, err)
		}
	}
}
