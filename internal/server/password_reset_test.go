package server_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/portail-aci/aci/internal/auth"
	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/store"
	"github.com/portail-aci/aci/internal/store/pgtest"
)

var resetLink = regexp.MustCompile(`/mot-de-passe/nouveau\?jeton=[A-Za-z0-9_%-]+`)

// resetMails returns the outbox e-mails to addr carrying a reset link.
func resetMails(t *testing.T, e *env, addr string) []string {
	t.Helper()
	ms := pgtest.Outbox(t, e.st, addr, 100)
	var links []string
	for _, m := range ms {
		if l := resetLink.FindString(m.Body); l != "" {
			links = append(links, l)
		}
	}
	return links
}

// TestForgotPassword: the same answer for an account and an unknown address;
// only the account gets an e-mail; its link sets a new password once, within
// 30 minutes; requests are limited per address.
func TestForgotPassword(t *testing.T) {
	e := newEnv(t)
	const who = "referent@demo.portail-aci.fr"
	c := e.client()
	if d := c.get("/login").doc(t); d.Find(`[data-testid=forgot-link]`).AttrOr("href", "") != "/mot-de-passe-oublie" {
		t.Fatal("no « mot de passe oublié » link on the login page")
	}
	if r := c.post("/mot-de-passe-oublie", url.Values{"email": {""}}); r.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(r.doc(t).Find(`[data-testid=forgot-error]`).Text(), "Indiquez l'adresse") {
		t.Fatalf("empty address: %d", r.StatusCode)
	}
	known := c.post("/mot-de-passe-oublie", url.Values{"email": {who}})
	unknown := c.post("/mot-de-passe-oublie", url.Values{"email": {"personne@exemple.fr"}})
	if known.StatusCode != 200 || unknown.StatusCode != 200 {
		t.Fatalf("answers %d %d", known.StatusCode, unknown.StatusCode)
	}
	a := known.doc(t).Find(`main`).Text()
	b := strings.ReplaceAll(unknown.doc(t).Find(`main`).Text(), "personne@exemple.fr", who)
	if a != b || !strings.Contains(a, "Si un compte actif correspond") {
		t.Fatalf("the answers differ:\n%s\n---\n%s", a, b)
	}
	if l := resetMails(t, e, "personne@exemple.fr"); len(l) != 0 {
		t.Fatal("e-mail to an unknown address")
	}
	links := resetMails(t, e, who)
	if len(links) != 1 {
		t.Fatalf("reset e-mails: %d", len(links))
	}
	link := links[0]
	// The stored form is a hash: the token does not appear in the table.
	token, _ := url.QueryUnescape(strings.TrimPrefix(link, "/mot-de-passe/nouveau?jeton="))
	var n int
	if err := pgtest.Owner(t, e.st).QueryRow(context.Background(), `SELECT count(*) FROM password_reset_requests WHERE convert_to($1, 'UTF8') = token_hash`, token).Scan(&n); err != nil || n != 0 {
		t.Fatalf("token stored in clear: %d %v", n, err)
	}

	form := c.get(link)
	if form.StatusCode != 200 || form.doc(t).Find(`[data-testid=reset-form]`).Length() != 1 {
		t.Fatalf("reset form: %d", form.StatusCode)
	}
	if r := c.post("/mot-de-passe/nouveau", url.Values{"jeton": {token}, "new_password": {"court"}, "confirm_password": {"court"}}); r.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("short password: %d", r.StatusCode)
	}
	const pw = "une phrase de passe assez longue"
	if r := c.post("/mot-de-passe/nouveau", url.Values{"jeton": {token}, "new_password": {pw}, "confirm_password": {pw}}); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/login" {
		t.Fatalf("reset: %d", r.StatusCode)
	}
	u, err := e.st.UserByEmail(context.Background(), who)
	if err != nil || !auth.Check(u.PasswordHash, pw) {
		t.Fatalf("new password not set: %v", err)
	}
	// Single use.
	if r := c.get(link); r.StatusCode != http.StatusNotFound || r.doc(t).Find(`[data-testid=reset-invalid]`).Length() != 1 {
		t.Fatalf("second use: %d", r.StatusCode)
	}
	if r := c.post("/mot-de-passe/nouveau", url.Values{"jeton": {token}, "new_password": {pw + "2"}, "confirm_password": {pw + "2"}}); r.StatusCode != http.StatusNotFound {
		t.Fatalf("second use (POST): %d", r.StatusCode)
	}
	var audits int
	_ = pgtest.Owner(t, e.st).QueryRow(context.Background(), `SELECT count(*) FROM admin_audit WHERE action = 'password_reset' AND target_user_id = $1`, u.ID).Scan(&audits)
	if audits != 1 {
		t.Fatalf("audit rows %d", audits)
	}
	// Expired after 30 minutes.
	c.post("/mot-de-passe-oublie", url.Values{"email": {who}})
	links = resetMails(t, e, who)
	if len(links) != 2 {
		t.Fatalf("reset e-mails: %d", len(links))
	}
	*e.clock = e.clock.Add(store.ResetTTL + time.Minute)
	if r := c.get(links[0]); r.StatusCode != http.StatusNotFound {
		t.Fatalf("expired link: %d", r.StatusCode)
	}
	// Rate limited per address, known or not, with the same answer.
	for i := 0; i < store.ResetMaxPerEmail; i++ {
		c.post("/mot-de-passe-oublie", url.Values{"email": {"x@exemple.fr"}})
	}
	r := c.post("/mot-de-passe-oublie", url.Values{"email": {"x@exemple.fr"}})
	if r.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("over the limit: %d", r.StatusCode)
	}
}

// TestFirstLoginChoosesPassword: an account created with an initial password
// reaches only /compte until its owner has chosen their own.
func TestFirstLoginChoosesPassword(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	org, err := e.st.OrganisationIDByName(ctx, domain.OrgCPAM, "CPAM de l'Ain")
	if err != nil {
		t.Fatal(err)
	}
	const initial = "ABCD-EFGH-IJKL-MNOP-QRST-UVWX"
	hash, _ := auth.Hash(initial)
	if _, err := e.st.CreateAccount(ctx, store.CLIActor(), store.NewAccount{Email: "nouveau@exemple.fr", Name: "Nouvel Agent",
		PasswordHash: hash, OrgID: org, Role: domain.RoleReferent}); err != nil {
		t.Fatal(err)
	}
	c := e.client()
	if r := c.post("/login", url.Values{"email": {"nouveau@exemple.fr"}, "password": {initial}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %d", r.StatusCode)
	}
	for _, p := range []string{"/", "/structures", "/dossiers"} {
		if r := c.get(p); r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/compte") {
			t.Fatalf("%s before choosing: %d %q", p, r.StatusCode, r.Header.Get("Location"))
		}
	}
	if d := c.get("/compte").doc(t); d.Find(`[data-testid=must-change-password]`).Length() != 1 {
		t.Fatal("no notice on /compte")
	}
	const mine = "ma propre phrase de passe"
	r := c.post("/compte/mot-de-passe", url.Values{"current_password": {initial}, "new_password": {mine}, "confirm_password": {mine}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("change: %d %s", r.StatusCode, r.body)
	}
	if r := c.get("/"); r.StatusCode != 200 {
		t.Fatalf("home after choosing: %d", r.StatusCode)
	}
	if d := c.get("/compte").doc(t); d.Find(`[data-testid=must-change-password]`).Length() != 0 {
		t.Fatal("notice still shown")
	}
}
