package server_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/portail-aci/aci/internal/seed"
)

// TestDocumentsInBrowser opens the documents tab in Chromium as the
// coordinator (Val: in instruction, read-only; Monts: uploads open) and as
// the CPAM referent (review forms); SCREENSHOT_DIR saves the pages.
func TestDocumentsInBrowser(t *testing.T) {
	e := newSerialEnv(t)
	pages := []struct {
		who, org, name string
		forms          string
	}{
		{"coordinateur@demo.portail-aci.fr", seed.ValDeDemo, "documents-coordinateur-val", ""},
		{"coordinateur.b@demo.portail-aci.fr", seed.MontsDeDemo, "documents-coordinateur-monts", "[data-testid=upload]"},
		{"referent@demo.portail-aci.fr", seed.ValDeDemo, "documents-referent-val", "[data-testid=review]"},
	}
	for _, p := range pages {
		ctx := browser(t)
		browserLogin(t, ctx, e.ts.URL, p.who)
		if err := chromedp.Do(ctx, chromedp.Navigate(e.ts.URL+"/dossiers/"+e.dossierOf(p.org)+"/documents")); err != nil {
			t.Fatal(err)
		}
		txt, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-testid=documents-intro]`)))
		if err != nil || txt == "" {
			t.Fatalf("%s: intro %q %v", p.name, txt, err)
		}
		if p.forms != "" {
			if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(p.forms))); err != nil {
				t.Fatalf("%s: %s not visible: %v", p.name, p.forms, err)
			}
		}
		shot(t, ctx, p.name)
		if p.forms == "[data-testid=upload]" {
			// With JavaScript, choosing a file uploads it at once (htmx on
			// change) and the documents block is replaced.
			f := filepath.Join(t.TempDir(), "statuts.pdf")
			if err := os.WriteFile(f, seed.MinimalPDF([]string{"Statuts"}), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := chromedp.Do(ctx, chromedp.SetUploadFiles(chromedp.CSS("#file-statuts"), []string{f})); err != nil {
				t.Fatal(err)
			}
			if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`[data-code=statuts][data-state=fourni] [data-testid=version]`))); err != nil {
				t.Fatalf("upload on change: %v", err)
			}
		}
	}
}
