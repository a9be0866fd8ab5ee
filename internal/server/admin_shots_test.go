package server_test

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/portail-aci/aci/internal/seed"
)

// TestZZAdminShots takes screenshots of the accounts administration and of
// /compte at 1280 and 375 px into /tmp/admin_shots (ADMIN_SHOTS=1 only).
func TestZZAdminShots(t *testing.T) {
	if os.Getenv("ADMIN_SHOTS") == "" {
		return
	}
	e := newSerialEnv(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath("chromium"))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel2 := chromedp.NewContext(actx)
	defer cancel2()
	_ = os.MkdirAll("/tmp/admin_shots", 0o755)
	save := func(name string, w int64) {
		time.Sleep(500 * time.Millisecond)
		buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		_ = os.WriteFile("/tmp/admin_shots/"+name+"-"+strconv.FormatInt(w, 10)+".png", buf, 0o644)
	}
	shot := func(path, name string, w int64) {
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(w, 900), chromedp.Navigate(e.ts.URL+path)); err != nil {
			t.Fatal(err)
		}
		save(name, w)
	}
	eval := func(js string) {
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[any](js+";true")); err != nil {
			t.Fatal(err)
		}
		time.Sleep(900 * time.Millisecond)
	}
	_ = chromedp.Do(ctx, chromedp.Navigate(e.ts.URL+"/login"))
	eval(`document.querySelector('[name=email]').value='` + adminEmail + `';document.querySelector('[name=password]').value='` + seed.DemoPassword + `';document.querySelector('[name=email]').form.submit()`)
	uid := e.userID(t, "coordinateur@demo.portail-aci.fr")
	for _, w := range []int64{1280, 375} {
		shot("/admin/utilisateurs", "utilisateurs", w)
		shot("/admin/utilisateurs/"+uid, "utilisateur", w)
		shot("/admin/organisations", "organisations", w)
		shot("/compte", "compte", w)
		shot("/admin/utilisateurs/nouveau", "nouveau", w)
		eval(`const f=document.querySelector('[data-testid=user-form]');f.name.value='Paul Essai';f.email.value='referent@demo.portail-aci.fr';f.org_id.selectedIndex=2;f.role.value='director';f.submit()`)
		save("nouveau-erreurs", w)
		shot("/compte", "compte", w)
		eval(`const f=document.querySelector('[data-testid=password-form]');f.current_password.value='mauvais mot de passe';f.new_password.value='une nouvelle phrase';f.confirm_password.value='une autre';f.submit()`)
		save("compte-erreurs", w)
	}
	shot("/admin/utilisateurs/nouveau", "nouveau", 1280)
	eval(`const f=document.querySelector('[data-testid=user-form]');f.name.value='Nina Nouvelle';f.email.value='nina@cpam.fr';f.org_id.selectedIndex=2;f.role.value='referent';f.submit()`)
	save("cree", 1280)
}
