package server_test

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/seed"
)

// TestNoConsoleErrorsInBrowser opens the main pages of three personas in
// Chromium and fails on any console error, uncaught exception or CSP
// violation (htmx's injected indicator <style> was one on every page); at
// 375 px the payment amounts, the link to the payments page and the
// payments' row buttons stay on screen.
func TestNoConsoleErrorsInBrowser(t *testing.T) {
	e := newEnv(t)
	ctx := browser(t)
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var problems []string
	if err := chromedp.Listen(ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch ev := ev.(type) {
		case *log.EventEntryAdded:
			if ev.Entry.Level == log.EntryLevelError {
				problems = append(problems, ev.Entry.URL+": "+ev.Entry.Text)
			}
		case *runtime.EventExceptionThrown:
			problems = append(problems, "exception: "+ev.ExceptionDetails.Text)
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError {
				problems = append(problems, "console.error")
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	monts, lille := e.dossierOf(seed.MontsDeDemo), e.dossierOf(seed.MSPLille)
	visits := []struct {
		who   string
		pages []string
	}{
		{"coordinateur.b@demo.portail-aci.fr", []string{"/", "/structures", "/dossiers/" + monts, "/dossiers/" + monts + "/documents",
			"/dossiers/" + monts + "/messages", "/compte", "/notifications"}},
		{"cpam.nord@demo.portail-aci.fr", []string{"/", "/dossiers/" + lille, "/dossiers/" + lille + "/contrat", "/paiements"}},
		{"admin@demo.portail-aci.fr", []string{"/", "/admin/utilisateurs", "/baremes", "/simulateur"}},
	}
	for _, v := range visits {
		browserLogin(t, ctx, e.ts.URL, v.who)
		for _, p := range v.pages {
			if err := chromedp.Do(ctx, chromedp.Navigate(e.ts.URL+p), chromedp.WaitReady(chromedp.CSS("body"))); err != nil {
				t.Fatalf("%s %s: %v", v.who, p, err)
			}
		}
		logoutBrowser(t, ctx)
	}
	// One more round trip: the events of the pages above have arrived.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[int](`1`)); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	if len(problems) > 0 {
		t.Errorf("console errors:\n%s", strings.Join(problems, "\n"))
	}
	mu.Unlock()

	// 375 px: the amounts and the row buttons are inside the screen.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(375, 800)); err != nil {
		t.Fatal(err)
	}
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
		browserLogin(t, ctx, e.ts.URL, c.who)
		if err := chromedp.Do(ctx, chromedp.Navigate(e.ts.URL+c.page)); err != nil {
			t.Fatal(err)
		}
		got, err := chromedp.Run(ctx, chromedp.Evaluate[string](inside+`(`+jsQuote(c.sel)+`)`))
		if err != nil || got != "ok" {
			t.Errorf("%s at 375 px: %s %v", c.sel, got, err)
		}
		logoutBrowser(t, ctx)
	}
}

// logoutBrowser forgets the session (the browser's cookies).
func logoutBrowser(t *testing.T, ctx context.Context) {
	t.Helper()
	if _, err := chromedp.Call(ctx, network.ClearBrowserCookies, cdp.Empty{}); err != nil {
		t.Fatal(err)
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
