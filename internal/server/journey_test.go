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

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/seed"
	"github.com/portail-aci/aci/internal/store/pgtest"
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

// TestJourneyAdminSteeringInBrowser: the national admin opens the national
// steering page from the menu: France entière, the money columns equal to
// the sums of every payment by state, the structures counted by type; then
// narrows it to Hauts-de-France through the region filter (the MSP de
// Démo-Lille's money alone); an ARS reads its region's page without the
// filter. The admin's other national pages pass the page check too.
func TestJourneyAdminSteeringInBrowser(t *testing.T) {
	e := newSerialEnv(t)
	ctx := context.Background()
	j := newJourney(t, e)
	j.as("admin@demo.portail-aci.fr")
	j.submit("menu pilotage", `nav.main a[href="/pilotage"]`)
	money := func(perimeter string, want [5]domain.Cents) {
		t.Helper()
		if h := j.text("h1"); h != "Pilotage — "+perimeter {
			t.Fatalf("heading %q, want %s", h, perimeter)
		}
		total := j.rows(`[data-testid=steer-money-table]`)
		if len(total) == 0 || len(total[0]) != 6 {
			t.Fatalf("money total %q", total)
		}
		for i, c := range want {
			if total[0][i+1] != domain.FormatEUR(c) {
				t.Errorf("%s, column %d: %q, want %s", perimeter, i, total[0][i+1], domain.FormatEUR(c))
			}
		}
	}
	nat, n := moneyColumns(t, e, "")
	if n == 0 || nat[0] == 0 {
		t.Fatal("no payment in the demo")
	}
	money("France entière", nat)
	counts := map[string]string{}
	for _, r := range j.rows(`[data-testid=steer-structures]`) {
		counts[r[0]] = r[1]
	}
	for _, typ := range []domain.StructureType{domain.CPTS, domain.MSP} {
		var want int
		if err := pgtest.Owner(t, e.st).QueryRow(ctx, `SELECT count(*) FROM organisations WHERE structure_type = $1 AND archived_at IS NULL`, string(typ)).Scan(&want); err != nil {
			t.Fatal(err)
		}
		if counts[string(typ)] != itoaInt(want) {
			t.Errorf("%s counted %q, want %d (%v)", typ, counts[string(typ)], want, counts)
		}
	}
	if j.count(`[data-testid=steer-money] svg title`) != 1 {
		t.Error("no money chart")
	}
	shot(t, j.ctx, "pilotage-national")

	// The region filter, through the form.
	j.do("region", chromedp.SetValue(chromedp.CSS("#f-region"), "32"))
	j.submit("filter", `form[action="/pilotage"] button[type=submit]`)
	hdf, _ := moneyColumns(t, e, "32")
	if hdf == nat {
		t.Fatal("Hauts-de-France holds all the money: the filter proves nothing")
	}
	money("Hauts-de-France", hdf)
	if !strings.Contains(j.text(`[data-testid=export-csv]`), "Exporter") || j.count(`a[href="/pilotage/export.csv?region=32"]`) != 1 {
		t.Error("the export does not follow the filter")
	}
	shot(t, j.ctx, "pilotage-region")
	for _, p := range []string{"/structures", "/admin/utilisateurs", "/admin/organisations", "/baremes", "/simulateur"} {
		j.nav(p)
	}

	// The ARS: its region, no filter.
	j.as("ars@demo.portail-aci.fr")
	j.nav("/pilotage")
	if j.count(`#f-region`) != 0 {
		t.Error("the ARS has the region filter")
	}
	ara, _ := moneyColumns(t, e, "84")
	total := j.rows(`[data-testid=steer-money-table]`)
	if len(total) == 0 || len(total[0]) != 6 || total[0][1] != domain.FormatEUR(ara[0]) {
		t.Errorf("ARS total %q, want %s to come", total, domain.FormatEUR(ara[0]))
	}
}
