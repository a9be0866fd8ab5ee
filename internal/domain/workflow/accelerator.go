package workflow

import (
	"strings"
	"unicode/utf8"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/registry"
)

// Accelerator sessions (docs/rules.md §10, avenant 2 negotiation): before the
// contractualisation, the ARS or the CPAM offers a project ½ to 1 day of
// work led by a facilitator; each session is followed by a written report
// sent to the project leader.

// SessionLength is the length of an accelerator session.
type SessionLength string

const (
	HalfDay SessionLength = "demi_journee"
	FullDay SessionLength = "journee"
)

// Valid reports whether l is ½ day or 1 day.
func (l SessionLength) Valid() bool { return l == HalfDay || l == FullDay }

// Label is the French text of l.
func (l SessionLength) Label() string {
	if l == FullDay {
		return "1 journée"
	}
	return "½ journée"
}

// Limits of a session's texts, in characters.
const (
	MaxParticipants = 2000
	MaxSessionText  = 20000
)

// AcceleratorSession is what an organiser schedules.
type AcceleratorSession struct {
	On           domain.Date
	Length       SessionLength
	Facilitator  string // the facilitator's name
	Participants string
}

// Check returns every problem of s as field errors (fields "held_on",
// "duration", "facilitator", "participants"); today bounds the date (a
// session is scheduled from today on, or recorded up to a year back).
func (s AcceleratorSession) Check(today domain.Date) error {
	var errs []error
	switch {
	case s.On.IsZero():
		errs = append(errs, domain.FieldError("held_on", "Indiquez la date de la séance au format jj/mm/aaaa."))
	case s.On.Before(today.AddYears(-1)):
		errs = append(errs, domain.FieldError("held_on", "La date de la séance est trop ancienne (plus d'un an)."))
	case s.On.After(today.AddYears(2)):
		errs = append(errs, domain.FieldError("held_on", "La date de la séance est trop lointaine (plus de deux ans)."))
	}
	if !s.Length.Valid() {
		errs = append(errs, domain.FieldError("duration", "Choisissez la durée : une demi-journée ou une journée."))
	}
	if f := strings.TrimSpace(s.Facilitator); f == "" || utf8.RuneCountInString(f) > 200 {
		errs = append(errs, domain.FieldError("facilitator", "Indiquez qui anime la séance (200 caractères au plus)."))
	} else if registry.HasForbiddenChars(f) {
		// A name: no control or bidi-override character (docs/rules.md §33).
		errs = append(errs, domain.FieldError("facilitator", "%s", registry.MsgNameChars))
	}
	if p := strings.TrimSpace(s.Participants); p == "" || utf8.RuneCountInString(p) > MaxParticipants {
		errs = append(errs, domain.FieldError("participants", "Indiquez les participants (2 000 caractères au plus)."))
	}
	if len(errs) > 0 {
		return errs[0]
	}
	return nil
}

// CheckReport says whether a report may be recorded now for a session held
// on: after the session (on its day or later), not empty, bounded.
func CheckReport(on, today domain.Date, report string) error {
	if today.Before(on) {
		return domain.FieldError("report", "La séance n'a pas encore eu lieu (le %s) : son compte rendu s'enregistre ensuite.", on.French())
	}
	r := strings.TrimSpace(report)
	if r == "" {
		return domain.FieldError("report", "Rédigez le compte rendu de la séance.")
	}
	if utf8.RuneCountInString(r) > MaxSessionText {
		return domain.FieldError("report", "Le compte rendu ne doit pas dépasser %d caractères.", MaxSessionText)
	}
	return nil
}
