package workflow

import (
	"strings"

	"github.com/portail-aci/aci/internal/domain"
)

// MissingError is returned by Check when a transition's requirements are not
// met. It lists everything missing at once, in French, so the UI can show
// the list. It unwraps to a *domain.Error with code domain.EInvalid, so
// domain.ErrorCode and domain.ErrorMessage work on it.
type MissingError struct {
	Transition Transition
	Missing    []string
}

func (e *MissingError) Error() string { return e.coded().Message }

// Unwrap exposes the coded domain error.
func (e *MissingError) Unwrap() error { return e.coded() }

func (e *MissingError) coded() *domain.Error {
	return domain.Errorf(domain.EInvalid, "Impossible de « %s » : %s.",
		lowerFirst(e.Transition.Label()), strings.Join(e.Missing, " ; "))
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	if r[0] >= 'A' && r[0] <= 'Z' {
		r[0] += 'a' - 'A'
	}
	return string(r)
}
