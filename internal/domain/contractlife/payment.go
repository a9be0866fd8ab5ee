package contractlife

import (
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/funding"
	"github.com/portail-aci/aci/internal/domain/workflow"
)

// PaymentState is where a payment stands (docs/rules.md §9, decision "after
// a termination"). The codes extend the
// existing payments.status values ('prevu', 'verse').
type PaymentState string

const (
	Planned   PaymentState = "prevu"      // computed, not yet ordered
	Ordered   PaymentState = "ordonnance" // ordered by the CPAM, to be paid (or recovered)
	Paid      PaymentState = "verse"      // paid: date and accounting reference
	Cancelled PaymentState = "annule"     // cancelled, with its reason
	Recovered PaymentState = "recouvre"   // a recovery (negative amount) collected
)

// Label is the French name of the state.
func (s PaymentState) Label() string {
	switch s {
	case Planned:
		return "prévu"
	case Ordered:
		return "ordonnancé"
	case Paid:
		return "versé"
	case Cancelled:
		return "annulé"
	case Recovered:
		return "recouvré"
	}
	return string(s)
}

// Final reports whether no action leaves the state.
func (s PaymentState) Final() bool { return s == Paid || s == Cancelled || s == Recovered }

// PaymentAction is what someone does to a payment.
type PaymentAction string

const (
	Order   PaymentAction = "ordonnancer"
	Pay     PaymentAction = "verser"
	Recover PaymentAction = "recouvrer"
	Cancel  PaymentAction = "annuler"
)

// ActionRule is one edge of the payment lifecycle, as data: internal/access
// reads Who to decide who may act, the store applies To in the action's
// transaction with its audit row.
type ActionRule struct {
	Action PaymentAction
	Label  string // button text, French
	From   []PaymentState
	To     PaymentState
	// Sign: +1 the action applies to payments (amount > 0) only, −1 to
	// recoveries (amount < 0) only, 0 to both.
	Sign int
	Who  []workflow.Who // human actors allowed (minimum role of an organisation kind)
	// System: the product may apply it by itself (the accounting
	// confirmation import, a termination, an avenant recompute).
	System         bool
	NeedsDate      bool // the day it happened (paid on, recovered on)
	NeedsReference bool // the accounting reference
	NeedsReason    bool
}

// paymentRules is the payment lifecycle (docs/rules.md §9; "planned →
// ordered (by the CPAM referent or manager …) → paid (date and accounting
// reference) or cancelled (reason); recoveries (negative amounts) planned →
// ordered → recovered").
//
// Decisions:
//   - ordering, paying and recovering: a CPAM referent or manager
//     (workflow.Who is "at least", so referent covers manager); paying is
//     also applied by the accounting confirmation import (System);
//   - cancelling (with a reason) is the CPAM manager's, from planned or
//     ordered — it gives up money — and the product's for a termination or
//     an avenant (System); a paid payment is never cancelled: its correction
//     is a new line (an adjustment or a recovery);
//   - a payment is never edited: every change is one of these actions.
//
// Built once (sync.OnceValue): read for every permission computed; the
// exported accessors hand out copies, so nobody changes it.
var paymentRules = sync.OnceValue(func() []ActionRule {
	return []ActionRule{
		{Action: Order, Label: "Ordonnancer", From: []PaymentState{Planned}, To: Ordered, Sign: 0,
			Who: []workflow.Who{{Org: domain.OrgCPAM, MinRole: domain.RoleReferent}}},
		{Action: Pay, Label: "Marquer versé", From: []PaymentState{Ordered}, To: Paid, Sign: +1,
			Who: []workflow.Who{{Org: domain.OrgCPAM, MinRole: domain.RoleReferent}}, System: true, NeedsDate: true, NeedsReference: true},
		{Action: Recover, Label: "Marquer recouvré", From: []PaymentState{Ordered}, To: Recovered, Sign: -1,
			Who: []workflow.Who{{Org: domain.OrgCPAM, MinRole: domain.RoleReferent}}, System: true, NeedsDate: true},
		{Action: Cancel, Label: "Annuler", From: []PaymentState{Planned, Ordered}, To: Cancelled, Sign: 0,
			Who: []workflow.Who{{Org: domain.OrgCPAM, MinRole: domain.RoleManager}}, System: true, NeedsReason: true},
	}
})

// copied is r with its own slices.
func (r ActionRule) copied() ActionRule {
	r.From, r.Who = slices.Clone(r.From), slices.Clone(r.Who)
	return r
}

// PaymentRules returns the lifecycle table (a copy).
func PaymentRules() []ActionRule {
	out := make([]ActionRule, 0, len(paymentRules()))
	for _, r := range paymentRules() {
		out = append(out, r.copied())
	}
	return out
}

// PaymentRule returns the rule of action a (a copy).
func PaymentRule(a PaymentAction) (ActionRule, bool) {
	for _, r := range paymentRules() {
		if r.Action == a {
			return r.copied(), true
		}
	}
	return ActionRule{}, false
}

// PaymentFacts is what the guards of an action look at.
type PaymentFacts struct {
	Kind         funding.Kind
	Amount       domain.Cents
	State        PaymentState
	Due          domain.Date
	ContractYear int
	// YearClosed: the contract (or civil) year of the payment is closed —
	// required to order a balance.
	YearClosed bool
	// Terminated is the effective date of the contract's termination (zero:
	// none).
	Terminated domain.Date
	// MSP: the payment is an MSP's; HasSISA and HasFINESS then gate it.
	MSP       bool
	HasSISA   bool
	HasFINESS bool
}

// ActionInput is what the actor gives with an action.
type ActionInput struct {
	On        domain.Date // paid on / recovered on
	Reference string      // accounting reference
	Reason    string      // cancellation reason
}

// maxReference and maxReason bound the texts of an action.
const (
	maxReference = 100
	maxReason    = 1000
)

// terminationKind reports the kinds a termination creates: they are due on
// or after its effective date by construction and stay orderable.
func terminationKind(k funding.Kind) bool { return k == KindRecouvrement || k == KindSoldeResiliation }

// OrderBlock says why a planned payment cannot be ordered, in French; ""
// when it can (docs/rules.md §6, §9). The
// page shows it next to the payment.
//
// Decision: "after a termination's effective date" is a payment due on or
// after that day (the termination counts what is due up to the effective
// date, exclusive: docs/rules.md §9); the recovery and the final balance the
// termination itself creates are exempt.
func OrderBlock(f PaymentFacts) string {
	switch {
	case f.MSP && MSPGate(f.HasSISA, f.HasFINESS) != "":
		return MSPGate(f.HasSISA, f.HasFINESS)
	case (f.Kind == funding.KindSolde || f.Kind == KindAjustement) && !f.YearClosed:
		return fmt.Sprintf("en attente de l'évaluation : le solde de l'année %d ne peut être ordonnancé qu'après la clôture de l'année", f.ContractYear)
	case !f.Terminated.IsZero() && !terminationKind(f.Kind) && cmp(f.Due, f.Terminated) >= 0:
		return fmt.Sprintf("échéance du %s postérieure à la résiliation du contrat (effective le %s)", f.Due.French(), f.Terminated.French())
	}
	return ""
}

// CheckPayment checks action a on a payment (states, sign, guards, inputs)
// and returns the state it leads to. Refusals are French: conflict for a
// wrong state (ordering twice), invalid for a guard or a missing input.
// Who may act is not checked here: internal/access reads ActionRule.Who.
func CheckPayment(a PaymentAction, f PaymentFacts, in ActionInput) (PaymentState, error) {
	r, ok := PaymentRule(a)
	if !ok {
		return "", domain.Errorf(domain.EInvalid, "action inconnue %q", string(a))
	}
	if !slices.Contains(r.From, f.State) {
		return "", domain.Errorf(domain.EConflict, "action « %s » impossible : paiement %s", strings.ToLower(r.Label), f.State.Label())
	}
	switch {
	case f.Amount == 0:
		return "", domain.Errorf(domain.EInvalid, "paiement de montant nul")
	case r.Sign > 0 && f.Amount < 0:
		return "", domain.Errorf(domain.EInvalid, "un recouvrement ne se verse pas : marquez-le recouvré")
	case r.Sign < 0 && f.Amount > 0:
		return "", domain.Errorf(domain.EInvalid, "un paiement ne se recouvre pas : marquez-le versé")
	}
	if a == Order {
		if why := OrderBlock(f); why != "" {
			return "", domain.Errorf(domain.EInvalid, "ordonnancement impossible : %s", why)
		}
	}
	if r.NeedsDate {
		if in.On.IsZero() {
			return "", domain.FieldError("on", "date obligatoire")
		}
	}
	if r.NeedsReference {
		ref := strings.TrimSpace(in.Reference)
		if ref == "" {
			return "", domain.FieldError("reference", "référence comptable obligatoire")
		}
		if len([]rune(ref)) > maxReference {
			return "", domain.FieldError("reference", "référence comptable trop longue (au plus %d caractères)", maxReference)
		}
	}
	if r.NeedsReason {
		reason := strings.TrimSpace(in.Reason)
		if reason == "" {
			return "", domain.FieldError("reason", "motif d'annulation obligatoire")
		}
		if len([]rune(reason)) > maxReason {
			return "", domain.FieldError("reason", "motif trop long (au plus %d caractères)", maxReason)
		}
	}
	return r.To, nil
}

// AvailableActions lists the actions the state and sign of a payment allow
// (guards aside: Order is listed even when OrderBlock refuses it, so that
// the page can show why).
func AvailableActions(f PaymentFacts) []PaymentAction {
	var out []PaymentAction
	for _, r := range paymentRules() {
		if !slices.Contains(r.From, f.State) || r.Sign > 0 && f.Amount < 0 || r.Sign < 0 && f.Amount > 0 {
			continue
		}
		out = append(out, r.Action)
	}
	return out
}
