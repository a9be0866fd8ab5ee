package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/portail-aci/aci/internal/seed"
)

// A new password on /compte follows auth.PasswordProblem: common passwords,
// the e-mail and the product's name are refused at the field; a long
// passphrase is taken.
func TestAccountPasswordPolicy(t *testing.T) {
	e := newEnv(t)
	c := e.loggedIn(ctMspCoord)
	for _, tc := range []struct{ password, want string }{
		{"Password2024!", "plus courants"},
		{"azerty123456", "plus courants"},
		{"msp du bord de mer", "adresse e-mail"},
		{"portail-aci-2025", "Portail ACI"},
		{"PortailAci secret 2025", "Portail ACI"},
	} {
		r := c.post("/compte/mot-de-passe", url.Values{"current_password": {seed.DemoPassword}, "new_password": {tc.password}, "confirm_password": {tc.password}})
		f := r.doc(t).Find(`[data-testid=field-new_password]`)
		if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(f.Find(".error-msg").Text(), tc.want) {
			t.Errorf("%q: %d %q", tc.password, r.StatusCode, f.Text())
		}
	}
	const good = "quatre mots sans rapport évident"
	if r := c.post("/compte/mot-de-passe", url.Values{"current_password": {seed.DemoPassword}, "new_password": {good}, "confirm_password": {good}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("passphrase: %d", r.StatusCode)
	}
	// The demo accounts' password is set by the seed, not chosen: they still
	// log in with it.
	if _, r := loginWith(e, ctValCoord, seed.DemoPassword); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("demo login: %d", r.StatusCode)
	}
}
