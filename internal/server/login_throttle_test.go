package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/portail-aci/aci/internal/seed"
	"github.com/portail-aci/aci/internal/store/pgtest"
)

// loginFrom posts the login form as if from address ip, relayed by the
// test's proxy (127.0.0.1) in X-Forwarded-For.
func (c *client) loginFrom(ip, email, password string) resp {
	req, _ := http.NewRequest(http.MethodPost, c.e.ts.URL+"/login", strings.NewReader(url.Values{"email": {email}, "password": {password}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", c.e.ts.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	if ip != "" {
		req.Header.Set("X-Forwarded-For", ip)
	}
	return c.do(req)
}

// Without TRUSTED_PROXIES, X-Forwarded-For is ignored: a client cannot
// escape the per-address throttle by writing another address in it.
func TestForwardedForIgnoredWithoutTrustedProxies(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	for i := range 5 {
		c.loginFrom("203.0.113."+strconv.Itoa(i), "inconnu"+strconv.Itoa(i)+"@ex.fr", "mauvais mot de passe")
	}
	if r := c.loginFrom("198.51.100.99", ctArsARA, seed.DemoPassword); r.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("spoofed X-Forwarded-For escaped the address throttle: %d", r.StatusCode)
	}
}

// With the proxy trusted, each forwarded address is its own; what the
// client wrote further left, and trusted inner proxies, are not the client.
func TestTrustedProxiesForwardedAddress(t *testing.T) {
	e2, _ := newEnvWith(t, map[string]string{"TRUSTED_PROXIES": "127.0.0.1/32, 10.0.0.0/8"})
	c2 := e2.client()
	for i := range 5 {
		c2.loginFrom("203.0.113.7", "inconnu"+strconv.Itoa(i)+"@ex.fr", "mauvais mot de passe")
	}
	if r := c2.loginFrom("203.0.113.7", ctArsARA, seed.DemoPassword); r.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("the sprayer's address is not throttled: %d", r.StatusCode)
	}
	if r := c2.loginFrom("203.0.113.8", ctArsARA, seed.DemoPassword); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("another client behind the proxy is throttled: %d", r.StatusCode)
	}
	if r := e2.client().loginFrom("198.51.100.1, 203.0.113.7", ctDcgdrARA, seed.DemoPassword); r.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("left-most (client-written) address believed: %d", r.StatusCode)
	}
	if r := e2.client().loginFrom("203.0.113.7, 10.1.2.3", ctDcgdrARA, seed.DemoPassword); r.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("trusted inner proxy taken for the client: %d", r.StatusCode)
	}
}

// One client spraying failures from an address shared by a whole office
// cannot lock the office out: accounts that have logged in from that
// address before still do at once; others wait a bounded backoff.
func TestAddressThrottleCannotLockEveryoneOut(t *testing.T) {
	e := newEnv(t) // every test client is 127.0.0.1: one office behind one address
	e.client().login(ctArsARA)
	sprayer := e.client()
	for i := range 8 {
		*e.clock = e.clock.Add(time.Second)
		sprayer.post("/login", url.Values{"email": {"inconnu" + strconv.Itoa(i) + "@ex.fr"}, "password": {"mauvais mot de passe"}})
	}
	if r := e.client().post("/login", url.Values{"email": {ctArsARA}, "password": {seed.DemoPassword}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("an account known at this address is locked out by another's spraying: %d", r.StatusCode)
	}
	r := e.client().post("/login", url.Values{"email": {ctDcgdrARA}, "password": {seed.DemoPassword}})
	if r.StatusCode != http.StatusTooManyRequests || !strings.Contains(r.doc(t).Find(`[data-testid=login-error]`).Text(), "attendez") {
		t.Fatalf("a new account at the spraying address: %d", r.StatusCode)
	}
	// The backoff is bounded: at most auth.Window (15 minutes).
	*e.clock = e.clock.Add(15*time.Minute + time.Second)
	if r := e.client().post("/login", url.Values{"email": {ctDcgdrARA}, "password": {seed.DemoPassword}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("after the bounded backoff: %d", r.StatusCode)
	}
}

// The account lock holds only addresses that never logged in to the
// account: its owner, at a usual address, still logs in with the right
// password; the lock grows with repeated attacks (backoff) and the owner is
// told by e-mail, once.
func TestAccountLockSparesKnownAddressesAndMailsTheOwner(t *testing.T) {
	e, _ := newEnvWith(t, map[string]string{"TRUSTED_PROXIES": "127.0.0.1"})
	const owner, attacker, other = "198.51.100.1", "203.0.113.9", "203.0.113.10"
	ctx := context.Background()
	if r := e.client().loginFrom(owner, ctReferentA, seed.DemoPassword); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("owner's first login: %d", r.StatusCode)
	}
	mails := func() int {
		var n int
		if err := pgtest.Owner(t, e.st).QueryRow(ctx, `SELECT count(*) FROM outbox WHERE to_email = $1 AND subject LIKE '%connexion%'`, ctReferentA).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	attack := func() {
		for range 5 {
			*e.clock = e.clock.Add(time.Second)
			if r := e.client().loginFrom(attacker, ctReferentA, "devinette"); r.StatusCode != http.StatusOK {
				t.Fatalf("attack attempt: %d", r.StatusCode)
			}
		}
	}
	attack()
	for _, ip := range []string{attacker, other} {
		if r := e.client().loginFrom(ip, ctReferentA, seed.DemoPassword); r.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("locked account from %s with the right password: %d", ip, r.StatusCode)
		}
	}
	if r := e.client().loginFrom(owner, ctReferentA, seed.DemoPassword); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("owner at a known address refused: %d", r.StatusCode)
	}
	if n := mails(); n != 1 {
		t.Fatalf("%d lock e-mails, want 1", n)
	}
	var body string
	if err := pgtest.Owner(t, e.st).QueryRow(ctx, `SELECT body FROM outbox WHERE to_email = $1 AND subject LIKE '%connexion%'`, ctReferentA).Scan(&body); err != nil ||
		!strings.Contains(body, attacker) || !strings.Contains(body, "mot de passe") {
		t.Fatalf("lock e-mail: %q %v", body, err)
	}

	// The attacker again, after the owner's success: a new lock (15
	// minutes) and a second e-mail. Once it ends, one more failure doubles
	// it (30 minutes): the rest of a batch of 5 is refused unchecked, so
	// "5 requests every 15 minutes" get one guess per lock, ever rarer.
	attack()
	*e.clock = e.clock.Add(16 * time.Minute)
	if r := e.client().loginFrom(attacker, ctReferentA, "devinette"); r.StatusCode != http.StatusOK {
		t.Fatalf("first guess after the lock: %d", r.StatusCode)
	}
	if r := e.client().loginFrom(attacker, ctReferentA, "devinette"); r.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("second guess after the lock: %d", r.StatusCode)
	}
	*e.clock = e.clock.Add(16 * time.Minute)
	if r := e.client().loginFrom(other, ctReferentA, seed.DemoPassword); r.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("second lock not longer than the first: %d", r.StatusCode)
	}
	*e.clock = e.clock.Add(15 * time.Minute)
	if r := e.client().loginFrom(other, ctReferentA, seed.DemoPassword); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("after the 30-minute lock: %d", r.StatusCode)
	}
	if n := mails(); n != 2 {
		t.Fatalf("%d lock e-mails, want 2 (one per lock after a success)", n)
	}
}
