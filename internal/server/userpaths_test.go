package server_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/portail-aci/aci/internal/config"
	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/seed"
	"github.com/portail-aci/aci/internal/server"
	"github.com/portail-aci/aci/internal/store/pgtest"
)

// userPathTables are the tables a form may change; fingerprint hashes them
// so a test sees any change, even a half-saved one.
var userPathTables = []string{
	"organisations", "organisation_departements", "users", "memberships",
	"members", "territories", "territory_communes", "territory_changes", "structure_changes",
	"dossiers", "dossier_content", "dossier_indicators", "dossier_complements", "dossier_audit",
	"documents", "document_versions", "document_reviews", "messages", "message_attachments",
	"contracts", "contract_signatures", "contract_avenants", "payments", "contract_missions",
	"crises", "crisis_results", "crisis_plan_versions", "contract_avenant_signatures", "contract_documents",
	"baremes", "bareme_amounts", "msp_indicators", "admin_audit", "stored_files", "user_mfa", "user_mfa_recovery_codes",
}

func (e *env) fingerprint(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, tb := range userPathTables {
		var h *string
		if err := pgtest.Owner(t, e.st).QueryRow(context.Background(),
			`SELECT md5(string_agg(x::text, '|' ORDER BY x::text)) FROM `+tb+` x`).Scan(&h); err != nil {
			t.Fatalf("fingerprint %s: %v", tb, err)
		}
		if h != nil {
			out[tb] = *h
		}
	}
	return out
}

func changedTables(a, b map[string]string) []string {
	var ch []string
	for _, tb := range userPathTables {
		if a[tb] != b[tb] {
			ch = append(ch, tb)
		}
	}
	return ch
}

// userPathIDs resolves the URL parameters of a route to records of one
// demo structure.
func (e *env) userPathIDs(t *testing.T, structure string) map[string]string {
	t.Helper()
	ctx := context.Background()
	q := func(sql string, args ...any) string {
		var v *int64
		if err := pgtest.Owner(t, e.st).QueryRow(ctx, sql, args...).Scan(&v); err != nil || v == nil {
			return "999999"
		}
		return strconv.FormatInt(*v, 10)
	}
	sid, err := e.st.OrganisationIDByName(ctx, domain.OrgStructure, structure)
	if err != nil {
		t.Fatal(err)
	}
	did := q(`SELECT max(id) FROM dossiers WHERE structure_id = $1`, sid)
	return map[string]string{
		"structure": strconv.FormatInt(sid, 10),
		"dossier":   did,
		"mid":       q(`SELECT max(id) FROM members WHERE structure_id = $1`, sid),
		"doc":       q(`SELECT max(d.id) FROM documents d WHERE d.dossier_id = $1::bigint`, did),
		"cid":       q(`SELECT max(id) FROM dossier_complements WHERE dossier_id = $1::bigint`, did),
		"pid":       q(`SELECT max(p.id) FROM payments p JOIN contracts c ON c.id = p.contract_id WHERE c.dossier_id = $1::bigint`, did),
		"contract":  q(`SELECT max(id) FROM contracts WHERE dossier_id = $1::bigint`, did),
		"mission":   "prevention",
		"nid":       q(`SELECT max(id) FROM notifications`),
		"section":   "1",
	}
}

func postRoutes(t *testing.T, e *env) []string {
	t.Helper()
	cfg, _ := config.Parse(func(k string) string { return map[string]string{"ADDR": "127.0.0.1:0"}[k] })
	srv := server.New(cfg, e.st, slog.New(slog.NewTextHandler(io.Discard, nil)), server.Options{})
	var routes []string
	if err := server.WalkRoutes(srv, func(method, pattern string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		if method == http.MethodPost && pattern != "/login" && pattern != "/logout" && pattern != "/static/*" {
			routes = append(routes, pattern)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return routes
}

// TestUserPathsEmptyForms submits every state-changing form of the product
// with NO fields at all, as every demo account on records of its own
// tenant (the allowed role and the other roles of the same tenant alike):
// the answer is never a 5xx, and nothing is saved — not even half — except
// for the few forms whose empty submission is a legitimate action (mark
// notifications read, account preferences with every box unticked).
func TestUserPathsEmptyForms(t *testing.T) {
	e := newEnv(t)
	routes := postRoutes(t, e)
	if len(routes) < 35 {
		t.Fatalf("only %d POST routes: the walk is broken", len(routes))
	}
	home := map[string]string{
		"coordinateur@demo.portail-aci.fr":   seed.ValDeDemo,
		"coordinateur.b@demo.portail-aci.fr": seed.MontsDeDemo,
		"msp@demo.portail-aci.fr":            seed.MSPLille,
		seed.CotiereCoordinator:              seed.CotiereDeDemo,
		"referent@demo.portail-aci.fr":       seed.ValDeDemo,
		"ars@demo.portail-aci.fr":            seed.MontsDeDemo,
		"dcgdr@demo.portail-aci.fr":          seed.ValDeDemo,
		"admin@demo.portail-aci.fr":          seed.ValDeDemo,
	}
	// An empty submission of these may legitimately change something:
	// unticked boxes are the values, or a lone button that is not
	// irreversible. (Irreversible lone buttons — removing a member,
	// deleting an indicator, disabling an account — ask for confirmation
	// first: empty, they change nothing.)
	mayChange := map[string]bool{
		"/notifications/lire":  true,
		"/notifications/{nid}": true,
		"/compte":              true,
	}
	uid := func(email string) string {
		var id int64
		if err := pgtest.Owner(t, e.st).QueryRow(context.Background(), `SELECT id FROM users WHERE email = $1`, email).Scan(&id); err != nil {
			t.Fatal(err)
		}
		return strconv.FormatInt(id, 10)
	}
	param := regexp.MustCompile(`\{[a-zA-Z]+\}`)
	for _, a := range seed.DemoAccounts() {
		c := e.loggedIn(a.Email)
		ids := e.userPathIDs(t, home[a.Email])
		ids["uid"] = uid("referent@demo.portail-aci.fr")
		for _, rt := range routes {
			path := param.ReplaceAllStringFunc(rt, func(p string) string {
				name := strings.Trim(p, "{}")
				switch {
				case name == "id" && strings.HasPrefix(rt, "/dossiers/"):
					return ids["dossier"]
				case name == "id" && strings.HasPrefix(rt, "/admin/utilisateurs/"):
					return ids["uid"]
				case name == "id" && strings.HasPrefix(rt, "/contrats/"):
					return ids["contract"]
				case name == "id" && strings.HasPrefix(rt, "/baremes/"):
					return "1"
				case name == "id" && strings.HasPrefix(rt, "/contrats/"):
					return ids["contract"]
				case name == "id":
					return ids["structure"]
				}
				if v, ok := ids[name]; ok {
					return v
				}
				return "1"
			})
			before := e.fingerprint(t)
			r := c.postUnconfirmed(path, url.Values{})
			after := e.fingerprint(t)
			if r.StatusCode >= 500 {
				t.Errorf("%s POST %s (empty): status %d", a.Email, path, r.StatusCode)
			}
			if ch := changedTables(before, after); len(ch) > 0 && !mayChange[rt] {
				t.Errorf("%s POST %s (empty): status %d and changed %v", a.Email, path, r.StatusCode, ch)
			}
			if r.StatusCode >= 400 && !strings.Contains(r.body, "lang=\"fr\"") {
				t.Errorf("%s POST %s (empty): status %d without a French page", a.Email, path, r.StatusCode)
			}
			t.Logf("%-36s %-60s %d", a.Email, rt, r.StatusCode)
		}
	}
}

// TestUserPathsDoubleSubmitAndWrongRole submits valid forms as a user would:
// first as a role of the same tenant that may not use the form (refused,
// nothing changes), then twice with the same values as the allowed role
// (a double click): exactly one effect, the second a clear refusal or a
// harmless success, never a duplicate row nor a 5xx.
func TestUserPathsDoubleSubmitAndWrongRole(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	val := e.demoDossierID(seed.ValDeDemo)
	cpam := e.orgID(t, "cpam", "CPAM de l'Ain")
	var refUID int64
	if err := pgtest.Owner(t, e.st).QueryRow(ctx, `SELECT id FROM users WHERE email = 'referent@demo.portail-aci.fr'`).Scan(&refUID); err != nil {
		t.Fatal(err)
	}
	ars := e.orgID(t, "ars", "ARS Auvergne-Rhône-Alpes")
	// Val de Démo's territory is frozen since its filing (docs/rules.md §7):
	// the territory form is tried on the Monts de Démo.
	montsID := e.regID(seed.MontsDeDemo)
	var freeCommune string
	var terrVersion int
	if err := pgtest.Owner(t, e.st).QueryRow(ctx, `SELECT c.code, coalesce((SELECT version FROM territories WHERE structure_id = $1::bigint), 0)
		FROM communes c WHERE c.departement = '69' AND NOT EXISTS (SELECT 1 FROM territory_communes t WHERE t.commune_code = c.code)
		ORDER BY c.population DESC LIMIT 1`, montsID).Scan(&freeCommune, &terrVersion); err != nil {
		t.Fatal(err)
	}
	count := func(sql string, args ...any) int {
		t.Helper()
		var n int
		if err := pgtest.Owner(t, e.st).QueryRow(ctx, sql, args...).Scan(&n); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		return n
	}
	clients := map[string]*client{}
	as := func(email string) *client {
		if clients[email] == nil {
			clients[email] = e.loggedIn(email)
		}
		return clients[email]
	}
	for _, tc := range []struct {
		name, path, allowed, refused string
		form                         url.Values
		count                        string // rows the form adds
		args                         []any
	}{
		{"indicateur MSP", "/baremes/msp", "admin@demo.portail-aci.fr", "msp@demo.portail-aci.fr",
			url.Values{"bareme": {"aci-msp-avenant-1"}, "code": {"protocoles"}, "label": {"Protocoles pluriprofessionnels"},
				"axis": {"travail_equipe"}, "kind": {"socle"}, "fixed_points": {"100"}, "variable_points": {"200"}},
			`SELECT count(*) FROM msp_indicators WHERE code = 'protocoles'`, nil},
		{"organisation", "/admin/organisations", "admin@demo.portail-aci.fr", "referent@demo.portail-aci.fr",
			url.Values{"kind": {"cpam"}, "name": {"CPAM du Rhône"}, "departements": {"69"}},
			`SELECT count(*) FROM organisations WHERE name = 'CPAM du Rhône'`, nil},
		{"compte", "/admin/utilisateurs/nouveau", "admin@demo.portail-aci.fr", "referent@demo.portail-aci.fr",
			url.Values{"name": {"Nina Nouvelle"}, "email": {"Nina.Nouvelle@cpam-ain.fr"}, "org_id": {cpam}, "role": {"referent"}},
			`SELECT count(*) FROM users WHERE lower(email) = 'nina.nouvelle@cpam-ain.fr'`, nil},
		{"rattachement", "/admin/utilisateurs/" + strconv.FormatInt(refUID, 10) + "/rattachements", "admin@demo.portail-aci.fr", "referent@demo.portail-aci.fr",
			url.Values{"org_id": {ars}, "role": {"agent"}},
			`SELECT count(*) FROM memberships WHERE user_id = $1`, []any{refUID}},
		{"demande de compléments", dpath(val, "/transitions"), "referent@demo.portail-aci.fr", "coordinateur@demo.portail-aci.fr",
			url.Values{"transition": {"demander_complements"}, "seen": {"en_instruction"},
				"motivation": {"Pièces manquantes"}, "complement_target": {"doc:statuts"}, "complement_text": {"Statuts signés"}},
			`SELECT count(*) FROM dossier_complements WHERE dossier_id = $1`, []any{val}},
		{"complément supplémentaire", dpath(val, "/complements"), "referent@demo.portail-aci.fr", "coordinateur@demo.portail-aci.fr",
			url.Values{"complement_target": {"doc:statuts"}, "complement_text": {"Et la liste des membres"}},
			`SELECT count(*) FROM dossier_complements WHERE dossier_id = $1`, []any{val}},
		{"membre", "/structures/" + e.regID(seed.MontsDeDemo) + "/membres/nouveau", "coordinateur.b@demo.portail-aci.fr", "ars@demo.portail-aci.fr",
			url.Values{"last_name": {"Nouvelle"}, "first_name": {"Ortho"}, "profession": {"orthophoniste"}, "mode": {"liberal"},
				"rpps": {"10005173140"}, "commune_code": {"69264"}},
			`SELECT count(*) FROM members WHERE rpps = '10005173140'`, nil},
		{"structure", "/structures/nouvelle", "admin@demo.portail-aci.fr", "referent@demo.portail-aci.fr",
			url.Values{"type": {"ESP"}, "name": {"ESP du Double Clic"}, "departement": {"01"}},
			`SELECT count(*) FROM organisations WHERE name = 'ESP du Double Clic'`, nil},
		{"commune du territoire", "/structures/" + montsID + "/territoire/communes", "coordinateur.b@demo.portail-aci.fr", "ars@demo.portail-aci.fr",
			url.Values{"code": {freeCommune}, "version": {strconv.Itoa(terrVersion)}},
			`SELECT count(*) FROM territory_communes WHERE commune_code = $1`, []any{freeCommune}},
		// Every account of the tenant may write in the thread: no refused role.
		{"message", dpath(val, "/messages"), "coordinateur@demo.portail-aci.fr", "",
			url.Values{"body": {"Question sur le territoire (double clic)"}},
			`SELECT count(*) FROM messages WHERE body = 'Question sur le territoire (double clic)'`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := e.fingerprint(t)
			n0 := count(tc.count, tc.args...)
			if tc.refused != "" {
				r := as(tc.refused).post(tc.path, tc.form)
				if r.StatusCode != http.StatusNotFound && r.StatusCode != http.StatusForbidden {
					t.Errorf("%s (not allowed): status %d, want 404 or 403", tc.refused, r.StatusCode)
				}
				if ch := changedTables(before, e.fingerprint(t)); len(ch) > 0 {
					t.Errorf("%s (not allowed): changed %v", tc.refused, ch)
				}
			}
			if r := as(tc.allowed).post(tc.path, tc.form); r.StatusCode != http.StatusSeeOther {
				t.Fatalf("%s: status %d, want 303\n%s", tc.allowed, r.StatusCode, r.body)
			}
			n1 := count(tc.count, tc.args...)
			if n1 != n0+1 {
				t.Fatalf("first submission: %d rows, want %d", n1, n0+1)
			}
			r := as(tc.allowed).post(tc.path, tc.form)
			if r.StatusCode >= 500 {
				t.Errorf("second submission: status %d", r.StatusCode)
			}
			if r.StatusCode >= 400 && !strings.Contains(r.body, `lang="fr"`) {
				t.Errorf("second submission: status %d without a French page", r.StatusCode)
			}
			if n2 := count(tc.count, tc.args...); n2 != n1 {
				t.Errorf("second submission (status %d): %d rows, want %d (a duplicate)", r.StatusCode, n2, n1)
			}
			t.Logf("second submission: %d", r.StatusCode)
		})
	}

	// The coordinator answers the open request twice; the referent may not
	// answer it.
	var cid int64
	if err := pgtest.Owner(t, e.st).QueryRow(ctx, `SELECT min(id) FROM dossier_complements WHERE dossier_id = $1 AND answered_at IS NULL`, val).Scan(&cid); err != nil {
		t.Fatal(err)
	}
	path := dpath(val, "/complements/"+strconv.FormatInt(cid, 10)+"/reponse")
	form := url.Values{"answer": {"Les statuts signés sont déposés."}}
	answered := `SELECT count(*) FROM dossier_audit WHERE dossier_id = $1`
	before, n0 := e.fingerprint(t), count(answered, val)
	if r := as("referent@demo.portail-aci.fr").post(path, form); r.StatusCode != http.StatusNotFound && r.StatusCode != http.StatusForbidden {
		t.Errorf("referent answers: status %d, want 404 or 403", r.StatusCode)
	}
	if ch := changedTables(before, e.fingerprint(t)); len(ch) > 0 {
		t.Errorf("referent answers: changed %v", ch)
	}
	if r := as("coordinateur@demo.portail-aci.fr").post(path, form); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("answer: status %d\n%s", r.StatusCode, r.body)
	}
	n1 := count(answered, val)
	if n1 != n0+1 {
		t.Fatalf("answer: %d audit rows, want %d", n1, n0+1)
	}
	r := as("coordinateur@demo.portail-aci.fr").post(path, form)
	if r.StatusCode >= 500 || count(answered, val) != n1 {
		t.Errorf("answer twice: status %d, %d audit rows, want %d", r.StatusCode, count(answered, val), n1)
	}
	t.Logf("answer twice: %d", r.StatusCode)
}
