package server_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/portail-aci/aci/internal/domain/workflow"
	"github.com/portail-aci/aci/internal/seed"
	"github.com/portail-aci/aci/internal/store"
)

// TestZZAvenantShots screenshots the avenants section of the contract page
// and the dossier actions with open complements into /tmp/avenant_shots
// (AVENANT_SHOTS=1 only).
func TestZZAvenantShots(t *testing.T) {
	if os.Getenv("AVENANT_SHOTS") == "" {
		return
	}
	e := newSerialEnv(t)
	id := e.demoDossierID(seed.MSPLille)
	c, err := e.st.ContractByDossier(context.Background(), e.ctScope(ctCpamNord), id)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.ApplyContractTransition(context.Background(), e.ctScope(ctCpamNord), store.ContractRequest{DossierID: id,
		Transition: workflow.Avenant, Seen: workflow.Actif, Version: c.Version, Motivation: "Ajout de l'indicateur optionnel <b>démarche qualité</b>\nà compter du second semestre."}); err != nil {
		t.Fatal(err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath("chromium"))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel2 := chromedp.NewContext(actx)
	defer cancel2()
	_ = os.MkdirAll("/tmp/avenant_shots", 0o755)
	el := func(path, sel, name string, w int64) {
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(w, 900), chromedp.Navigate(e.ts.URL+path)); err != nil {
			t.Fatal(err)
		}
		time.Sleep(300 * time.Millisecond)
		buf, err := chromedp.Run(ctx, chromedp.Screenshot(chromedp.CSS(sel)))
		if err != nil {
			t.Fatal(err)
		}
		_ = os.WriteFile("/tmp/avenant_shots/"+name+".png", buf, 0o644)
	}
	browserLogin(t, ctx, e.ts.URL, ctCpamNord)
	el(dpath(id, "/contrat"), "#avenants", "avenants-1280", 1280)
	el(dpath(id, "/contrat"), "#avenants", "avenants-375", 375)
	// Open complements on the Val de Démo dossier.
	val := e.demoDossierID(seed.ValDeDemo)
	if _, err := e.st.ApplyTransition(context.Background(), e.ctScope(ctReferentA), store.TransitionRequest{DossierID: val,
		Transition: workflow.DemanderComplements, Motivation: "Pièces manquantes",
		Extra: map[string]string{"complement_target": "doc:statuts", "complement_text": "Statuts signés"}}); err != nil {
		t.Fatal(err)
	}
	ctx2, cancel3 := chromedp.NewContext(actx)
	defer cancel3()
	ctx = ctx2
	browserLogin(t, ctx, e.ts.URL, ctValCoord)
	el(dpath(val, ""), `[data-testid="actions"]`, "send-back-1280", 1280)
}
