package registry

import (
	"net/mail"
	"strings"
	"unicode"

	"github.com/portail-aci/aci/internal/domain"
)

// Normalize removes every space (including the no-break spaces U+00A0 and
// U+202F that copy-pasting from PDFs and spreadsheets brings) from an
// identifier and upper-cases it: " 732 829 320 00074 " → "73282932000074".
func Normalize(s string) string {
	var b strings.Builder
	for _, r := range s {
		if unicode.IsSpace(r) || r == '\u00a0' || r == '\u202f' || r == '\u2007' {
			continue
		}
		b.WriteRune(unicode.ToUpper(r))
	}
	return b.String()
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// luhn reports whether the digit string s passes the Luhn (mod 10) check.
func luhn(s string) bool {
	sum := 0
	for i := 0; i < len(s); i++ {
		d := int(s[len(s)-1-i] - '0')
		if i%2 == 1 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}

// laPosteSIREN is the SIREN of La Poste, whose establishments are too many for
// a Luhn NIC.
const laPosteSIREN = "356000000"

// ParseSIRET normalises and validates a SIRET (required): 14 digits whose last
// is a Luhn check digit over the whole (INSEE). Exception published by INSEE:
// for La Poste (SIREN 356000000) a SIRET is also valid when the sum of its
// digits is a multiple of 5 (its siège, 356 000 000 00048, is an ordinary Luhn
// number, so either rule passes). Errors are on field "siret".
func ParseSIRET(raw string) (string, error) {
	s := Normalize(raw)
	switch {
	case s == "":
		return "", domain.FieldError("siret", "Le numéro SIRET est obligatoire.")
	case !allDigits(s) || len(s) != 14:
		return "", domain.FieldError("siret", "Le numéro SIRET doit comporter 14 chiffres.")
	case luhn(s):
		return s, nil
	case strings.HasPrefix(s, laPosteSIREN) && digitSum(s)%5 == 0:
		return s, nil
	}
	return "", domain.FieldError("siret", "Le numéro SIRET %s n'est pas valide (clé de contrôle incorrecte) : vérifiez sa saisie.", s)
}

func digitSum(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n += int(s[i] - '0')
	}
	return n
}

// ParseSIREN normalises and validates an optional SIREN: empty is allowed;
// otherwise 9 digits with a Luhn check digit (INSEE; La Poste's 356000000
// passes Luhn). Errors are on field "siren".
func ParseSIREN(raw string) (string, error) {
	s := Normalize(raw)
	switch {
	case s == "":
		return "", nil
	case !allDigits(s) || len(s) != 9:
		return "", domain.FieldError("siren", "Le numéro SIREN doit comporter 9 chiffres.")
	case !luhn(s):
		return "", domain.FieldError("siren", "Le numéro SIREN %s n'est pas valide (clé de contrôle incorrecte) : vérifiez sa saisie.", s)
	}
	return s, nil
}

// ParseFINESS normalises and validates a FINESS number (required when given to
// this function; docs/rules.md §1–§2: an MSP needs one to be paid). Errors are on
// field "finess".
//
// Decision (the official key algorithm could not be read from a primary
// source): a FINESS is 9 characters; the first two are the département code
// (01–19, 21–95, 2A/2B for Corsica, 97/98 overseas); the others are digits.
// For an all-digit FINESS the 9th digit is checked as a Luhn key over the nine
// digits — every real FINESS we checked passes it (AP-HP 750712184, HCL
// 690781810, AP-HM 130786049, CHU de La Réunion 970421038, 330781196,
// 310781406). For Corsica (2A/2B) the way the letter enters the key is not
// known to us: only the format is checked, never the key.
func ParseFINESS(raw string) (string, error) {
	s := Normalize(raw)
	if s == "" {
		return "", domain.FieldError("finess", "Le numéro FINESS est obligatoire.")
	}
	if len(s) != 9 {
		return "", domain.FieldError("finess", "Le numéro FINESS doit comporter 9 caractères.")
	}
	dep, rest := s[:2], s[2:]
	if !allDigits(rest) || !(dep == "2A" || dep == "2B" || allDigits(dep)) {
		return "", domain.FieldError("finess", "Le numéro FINESS ne contient que des chiffres (2A ou 2B en tête pour la Corse).")
	}
	if !validFINESSDepartement(dep) {
		return "", domain.FieldError("finess", "Le numéro FINESS doit commencer par un numéro de département (%s n'en est pas un).", dep)
	}
	if allDigits(dep) && !luhn(s) {
		return "", domain.FieldError("finess", "Le numéro FINESS %s n'est pas valide (clé de contrôle incorrecte) : vérifiez sa saisie.", s)
	}
	return s, nil
}

func validFINESSDepartement(dep string) bool {
	if dep == "2A" || dep == "2B" || dep == "97" || dep == "98" {
		return true
	}
	if !allDigits(dep) {
		return false
	}
	n := int(dep[0]-'0')*10 + int(dep[1]-'0')
	return n >= 1 && n <= 95 && n != 20
}

// ParseRPPS normalises and validates an RPPS number (empty is allowed; the
// caller decides whether it is required). Errors are on field "rpps".
//
// Decision: 11 digits, the last a Luhn check digit over the eleven — checked
// against a published real RPPS (10005173140 passes); the ANS documentation
// itself could not be read here. A made-up example of the FR Core FHIR guide
// (10101201234) fails it, as it should.
func ParseRPPS(raw string) (string, error) {
	s := Normalize(raw)
	switch {
	case s == "":
		return "", nil
	case !allDigits(s) || len(s) != 11:
		return "", domain.FieldError("rpps", "Le numéro RPPS doit comporter 11 chiffres.")
	case !luhn(s):
		return "", domain.FieldError("rpps", "Le numéro RPPS %s n'est pas valide (clé de contrôle incorrecte) : vérifiez sa saisie.", s)
	}
	return s, nil
}

// ParseEmail validates a required e-mail address: one bare address (no display
// name), at most 254 characters, a domain containing a dot. The domain is
// lower-cased. Errors are on field "email".
func ParseEmail(raw string) (string, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return "", domain.FieldError("email", "L'adresse e-mail est obligatoire.")
	}
	bad := domain.FieldError("email", "L'adresse e-mail %q n'est pas valide (exemple : prenom.nom@exemple.fr).", s)
	if len(s) > 254 || strings.ContainsAny(s, " <>,;") {
		return "", bad
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return "", bad
	}
	at := strings.LastIndexByte(s, '@')
	local, host := s[:at], strings.ToLower(s[at+1:])
	if local == "" || !strings.Contains(host, ".") || strings.HasPrefix(host, ".") || strings.HasSuffix(host, ".") || strings.Contains(host, "..") {
		return "", bad
	}
	return local + "@" + host, nil
}

// ParsePhone validates an optional phone number (empty allowed). Spaces, dots,
// dashes and parentheses are removed. Accepted: a French number of 10 digits
// starting 0 (not 00), returned as is; "+33" or "0033" followed by 9 digits,
// returned in the 0X form; any other international number "+" followed by 8 to
// 15 digits (E.164: overseas "+262", "+590" ... and foreign numbers), returned
// as "+digits". Errors are on field "phone".
func ParsePhone(raw string) (string, error) {
	var b strings.Builder
	for _, r := range raw {
		switch {
		case unicode.IsSpace(r) || r == '.' || r == '-' || r == '(' || r == ')' || r == '\u00a0' || r == '\u202f':
		default:
			b.WriteRune(r)
		}
	}
	s := b.String()
	if s == "" {
		return "", nil
	}
	bad := domain.FieldError("phone", "Le numéro de téléphone n'est pas valide (exemple : 01 23 45 67 89 ou +33 1 23 45 67 89).")
	if strings.HasPrefix(s, "00") {
		s = "+" + s[2:]
	}
	if strings.HasPrefix(s, "+33") {
		s = "0" + strings.TrimPrefix(s[3:], "0") // "+33 (0)1 ..." is written often
		if len(s) != 10 || !allDigits(s) {
			return "", bad
		}
		return s, nil
	}
	if strings.HasPrefix(s, "+") {
		d := s[1:]
		if !allDigits(d) || len(d) < 8 || len(d) > 15 || d[0] == '0' {
			return "", bad
		}
		return s, nil
	}
	if len(s) != 10 || !allDigits(s) || s[0] != '0' || s[1] == '0' {
		return "", bad
	}
	return s, nil
}

// ParseCommuneCode normalises and format-checks a required INSEE commune code
// (code officiel géographique): 5 characters, digits, or 2A/2B followed by 3
// digits for Corsica. Whether the commune exists is for the store to check
// against the reference data (see ImportReport.CommuneCodes). Errors are on
// field "commune_code".
func ParseCommuneCode(raw string) (string, error) {
	s := Normalize(raw)
	if s == "" {
		return "", domain.FieldError("commune_code", "Le code commune (code INSEE) est obligatoire.")
	}
	if len(s) == 4 && allDigits(s) {
		// Excel drops the leading zero of "01001": say so rather than guess.
		return "", domain.FieldError("commune_code", "Le code commune %s n'a que 4 chiffres : le 0 initial a sans doute été perdu (écrivez 0%s).", s, s)
	}
	if len(s) != 5 || !(allDigits(s) || (s[0] == '2' && (s[1] == 'A' || s[1] == 'B') && allDigits(s[2:]))) {
		return "", domain.FieldError("commune_code", "Le code commune doit être un code INSEE de 5 caractères (exemple : 59350, 2A004).")
	}
	if s[:2] == "00" || s[:2] == "20" || s[:2] == "96" || s[:2] == "99" {
		return "", domain.FieldError("commune_code", "Le code commune %s ne correspond à aucun département.", s)
	}
	return s, nil
}

// forbiddenNameRune reports a character no name may hold: a control
// character (C0, DEL, C1: they break the CSV exports and terminals) or a bidi
// embedding, override or isolate (U+202A–U+202E, U+2066–U+2069: they reverse
// how the rest of the line reads, e.g. "ESP \u202Efdp.exe").
func forbiddenNameRune(r rune) bool {
	return unicode.IsControl(r) || (r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069')
}

// MsgNameChars is the French message for a name HasForbiddenChars refuses.
const MsgNameChars = "Ce nom contient un caractère non autorisé (caractère de contrôle ou d'inversion du sens d'écriture) : retirez-le et recommencez."

// HasForbiddenChars reports whether a name (structure, member, user,
// organisation) holds a control or bidi-override character: such names are
// refused at their field with MsgNameChars.
func HasForbiddenChars(name string) bool { return strings.IndexFunc(name, forbiddenNameRune) >= 0 }
