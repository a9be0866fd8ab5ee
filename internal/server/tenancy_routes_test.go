package server_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/portail-aci/aci/internal/config"
	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/seed"
	"github.com/portail-aci/aci/internal/server"
	"github.com/portail-aci/aci/internal/store/pgtest"
)

// tenantIDs are the ids of one demo structure's records, to put in the
// routes' URL parameters.
type tenantIDs struct {
	name   string
	params map[string]string // URL parameter → id
}

// TestEveryRouteAsEveryRoleOutsideTheTenant walks the whole URL surface:
// every route with a structure or dossier id in it is tried by every demo
// account with the ids of every demo structure. Outside the account's scope
// the answer must be 404 — for GET and for POST alike — so that ids leak
// nothing and nothing changes; inside, never a 500 (an in-scope reader may
// get 404 for a form it may not use, e.g. an ARS on a member's edit page:
// that is each area's decision, tested there).
func TestEveryRouteAsEveryRoleOutsideTheTenant(t *testing.T) {
	e := newEnv(t)
	visible := map[string][]string{
		"coordinateur@demo.portail-aci.fr":   {seed.ValDeDemo},
		"coordinateur.b@demo.portail-aci.fr": {seed.MontsDeDemo},
		"msp@demo.portail-aci.fr":            {seed.MSPLille},
		seed.CotiereCoordinator:              {seed.CotiereDeDemo},
		"referent@demo.portail-aci.fr":       {seed.ValDeDemo, seed.CotiereDeDemo},
		"ars@demo.portail-aci.fr":            {seed.MontsDeDemo, seed.ValDeDemo, seed.CotiereDeDemo},
		"dcgdr@demo.portail-aci.fr":          {seed.MontsDeDemo, seed.ValDeDemo, seed.CotiereDeDemo},
		"admin@demo.portail-aci.fr":          {seed.MontsDeDemo, seed.MSPLille, seed.ValDeDemo, seed.CotiereDeDemo},
	}
	var emails []string
	for _, a := range seed.DemoAccounts() {
		emails = append(emails, a.Email)
	}
	walkTenants(t, e, emails, visible, visible)
}

// walkTenants tries every route with a structure or dossier id in it, as
// every account of emails, with the ids of every demo structure's records.
// visibleStructures and visibleDossiers name, per account, the structures
// whose records it sees: the structure's own routes (/structures/{id}...)
// follow the first, the dossier's (/dossiers/{id}...) the second (they
// differ after a change of seat: docs/rules.md §33). Outside, every answer
// is 404 and a structure page names none of the dossier's ids.
func walkTenants(t *testing.T, e *env, emails []string, visibleStructures, visibleDossiers map[string][]string) {
	t.Helper()
	ctx := context.Background()
	// The routes, from the real router.
	cfg, _ := config.Parse(func(k string) string { return map[string]string{"ADDR": "127.0.0.1:0"}[k] })
	srv := server.New(cfg, e.st, slog.New(slog.NewTextHandler(io.Discard, nil)), server.Options{})
	type route struct{ method, pattern string }
	var routes []route
	if err := server.WalkRoutes(srv, func(method, pattern string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		if strings.Contains(pattern, "{id}") && (strings.HasPrefix(pattern, "/structures/") || strings.HasPrefix(pattern, "/dossiers/") || strings.HasPrefix(pattern, "/contrats/")) ||
			strings.HasPrefix(pattern, "/paiements/{pid}") {
			routes = append(routes, route{method, pattern})
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(routes) < 25 {
		t.Fatalf("only %d tenant routes found: the walk is broken", len(routes))
	}

	// Real ids of each demo structure's records.
	q := func(sql string, args ...any) string {
		var v *int64
		if err := pgtest.Owner(t, e.st).QueryRow(ctx, sql, args...).Scan(&v); err != nil || v == nil {
			return "999999"
		}
		return strconv.FormatInt(*v, 10)
	}
	var tenants []tenantIDs
	for _, n := range []string{seed.ValDeDemo, seed.MontsDeDemo, seed.MSPLille, seed.CotiereDeDemo} {
		sid, err := e.st.OrganisationIDByName(ctx, domain.OrgStructure, n)
		if err != nil {
			t.Fatal(err)
		}
		s := strconv.FormatInt(sid, 10)
		did := q(`SELECT max(id) FROM dossiers WHERE structure_id = $1`, sid)
		tenants = append(tenants, tenantIDs{name: n, params: map[string]string{
			"structure": s,
			"dossier":   did,
			"mid":       q(`SELECT max(id) FROM members WHERE structure_id = $1`, sid),
			"doc":       q(`SELECT max(d.id) FROM documents d JOIN document_versions v ON v.document_id = d.id WHERE d.dossier_id = $1::bigint`, did),
			"n":         "1",
			"annee":     strconv.Itoa(time.Now().Year()),
			"aid":       q(`SELECT max(a.id) FROM message_attachments a JOIN messages m ON m.id = a.message_id WHERE m.dossier_id = $1::bigint`, did),
			"cid":       q(`SELECT max(id) FROM dossier_complements WHERE dossier_id = $1::bigint`, did),
			"code":      q(`SELECT min(commune_code)::bigint FROM territory_communes WHERE structure_id = $1`, sid),
			"contract":  q(`SELECT max(id) FROM contracts WHERE structure_id = $1`, sid),
			"fid":       q(`SELECT max(f.file_id) FROM year_files f JOIN contracts c ON c.id = f.contract_id WHERE c.structure_id = $1`, sid),
			"pid":       q(`SELECT max(id) FROM payments WHERE structure_id = $1`, sid),
			"mission":   "acces",
			"kind":      "demarrage",
		}})
	}
	param := regexp.MustCompile(`\{[a-zA-Z]+\}`)
	var tried int
	for _, email := range emails {
		c := e.loggedIn(email)
		for _, tn := range tenants {
			for _, rt := range routes {
				visible := visibleStructures
				if !strings.HasPrefix(rt.pattern, "/structures/") {
					visible = visibleDossiers
				}
				inside := slices.Contains(visible[email], tn.name)
				path := param.ReplaceAllStringFunc(rt.pattern, func(p string) string {
					name := strings.Trim(p, "{}")
					if name == "id" {
						if strings.HasPrefix(rt.pattern, "/dossiers/") {
							return tn.params["dossier"]
						}
						if strings.HasPrefix(rt.pattern, "/contrats/") {
							return tn.params["contract"]
						}
						return tn.params["structure"]
					}
					if v, ok := tn.params[name]; ok {
						return v
					}
					return "1"
				})
				var r resp
				switch rt.method {
				case http.MethodGet:
					r = c.get(path)
				case http.MethodPost:
					if inside {
						continue // state changes inside the tenant are each area's tests
					}
					r = c.post(path, url.Values{"version": {"1"}, "seen": {"brouillon"}, "motivation": {"x"}})
				default:
					continue
				}
				tried++
				switch {
				case !inside && r.StatusCode != http.StatusNotFound:
					t.Errorf("%s %s %s (%s, outside the scope): status %d, want 404", email, rt.method, path, tn.name, r.StatusCode)
				case inside && r.StatusCode >= 500:
					t.Errorf("%s %s %s (%s, inside the scope): status %d", email, rt.method, path, tn.name, r.StatusCode)
				}
				if d := tn.params["dossier"]; rt.method == http.MethodGet && !slices.Contains(visibleDossiers[email], tn.name) &&
					(strings.Contains(r.body, "/dossiers/"+d+"\"") || strings.Contains(r.body, "/dossiers/"+d+"/")) {
					t.Errorf("%s GET %s (%s): the page links the dossier %s outside the scope", email, path, tn.name, d)
				}
			}
		}
	}
	t.Logf("%d requests over %d tenant routes", tried, len(routes))
}

// TestSteeringAndExportsAsEveryRole tries the routes without a record id
// that answer by role (the steering page and its export, the list exports)
// as every demo account: 200 to the roles that may, 404 to the others, never
// a 500 (docs/rules.md §32).
func TestSteeringAndExportsAsEveryRole(t *testing.T) {
	e := newEnv(t)
	steer := map[string]bool{"ars@demo.portail-aci.fr": true, "dcgdr@demo.portail-aci.fr": true, "admin@demo.portail-aci.fr": true,
		"ars.hdf@demo.portail-aci.fr": true, "dcgdr.hdf@demo.portail-aci.fr": true}
	queue := map[string]bool{"referent@demo.portail-aci.fr": true, "cpam.nord@demo.portail-aci.fr": true, "cpam.manager@demo.portail-aci.fr": true}
	for k := range steer {
		queue[k] = true
	}
	admin := map[string]bool{"admin@demo.portail-aci.fr": true}
	everyone := map[string]bool{}
	emails := []string{"cpam.nord@demo.portail-aci.fr", "ars.hdf@demo.portail-aci.fr", "dcgdr.hdf@demo.portail-aci.fr", "cpam.manager@demo.portail-aci.fr"}
	for _, a := range seed.DemoAccounts() {
		emails = append(emails, a.Email)
	}
	for _, who := range emails {
		c := e.loggedIn(who)
		for _, rt := range []struct {
			path string
			may  map[string]bool // nil: everyone
		}{
			{"/pilotage", steer}, {"/pilotage/export.csv", steer}, {"/pilotage?region=84", steer},
			{"/instruction/export.csv", queue}, {"/dossiers/export.csv", everyone}, {"/notifications/export.csv", everyone},
			{"/admin/utilisateurs/export.csv", admin}, {"/admin/organisations/export.csv", admin},
		} {
			want := http.StatusNotFound
			if rt.may[who] || len(rt.may) == 0 {
				want = http.StatusOK
			}
			if r := c.get(rt.path); r.StatusCode != want {
				t.Errorf("%s GET %s: %d, want %d", who, rt.path, r.StatusCode, want)
			}
		}
	}
}
