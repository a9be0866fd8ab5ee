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

const adminEmail = "admin@demo.portail-aci.fr"

func (e *env) orgID(t *testing.T, kind, name string) string {
	t.Helper()
	var id int64
	if err := pgtest.Owner(t, e.st).QueryRow(context.Background(), `SELECT id FROM organisations WHERE kind = $1 AND name = $2`, kind, name).Scan(&id); err != nil {
		t.Fatalf("org %s %q: %v", kind, name, err)
	}
	return strconv.FormatInt(id, 10)
}

func (e *env) userID(t *testing.T, email string) string {
	t.Helper()
	u, err := e.st.UserByEmail(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	return strconv.FormatInt(u.ID, 10)
}

func loginWith(e *env, email, password string) (*client, resp) {
	c := e.client()
	return c, c.post("/login", url.Values{"email": {email}, "password": {password}})
}

// The national admin creates a CPAM referent; the password shown once lets
// them log in; the page does not show it again.
func TestAdminCreatesUserWhoCanLogIn(t *testing.T) {
	e := newEnv(t)
	admin := e.loggedIn(adminEmail)
	cpam := e.orgID(t, "cpam", "CPAM de l'Ain")

	r := admin.get("/admin/utilisateurs/nouveau")
	if r.StatusCode != http.StatusOK || r.doc(t).Find(`select[name=org_id] optgroup[label=CPAM] option[value="`+cpam+`"]`).Length() != 1 {
		t.Fatalf("form: %d", r.StatusCode)
	}
	r = admin.post("/admin/utilisateurs/nouveau", url.Values{"name": {"Nina Nouvelle"}, "email": {"Nina.Nouvelle@cpam-ain.fr"}, "org_id": {cpam}, "role": {"referent"}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("create: %d\n%s", r.StatusCode, r.body)
	}
	loc := r.Header.Get("Location")
	page := admin.get(loc)
	d := page.doc(t)
	password := strings.TrimSpace(d.Find(`[data-testid=password]`).Text())
	if page.StatusCode != http.StatusOK || len(password) != 29 || d.Find(`[data-testid=email]`).Text() != "nina.nouvelle@cpam-ain.fr" {
		t.Fatalf("account page: %d %q", page.StatusCode, password)
	}
	if !strings.Contains(d.Find(`[data-testid=audit]`).Text(), "Création du compte") {
		t.Fatalf("audit not shown")
	}
	if again := admin.get(loc).doc(t).Find(`[data-testid=password]`).Length(); again != 0 {
		t.Fatal("password shown twice")
	}
	nina, r := loginWith(e, "nina.nouvelle@cpam-ain.fr", password)
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("login with the shown password: %d", r.StatusCode)
	}
	if got := nina.get("/compte").doc(t).Find(`[data-testid=active-org]`).Text(); !strings.Contains(got, "CPAM de l'Ain") {
		t.Fatalf("active org: %q", got)
	}

	list := admin.get("/admin/utilisateurs?q=nouvelle&type=cpam").doc(t)
	if n := list.Find(`[data-testid=user-row]`).Length(); n != 1 || !strings.Contains(list.Find(`[data-testid=user-row]`).Text(), "actif") {
		t.Fatalf("list: %d rows", n)
	}
	if list.Find(`nav a[href="/admin/utilisateurs"]`).Length() == 0 {
		t.Fatal("no Administration nav entry for the admin")
	}
}

// Errors stay next to their field with the values kept: a role another
// kind of organisation grants, a taken e-mail, a missing name.
func TestAdminCreateUserErrors(t *testing.T) {
	e := newEnv(t)
	admin := e.loggedIn(adminEmail)
	cpam := e.orgID(t, "cpam", "CPAM de l'Ain")
	for _, tc := range []struct {
		name  string
		form  url.Values
		field string
		want  string
	}{
		{"role of an ARS in a CPAM", url.Values{"name": {"Paul"}, "email": {"paul@ex.fr"}, "org_id": {cpam}, "role": {"director"}}, "role", "n'existe pas pour une organisation de type CPAM"},
		{"e-mail taken", url.Values{"name": {"Paul"}, "email": {"REFERENT@demo.portail-aci.fr"}, "org_id": {cpam}, "role": {"referent"}}, "email", "existe déjà"},
		{"no name", url.Values{"name": {""}, "email": {"paul@ex.fr"}, "org_id": {cpam}, "role": {"referent"}}, "name", "Indiquez le nom"},
		{"no organisation", url.Values{"name": {"Paul"}, "email": {"paul@ex.fr"}, "role": {"referent"}}, "org_id", "Choisissez l'organisation"},
	} {
		r := admin.post("/admin/utilisateurs/nouveau", tc.form)
		d := r.doc(t)
		field := d.Find(`[data-testid=field-` + tc.field + `]`)
		if r.StatusCode != http.StatusUnprocessableEntity || !field.HasClass("has-error") || !strings.Contains(field.Find(".error-msg").Text(), tc.want) {
			t.Errorf("%s: %d, field %q", tc.name, r.StatusCode, field.Text())
			continue
		}
		if v, _ := d.Find(`input[name=email]`).Attr("value"); v != tc.form.Get("email") {
			t.Errorf("%s: e-mail not kept: %q", tc.name, v)
		}
		if tc.form.Get("org_id") != "" && d.Find(`select[name=org_id] option[selected]`).AttrOr("value", "") != cpam {
			t.Errorf("%s: organisation not kept", tc.name)
		}
		if d.Find(`[data-testid=error-summary]`).Length() != 1 {
			t.Errorf("%s: no error summary", tc.name)
		}
	}
	// Every error at once, each next to its field.
	d := admin.post("/admin/utilisateurs/nouveau", url.Values{"name": {""}, "email": {"referent@demo.portail-aci.fr"}, "org_id": {cpam}, "role": {"agent"}}).doc(t)
	for _, f := range []string{"name", "email", "role"} {
		if !d.Find(`[data-testid=field-` + f + `]`).HasClass("has-error") {
			t.Errorf("all errors at once: %s not marked", f)
		}
	}
	if n := d.Find(`[data-testid=error-summary] li`).Length(); n != 3 {
		t.Errorf("summary: %d errors", n)
	}
}

// Every /admin route, GET and POST, is a 404 for everyone but the national
// admin.
func TestAdminRoutesHiddenFromOthers(t *testing.T) {
	e := newEnv(t)
	uid := e.userID(t, "coordinateur@demo.portail-aci.fr")
	gets := []string{"/admin/utilisateurs", "/admin/utilisateurs/nouveau", "/admin/utilisateurs/" + uid, "/admin/organisations"}
	posts := []string{"/admin/utilisateurs/nouveau", "/admin/utilisateurs/" + uid + "/rattachements", "/admin/utilisateurs/" + uid + "/rattachements/retirer",
		"/admin/utilisateurs/" + uid + "/desactiver", "/admin/utilisateurs/" + uid + "/reactiver", "/admin/organisations"}
	for _, email := range []string{"coordinateur@demo.portail-aci.fr", "msp@demo.portail-aci.fr", "referent@demo.portail-aci.fr", "ars@demo.portail-aci.fr", "dcgdr@demo.portail-aci.fr"} {
		c := e.loggedIn(email)
		if c.get("/").doc(t).Find(`nav a[href="/admin/utilisateurs"]`).Length() != 0 {
			t.Errorf("%s sees the Administration entry", email)
		}
		for _, p := range gets {
			if r := c.get(p); r.StatusCode != http.StatusNotFound {
				t.Errorf("%s GET %s: %d", email, p, r.StatusCode)
			}
		}
		for _, p := range posts {
			if r := c.post(p, url.Values{"org_id": {"1"}, "role": {"admin"}, "name": {"X"}, "email": {"x@x.fr"}, "kind": {"cpam"}}); r.StatusCode != http.StatusNotFound {
				t.Errorf("%s POST %s: %d", email, p, r.StatusCode)
			}
		}
	}
	if u, _ := e.st.UserByEmail(context.Background(), "coordinateur@demo.portail-aci.fr"); u.DisabledAt != nil {
		t.Fatal("a non-admin disabled an account")
	}
}

// Disabling an account ends its session at its next request; re-enabling
// lets it log in again; memberships can be added (role checked) and removed.
func TestAdminDisableEndsSessionAndMemberships(t *testing.T) {
	e := newEnv(t)
	admin := e.loggedIn(adminEmail)
	coord := e.loggedIn("coordinateur@demo.portail-aci.fr")
	if r := coord.get("/structures"); r.StatusCode != http.StatusOK {
		t.Fatalf("coordinator before: %d", r.StatusCode)
	}
	uid := e.userID(t, "coordinateur@demo.portail-aci.fr")
	page := admin.get("/admin/utilisateurs/" + uid).doc(t)
	if c, _ := page.Find(`form[action$="/desactiver"]`).Attr("data-confirm"); !strings.Contains(c, "Ses sessions prennent fin immédiatement") {
		t.Fatalf("confirmation: %q", c)
	}
	if r := admin.post("/admin/utilisateurs/"+uid+"/desactiver", nil); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("disable: %d", r.StatusCode)
	}
	if r := coord.get("/structures"); r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login") {
		t.Fatalf("disabled user's session still works: %d %s", r.StatusCode, r.Header.Get("Location"))
	}
	if _, r := loginWith(e, "coordinateur@demo.portail-aci.fr", seed.DemoPassword); r.StatusCode == http.StatusSeeOther {
		t.Fatal("disabled user logged in")
	}
	if st := admin.get("/admin/utilisateurs/" + uid).doc(t).Find(`[data-testid=status]`).Text(); st != "désactivé" {
		t.Fatalf("status: %q", st)
	}
	if r := admin.post("/admin/utilisateurs/"+uid+"/reactiver", nil); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("enable: %d", r.StatusCode)
	}
	if _, r := loginWith(e, "coordinateur@demo.portail-aci.fr", seed.DemoPassword); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("re-enabled user cannot log in: %d", r.StatusCode)
	}

	other := e.orgID(t, "structure", "CPTS des Monts de Démo")
	r := admin.post("/admin/utilisateurs/"+uid+"/rattachements", url.Values{"org_id": {other}, "role": {"referent"}})
	if f := r.doc(t).Find(`[data-testid=add-membership] [data-testid=field-role]`); r.StatusCode != http.StatusUnprocessableEntity || !f.HasClass("has-error") {
		t.Fatalf("referent in a structure: %d", r.StatusCode)
	}
	if r := admin.post("/admin/utilisateurs/"+uid+"/rattachements", url.Values{"org_id": {other}, "role": {"member"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("add membership: %d", r.StatusCode)
	}
	if n := admin.get("/admin/utilisateurs/" + uid).doc(t).Find(`[data-testid=memberships] tbody tr`).Length(); n != 2 {
		t.Fatalf("memberships: %d", n)
	}
	if r := admin.post("/admin/utilisateurs/"+uid+"/rattachements/retirer", url.Values{"org_id": {other}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("remove membership: %d", r.StatusCode)
	}
	// The admin cannot disable themselves.
	self := e.userID(t, adminEmail)
	admin.post("/admin/utilisateurs/"+self+"/desactiver", nil)
	if u, _ := e.st.UserByEmail(context.Background(), adminEmail); u.DisabledAt != nil {
		t.Fatal("admin disabled themselves")
	}
	var n int
	if err := pgtest.Owner(t, e.st).QueryRow(context.Background(), `SELECT count(*) FROM admin_audit WHERE target_user_id = $1`, uid).Scan(&n); err != nil || n != 4 {
		t.Fatalf("audit rows: %d %v", n, err)
	}
}

// A new CPAM with its départements, then refused duplicates and missing
// choices next to their field.
func TestAdminCreatesOrganisation(t *testing.T) {
	e := newEnv(t)
	admin := e.loggedIn(adminEmail)
	r := admin.post("/admin/organisations", url.Values{"kind": {"cpam"}, "name": {"CPAM du Rhône"}, "departements": {"69"}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("create CPAM: %d\n%s", r.StatusCode, r.body)
	}
	if !strings.Contains(admin.get("/admin/organisations").doc(t).Find(`[data-testid=orgs]`).Text(), "CPAM du Rhône") {
		t.Fatal("CPAM not listed")
	}
	for _, tc := range []struct {
		form  url.Values
		field string
	}{
		{url.Values{"kind": {"cpam"}, "name": {"CPAM du Rhône"}, "departements": {"69"}}, "name"},
		{url.Values{"kind": {"cpam"}, "name": {"CPAM de la Loire"}}, "departements"},
		{url.Values{"kind": {"ars"}, "name": {"ARS Bretagne"}}, "region"},
	} {
		r := admin.post("/admin/organisations", tc.form)
		if f := r.doc(t).Find(`[data-testid=field-` + tc.field + `]`); r.StatusCode != http.StatusUnprocessableEntity || !f.HasClass("has-error") {
			t.Errorf("%v: %d", tc.form, r.StatusCode)
		}
	}
}

// Password change on /compte: wrong current password, mismatch, too short,
// then success (the old password no longer works, the new one does); the
// wrong guesses count as login failures (rate limit).
func TestAccountPasswordChange(t *testing.T) {
	e := newEnv(t)
	const email = "msp@demo.portail-aci.fr"
	c := e.loggedIn(email)
	if c.get("/compte").doc(t).Find(`[data-testid=password-form] input[type=password]`).Length() != 3 {
		t.Fatal("no password form on /compte")
	}
	for _, tc := range []struct {
		name    string
		form    url.Values
		field   string
		message string
	}{
		{"wrong current", url.Values{"current_password": {"pas le bon mot de passe"}, "new_password": {"une nouvelle phrase"}, "confirm_password": {"une nouvelle phrase"}}, "current_password", "incorrect"},
		{"mismatch", url.Values{"current_password": {seed.DemoPassword}, "new_password": {"une nouvelle phrase"}, "confirm_password": {"une autre phrase"}}, "confirm_password", "ne correspond pas"},
		{"too short", url.Values{"current_password": {seed.DemoPassword}, "new_password": {"court"}, "confirm_password": {"court"}}, "new_password", "au moins 12"},
	} {
		r := c.post("/compte/mot-de-passe", tc.form)
		f := r.doc(t).Find(`[data-testid=field-` + tc.field + `]`)
		if r.StatusCode != http.StatusUnprocessableEntity || !f.HasClass("has-error") || !strings.Contains(f.Find(".error-msg").Text(), tc.message) {
			t.Errorf("%s: %d %q", tc.name, r.StatusCode, f.Text())
		}
		if v := r.doc(t).Find(`input[type=password][value!=""]`).Length(); v != 0 {
			t.Errorf("%s: a password is sent back", tc.name)
		}
	}
	r := c.post("/compte/mot-de-passe", url.Values{"current_password": {seed.DemoPassword}, "new_password": {"ma nouvelle phrase secrète"}, "confirm_password": {"ma nouvelle phrase secrète"}})
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/compte" {
		t.Fatalf("change: %d\n%s", r.StatusCode, r.body)
	}
	if r := c.get("/compte"); r.StatusCode != http.StatusOK {
		t.Fatalf("session after change (renewed token): %d", r.StatusCode)
	}
	if _, r := loginWith(e, email, seed.DemoPassword); r.StatusCode == http.StatusSeeOther {
		t.Fatal("old password still works")
	}
	if _, r := loginWith(e, email, "ma nouvelle phrase secrète"); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("new password: %d", r.StatusCode)
	}

	// Guessing the current password is rate-limited like the login.
	g := e.loggedIn("coordinateur@demo.portail-aci.fr")
	var last resp
	for i := 0; i < 6; i++ {
		*e.clock = e.clock.Add(time.Second) // the test clock is frozen: attempts after the login's success
		last = g.post("/compte/mot-de-passe", url.Values{"current_password": {"devinette " + strconv.Itoa(i)}, "new_password": {"une nouvelle phrase"}, "confirm_password": {"une nouvelle phrase"}})
	}
	if last.StatusCode != http.StatusTooManyRequests || last.doc(t).Find(`[data-testid=password-blocked]`).Length() != 1 {
		t.Fatalf("6th guess: %d", last.StatusCode)
	}
	if _, r := loginWith(e, "coordinateur@demo.portail-aci.fr", seed.DemoPassword); r.StatusCode == http.StatusSeeOther {
		t.Fatal("login not blocked after the guesses")
	}
}
