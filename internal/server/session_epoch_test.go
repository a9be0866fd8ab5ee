package server_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/portail-aci/aci/internal/seed"
)

// Changing one's password ends every other session of the account at its
// next request; the session that changed it stays open.
func TestPasswordChangeEndsOtherSessions(t *testing.T) {
	e := newEnv(t)
	const email = "coordinateur@demo.portail-aci.fr"
	here, elsewhere := e.loggedIn(email), e.loggedIn(email)
	for _, c := range []*client{here, elsewhere} {
		if r := c.get("/structures"); r.StatusCode != http.StatusOK {
			t.Fatalf("before: %d", r.StatusCode)
		}
	}
	const next = "une nouvelle phrase de passe bien longue"
	r := here.post("/compte/mot-de-passe", url.Values{"current_password": {seed.DemoPassword}, "new_password": {next}, "confirm_password": {next}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("password change: %d\n%s", r.StatusCode, r.body)
	}
	if r := here.get("/structures"); r.StatusCode != http.StatusOK {
		t.Errorf("the session that changed the password was ended: %d", r.StatusCode)
	}
	if r := elsewhere.get("/structures"); r.StatusCode != http.StatusSeeOther {
		t.Errorf("another session survived the password change: %d", r.StatusCode)
	}
	// The new password opens a new session, the old one does not.
	c := e.client()
	if r := c.post("/login", url.Values{"email": {email}, "password": {seed.DemoPassword}}); r.StatusCode != http.StatusOK {
		t.Errorf("old password accepted: %d", r.StatusCode)
	}
	if r := c.post("/login", url.Values{"email": {email}, "password": {next}}); r.StatusCode != http.StatusSeeOther {
		t.Errorf("new password refused: %d", r.StatusCode)
	}
	if r := c.get("/structures"); r.StatusCode != http.StatusOK {
		t.Errorf("new session: %d", r.StatusCode)
	}
}
