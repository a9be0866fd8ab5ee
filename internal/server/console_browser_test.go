package server_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/seed"
)

// TestNoConsoleErrorsInBrowser opens the main pages of four personas in
// Chromium and runs each through the page check (docs/rules.md §38: no
// console error, uncaught exception or CSP violation — htmx's injected
// indicator <style> was one on every page — and axe-core's WCAG A/AA
// rules); at 375 px the payment amounts, the link to the payments page and
// the payments' row buttons stay on screen.
func TestNoConsoleErrorsInBrowser(t *testing.T) {
	e := newEnv(t)
	j := newJourney(t, e)
	monts, lille := e.dossierOf(seed.MontsDeDemo), e.dossierOf(seed.MSPLille)
	montsOrg := "/structures/" + e.structureOf(seed.MontsDeDemo)
	visits := []struct {
		who   string
		pages []string
	}{
		{"coordinateur.b@demo.portail-aci.fr", []string{"/", "/structures", montsOrg, montsOrg + "/membres", montsOrg + "/territoire",
			"/dossiers/" + monts, "/dossiers/" + monts + "/documents", "/dossiers/" + monts + "/contenu",
			"/dossiers/" + monts + "/messages", "/compte", "/compte/double-authentification", "/notifications"}},
		{"cpam.nord@demo.portail-aci.fr", []string{"/", "/instruction", "/dossiers/" + lille, "/dossiers/" + lille + "/contrat", "/paiements"}},
		{"ars@demo.portail-aci.fr", []string{"/crises", "/changements-de-siege", "/dossiers"}},
		{"admin@demo.portail-aci.fr", []string{"/", "/admin/utilisateurs", "/admin/utilisateurs/nouveau", "/baremes", "/simulateur"}},
	}
	for _, v := range visits {
		j.as(v.who)
		for _, p := range v.pages {
			j.nav(p)
		}
	}
	ctx := j.ctx

	// 375 px: the amounts and the row buttons are inside the screen.
	const inside = `(function (sel) {
		var els = document.querySelectorAll(sel);
		if (els.length === 0) { return "none"; }
		for (var i = 0; i < els.length; i++) {
			var r = els[i].getBoundingClientRect();
			if (r.width === 0 || r.left < 0 || r.right > document.documentElement.clientWidth) { return "out: " + els[i].textContent + " " + r.left + ".." + r.right; }
		}
		return "ok";
	})`
	checks := []struct{ who, page, sel string }{
		{"cpam.nord@demo.portail-aci.fr", "/dossiers/" + lille + "/contrat", `[data-testid=payment-amount]`},
		// The contract tab lists the schedule and links to the payments
		// page, where each row has its action buttons.
		{"cpam.nord@demo.portail-aci.fr", "/dossiers/" + lille + "/contrat", `[data-testid=payments-manage]`},
		{"cpam.nord@demo.portail-aci.fr", "/paiements", `[data-testid=payment-row] form button`},
		{"coordinateur.b@demo.portail-aci.fr", "/structures/" + e.structureOf(seed.MontsDeDemo) + "/membres", `[data-testid=remove-member]`},
	}
	for _, c := range checks {
		j.as(c.who)
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(375, 800), chromedp.Navigate(e.ts.URL+c.page)); err != nil {
			t.Fatal(err)
		}
		got, err := chromedp.Run(ctx, chromedp.Evaluate[string](inside+`(`+jsQuote(c.sel)+`)`))
		if err != nil || got != "ok" {
			t.Errorf("%s at 375 px: %s %v", c.sel, got, err)
		}
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900)); err != nil {
			t.Fatal(err)
		}
	}
}

func (e *env) structureOf(name string) string {
	e.t.Helper()
	id, err := e.st.OrganisationIDByName(context.Background(), domain.OrgStructure, name)
	if err != nil {
		e.t.Fatal(err)
	}
	return strconv.FormatInt(id, 10)
}

func jsQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `\'`) + "'" }
