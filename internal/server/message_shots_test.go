package server_test

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/portail-aci/aci/internal/seed"
	"github.com/portail-aci/aci/internal/store"
)

// TestZZMessageShots takes screenshots of the messages and notifications
// pages at 1280 and 375 px into /tmp/message_shots (MESSAGE_SHOTS=1 only).
func TestZZMessageShots(t *testing.T) {
	if os.Getenv("MESSAGE_SHOTS") == "" {
		return
	}
	e := newSerialEnv(t)
	ctx0 := context.Background()
	id := demoDossier(t, e)
	post := func(email, body string, internal bool, file []byte) {
		if _, err := e.st.PostMessage(ctx0, scopeOf(t, e, email), store.NewMessage{DossierID: id, Body: body, Internal: internal,
			Filename: "compte-rendu.pdf", Data: file, At: time.Now(), LinkBase: "http://x"}); err != nil {
			t.Fatal(err)
		}
	}
	post("coordinateur@demo.portail-aci.fr", "Bonjour,\nnous avons une question sur les contours du territoire : faut-il inclure les communes de la CC voisine ?\n\n<b>Merci</b> d'avance.", false, nil)
	post("referent@demo.portail-aci.fr", "Bonjour Madame Martin,\nOui, si des professionnels de ces communes sont membres. Je joins le compte rendu de la réunion.", false, []byte("%PDF-1.4\n%compte rendu\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"))
	post("ars@demo.portail-aci.fr", "Pour information : avis de la DD ARS favorable sur le périmètre.", true, nil)
	if _, err := e.st.ProcessAuditNotifications(ctx0, "http://x", 1000, time.Now()); err != nil {
		t.Fatal(err)
	}
	var ctx context.Context
	login := func(email string) {
		opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath("chromium"))
		actx, _ := chromedp.NewExecAllocator(context.Background(), opts...)
		ctx, _ = chromedp.NewContext(actx)
		_ = chromedp.Do(ctx, chromedp.Navigate(e.ts.URL+"/login"))
		_, err := chromedp.Run(ctx, chromedp.Evaluate[any](`document.querySelector('[name=email]').value='`+email+`';document.querySelector('[name=password]').value='`+seed.DemoPassword+`';document.querySelector('[name=email]').form.submit();true`))
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(1500 * time.Millisecond)
	}
	shot := func(path, name string, w int64) {
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(w, 900), chromedp.Navigate(e.ts.URL+path)); err != nil {
			t.Fatal(err)
		}
		time.Sleep(500 * time.Millisecond)
		buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		_ = os.WriteFile("/tmp/message_shots/"+name, buf, 0o644)
	}
	os.MkdirAll("/tmp/message_shots", 0o755)
	mp := "/dossiers/" + strconv.FormatInt(id, 10) + "/messages"
	login("referent@demo.portail-aci.fr")
	for _, w := range []int64{1280, 375} {
		ws := strconv.FormatInt(w, 10)
		shot("/notifications", "notif-referent-"+ws+".png", w)
		shot(mp, "messages-referent-"+ws+".png", w)
	}
	login("coordinateur@demo.portail-aci.fr")
	for _, w := range []int64{1280, 375} {
		ws := strconv.FormatInt(w, 10)
		shot(mp, "messages-coord-"+ws+".png", w)
		shot("/notifications", "notif-coord-"+ws+".png", w)
	}
}
