package server_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/portail-aci/aci/internal/seed"
)

// browser starts a headless Chromium (Debian's package; `make test`
// installs it when missing) and returns a chromedp context for one test.
func browser(t *testing.T) context.Context {
	t.Helper()
	var path string
	for _, b := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(b); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		t.Fatal("Chromium est introuvable : `make test` l'installe (apt-get install -y chromium)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelT(); cancelC(); cancelA() })
	return ctx
}

// shot saves a screenshot at desktop and phone widths when SCREENSHOT_DIR is
// set (for looking at pages; the test does not depend on it).
func shot(t *testing.T, ctx context.Context, name string) {
	dir := os.Getenv("SCREENSHOT_DIR")
	if dir == "" {
		return
	}
	for _, w := range []int64{1280, 375} {
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(w, 900)); err != nil {
			t.Fatal(err)
		}
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		_ = os.WriteFile(filepath.Join(dir, name+"-"+map[int64]string{1280: "desktop", 375: "phone"}[w]+".png"), png, 0o644)
	}
	_ = chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900))
}

func browserLogin(t *testing.T, ctx context.Context, base, email string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/login")); err != nil {
		t.Fatal(err)
	}
	shot(t, ctx, "login")
	if err := chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#email"), email),
		chromedp.SendKeys(chromedp.CSS("#password"), seed.DemoPassword),
	); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`))); err != nil {
		t.Fatal(err)
	}
}

// TestJourneyPersonasInBrowser: each persona logs in through the real form
// in Chromium, sees who they are, lists exactly their structures and logs
// out; every page passes the accessibility and console check
// (docs/rules.md §38).
func TestJourneyPersonasInBrowser(t *testing.T) {
	e := newSerialEnv(t)
	j := newJourney(t, e)
	for _, p := range []struct {
		email, name string
		sees        []string
	}{
		{"coordinateur@demo.portail-aci.fr", "Camille Martin", []string{seed.ValDeDemo}},
		{"referent@demo.portail-aci.fr", "Rachid Benali", []string{seed.ValDeDemo}},
		{"ars@demo.portail-aci.fr", "Sophie Garnier", []string{seed.ValDeDemo, seed.MontsDeDemo}},
	} {
		j.as(p.email)
		if name := j.text(`[data-testid=user-name]`); name != p.name {
			t.Fatalf("%s: header name %q", p.email, name)
		}
		shot(t, j.ctx, "home-"+strings.Split(p.email, "@")[0])
		j.nav("/structures")
		table := j.text(`[data-testid=structures]`)
		for _, s := range p.sees {
			if !strings.Contains(table, s) {
				t.Errorf("%s: /structures lacks %s", p.email, s)
			}
		}
		if strings.Contains(table, seed.MSPLille) {
			t.Errorf("%s sees %s", p.email, seed.MSPLille)
		}
		shot(t, j.ctx, "structures-"+strings.Split(p.email, "@")[0])
		j.submit("logout", `[data-testid=logout]`)
		j.who = ""
		loc, _ := chromedp.Run(j.ctx, chromedp.Location())
		if !strings.HasSuffix(loc, "/login") {
			t.Fatalf("after logout at %s", loc)
		}
	}
}
