package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

// The owner sees their active sessions on /compte (device, address, last
// use; the current one marked) and ends one of the others, or all the
// others after a confirmation page (no JavaScript). Another user's session
// cannot be ended by its id.
func TestAccountSessions(t *testing.T) {
	e := newEnv(t)
	const email = "coordinateur@demo.portail-aci.fr"
	open := func(ua string) *client {
		c := e.client()
		c.ua = ua
		c.login(email)
		return c
	}
	ff := open("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0")
	ch := open("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36")
	sa := open("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1")
	other := e.loggedIn("coordinateur.b@demo.portail-aci.fr")

	d := ff.get("/compte").doc(t)
	rows := d.Find(`[data-testid="session-row"]`)
	if rows.Length() != 3 {
		t.Fatalf("%d sessions listed, want 3:\n%s", rows.Length(), d.Find(`[data-testid="sessions"]`).Text())
	}
	text := d.Find(`[data-testid="sessions"]`).Text()
	for _, want := range []string{"Firefox sur Linux", "Chrome sur Windows", "Safari sur iOS", "127.0.0.1"} {
		if !strings.Contains(text, want) {
			t.Errorf("%q not in the list:\n%s", want, text)
		}
	}
	cur := d.Find(`[data-testid="session-row"][data-current]`)
	if cur.Length() != 1 || !strings.Contains(cur.Text(), "Firefox sur Linux") || !strings.Contains(cur.Text(), "cette session") {
		t.Fatalf("current session not marked: %q", cur.Text())
	}
	if cur.Find(`[data-testid="end-session"]`).Length() != 0 || d.Find(`[data-testid="end-session"]`).Length() != 2 {
		t.Fatal("end buttons: one per other session")
	}

	// End the Chrome session: it is logged out, the others are not.
	var chromeID string
	d.Find(`[data-testid="session-row"]`).Each(func(_ int, s *goquery.Selection) {
		if strings.Contains(s.Text(), "Chrome sur Windows") {
			chromeID, _ = s.Find(`input[name="session"]`).Attr("value")
		}
	})
	if chromeID == "" {
		t.Fatal("no id for the Chrome session")
	}
	// Another user cannot end it.
	if r := other.post("/compte/sessions/terminer", url.Values{"session": {chromeID}}); r.StatusCode != http.StatusNotFound {
		t.Fatalf("another user ends it: %d", r.StatusCode)
	}
	if r := ch.get("/compte"); r.StatusCode != http.StatusOK {
		t.Fatalf("Chrome session ended by another user: %d", r.StatusCode)
	}
	if r := ff.post("/compte/sessions/terminer", url.Values{"session": {chromeID}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("end: %d %s", r.StatusCode, r.body)
	}
	if r := ch.get("/compte"); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("ended session still logged in: %d", r.StatusCode)
	}
	if r := sa.get("/compte"); r.StatusCode != http.StatusOK {
		t.Fatalf("Safari session ended too: %d", r.StatusCode)
	}

	// End all others: a confirmation page first (GET commits nothing).
	d = ff.get("/compte/sessions/autres").doc(t)
	if d.Find(`form[data-testid="end-others-form"]`).Length() != 1 {
		t.Fatal("no confirmation form")
	}
	if r := sa.get("/compte"); r.StatusCode != http.StatusOK {
		t.Fatalf("confirmation page ended sessions: %d", r.StatusCode)
	}
	if r := ff.post("/compte/sessions/autres", url.Values{}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("end others: %d", r.StatusCode)
	}
	if r := sa.get("/compte"); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("other session still logged in: %d", r.StatusCode)
	}
	if r := other.get("/compte"); r.StatusCode != http.StatusOK {
		t.Fatalf("another user's session ended: %d", r.StatusCode)
	}
	d = ff.get("/compte").doc(t)
	if n := d.Find(`[data-testid="session-row"]`).Length(); n != 1 {
		t.Fatalf("%d sessions after ending the others", n)
	}
}
