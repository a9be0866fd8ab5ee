package contractlife

import (
	"fmt"
	"time"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/funding"
)

// MSPDeclarationWindow is when an MSP declares the indicators of civil year
// n (docs/rules.md §6, decision "the yearly evaluation of an MSP": "from 1
// December N to 31 January N+1"), both days inclusive.
func MSPDeclarationWindow(n int) Window {
	return Window{Open: domain.Date{Y: n, M: time.December, D: 1}, Close: domain.Date{Y: n + 1, M: time.January, D: 31}}
}

// MSPBalanceDue is the day the balance of civil year n is due at the latest
// (docs/rules.md §6, §9: "the balance by 30 April of year N+1").
func MSPBalanceDue(n int) domain.Date { return domain.Date{Y: n + 1, M: time.April, D: 30} }

// MSPBlocked is the reason an MSP payment cannot be ordered without its SISA
// legal form or its FINESS number, word for word (docs/rules.md §6, decision
// "the yearly evaluation of an MSP").
const MSPBlocked = "bloqué : SISA / FINESS manquant"

// MSPGate says why an MSP payment cannot be ordered (docs/rules.md §6, §9:
// "Payment requires a SISA and a FINESS number"): MSPBlocked when the
// structure lacks the SISA legal form or a FINESS number, "" when both are
// there (the payment becomes orderable without any other change).
func MSPGate(hasSISA, hasFINESS bool) string {
	if hasSISA && hasFINESS {
		return ""
	}
	return MSPBlocked
}

// MSPGateMissing names what is missing, for the detail under MSPBlocked.
func MSPGateMissing(hasSISA, hasFINESS bool) []string {
	var out []string
	if !hasSISA {
		out = append(out, "forme juridique SISA")
	}
	if !hasFINESS {
		out = append(out, "numéro FINESS")
	}
	return out
}

// MSPCloseInput is what the closing of an MSP civil year is checked on.
type MSPCloseInput struct {
	Year       int
	On         domain.Date
	Indicators []IndicatorStatus
	Closed     bool
}

// MSPCloseMissing lists, in French, what prevents closing an MSP civil year
// (docs/rules.md §6, decision: the MSP declares, the CPAM validates).
// Decisions: a civil year is closed from 1 January N+1 on; every value must
// be validated; no follow-up meeting is required (the MSP rules of §6 and
// §9 name none).
func MSPCloseMissing(in MSPCloseInput) []string {
	var out []string
	if in.Closed {
		out = append(out, fmt.Sprintf("l'année %d est déjà clôturée", in.Year))
	}
	if jan := (domain.Date{Y: in.Year + 1, M: time.January, D: 1}); cmp(in.On, jan) < 0 {
		out = append(out, fmt.Sprintf("l'année civile %d n'est pas terminée : clôture possible à partir du %s", in.Year, jan.French()))
	}
	return append(out, missingValues(in.Indicators)...)
}

// CheckMSPClose is MSPCloseMissing as one error (conflict when already
// closed).
func CheckMSPClose(in MSPCloseInput) error {
	if in.Closed {
		return domain.Errorf(domain.EConflict, "l'année %d est déjà clôturée", in.Year)
	}
	return missingError(MSPCloseMissing(in))
}

// MSPBareme is one MSP indicator table with the day it takes effect (the
// MSP indicator table gets effective dates: docs/rules.md §4 "keep every
// table as data with an effective date").
type MSPBareme struct {
	Code       string
	Effective  domain.Date
	Indicators []funding.MSPIndicator
}

// MSPBaremeFor returns the MSP table of civil year n.
//
// Decision (as §4's for a CPTS contract year): the table in force on the
// first day of the year, 1 January N; a table taking effect during year N
// applies from N+1.
func MSPBaremeFor(list []MSPBareme, n int) (MSPBareme, error) {
	jan := domain.Date{Y: n, M: time.January, D: 1}
	var best MSPBareme
	found := false
	for _, b := range list {
		if cmp(b.Effective, jan) > 0 {
			continue
		}
		if !found || cmp(b.Effective, best.Effective) > 0 {
			best, found = b, true
		}
	}
	if !found {
		return MSPBareme{}, domain.Errorf(domain.ENotFound, "aucun barème ACI MSP en vigueur le %s", jan.French())
	}
	return best, nil
}
