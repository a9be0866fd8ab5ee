package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestLoginSaysWhichFieldIsMissing: an empty field is named next to it, and
// no attempt is counted.
func TestLoginSaysWhichFieldIsMissing(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	for _, tc := range []struct {
		form          url.Values
		email, passwd bool
	}{
		{url.Values{}, true, true},
		{url.Values{"email": {"coordinateur@demo.portail-aci.fr"}}, false, true},
		{url.Values{"password": {"x"}}, true, false},
	} {
		r := c.post("/login", tc.form)
		d := r.doc(t)
		if r.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("%v: status %d", tc.form, r.StatusCode)
		}
		if got := d.Find(`[data-testid=email-missing]`).Length() == 1; got != tc.email {
			t.Errorf("%v: e-mail message %v", tc.form, got)
		}
		if got := d.Find(`[data-testid=password-missing]`).Length() == 1; got != tc.passwd {
			t.Errorf("%v: password message %v", tc.form, got)
		}
		if d.Find(`[data-testid=login-error]`).Length() != 0 {
			t.Errorf("%v: the generic failure message is shown", tc.form)
		}
	}
}

// TestManagerHomeListsContractsToSign: the CPAM manager's home lists the
// contracts waiting for the CPAM's signature, and no longer once signed.
func TestManagerHomeListsContractsToSign(t *testing.T) {
	e := newEnv(t)
	m := e.loggedIn(ctManagerA)
	if d := m.get("/").doc(t); strings.Contains(d.Text(), "Contrats en attente de votre signature") &&
		d.Find(`a[href$="/contrat"]`).Length() != 0 {
		t.Fatal("a contract listed before any is to sign")
	}
	id := e.ctAcceptVal()
	d := m.get("/").doc(t)
	if d.Find(`a[href="`+dpath(id, "/contrat")+`"]`).Length() != 1 || !strings.Contains(d.Text(), "Contrats en attente de votre signature") {
		t.Fatalf("contract to sign not on the manager's home:\n%s", d.Find("main").Text())
	}
	// The referent does not sign: no such block.
	if d := e.loggedIn(ctReferentA).get("/").doc(t); strings.Contains(d.Text(), "Contrats en attente de votre signature") {
		t.Error("signature block on the referent's home")
	}
}
