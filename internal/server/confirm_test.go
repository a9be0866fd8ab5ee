package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/seed"
	"github.com/portail-aci/aci/internal/store"
)

// confirmForm reads the confirmation page of an act sent without
// JavaScript: its action and the fields it sends again.
func confirmForm(t *testing.T, r resp) (string, url.Values) {
	t.Helper()
	if r.StatusCode != http.StatusOK {
		t.Fatalf("want the confirmation page, got %d", r.StatusCode)
	}
	d := r.doc(t)
	f := d.Find(`[data-testid=confirm-form]`)
	if f.Length() != 1 || d.Find(`[data-testid=confirm-question]`).Text() == "" {
		t.Fatalf("no confirmation form:\n%s", r.body)
	}
	vals := url.Values{}
	f.Find("input[type=hidden]").Each(func(_ int, in *goquery.Selection) {
		vals.Add(in.AttrOr("name", ""), in.AttrOr("value", ""))
	})
	return f.AttrOr("action", ""), vals
}

// TestConfirmWithoutJavaScript: an irreversible act posted without the
// dialog's confirmation changes nothing and asks first; the confirmation
// page's form, with the same fields, does it.
func TestConfirmWithoutJavaScript(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.loggedIn("coordinateur.b@demo.portail-aci.fr")
	sid, _ := e.st.OrganisationIDByName(ctx, domain.OrgStructure, seed.MontsDeDemo)
	coord, _ := e.st.UserByEmail(ctx, "coordinateur.b@demo.portail-aci.fr")
	sc, err := e.st.ScopeFor(ctx, coord.ID, sid)
	if err != nil {
		t.Fatal(err)
	}
	members := func() int {
		_, n, err := e.st.ListMembers(ctx, sc, sid, store.Page{Number: 1, Size: 1})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	rows, _, _ := e.st.ListMembers(ctx, sc, sid, store.Page{Number: 1, Size: 1})
	path := "/structures/" + strconv.FormatInt(sid, 10) + "/membres/" + strconv.FormatInt(rows[0].ID, 10) + "/retirer"
	before := members()
	r := c.postUnconfirmed(path, url.Values{})
	action, vals := confirmForm(t, r)
	if members() != before {
		t.Fatal("member removed without confirmation")
	}
	if action != path || vals.Get("confirm") != "1" {
		t.Fatalf("confirmation form: %q %v", action, vals)
	}
	if r := c.postUnconfirmed(action, vals); r.StatusCode != http.StatusSeeOther || members() != before-1 {
		t.Fatalf("confirmed: %d, members %d → %d", r.StatusCode, before, members())
	}

	// A user disabled by the admin.
	admin := e.loggedIn("admin@demo.portail-aci.fr")
	target, _ := e.st.UserByEmail(ctx, "dcgdr@demo.portail-aci.fr")
	dpath := "/admin/utilisateurs/" + strconv.FormatInt(target.ID, 10) + "/desactiver"
	action, vals = confirmForm(t, admin.postUnconfirmed(dpath, url.Values{}))
	if u, _ := e.st.UserByEmail(ctx, target.Email); u.DisabledAt != nil {
		t.Fatal("disabled without confirmation")
	}
	if r := admin.postUnconfirmed(action, vals); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("confirmed disable: %d", r.StatusCode)
	}
	if u, _ := e.st.UserByEmail(ctx, target.Email); u.DisabledAt == nil {
		t.Fatal("not disabled after confirmation")
	}

	// A workflow transition keeps its fields through the confirmation.
	ref := e.loggedIn("referent@demo.portail-aci.fr")
	val := e.dossierOf(seed.ValDeDemo)
	form := url.Values{"transition": {"demander_complements"}, "seen": {"en_instruction"}, "motivation": {"Merci de préciser le budget."},
		store.ExtraComplementTarget: {"doc:statuts"}, store.ExtraComplementText: {"Les statuts signés manquent."}}
	r = ref.postUnconfirmed("/dossiers/"+val+"/transitions", form)
	action, vals = confirmForm(t, r)
	if !strings.Contains(r.doc(t).Find(`[data-testid=confirm-question]`).Text(), "Demander des compléments") {
		t.Errorf("question %q", r.doc(t).Find(`[data-testid=confirm-question]`).Text())
	}
	for k := range form {
		if vals.Get(k) != form.Get(k) {
			t.Errorf("field %s: %q, want %q", k, vals.Get(k), form.Get(k))
		}
	}
	id, _ := strconv.ParseInt(val, 10, 64)
	refUser, _ := e.st.UserByEmail(ctx, "referent@demo.portail-aci.fr")
	cpam, _ := e.st.OrganisationIDByName(ctx, domain.OrgCPAM, seed.CPAMAin)
	refScope, err := e.st.ScopeFor(ctx, refUser.ID, cpam)
	if err != nil {
		t.Fatal(err)
	}
	if d, err := e.st.Dossier(ctx, refScope, id); err != nil || string(d.State) != "en_instruction" {
		t.Fatalf("state changed without confirmation: %s %v", d.State, err)
	}
	if r := ref.postUnconfirmed(action, vals); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("confirmed transition: %d %s", r.StatusCode, r.body)
	}
	if d, _ := e.st.Dossier(ctx, refScope, id); string(d.State) != "complements_demandes" {
		t.Fatalf("state after confirmation: %s", d.State)
	}
}
