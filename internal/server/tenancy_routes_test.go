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
	ctx := context.Background()
	// The routes, from the real router.
	cfg, _ := config.Parse(func(k string) string { return map[string]string{"ADDR": "127.0.0.1:0"}[k] })
	srv := server.New(cfg, e.st, slog.New(slog.NewTextHandler(io.Discard, nil)), server.Options{})
	type route struct{ method, pattern string }
	var routes []route
	if err := server.WalkRoutes(srv, func(method, pattern string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		if strings.Contains(pattern, "{id}") && (strings.HasPrefix(pattern, "/structures/") || strings.HasPrefix(pattern, "/dossiers/") ||
			strings.HasPrefix(pattern, "/contrats/")) {
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
		if err := e.st.Pool.QueryRow(ctx, sql, args...).Scan(&v); err != nil || v == nil {
			return "999999"
		}
		return strconv.FormatInt(*v, 10)
	}
	var tenants []tenantIDs
	for _, n := range []string{seed.ValDeDemo, seed.MontsDeDemo, seed.MSPLille} {
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
			"aid":       q(`SELECT max(a.id) FROM message_attachments a JOIN messages m ON m.id = a.message_id WHERE m.dossier_id = $1::bigint`, did),
			"cid":       q(`SELECT max(id) FROM dossier_complements WHERE dossier_id = $1::bigint`, did),
			"code":      q(`SELECT min(commune_code)::bigint FROM territory_communes WHERE structure_id = $1`, sid),
			"contract":  q(`SELECT max(id) FROM contracts WHERE structure_id = $1`, sid),
		}})
	}
	visible := map[string][]string{
		"coordinateur@demo.portail-aci.fr":   {seed.ValDeDemo},
		"coordinateur.b@demo.portail-aci.fr": {seed.MontsDeDemo},
		"msp@demo.portail-aci.fr":            {seed.MSPLille},
		"referent@demo.portail-aci.fr":       {seed.ValDeDemo},
		"ars@demo.portail-aci.fr":            {seed.MontsDeDemo, seed.ValDeDemo},
		"dcgdr@demo.portail-aci.fr":          {seed.MontsDeDemo, seed.ValDeDemo},
		"admin@demo.portail-aci.fr":          {seed.MontsDeDemo, seed.MSPLille, seed.ValDeDemo},
	}
	param := regexp.MustCompile(`\{[a-zA-Z]+\}`)
	var tried int
	for _, a := range seed.DemoAccounts() {
		c := e.loggedIn(a.Email)
		for _, tn := range tenants {
			inside := false
			for _, v := range visible[a.Email] {
				inside = inside || v == tn.name
			}
			for _, rt := range routes {
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
					t.Errorf("%s %s %s (%s, outside the scope): status %d, want 404", a.Email, rt.method, path, tn.name, r.StatusCode)
				case inside && r.StatusCode >= 500:
					t.Errorf("%s %s %s (%s, inside the scope): status %d", a.Email, rt.method, path, tn.name, r.StatusCode)
				}
			}
		}
	}
	t.Logf("%d requests over %d tenant routes", tried, len(routes))
}
