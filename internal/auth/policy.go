package auth

import (
	_ "embed"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// commonPasswords is one lower-case password a line, most common first:
// John the Ripper's public-domain password.lst and a short French
// supplement (scripts/common-passwords.sh regenerates it).
//
//go:embed common_passwords.txt
var commonPasswords string

// productName is the product's name a chosen password may not contain
// (compared without case, spaces, dots, dashes or underscores, so
// "Portail-ACI", "portail aci" and "PORTAILACI" are all one). "aci" alone is
// too short a word to refuse.
const productName = "portailaci"

// PasswordProblem says in French why password may not be chosen for the
// account whose e-mail is email ("" when it may). The rule, for every place
// a password is chosen (account page, `aci user create`; generated
// passwords pass it by construction):
//   - MinPasswordRunes characters at least, MaxPasswordBytes bytes at most;
//     long passphrases are welcome;
//   - not a common password: neither the password, nor what is left of it
//     once the digits, spaces and symbols at both ends are removed
//     ("Password2024!" → "password"), nor that without its inner spaces and
//     dashes, is in the list of common passwords; a password of digits and
//     symbols only, or one short sequence repeated ("abcabcabcabc"), is
//     refused too;
//   - it contains neither the e-mail's local part (nor one of its pieces of
//     four letters or more: "camille.martin" → "camille", "martin") nor the
//     product's name.
//
// The demo accounts' password is set by the seed, not chosen: this rule
// does not apply to it (and would refuse it: it holds the product's name).
func PasswordProblem(password, email string) string {
	switch {
	case utf8.RuneCountInString(password) < MinPasswordRunes:
		return fmt.Sprintf("Le mot de passe doit compter au moins %d caractères.", MinPasswordRunes)
	case len(password) > MaxPasswordBytes:
		return fmt.Sprintf("Le mot de passe ne peut dépasser %d octets.", MaxPasswordBytes)
	}
	lower := strings.ToLower(password)
	squeezed := squeeze(lower)
	if strings.Contains(squeezed, productName) {
		return "Le mot de passe ne doit pas contenir le nom du Portail ACI : choisissez-en un qui ne se devine pas."
	}
	if local, _, ok := strings.Cut(strings.ToLower(strings.TrimSpace(email)), "@"); ok && local != "" {
		pieces := strings.FieldsFunc(local, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
		if utf8.RuneCountInString(local) >= 3 && (strings.Contains(lower, local) || strings.Contains(squeezed, squeeze(local))) {
			return "Le mot de passe ne doit pas contenir votre adresse e-mail : choisissez-en un qui ne se devine pas."
		}
		for _, p := range pieces {
			if utf8.RuneCountInString(p) >= 4 && strings.Contains(squeezed, p) {
				return "Le mot de passe ne doit pas contenir votre nom ni une partie de votre adresse e-mail : choisissez-en un qui ne se devine pas."
			}
		}
	}
	core := strings.TrimFunc(lower, func(r rune) bool { return !unicode.IsLetter(r) })
	if core == "" || repeated(lower) || isCommon(lower) || isCommon(core) || isCommon(squeeze(core)) {
		return "Ce mot de passe fait partie des plus courants (ou n'en diffère que par des chiffres ou des symboles) : il serait deviné en premier. " +
			"Choisissez plutôt une phrase de plusieurs mots, par exemple quatre mots sans rapport entre eux."
	}
	return ""
}

// squeeze drops spaces, dots, dashes and underscores.
func squeeze(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '.' || r == '-' || r == '_' {
			return -1
		}
		return r
	}, s)
}

// isCommon reports whether s (lower case) is a line of commonPasswords.
func isCommon(s string) bool {
	if s == "" || strings.ContainsRune(s, '\n') {
		return false
	}
	i := strings.Index("\n"+commonPasswords, "\n"+s+"\n")
	return i >= 0
}

// repeated reports whether s is one sequence of at most four characters
// repeated ("aaaaaaaaaaaa", "abcabcabcabc", "1212121212121").
func repeated(s string) bool {
	r := []rune(s)
	for n := 1; n <= 4 && n < len(r); n++ {
		same := true
		for i := n; i < len(r); i++ {
			if r[i] != r[i%n] {
				same = false
				break
			}
		}
		if same {
			return true
		}
	}
	return false
}
