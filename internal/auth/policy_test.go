package auth

import (
	"crypto/rand"
	"encoding/base32"
	"strings"
	"testing"
)

func TestPasswordProblem(t *testing.T) {
	const email = "Camille.Martin@cpam-ain.fr"
	for _, tc := range []struct {
		password string
		want     string // part of the refusal; "" when accepted
	}{
		// Long passphrases and random passwords pass.
		{"le chat de ma voisine dort au soleil", ""},
		{"correct cheval batterie agrafe", ""},
		{"K7QD-M2XA-PL4Z-9TRE-WQ3N-H8JS", ""},
		{"Tr0mbone!Violet#Rivière", ""},
		{"un mot de passe bien long", ""},
		{"ma nouvelle phrase secrète", ""},
		// Length.
		{"court", "au moins 12"},
		{strings.Repeat("é", 600), "1024 octets"},
		// Common passwords, and those with digits or symbols around.
		{"password1234", "plus courants"},
		{"Password2024!", "plus courants"},
		{"123456789012", "plus courants"},
		{"!!!!????2024", "plus courants"},
		{"Azertyuiop123", "plus courants"},
		{"azerty123456", "plus courants"},
		{"Motdepasse2024", "plus courants"},
		{"mot de passe 2024", "plus courants"},
		{"Mot-de-passe-2024", "plus courants"},
		{"winniethepooh", "plus courants"},
		{"WinnieThePooh99", "plus courants"},
		{"abcabcabcabc", "plus courants"},
		{"aaaaaaaaaaaaaaaa", "plus courants"},
		{"Bienvenue2025!", "plus courants"},
		// The e-mail and the product's name.
		{"camille.martin2025", "adresse e-mail"},
		{"Camille.Martin@cpam-ain.fr!", "adresse e-mail"},
		{"j'aime camille et les fleurs", "partie de votre adresse"},
		{"MARTIN est mon chat roux", "partie de votre adresse"},
		{"portail-aci-demo", "Portail ACI"},
		{"Portail ACI 2025 !", "Portail ACI"},
		{"monportailaci2025", "Portail ACI"},
		{"PORTAIL_ACI_secret", "Portail ACI"},
		{"le cabinet aci du quartier", ""}, // "aci" alone is a word like any other
	} {
		got := PasswordProblem(tc.password, email)
		if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
			t.Errorf("%q: %q, want %q", tc.password, got, tc.want)
		}
	}
	// A short local part (3 letters) is refused whole; its pieces are too
	// short to refuse alone.
	if got := PasswordProblem("msp de la vallée verte", "msp@demo.portail-aci.fr"); !strings.Contains(got, "adresse e-mail") {
		t.Errorf("local part msp: %q", got)
	}
	if got := PasswordProblem("le cabinet du bord de mer", "jo@ex.fr"); got != "" {
		t.Errorf("local part jo: %q", got)
	}
	// Generated passwords always pass.
	for range 200 {
		if p := generatedLike(); PasswordProblem(p, email) != "" {
			t.Fatalf("generated %q refused: %s", p, PasswordProblem(p, email))
		}
	}
}

// The list is the one the script makes: lower case, no comment, no
// duplicate, thousands of entries, the most common first.
func TestCommonPasswordsList(t *testing.T) {
	lines := strings.Split(strings.TrimSuffix(commonPasswords, "\n"), "\n")
	if len(lines) < 3000 || lines[0] != "123456" || lines[2] != "password" {
		t.Fatalf("%d lines, first %q", len(lines), lines[:3])
	}
	seen := map[string]bool{}
	for _, l := range lines {
		if l == "" || l != strings.ToLower(l) || strings.HasPrefix(l, "#!") || seen[l] {
			t.Fatalf("bad line %q", l)
		}
		seen[l] = true
	}
}

// generatedLike has the shape of server.GeneratePassword (which imports
// this package): six groups of four base32 characters.
func generatedLike() string {
	b := make([]byte, 15)
	_, _ = rand.Read(b)
	s := base32.StdEncoding.EncodeToString(b)
	var parts []string
	for i := 0; i < len(s); i += 4 {
		parts = append(parts, s[i:i+4])
	}
	return strings.Join(parts, "-")
}
