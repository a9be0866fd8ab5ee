package registry

import (
	"errors"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/portail-aci/aci/internal/domain"
)

// FieldErrors maps a form field name to its French message, so a form can
// show each message next to its field. A nil or empty FieldErrors is "no
// error": return it through Err. It matches *domain.Error in errors.As (code
// "invalid", first field in alphabetical order), so domain.ErrorCode(err) is
// domain.EInvalid and the HTTP edge maps it like any invalid input.
type FieldErrors map[string]string

// Add records msg for field unless the field already has a message (the first
// problem found about a field is the one shown).
func (fe FieldErrors) Add(field, msg string) {
	if _, ok := fe[field]; !ok {
		fe[field] = msg
	}
}

// Fields returns the field names in alphabetical order.
func (fe FieldErrors) Fields() []string {
	out := make([]string, 0, len(fe))
	for f := range fe {
		out = append(out, f)
	}
	sort.Strings(out)
	return out
}

// Err returns fe as an error, or nil when it holds no message.
func (fe FieldErrors) Err() error {
	if len(fe) == 0 {
		return nil
	}
	return fe
}

// Error lists "field: message" pairs in field order.
func (fe FieldErrors) Error() string {
	parts := make([]string, 0, len(fe))
	for _, f := range fe.Fields() {
		parts = append(parts, f+": "+fe[f])
	}
	return strings.Join(parts, " ; ")
}

// As lets errors.As(err, &*domain.Error) see a FieldErrors as an "invalid"
// coded error.
func (fe FieldErrors) As(target any) bool {
	p, ok := target.(**domain.Error)
	if !ok || len(fe) == 0 {
		return false
	}
	f := fe.Fields()[0]
	*p = &domain.Error{Code: domain.EInvalid, Field: f, Message: fe[f]}
	return true
}

// addErr records a validator's *domain.Error under field.
func (fe FieldErrors) addErr(field string, err error) {
	if err == nil {
		return
	}
	var de *domain.Error
	if errors.As(err, &de) {
		fe.Add(field, de.Message)
		return
	}
	fe.Add(field, err.Error())
}

// Member is one member of a structure: a person (a health professional, a
// medico-social or social actor) or an organisation (Mode "structure").
// Field names used by Validate are given in brackets.
type Member struct {
	LastName       string     // [last_name] family name, or the organisation's name
	FirstName      string     // [first_name] not required for an organisation
	Profession     Profession // [profession]
	Specialty      string     // [specialty] required for médecin spécialiste and "autre"
	Mode           Mode       // [mode]
	RPPS           string     // [rpps] optional; 11 digits + Luhn when given
	CommuneCode    string     // [commune_code] INSEE code of the place of practice
	OwnStructureID *int64     // [own_structure_id] the ESP/MSP the member practises in, if registered here
	Email          string     // [email] optional
	Phone          string     // [phone] optional
}

// MaxNameLen bounds names and the specialty, in characters.
const MaxNameLen = 100

// IsOrganisation reports whether the member is an organisation rather than a
// person: mode "structure" or profession "établissement".
func (m Member) IsOrganisation() bool {
	return m.Mode == ModeStructure || m.Profession == Etablissement
}

// Normalized returns m with names and specialty trimmed (inner runs of spaces
// collapsed) and identifiers normalised (spaces removed). It never fails:
// Validate says what is wrong.
func (m Member) Normalized() Member {
	m.LastName = collapse(m.LastName)
	m.FirstName = collapse(m.FirstName)
	m.Specialty = collapse(m.Specialty)
	m.RPPS = Normalize(m.RPPS)
	m.CommuneCode = Normalize(m.CommuneCode)
	m.Email = strings.TrimSpace(m.Email)
	m.Phone = strings.TrimSpace(m.Phone)
	return m
}

func collapse(s string) string { return strings.Join(strings.Fields(s), " ") }

// Validate checks every field of the (normalised) member and returns ALL the
// problems as FieldErrors, or nil.
//
// Decisions (docs/rules.md §2; ours where the sources are silent):
//   - last name required; first name required for a person, not for an
//     organisation (mode "structure" or profession "établissement");
//   - a specialty is required for a médecin spécialiste (ESS, URPS HDF guide) and a
//     precision for "autre";
//   - an "établissement" is always in mode "structure";
//   - the RPPS is optional (psychologues, social actors and organisations have
//     none, and a newly installed professional may not know it yet) but checked
//     when given; an organisation has no RPPS;
//   - the commune code is required and only format-checked here.
func (m Member) Validate() error {
	m = m.Normalized()
	fe := FieldErrors{}
	switch {
	case m.LastName == "":
		fe.Add("last_name", "Le nom est obligatoire.")
	case utf8.RuneCountInString(m.LastName) > MaxNameLen:
		fe.Add("last_name", "Le nom est trop long (100 caractères au plus).")
	}
	switch {
	case m.FirstName == "" && !m.IsOrganisation():
		fe.Add("first_name", "Le prénom est obligatoire.")
	case utf8.RuneCountInString(m.FirstName) > MaxNameLen:
		fe.Add("first_name", "Le prénom est trop long (100 caractères au plus).")
	}
	switch {
	case m.Profession == "":
		fe.Add("profession", "La profession est obligatoire.")
	case !m.Profession.Valid():
		fe.Add("profession", "Profession inconnue.")
	case m.Profession.NeedsSpecialty() && m.Specialty == "":
		if m.Profession == MedecinSpecialiste {
			fe.Add("specialty", "La spécialité est obligatoire pour un médecin spécialiste.")
		} else {
			fe.Add("specialty", "Précisez la profession.")
		}
	}
	if utf8.RuneCountInString(m.Specialty) > MaxNameLen {
		fe.Add("specialty", "La spécialité est trop longue (100 caractères au plus).")
	}
	for _, f := range [][2]string{{"last_name", m.LastName}, {"first_name", m.FirstName}, {"specialty", m.Specialty}} {
		if HasForbiddenChars(f[1]) {
			fe.Add(f[0], MsgNameChars)
		}
	}
	switch {
	case m.Mode == "":
		fe.Add("mode", "Le mode d'exercice est obligatoire.")
	case !m.Mode.Valid():
		fe.Add("mode", "Mode d'exercice inconnu (libéral, salarié ou structure).")
	case m.Profession == Etablissement && m.Mode != ModeStructure:
		fe.Add("mode", "Un établissement est membre au titre de structure : choisissez le mode « Structure ».")
	}
	if m.RPPS != "" && m.IsOrganisation() {
		fe.Add("rpps", "Une structure n'a pas de numéro RPPS (il identifie une personne).")
	} else {
		_, err := ParseRPPS(m.RPPS)
		fe.addErr("rpps", err)
	}
	_, err := ParseCommuneCode(m.CommuneCode)
	fe.addErr("commune_code", err)
	if m.OwnStructureID != nil && *m.OwnStructureID <= 0 {
		fe.Add("own_structure_id", "Structure d'exercice inconnue.")
	}
	if m.Email != "" {
		_, err := ParseEmail(m.Email)
		fe.addErr("email", err)
	}
	_, err = ParsePhone(m.Phone)
	fe.addErr("phone", err)
	return fe.Err()
}
