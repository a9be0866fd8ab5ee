package server_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/portail-aci/aci/internal/seed"
)

// TestContentAutosaveInBrowser: in Chromium, typing in the lettre
// d'intention saves it 2 s later (autosave.js) and says so in the aria-live
// region; the saved text is there after a reload.
func TestContentAutosaveInBrowser(t *testing.T) {
	e := newSerialEnv(t)
	id := e.demoDossierID(seed.ValDeDemo)
	e.setState(id, "brouillon")
	ctx := browser(t)
	browserLogin(t, ctx, e.ts.URL, coordVal)
	pc := newPageChecker(t, ctx)
	if err := chromedp.Do(ctx, chromedp.Navigate(e.ts.URL+dpath(id, "/contenu"))); err != nil {
		t.Fatal(err)
	}
	shot(t, ctx, "contenu-val")
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS("#text-lettre"), " Ajout tapé dans le navigateur.")); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	var status string
	for time.Now().Before(deadline) {
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-testid="form-lettre"] [data-autosave-status]`)))
		if err != nil {
			t.Fatal(err)
		}
		if status = s; strings.HasPrefix(status, "Brouillon enregistré à ") {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if !strings.HasPrefix(status, "Brouillon enregistré à ") {
		t.Fatalf("autosave status %q", status)
	}
	pc.check("brouillon enregistré")
	if err := chromedp.Do(ctx, chromedp.Reload()); err != nil {
		t.Fatal(err)
	}
	text, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#text-lettre")))
	if err != nil || !strings.Contains(text, "Ajout tapé dans le navigateur.") {
		t.Fatalf("after reload: %q %v", text, err)
	}
	e.setState(id, "en_instruction")
	if err := chromedp.Do(ctx, chromedp.Navigate(e.ts.URL+dpath(id, "/contenu"))); err != nil {
		t.Fatal(err)
	}
	pc.check("contenu en lecture")
	shot(t, ctx, "contenu-val-lecture")
}
