package server_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/seed"
	"github.com/portail-aci/aci/internal/store"
)

func TestHealthz(t *testing.T) {
	e := newEnv(t)
	r := e.client().get("/healthz")
	if r.StatusCode != 200 || strings.TrimSpace(r.body) != "ok" {
		t.Fatalf("healthz: %d %q", r.StatusCode, r.body)
	}
	e.st.Pool.Close()
	r = e.client().get("/healthz")
	if r.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("healthz without database: %d", r.StatusCode)
	}
}

func TestLoginLogout(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	// Anonymous: redirected to the login page, with the way back.
	r := c.get("/structures")
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/login?next=%2Fstructures" {
		t.Fatalf("anonymous /structures: %d %s", r.StatusCode, r.Header.Get("Location"))
	}
	r = c.get("/login")
	if r.StatusCode != 200 || r.doc(t).Find(`form[action="/login"] input[name=email]`).Length() != 1 {
		t.Fatalf("login page: %d", r.StatusCode)
	}
	r = c.post("/login", url.Values{"email": {" Coordinateur@Demo.Portail-ACI.fr "}, "password": {seed.DemoPassword}, "next": {"/structures"}})
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/structures" {
		t.Fatalf("login: %d %s", r.StatusCode, r.Header.Get("Location"))
	}
	var cookie *http.Cookie
	for _, ck := range r.Cookies() {
		if ck.Name == "aci_session" {
			cookie = ck
		}
	}
	if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode {
		t.Fatalf("session cookie: %+v", cookie)
	}
	r = c.get("/")
	d := r.doc(t)
	if r.StatusCode != 200 || d.Find(`[data-testid=user-name]`).Text() != "Camille Martin" ||
		!strings.Contains(d.Find(`[data-testid=active-org]`).Text(), seed.ValDeDemo) {
		t.Fatalf("home: %d %s", r.StatusCode, d.Find("header").Text())
	}
	if r.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("logged-in page Cache-Control = %q", r.Header.Get("Cache-Control"))
	}
	// Open redirect refused.
	c2 := e.client()
	r = c2.post("/login", url.Values{"email": {"referent@demo.portail-aci.fr"}, "password": {seed.DemoPassword}, "next": {"//evil.example/x"}})
	if r.Header.Get("Location") != "/" {
		t.Errorf("next=//evil: Location %q", r.Header.Get("Location"))
	}
	// Logout ends the session: the old cookie no longer works.
	r = c.post("/logout", nil)
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/login" {
		t.Fatalf("logout: %d", r.StatusCode)
	}
	old := e.client()
	old.c.Jar.SetCookies(mustURL(e.ts.URL), []*http.Cookie{{Name: "aci_session", Value: cookie.Value}})
	if r := old.get("/"); r.StatusCode != http.StatusSeeOther {
		t.Errorf("old session token still valid after logout: %d", r.StatusCode)
	}
}

func mustURL(s string) *url.URL { u, _ := url.Parse(s); return u }

func TestLoginFailureSameMessage(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	bad := c.post("/login", url.Values{"email": {"coordinateur@demo.portail-aci.fr"}, "password": {"wrong"}})
	unknown := c.post("/login", url.Values{"email": {"nobody@demo.portail-aci.fr"}, "password": {"wrong"}})
	for _, r := range []resp{bad, unknown} {
		if r.StatusCode != http.StatusOK {
			t.Errorf("failure status %d", r.StatusCode)
		}
	}
	m1 := bad.doc(t).Find(`[data-testid=login-error]`).Text()
	m2 := unknown.doc(t).Find(`[data-testid=login-error]`).Text()
	if m1 == "" || m1 != m2 {
		t.Errorf("messages differ or empty: %q vs %q", m1, m2)
	}
	if v, _ := bad.doc(t).Find(`input[name=email]`).Attr("value"); v != "coordinateur@demo.portail-aci.fr" {
		t.Errorf("typed e-mail lost: %q", v)
	}
}

func TestLongPassphraseNotTruncated(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	long := strings.Repeat("phrase de passe très longue ", 6) // > 128 characters
	u, _ := e.st.UserByEmail(ctx, "msp@demo.portail-aci.fr")
	h, err := authHash(long)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.st.ChangePassword(ctx, u.ID, u.Name, h); err != nil {
		t.Fatal(err)
	}
	c := e.client()
	// Same first 72 bytes, different end: refused (bcrypt would accept it).
	r := c.post("/login", url.Values{"email": {"msp@demo.portail-aci.fr"}, "password": {long[:100] + "x"}})
	if r.StatusCode != 200 {
		t.Fatalf("truncated passphrase accepted: %d", r.StatusCode)
	}
	r = c.post("/login", url.Values{"email": {"msp@demo.portail-aci.fr"}, "password": {long}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("long passphrase refused: %d", r.StatusCode)
	}
}

func TestLoginRateLimit(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	for i := 0; i < 5; i++ {
		r := c.post("/login", url.Values{"email": {"referent@demo.portail-aci.fr"}, "password": {"wrong" + strconv.Itoa(i)}})
		if r.StatusCode != 200 {
			t.Fatalf("failure %d: status %d", i, r.StatusCode)
		}
	}
	// Sixth attempt, even with the right password: wait.
	r := c.post("/login", url.Values{"email": {"referent@demo.portail-aci.fr"}, "password": {seed.DemoPassword}})
	msg := r.doc(t).Find(`[data-testid=login-error]`).Text()
	if r.StatusCode != http.StatusTooManyRequests || !strings.Contains(msg, "attendez") {
		t.Fatalf("6th attempt: %d %q", r.StatusCode, msg)
	}
	// Other accounts from the same address still log in.
	e.client().login("ars@demo.portail-aci.fr")
	// After the window, the account logs in again.
	*e.clock = e.clock.Add(16 * time.Minute)
	r = c.post("/login", url.Values{"email": {"referent@demo.portail-aci.fr"}, "password": {seed.DemoPassword}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("after the window: %d", r.StatusCode)
	}
}

func TestCrossOriginPostRefused(t *testing.T) {
	e := newEnv(t)
	c := e.loggedIn("coordinateur@demo.portail-aci.fr")
	req, _ := http.NewRequest(http.MethodPost, e.ts.URL+"/logout", nil)
	req.Header.Set("Origin", "https://evil.example")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	r := c.do(req)
	if r.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-origin POST: %d", r.StatusCode)
	}
	// Still logged in.
	if r := c.get("/"); r.StatusCode != 200 {
		t.Fatalf("session lost after a refused cross-origin POST: %d", r.StatusCode)
	}
	// Login CSRF is refused too.
	req, _ = http.NewRequest(http.MethodPost, e.ts.URL+"/login", strings.NewReader("email=a&password=b"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	if r := e.client().do(req); r.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-origin login: %d", r.StatusCode)
	}
}

func TestSecurityHeaders(t *testing.T) {
	e := newEnv(t)
	for _, p := range []string{"/login", "/healthz", "/nowhere"} {
		r := e.client().get(p)
		h := r.Header
		if !strings.Contains(h.Get("Content-Security-Policy"), "frame-ancestors 'none'") ||
			!strings.Contains(h.Get("Content-Security-Policy"), "default-src 'self'") ||
			h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") != "same-origin" {
			t.Errorf("%s: headers %v", p, h)
		}
		if h.Get("Strict-Transport-Security") != "" {
			t.Errorf("%s: HSTS over plain http", p)
		}
	}
}

func TestBadBodies(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	big := url.Values{"email": {strings.Repeat("a", 70<<10)}, "password": {"x"}}
	if r := c.post("/login", big); r.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(r.body, "volumineux") {
		t.Errorf("oversized login: %d", r.StatusCode)
	}
	req, _ := http.NewRequest(http.MethodPost, e.ts.URL+"/login", strings.NewReader("email=%zz&password=%"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if r := c.do(req); r.StatusCode != http.StatusBadRequest {
		t.Errorf("malformed form: %d", r.StatusCode)
	}
	req, _ = http.NewRequest(http.MethodPost, e.ts.URL+"/login", strings.NewReader("email=\xff\xfe&password=x"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if r := c.do(req); r.StatusCode != http.StatusBadRequest {
		t.Errorf("invalid UTF-8: %d", r.StatusCode)
	}
}

func TestDisabledUserSessionEnds(t *testing.T) {
	e := newEnv(t)
	c := e.loggedIn("coordinateur@demo.portail-aci.fr")
	if r := c.get("/structures"); r.StatusCode != 200 {
		t.Fatal(r.StatusCode)
	}
	u, _ := e.st.UserByEmail(context.Background(), "coordinateur@demo.portail-aci.fr")
	if err := e.st.SetUserDisabled(context.Background(), store.CLIActor(), u.ID, true); err != nil {
		t.Fatal(err)
	}
	if r := c.get("/structures"); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("disabled user still served: %d", r.StatusCode)
	}
	// And cannot log in again.
	r := e.client().post("/login", url.Values{"email": {"coordinateur@demo.portail-aci.fr"}, "password": {seed.DemoPassword}})
	if r.StatusCode != 200 {
		t.Fatalf("disabled user logged in: %d", r.StatusCode)
	}
}

func TestSwitchMembershipRenewsToken(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	u, _ := e.st.UserByEmail(ctx, "referent@demo.portail-aci.fr")
	monts, _ := e.st.OrganisationIDByName(ctx, domain.OrgStructure, seed.MontsDeDemo)
	if err := e.st.AddMembership(ctx, u.ID, monts, domain.RoleMember); err != nil {
		t.Fatal(err)
	}
	c := e.loggedIn("referent@demo.portail-aci.fr")
	before := sessionCookie(c, e)
	d := c.get("/").doc(t)
	if d.Find(`select[name=org_id] option`).Length() != 2 {
		t.Fatal("switcher not shown for two memberships")
	}
	r := c.post("/organisation", url.Values{"org_id": {strconv.FormatInt(monts, 10)}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("switch: %d", r.StatusCode)
	}
	if after := sessionCookie(c, e); after == before || after == "" {
		t.Error("session token not renewed on switch")
	}
	got := structureNames(t, c.get("/structures").doc(t))
	if !slices.Equal(got, []string{seed.MontsDeDemo}) {
		t.Errorf("after switch sees %v", got)
	}
	// Switching to an organisation one is not a member of: 404.
	lille, _ := e.st.OrganisationIDByName(ctx, domain.OrgStructure, seed.MSPLille)
	if r := c.post("/organisation", url.Values{"org_id": {strconv.FormatInt(lille, 10)}}); r.StatusCode != http.StatusNotFound {
		t.Errorf("switch to a foreign org: %d", r.StatusCode)
	}
}

func sessionCookie(c *client, e *env) string {
	for _, ck := range c.c.Jar.Cookies(mustURL(e.ts.URL)) {
		if ck.Name == "aci_session" {
			return ck.Value
		}
	}
	return ""
}

func structureNames(t *testing.T, d *goquery.Document) []string {
	var out []string
	d.Find(`[data-testid=structure-row] td:first-child a`).Each(func(_ int, s *goquery.Selection) {
		out = append(out, strings.TrimSpace(s.Text()))
	})
	slices.Sort(out)
	return out
}
