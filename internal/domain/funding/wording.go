package funding

import (
	"fmt"
	"strings"

	"github.com/portail-aci/aci/internal/domain"
)

// French wording of the funding data in a contract document (frozen in its
// terms when the contract is created).

// Label is the French sense of an indicator, as the contract states it.
func (d Direction) Label() string {
	if d == Decreasing {
		return "à la baisse"
	}
	return "à la hausse"
}

// Label is the French kind of an MSP indicator.
func (k MSPKind) Label() string {
	switch k {
	case MSPPrerequis:
		return "socle prérequis"
	case MSPSocle:
		return "socle"
	case MSPOptionnel:
		return "optionnel"
	}
	return ""
}

// PointsLabel is the French statement of an MSP indicator's points
// ("1 000 points fixes + 1 700 points variables").
func (ind MSPIndicator) PointsLabel() string {
	s := domain.GroupThousands(ind.FixedPoints) + " points fixes"
	if ind.VariablePoints > 0 {
		s += " + " + domain.GroupThousands(ind.VariablePoints) + " points variables"
	}
	return s
}

// ToFix is what the contract shows for an indicator value not negotiated
// yet.
//
// Decision: an indicator without a baseline or target shows "à fixer"
// (settled at the first follow-up meeting, docs/rules.md §6, §18).
const ToFix = "à fixer"

// ValueLabel is an indicator value with its unit ("7 250 ‰").
func ValueLabel(v int64, unit string) string {
	s := domain.GroupThousands(v)
	if unit = strings.TrimSpace(unit); unit != "" {
		s += " " + unit
	}
	return s
}

// TargetsLabel states an indicator's targets over the contract years, target
// being the target of year y (1..ContractYears, nil when none): one value
// "chaque année" when every year has the same, otherwise "année 1 : …" for
// each year that has one; ToFix without any.
func TargetsLabel(target func(y int) *int64, unit string) string {
	var ts []string
	same := true
	for y := 1; y <= ContractYears; y++ {
		if t := target(y); t != nil {
			ts = append(ts, fmt.Sprintf("année %d : %s", y, ValueLabel(*t, unit)))
			same = same && *t == *target(1)
		} else {
			same = false
		}
	}
	switch {
	case same:
		return ValueLabel(*target(1), unit) + " chaque année"
	case len(ts) > 0:
		return strings.Join(ts, " ; ")
	}
	return ToFix
}
