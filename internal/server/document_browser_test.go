package server_test

import (
	"os"
	"path/filepath"
	"strings"
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
		pc := newPageChecker(t, ctx)
		if err := chromedp.Do(ctx, chromedp.Navigate(e.ts.URL+"/dossiers/"+e.dossierOf(p.org)+"/documents")); err != nil {
			t.Fatal(err)
		}
		pc.check(p.name)
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
			pc.check(p.name + " après envoi")
		}
	}
}

// TestUploadOnceInBrowser: with JavaScript, a chosen file is sent once even
// when the button is clicked too (the automatic upload plus the button made
// two versions), and a file over 20 Mo is refused before sending, with the
// message next to the field.
func TestUploadOnceInBrowser(t *testing.T) {
	e := newEnv(t)
	ctx := browser(t)
	browserLogin(t, ctx, e.ts.URL, "coordinateur.b@demo.portail-aci.fr")
	pc := newPageChecker(t, ctx)
	docs := e.ts.URL + "/dossiers/" + e.dossierOf(seed.MontsDeDemo) + "/documents"
	if err := chromedp.Do(ctx, chromedp.Navigate(docs)); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	big := filepath.Join(dir, "gros.pdf")
	if err := os.WriteFile(big, append([]byte("%PDF-1.4\n"), make([]byte, 21<<20)...), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.SetUploadFiles(chromedp.CSS("#file-statuts"), []string{big})); err != nil {
		t.Fatal(err)
	}
	msg, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#file-statuts-size-err`)))
	if err != nil || !strings.Contains(msg, "la limite est de 20 Mo") {
		t.Fatalf("size message %q %v", msg, err)
	}
	// Submitting anyway (the field was emptied: the browser asks for a file).
	f := filepath.Join(dir, "statuts.pdf")
	if err := os.WriteFile(f, seed.MinimalPDF([]string{"Statuts"}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx,
		chromedp.SetUploadFiles(chromedp.CSS("#file-statuts"), []string{f}),
		chromedp.Click(chromedp.CSS(`[data-code=statuts] [data-testid=upload] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-code=statuts][data-state=fourni] [data-testid=version]`)),
	); err != nil {
		t.Fatalf("upload: %v", err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(docs)); err != nil {
		t.Fatal(err)
	}
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-code=statuts] [data-testid=version]').length`))
	if err != nil || n != 1 {
		t.Fatalf("versions of the statuts after one choice: %d (%v)", n, err)
	}
	pc.check("pièce envoyée")
}
