package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// The accessibility and console check of every page a browser journey
// visits (docs/rules.md §38): axe-core (vendored in testdata/axe) is
// evaluated in the page through the DevTools protocol (Runtime.evaluate,
// which the application's Content-Security-Policy does not block, unlike a
// <script> tag) and run with the WCAG 2.0/2.1 A and AA rules; the console
// is read since the previous check. Each check also keeps a screenshot of
// the step, removed when the test passes.

// axeTags are the rule tags run: WCAG 2.0 and 2.1, levels A and AA.
const axeTags = `["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]`

// pageChecker checks the pages of one Chromium tab.
type pageChecker struct {
	t     *testing.T
	ctx   context.Context
	axe   string // axe-core's source
	shots string // screenshot directory, removed on success
	step  int
	spent time.Duration // time taken by the checks

	mu      sync.Mutex
	console []chromedp.ConsoleMessage // console errors since the last check

	checked  map[string]bool // page structures already run through axe
	phone    map[string]bool // page kinds already run at 375 px
	reported map[string]bool // violations already reported (rule + target)
}

// newPageChecker subscribes to ctx's console (the browser must be started)
// and loads axe-core.
func newPageChecker(t *testing.T, ctx context.Context) *pageChecker {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("testdata", "axe", "axe.min.js"))
	if err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "aci-"+regexp.MustCompile(`[^A-Za-z0-9]+`).ReplaceAllString(t.Name(), "-")+"-")
	if err != nil {
		t.Fatal(err)
	}
	var c *pageChecker
	t.Cleanup(func() {
		t.Logf("accessibilité : %d états de page passés à axe-core (%d aussi à 375 px), %d étapes, %.1f s de vérifications", len(c.checked), len(c.phone), c.step, c.spent.Seconds())
		if t.Failed() {
			if png, err := chromedp.Run(ctx, chromedp.FullScreenshot(60)); err == nil {
				_ = os.WriteFile(filepath.Join(dir, "echec.jpg"), png, 0o644)
			}
			t.Logf("captures d'écran de chaque étape gardées dans %s", dir)
			return
		}
		_ = os.RemoveAll(dir)
	})
	c = &pageChecker{t: t, ctx: ctx, axe: string(src), shots: dir,
		checked: map[string]bool{}, phone: map[string]bool{}, reported: map[string]bool{}}
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.IsException() {
				c.mu.Lock()
				c.console = append(c.console, m)
				c.mu.Unlock()
			}
		}
	}()
	return c
}

// axeViolation is the part of an axe-core result a failure reports.
type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target  []any  `json:"target"`
		Summary string `json:"failureSummary"`
	} `json:"nodes"`
}

// pageKey identifies a page's structure: its path with the numbers
// replaced and the set of its kinds of elements (tag, test id, form action,
// field type, role), whatever their count — a page seen again with one more
// row is not run through axe again; a page with another form is.
const pageKey = `location.pathname.replace(/[0-9]+/g, "N") + "|" + Array.from(new Set(Array.from(document.querySelectorAll("form, input, select, textarea, button, [data-testid], [role]")).map(function (e) {
	return e.tagName + "@" + (e.getAttribute("data-testid") || "") + "/" + (e.getAttribute("action") || "").replace(/[0-9]+/g, "N") + "/" + (e.getAttribute("type") || "") + "/" + (e.getAttribute("role") || "") }))).sort().join(",")`

// problems runs axe on the current page (when its structure is new; also at
// 375 px for the first page of each path) and returns the new violations
// and the console errors since the last call.
func (c *pageChecker) problems(what string) []string {
	c.t.Helper()
	ctx := c.ctx
	c.step++
	defer func(start time.Time) { c.spent += time.Since(start) }(time.Now())
	q := int64(50)
	if shot, err := chromedp.Call(ctx, page.CaptureScreenshot, page.CaptureScreenshotParams{Format: page.CaptureScreenshotFormatJpeg, Quality: &q}); err == nil {
		png := shot.Data
		name := fmt.Sprintf("%03d-%s.jpg", c.step, regexp.MustCompile(`[^A-Za-z0-9]+`).ReplaceAllString(what, "-"))
		_ = os.WriteFile(filepath.Join(c.shots, name), png, 0o644)
	}
	url, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		return []string{what + ": " + err.Error()}
	}
	var out []string
	key, err := chromedp.Run(ctx, chromedp.Evaluate[string](pageKey))
	if err != nil {
		return []string{what + " " + url + ": " + err.Error()}
	}
	if !c.checked[key] {
		c.checked[key] = true
		out = append(out, c.axeRun(what, url, "")...)
		kind := key[:strings.Index(key, "|")]
		if !c.phone[kind] {
			c.phone[kind] = true
			if err := chromedp.Do(ctx, chromedp.EmulateViewport(375, 800)); err != nil {
				return append(out, err.Error())
			}
			out = append(out, c.axeRun(what, url, " (375 px)")...)
			if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900)); err != nil {
				return append(out, err.Error())
			}
		}
	}
	// One round trip more: the console events of the page have arrived.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[int](`1`)); err != nil {
		return append(out, err.Error())
	}
	c.mu.Lock()
	for _, m := range c.console {
		// A form refused answers its page with a 4xx status (422, 409), which
		// Chromium logs as a failed load of the document itself: the answer
		// is the page shown, not an error of the page.
		if m.Source == "network" && m.URL == url && strings.Contains(m.Text, "responded with a status of 4") {
			continue
		}
		out = append(out, fmt.Sprintf("%s %s: erreur de console : %s (%s)", what, url, m, m.URL))
	}
	c.console = nil
	c.mu.Unlock()
	return out
}

// axeRun injects axe-core when the page lacks it and runs the WCAG A/AA
// rules on the whole document.
func (c *pageChecker) axeRun(what, url, width string) []string {
	ctx := c.ctx
	has, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`typeof window.axe === "object"`))
	if err != nil {
		return []string{what + " " + url + ": " + err.Error()}
	}
	if !has {
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](c.axe)); err != nil {
			return []string{what + " " + url + ": axe-core ne s'exécute pas : " + err.Error()}
		}
	}
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[[]byte](`axe.run(document, {runOnly: {type: "tag", values: `+axeTags+`}, resultTypes: ["violations"]}).then(function (r) { return r.violations })`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		return []string{what + " " + url + ": axe.run : " + err.Error()}
	}
	var vs []axeViolation
	if err := json.Unmarshal(raw, &vs); err != nil {
		return []string{what + " " + url + ": " + err.Error()}
	}
	var out []string
	for _, v := range vs {
		var targets []string
		for _, n := range v.Nodes {
			tg, _ := json.Marshal(n.Target)
			if c.reported[v.ID+string(tg)] {
				continue
			}
			c.reported[v.ID+string(tg)] = true
			targets = append(targets, string(tg)+" — "+strings.Join(strings.Fields(n.Summary), " "))
		}
		if len(targets) > 0 {
			out = append(out, fmt.Sprintf("%s %s%s: axe %s (%s) %s:\n    %s", what, url, width, v.ID, v.Impact, v.Help, strings.Join(targets, "\n    ")))
		}
	}
	return out
}

// check fails the test (without stopping it) on each problem of the page.
func (c *pageChecker) check(what string) {
	c.t.Helper()
	for _, p := range c.problems(what) {
		c.t.Error(p)
	}
}

// TestA11yCheckFails: the check is not empty — on a page with an unlabelled
// field, an image without text and a console error, under a CSP as strict
// as the application's, it reports the axe rule ids, their targets and the
// page's URL, and the console error.
func TestA11yCheckFails(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; object-src 'none'")
		switch r.URL.Path {
		case "/bad.js":
			w.Header().Set("Content-Type", "text/javascript")
			fmt.Fprint(w, `console.error("panne volontaire")`)
		default:
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprint(w, `<!doctype html><html lang="fr"><head><title>Mauvaise page</title><script src="/bad.js"></script></head>
<body><main><h1>Formulaire</h1><form><input type="text" id="sans-libelle" name="x"><img src="/x.png"></form></main></body></html>`)
		}
	}))
	defer ts.Close()
	ctx := browser(t)
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatal(err)
	}
	c := newPageChecker(t, ctx)
	if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/form")); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(c.problems("mauvaise page"), "\n")
	t.Logf("what a failure says:\n%s", got)
	for _, want := range []string{"axe label (critical)", `["#sans-libelle"]`, "axe image-alt", ts.URL + "/form", "erreur de console", "panne volontaire"} {
		if !strings.Contains(got, want) {
			t.Errorf("the check misses %q:\n%s", want, got)
		}
	}
	// The same page again: nothing new is reported twice.
	if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/form")); err != nil {
		t.Fatal(err)
	}
	again := strings.Join(c.problems("mauvaise page"), "\n")
	if strings.Contains(again, "axe label") || !strings.Contains(again, "panne volontaire") {
		t.Errorf("second visit: %s", again)
	}
}
