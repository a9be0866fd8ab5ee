package server_test

// Audit of the foundation (docs/rules.md §23, §24): the https configuration path of
// the session cookie and HSTS, the session timeouts, the 500 page with its
// request id, no-store on logged-in pages and the security log lines
// (never a password).

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/portail-aci/aci/internal/config"
	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/seed"
	"github.com/portail-aci/aci/internal/server"
	"github.com/portail-aci/aci/internal/store/pgtest"
)

// syncBuffer is a log sink safe for concurrent handlers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// newEnvWith is newEnv with extra environment variables and a captured log.
func newEnvWith(t *testing.T, vars map[string]string) (*env, *syncBuffer) {
	t.Helper()
	t.Parallel() // as newEnv
	st := pgtest.Store(t, time.Now)
	if err := seed.Demo(context.Background(), st); err != nil {
		t.Fatal(err)
	}
	all := map[string]string{"ADDR": "127.0.0.1:0", "MFA": "optional"}
	for k, v := range vars {
		all[k] = v
	}
	cfg, err := config.Parse(func(k string) string { return all[k] })
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, st: st}
	now := time.Now()
	e.clock = &now
	buf := &syncBuffer{}
	log := slog.New(slog.NewTextHandler(buf, nil))
	e.ts = httptest.NewServer(server.New(cfg, st, log, server.Options{Now: func() time.Time { return *e.clock }}))
	t.Cleanup(e.ts.Close)
	return e, buf
}

// With BASE_URL in https the session cookie is __Host- prefixed, Secure,
// HttpOnly, SameSite=Lax, Path=/ without Domain, and HSTS is sent
// (docs/rules.md §23).
func TestHTTPSCookieAndHSTS(t *testing.T) {
	const base = "https://portail.example"
	e, _ := newEnvWith(t, map[string]string{"BASE_URL": base})
	c := e.client()
	if h := c.get("/login").Header.Get("Strict-Transport-Security"); !strings.Contains(h, "max-age=") {
		t.Errorf("HSTS with https BASE_URL: %q", h)
	}
	req, _ := http.NewRequest(http.MethodPost, e.ts.URL+"/login", strings.NewReader(url.Values{
		"email": {"coordinateur@demo.portail-aci.fr"}, "password": {seed.DemoPassword}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", base) // the public origin, behind a TLS proxy
	r := c.do(req)
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("login behind https: %d", r.StatusCode)
	}
	var ck *http.Cookie
	for _, x := range r.Cookies() {
		if strings.HasSuffix(x.Name, "aci_session") {
			ck = x
		}
	}
	if ck == nil || ck.Name != "__Host-aci_session" || !ck.Secure || !ck.HttpOnly ||
		ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" || ck.Domain != "" {
		t.Fatalf("https session cookie: %+v", ck)
	}
	if strings.Contains(r.Header.Get("Set-Cookie"), "Domain=") {
		t.Errorf("__Host- cookie with a Domain: %s", r.Header.Get("Set-Cookie"))
	}
}

// Session timeouts: 30 min idle, 12 h absolute by default (docs/rules.md §23);
// the stored expiry of a fresh session is the idle deadline.
func TestSessionTimeouts(t *testing.T) {
	cfg, err := config.Parse(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	if cfg.SessionIdle != 30*time.Minute || cfg.SessionLifetime != 12*time.Hour {
		t.Fatalf("defaults: idle %v, lifetime %v", cfg.SessionIdle, cfg.SessionLifetime)
	}
	e := newEnv(t)
	before := time.Now()
	e.loggedIn("coordinateur@demo.portail-aci.fr")
	var exp time.Time
	if err := pgtest.Owner(t, e.st).QueryRow(context.Background(), `SELECT max(expiry) FROM sessions`).Scan(&exp); err != nil {
		t.Fatal(err)
	}
	if d := exp.Sub(before); d < 29*time.Minute || d > 31*time.Minute {
		t.Errorf("session expiry %v after login, want ≈ 30 min idle", d)
	}
}

// Logged-in pages are not cached; the 404 and 500 pages give the request id.
func TestNoStoreAndErrorPagesWithRequestID(t *testing.T) {
	e := newEnv(t)
	c := e.loggedIn("coordinateur@demo.portail-aci.fr")
	val, _ := e.st.OrganisationIDByName(context.Background(), domain.OrgStructure, seed.ValDeDemo)
	for _, p := range []string{"/", "/structures", "/structures/" + strconv.FormatInt(val, 10)} {
		r := c.get(p)
		if r.StatusCode != 200 || !strings.Contains(strings.Join(r.Header.Values("Cache-Control"), ","), "no-store") {
			t.Errorf("%s: %d Cache-Control %v", p, r.StatusCode, r.Header.Values("Cache-Control"))
		}
	}
	r := c.get("/pas-de-page")
	id := r.doc(t).Find(`[data-testid=request-id]`).Text()
	if r.StatusCode != 404 || id == "" || id != r.Header.Get("X-Request-Id") {
		t.Errorf("404 page: %d request id %q (header %q)", r.StatusCode, id, r.Header.Get("X-Request-Id"))
	}
	// A database gone while serving a page: 500 with the French page and
	// the request id the support can look up.
	e.st.Pool.Close()
	r = c.get("/structures/" + strconv.FormatInt(val, 10))
	d := r.doc(t)
	id = d.Find(`[data-testid=request-id]`).Text()
	if r.StatusCode != 500 || d.Find(`[data-testid=error-page] h1`).Text() != "Une erreur est survenue" ||
		id == "" || id != r.Header.Get("X-Request-Id") {
		t.Fatalf("500 page: %d %q request id %q (header %q)", r.StatusCode, d.Find("h1").Text(), id, r.Header.Get("X-Request-Id"))
	}
}

// Login success, failure, rate limit and refused access are logged (who,
// what) and the password never appears in the log (docs/rules.md §23).
func TestSecurityLogWithoutPasswords(t *testing.T) {
	e, log := newEnvWith(t, nil)
	const wrong = "Mauvais-Secret-42"
	c := e.client()
	for range 6 {
		c.post("/login", url.Values{"email": {"coordinateur@demo.portail-aci.fr"}, "password": {wrong}})
	}
	ok := e.loggedIn("referent@demo.portail-aci.fr")
	monts, _ := e.st.OrganisationIDByName(context.Background(), domain.OrgStructure, seed.MontsDeDemo)
	if r := ok.get("/structures/" + strconv.FormatInt(monts, 10)); r.StatusCode != 404 {
		t.Fatalf("referent of the Ain on Monts: %d", r.StatusCode)
	}
	out := log.String()
	for _, want := range []string{
		`msg="login failure" email=coordinateur@demo.portail-aci.fr`,
		`msg="login refused: rate limited" email=coordinateur@demo.portail-aci.fr`,
		`msg="login success"`, `email=referent@demo.portail-aci.fr`,
		`msg="access refused or not found"`, `path=/structures/` + strconv.FormatInt(monts, 10),
	} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q", want)
		}
	}
	for _, secret := range []string{wrong, seed.DemoPassword} {
		if strings.Contains(out, secret) {
			t.Errorf("password %q in the log", secret)
		}
	}
}
