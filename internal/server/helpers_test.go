package server_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/jackc/pgx/v5"

	"github.com/portail-aci/aci/internal/config"
	"github.com/portail-aci/aci/internal/pdf"
	"github.com/portail-aci/aci/internal/seed"
	"github.com/portail-aci/aci/internal/server"
	"github.com/portail-aci/aci/internal/store"
	"github.com/portail-aci/aci/internal/store/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// env is a running test server on its own database with the demo data.
type env struct {
	t     testing.TB
	st    *store.Store
	ts    *httptest.Server
	now   time.Time
	clock *time.Time
}

// newEnv starts the test's server and runs the test in parallel with the
// package's other parallel tests (t.Parallel, when t is a *testing.T): each
// has its own database, server and clock, so they share nothing. A test that
// must have the process to itself — a real browser with its timeouts,
// t.Setenv, process-wide state — uses newSerialEnv instead.
func newEnv(t testing.TB) *env {
	t.Helper()
	if p, ok := t.(interface{ Parallel() }); ok {
		p.Parallel()
	}
	return newSerialEnv(t)
}

// newSerialEnv is newEnv without t.Parallel: Go runs the package's serial
// tests one at a time, before the parallel ones.
func newSerialEnv(t testing.TB) *env {
	t.Helper()
	return newSerialEnvTraced(t, nil)
}

// newSerialEnvTraced is newSerialEnv with tracer (nil: none) on the
// store's connections (the query-budget tests count statements with it).
func newSerialEnvTraced(t testing.TB, tracer pgx.QueryTracer) *env {
	t.Helper()
	e := &env{t: t}
	now := time.Now()
	e.clock = &now
	st := pgtest.StoreTraced(t, func() time.Time { return *e.clock }, tracer)
	e.st = st
	if err := seed.Demo(context.Background(), st); err != nil {
		t.Fatal(err)
	}
	// MFA optional, as the demo of make run: the demo accounts log in
	// with their password alone (a test of the required second factor
	// uses newEnvWith(t, map[string]string{"MFA": "required"})).
	cfg, err := config.Parse(func(k string) string { return map[string]string{"ADDR": "127.0.0.1:0", "MFA": "optional"}[k] })
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	// The reports (exports, steering) read through a read-only store on
	// the same database, as on a read replica in production.
	reports := pgtest.ReadOnly(t, st, func() time.Time { return *e.clock })
	srv := server.New(cfg, st, log, server.Options{Now: func() time.Time { return *e.clock }, PDF: pdf.New(pdf.Options{}), Reports: reports})
	e.ts = httptest.NewServer(srv)
	t.Cleanup(e.ts.Close)
	return e
}

// client is a browser-like client with its own cookie jar that does not
// follow redirects (tests look at them).
type client struct {
	e  *env
	c  *http.Client
	ua string // User-Agent sent when set
}

func (e *env) client() *client {
	jar, _ := cookiejar.New(nil)
	return &client{e: e, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

type resp struct {
	*http.Response
	body string
}

func (r resp) doc(t *testing.T) *goquery.Document {
	t.Helper()
	d, err := goquery.NewDocumentFromReader(strings.NewReader(r.body))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func (c *client) do(req *http.Request) resp {
	c.e.t.Helper()
	if c.ua != "" {
		req.Header.Set("User-Agent", c.ua)
	}
	res, err := c.c.Do(req)
	if err != nil {
		c.e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return resp{res, string(b)}
}

func (c *client) get(path string) resp {
	req, _ := http.NewRequest(http.MethodGet, c.e.ts.URL+path, nil)
	return c.do(req)
}

// post sends a same-origin form (as a browser would: Origin and
// Sec-Fetch-Site headers), confirmed as a browser with JavaScript does after
// the data-confirm dialog (confirm=1, unless the form sets confirm itself):
// postUnconfirmed sends it as it is.
func (c *client) post(path string, form url.Values) resp {
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["confirm"]; !ok {
		form = cloneValues(form)
		form.Set("confirm", "1")
	}
	return c.postUnconfirmed(path, form)
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// postUnconfirmed sends a same-origin form as it is (a browser without JavaScript).
func (c *client) postUnconfirmed(path string, form url.Values) resp {
	req, _ := http.NewRequest(http.MethodPost, c.e.ts.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", c.e.ts.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return c.do(req)
}

func (c *client) login(email string) {
	c.e.t.Helper()
	r := c.post("/login", url.Values{"email": {email}, "password": {seed.DemoPassword}})
	if r.StatusCode != http.StatusSeeOther {
		c.e.t.Fatalf("login %s: status %d\n%s", email, r.StatusCode, r.body)
	}
}

func (e *env) loggedIn(email string) *client {
	c := e.client()
	c.login(email)
	return c
}
