// Package contractlife holds the pure rules of a contract's five years after
// its signature (docs/rules.md §4, §6–§9): indicator values in their own
// unit, contract years and the barème of each, mission starts and deployment
// deadlines, the yearly evaluation of a CPTS (declaration window, closing,
// balances, adjustments) and of an MSP (civil year, SISA + FINESS gate), the
// payment lifecycle, the crisis variable part, avenants and termination.
//
// Every amount is domain.Cents and every product or proration goes through
// domain.MulDiv (docs/rules.md §11). It imports the standard library and the
// domain packages only, and never reads the clock: dates are passed in.
package contractlife

import (
	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/funding"
)

// Payment kinds created by the contract's life, beside funding's avance,
// solde, amorcage and crise (docs/rules.md §4, §6, §9).
const (
	KindPlanCrise        funding.Kind = "plan_crise"        // crisis plan part, paid in full when the CPAM accepts the plan (§4)
	KindAjustement       funding.Kind = "ajustement"        // correction of a closed year (§6): positive or negative
	KindRecouvrement     funding.Kind = "recouvrement"      // trop-perçu after a termination (§9): negative
	KindSoldeResiliation funding.Kind = "solde_resiliation" // what is still due at a termination's effective date (§9)
)

// cmp orders calendar dates.
func cmp(a, b domain.Date) int {
	switch {
	case a.Y != b.Y:
		return a.Y - b.Y
	case a.M != b.M:
		return int(a.M) - int(b.M)
	}
	return a.D - b.D
}

func minDate(a, b domain.Date) domain.Date {
	if cmp(a, b) <= 0 {
		return a
	}
	return b
}
