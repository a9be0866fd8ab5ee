package server_test

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/seed"
)

// TestZZStructureShots takes screenshots of the foundation and structures
// pages at 1280 and 375 px into /tmp/structure_shots (STRUCTURE_SHOTS=1
// only), for the accessibility review.
func TestZZStructureShots(t *testing.T) {
	if os.Getenv("STRUCTURE_SHOTS") == "" {
		return
	}
	e := newSerialEnv(t)
	val, _ := e.st.OrganisationIDByName(context.Background(), domain.OrgStructure, seed.ValDeDemo)
	base := "/structures/" + strconv.FormatInt(val, 10)
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath("chromium"))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel2 := chromedp.NewContext(actx)
	defer cancel2()
	_ = os.MkdirAll("/tmp/structure_shots", 0o755)
	shot := func(path, name string, w int64) {
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(w, 900), chromedp.Navigate(e.ts.URL+path)); err != nil {
			t.Fatal(err)
		}
		time.Sleep(400 * time.Millisecond)
		buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		_ = os.WriteFile("/tmp/structure_shots/"+name+"-"+strconv.FormatInt(w, 10)+".png", buf, 0o644)
	}
	for _, w := range []int64{1280, 375} {
		shot("/login", "login", w)
	}
	_ = chromedp.Do(ctx, chromedp.Navigate(e.ts.URL+"/login"))
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[any](`document.querySelector('[name=email]').value='coordinateur@demo.portail-aci.fr';document.querySelector('[name=password]').value='faux';document.querySelector('[name=email]').form.submit();true`)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(800 * time.Millisecond)
	if buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
		_ = os.WriteFile("/tmp/structure_shots/login-error.png", buf, 0o644)
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[any](`document.querySelector('[name=email]').value='coordinateur@demo.portail-aci.fr';document.querySelector('[name=password]').value='`+seed.DemoPassword+`';document.querySelector('[name=email]').form.submit();true`)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1200 * time.Millisecond)
	// Long pages on a phone, one screen at a time.
	parts := func(path, name string) {
		shot(path, name, 375)
		for i, y := range []string{"0", "900", "1800", "2700"} {
			if _, err := chromedp.Run(ctx, chromedp.Evaluate[any]("window.scrollTo(0,"+y+");true")); err != nil {
				t.Fatal(err)
			}
			time.Sleep(200 * time.Millisecond)
			png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
			if err != nil {
				t.Fatal(err)
			}
			_ = os.WriteFile("/tmp/structure_shots/"+name+"-375-part"+strconv.Itoa(i)+".png", png, 0o644)
		}
	}
	parts(base+"/territoire", "territoire")
	parts(base+"/territoire?q=amb", "territoire-recherche")
	for _, w := range []int64{1280, 375} {
		shot("/", "home", w)
		shot("/structures", "structures", w)
		shot(base, "structure", w)
		shot(base+"/membres", "membres", w)
		shot(base+"/territoire", "territoire", w)
		shot(base+"/territoire?q=amb", "territoire-recherche", w)
		shot(base+"/membres/nouveau", "membre-nouveau", w)
		shot(base+"/modifier", "structure-modifier", w)
	}
}
