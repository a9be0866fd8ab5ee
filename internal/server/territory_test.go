package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/seed"
)

func (e *env) structureID(name string) int64 {
	e.t.Helper()
	id, err := e.st.OrganisationIDByName(context.Background(), domain.OrgStructure, name)
	if err != nil {
		e.t.Fatal(err)
	}
	return id
}

func territoryURL(id int64) string { return "/structures/" + strconv.FormatInt(id, 10) + "/territoire" }

func digits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// htmxGet sends a GET as htmx does.
func (c *client) htmxGet(path string) resp {
	req, _ := http.NewRequest(http.MethodGet, c.e.ts.URL+path, nil)
	req.Header.Set("HX-Request", "true")
	req.Header.Set("HX-Target", "territoire-resultats")
	return c.do(req)
}

func TestTerritoryPageAndEditsWithoutJS(t *testing.T) {
	e := newEnv(t)
	val := e.structureID(seed.ValDeDemo)
	c := e.loggedIn("coordinateur@demo.portail-aci.fr")

	r := c.get(territoryURL(val))
	if r.StatusCode != http.StatusOK {
		t.Fatalf("status %d", r.StatusCode)
	}
	d := r.doc(t)
	if got := digits(d.Find(`[data-testid="territory-population"]`).Text()); got != "45664" {
		t.Errorf("population %q", got)
	}
	if got := d.Find(`[data-testid="territory-tier"]`).Text(); !strings.HasPrefix(got, "Taille 2") {
		t.Errorf("tier %q", got)
	}
	if !strings.Contains(d.Find(`[data-testid="territory-summary"]`).Text(), "population légale 2023") {
		t.Error("population year missing")
	}
	if n := d.Find(`[data-testid="territory-commune"]`).Length(); n != 18 {
		t.Errorf("%d communes", n)
	}
	if n := d.Find(`[data-testid="history-row"]`).Length(); n != 1 {
		t.Errorf("%d history rows", n)
	}
	// Val de Démo has filed its contractualisation request: its territory is
	// frozen (docs/rules.md §7), no search form, no remove buttons.
	if d.Find(`[data-testid="territory-frozen"]`).Length() != 1 || d.Find(`[data-testid="territory-search"]`).Length() != 0 ||
		d.Find(`[data-testid="remove"]`).Length() != 0 {
		t.Error("Val's territory is not shown frozen")
	}

	// The edits, without JS, on the Monts de Démo (not filed yet).
	c = e.loggedIn("coordinateur.b@demo.portail-aci.fr")
	monts := e.structureID(seed.MontsDeDemo)
	base := territoryURL(monts)
	d = c.get(base).doc(t)
	pop0, _ := strconv.Atoi(digits(d.Find(`[data-testid="territory-population"]`).Text()))
	hist0 := d.Find(`[data-testid="history-row"]`).Length()
	version, _ := d.Find(`[data-testid="territory-commune"] input[name="version"]`).First().Attr("value")
	if d.Find(`[data-testid="territory-frozen"]`).Length() != 0 {
		t.Error("Monts shown frozen")
	}

	// Search without JS: a GET with q gives the page with results.
	r = c.get(base + "?q=" + url.QueryEscape("meximieux"))
	d = r.doc(t)
	hit := d.Find(`[data-testid="hit"][data-code="01244"]`)
	if hit.Length() != 1 || hit.Find(`[data-testid="add"]`).Length() != 1 {
		t.Fatalf("search result missing:\n%s", d.Find(`[data-testid="territory-results"]`).Text())
	}
	if d.Find(`[data-testid="epci"][data-code="240100883"] [data-testid="add-epci"]`).Length() != 1 {
		t.Error("EPCI of the result not offered")
	}
	if v, _ := d.Find(`[data-testid="territory-results"]`).Attr("aria-live"); v != "polite" {
		t.Error("results not announced")
	}
	// Already ours.
	d = c.get(base + "?q=69850").doc(t)
	if d.Find(`[data-testid="hit"][data-code="69227"] [data-testid="hit-ours"]`).Length() != 1 {
		t.Error("Saint-Martin-en-Haut not marked as ours")
	}

	// Add: POST → 303 → page with the new total.
	r = c.post(base+"/communes", url.Values{"code": {"01244"}, "version": {version}, "q": {"meximieux"}})
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != base+"?q=meximieux" {
		t.Fatalf("add: %d %s\n%s", r.StatusCode, r.Header.Get("Location"), r.body)
	}
	d = c.get(r.Header.Get("Location")).doc(t)
	if got := digits(d.Find(`[data-testid="territory-population"]`).Text()); got != strconv.Itoa(pop0+8247) {
		t.Errorf("population after add %q", got)
	}
	if !strings.Contains(d.Find(`[data-testid="flash"]`).Text(), "Meximieux ajoutée") {
		t.Errorf("flash %q", d.Find(`[data-testid="flash"]`).Text())
	}
	if d.Find(`[data-testid="history-row"]`).Length() != hist0+1 {
		t.Error("history row missing")
	}
	// A stale form (old version) is refused with a message next to the search.
	r = c.post(base+"/retirer", url.Values{"code": {"01244"}, "version": {version}})
	if r.StatusCode != http.StatusConflict || !strings.Contains(r.doc(t).Find(`#terr-q-error`).Text(), "modifié entre-temps par Bruno Lefèvre") {
		t.Fatalf("stale: %d", r.StatusCode)
	}
	// Version 0 or none: stale too, never an unchecked edit.
	for _, form := range []url.Values{{"code": {"01244"}, "version": {"0"}}, {"code": {"01244"}}} {
		if r := c.post(base+"/retirer", form); r.StatusCode != http.StatusConflict || !strings.Contains(r.doc(t).Find(`#terr-q-error`).Text(), "modifié entre-temps") {
			t.Fatalf("version %q: %d", form.Get("version"), r.StatusCode)
		}
	}
	v2, _ := strconv.Atoi(version)
	r = c.post(base+"/retirer", url.Values{"code": {"01244"}, "version": {strconv.Itoa(v2 + 1)}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("remove: %d\n%s", r.StatusCode, r.body)
	}

	// A commune of Val: refused, the holder named next to the search.
	d = c.get(base + "?q=01004").doc(t)
	if !strings.Contains(d.Find(`[data-testid="hit"][data-code="01004"] [data-testid="hit-holder"]`).Text(), seed.ValDeDemo) {
		t.Error("holder not shown in results")
	}
	r = c.post(base+"/communes", url.Values{"code": {"01004"}, "version": {strconv.Itoa(v2 + 2)}, "q": {"01004"}})
	if r.StatusCode != http.StatusConflict {
		t.Fatalf("taken: %d", r.StatusCode)
	}
	d = r.doc(t)
	if got := d.Find(`#terr-q-error`).Text(); got != "La commune Ambérieu-en-Bugey appartient déjà au territoire de la CPTS du Val de Démo." {
		t.Errorf("taken message %q", got)
	}
	if v, _ := d.Find(`#terr-q`).Attr("aria-describedby"); !strings.Contains(v, "terr-q-error") {
		t.Error("error not linked to the field")
	}
	if d.Find(`[data-testid="hit"]`).Length() == 0 {
		t.Error("results lost on error")
	}

	// EPCI with communes held by Val: Monts adds the rest, gets the report.
	mv, _ := c.get(base).doc(t).Find(`[data-testid="territory-commune"] input[name="version"]`).First().Attr("value")
	r = c.post(base+"/epci", url.Values{"epci": {"240100883"}, "version": {mv}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("epci: %d\n%s", r.StatusCode, r.body)
	}
	flash := c.get(base).doc(t).Find(`[data-testid="flash"]`).Text()
	if !strings.Contains(flash, "Non ajoutées") || !strings.Contains(flash, "Ambérieu-en-Bugey ("+seed.ValDeDemo+")") {
		t.Errorf("epci flash %q", flash)
	}
}

func TestTerritorySearchFragmentForHtmx(t *testing.T) {
	e := newEnv(t)
	val := e.structureID(seed.MontsDeDemo) // Val de Démo's territory is frozen: no search
	c := e.loggedIn("coordinateur.b@demo.portail-aci.fr")
	for _, q := range []string{"ambérieu", "amberieu", "0150", "01004"} {
		r := c.htmxGet(territoryURL(val) + "?q=" + url.QueryEscape(q))
		if r.StatusCode != http.StatusOK || !strings.Contains(strings.Join(r.Header.Values("Vary"), ","), "HX-Request") {
			t.Fatalf("%s: %d vary %q", q, r.StatusCode, r.Header.Get("Vary"))
		}
		if strings.Contains(r.body, "<html") || strings.Contains(r.body, "<h1") {
			t.Errorf("%s: full page instead of the fragment", q)
		}
		if r.doc(t).Find(`[data-testid="hit"][data-code="01004"]`).Length() != 1 {
			t.Errorf("%s: Ambérieu missing from\n%s", q, r.body)
		}
	}
	r := c.htmxGet(territoryURL(val) + "?q=zzqqx")
	if r.doc(t).Find(`[data-testid="no-result"]`).Length() != 1 {
		t.Error("no empty state")
	}
}

func TestTerritoryTenancyAndRights(t *testing.T) {
	e := newEnv(t)
	val, msp := e.structureID(seed.ValDeDemo), e.structureID(seed.MSPLille)
	base := territoryURL(val)
	add := url.Values{"code": {"01244"}, "version": {"1"}}
	tests := []struct {
		email          string
		read, edit     int  // statuses
		searchControls bool // the page shows the search form
	}{
		// Val de Démo has filed its request: frozen for its editors too.
		{"coordinateur@demo.portail-aci.fr", 200, 409, false},
		{"admin@demo.portail-aci.fr", 200, 409, false},
		{"referent@demo.portail-aci.fr", 200, 404, false},
		{"ars@demo.portail-aci.fr", 200, 404, false},
		{"dcgdr@demo.portail-aci.fr", 200, 404, false},
		{"coordinateur.b@demo.portail-aci.fr", 404, 404, false},
		{"msp@demo.portail-aci.fr", 404, 404, false},
	}
	for _, tc := range tests {
		t.Run(tc.email, func(t *testing.T) {
			c := e.loggedIn(tc.email)
			r := c.get(base)
			if r.StatusCode != tc.read {
				t.Fatalf("read: %d", r.StatusCode)
			}
			for _, p := range []string{base + ".csv", base + "/imprimer"} {
				if got := c.get(p).StatusCode; got != tc.read {
					t.Errorf("%s: %d", p, got)
				}
			}
			if tc.read == 200 {
				d := r.doc(t)
				if got := d.Find(`[data-testid="territory-search"]`).Length() == 1; got != tc.searchControls {
					t.Errorf("search form shown: %v", got)
				}
				if got := d.Find(`[data-testid="remove"]`).Length() > 0; got != tc.searchControls {
					t.Errorf("remove buttons shown: %v", got)
				}
			}
			if tc.edit != 303 {
				r := c.post(base+"/communes", add)
				if r.StatusCode != tc.edit {
					t.Errorf("edit: %d", r.StatusCode)
				}
				if tc.edit == 409 && !strings.Contains(r.body, "avenant de territoire") {
					t.Errorf("frozen edit refused without saying why")
				}
				return
			}
			// Editors add then remove (each form with the current version).
			for _, action := range []string{"/communes", "/retirer"} {
				ver, _ := c.get(base).doc(t).Find(`[data-testid="territory-commune"] input[name="version"]`).First().Attr("value")
				if got := c.post(base+action, url.Values{"code": {"01244"}, "version": {ver}}).StatusCode; got != 303 {
					t.Errorf("%s: %d", action, got)
				}
			}
		})
	}
	// No territory for an MSP.
	if got := e.loggedIn("admin@demo.portail-aci.fr").get(territoryURL(msp)).StatusCode; got != 404 {
		t.Errorf("MSP territory: %d", got)
	}
}

func TestTerritoryExports(t *testing.T) {
	e := newEnv(t)
	val := e.structureID(seed.ValDeDemo)
	c := e.loggedIn("referent@demo.portail-aci.fr")
	r := c.get(territoryURL(val) + ".csv")
	if r.StatusCode != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("csv: %d %s", r.StatusCode, r.Header.Get("Content-Type"))
	}
	if !strings.HasPrefix(r.body, "\uFEFFCommune;Code INSEE;Codes postaux;Département;Population légale 2023\r\n") {
		t.Errorf("csv head %q", r.body[:80])
	}
	if !strings.Contains(r.body, "Ambérieu-en-Bugey;01004;01500;01;15934\r\n") ||
		!strings.Contains(r.body, "Total (18 communes);;;;45664\r\n") || !strings.Contains(r.body, "Taille de la CPTS;;;;2\r\n") {
		t.Errorf("csv body:\n%s", r.body)
	}
	d := c.get(territoryURL(val) + "/imprimer").doc(t)
	if digits(d.Find(`[data-testid="print-population"]`).Text()) != "456642023" ||
		d.Find(`[data-testid="print-communes"] tbody tr`).Length() != 18 {
		t.Errorf("print: %q", d.Find(`[data-testid="print-population"]`).Text())
	}
}

func TestTerritorySummaryOnStructurePages(t *testing.T) {
	e := newEnv(t)
	val := e.structureID(seed.ValDeDemo)
	for _, tc := range []struct {
		email, link string
	}{{"coordinateur@demo.portail-aci.fr", "Modifier le territoire"}, {"referent@demo.portail-aci.fr", "Voir le territoire"}} {
		c := e.loggedIn(tc.email)
		d := c.get("/structures/" + strconv.FormatInt(val, 10)).doc(t)
		block := d.Find(`[data-testid="territory-summary"]`)
		if !strings.HasPrefix(block.Find(`[data-testid="tier"]`).Text(), "Taille 2") || !strings.Contains(digits(block.Text()), "456642023") {
			t.Errorf("%s: summary %q", tc.email, block.Text())
		}
		if a := block.Find(`a[href="` + territoryURL(val) + `"]`); !strings.Contains(a.Text(), tc.link) {
			t.Errorf("%s: link %q", tc.email, a.Text())
		}
		// The structures list shows population and tier.
		row := c.get("/structures").doc(t).Find(`[data-testid="structure-row"]`).FilterFunction(func(_ int, s *goquery.Selection) bool {
			return strings.Contains(s.Text(), seed.ValDeDemo)
		})
		if !strings.Contains(digits(row.Text()), "456642") {
			t.Errorf("%s: list row %q", tc.email, row.Text())
		}
	}
}
