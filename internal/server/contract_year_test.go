package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/contractlife"
	"github.com/portail-aci/aci/internal/domain/funding"
	"github.com/portail-aci/aci/internal/seed"
	"github.com/portail-aci/aci/internal/store"
)

// TestContractYearPagesMSP walks Lille's MSP civil year through the pages:
// every role sees it or gets 404, the declaration refuses bad values at the
// field, the CPAM validates (docs/rules.md §29).
func TestContractYearPagesMSP(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	lille, err := e.st.DemoOrganisationID(ctx, seed.MSPLille)
	if err != nil {
		t.Fatal(err)
	}
	var cid int64
	var start time.Time
	if err := e.st.Pool.QueryRow(ctx, `SELECT id, start_date FROM contracts WHERE structure_id = $1 AND state = 'actif'`, lille).Scan(&cid, &start); err != nil {
		t.Fatal(err)
	}
	// The contract's second civil year (the demo may have declared the
	// first), read inside its declaration window whatever today is.
	n := start.Year() + 1
	w := contractlife.MSPDeclarationWindow(n)
	day := w.Open
	*e.clock = day.AddDays(1).Time().Add(10 * time.Hour)
	base := "/contrats/" + strconv.FormatInt(cid, 10) + "/annees/" + strconv.Itoa(n)

	inside := map[string]int{"msp@demo.portail-aci.fr": 200, "cpam.nord@demo.portail-aci.fr": 200, "ars.hdf@demo.portail-aci.fr": 200,
		"admin@demo.portail-aci.fr": 200, "coordinateur@demo.portail-aci.fr": 404, "referent@demo.portail-aci.fr": 404, "ars@demo.portail-aci.fr": 404,
		"coordinateur.b@demo.portail-aci.fr": 404}
	for who, want := range inside {
		c := e.loggedIn(who)
		if r := c.get(base); r.StatusCode != want {
			t.Errorf("%s GET %s: %d, want %d", who, base, r.StatusCode, want)
		}
		if want == 404 {
			if r := c.post(base+"/declaration", url.Values{"v_fonction_coordination": {"1"}}); r.StatusCode != 404 {
				t.Errorf("%s POST outside the tenant: %d", who, r.StatusCode)
			}
		}
	}
	coord := e.loggedIn("msp@demo.portail-aci.fr")
	if r := coord.get("/contrats/" + strconv.FormatInt(cid, 10) + "/annees/" + strconv.Itoa(n-2)); r.StatusCode != 404 {
		t.Fatalf("year before the contract: %d", r.StatusCode)
	}
	if h := coord.get("/"); !strings.Contains(h.body, "Déclaration de l&#39;année civile "+strconv.Itoa(n)+" ouverte") && !strings.Contains(h.body, "Déclaration de l'année civile "+strconv.Itoa(n)+" ouverte") {
		t.Fatalf("coordinator home without the open declaration:\n%s", h.body)
	}
	r := coord.get(base)
	if d := r.doc(t); d.Find(`[data-testid=declaration-form]`).Length() != 1 || !strings.Contains(d.Find(`[data-testid=year-window]`).Text(), w.Close.French()) {
		t.Fatalf("no declaration form:\n%s", r.body)
	}
	// A bad value: refused at its field, nothing saved.
	r = coord.post(base+"/declaration", url.Values{"action": {"soumettre"}, "v_fonction_coordination": {"2"}, "v_horaires_soins_non_programmes": {"1"},
		"v_sas_tous_medecins": {"0"}, "v_sas_moitie_medecins": {"1"}})
	if r.StatusCode != http.StatusUnprocessableEntity || r.doc(t).Find(`#e_v_fonction_coordination`).Length() != 1 {
		t.Fatalf("bad value: %d\n%s", r.StatusCode, r.body)
	}
	if y, _ := e.st.ContractYear(ctx, adminScope(t, e), cid, n, day); y.Status != "" {
		t.Fatalf("half saved: %q", y.Status)
	}
	r = coord.post(base+"/declaration", url.Values{"action": {"soumettre"}, "v_fonction_coordination": {"1"}, "v_horaires_soins_non_programmes": {"1"},
		"v_sas_tous_medecins": {"0"}, "v_sas_moitie_medecins": {"1"}, "c_fonction_coordination": {"coordinatrice à mi-temps"}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("submit: %d\n%s", r.StatusCode, r.body)
	}
	// The CPAM validates; a correction without reason is refused at its field.
	cpam := e.loggedIn("cpam.nord@demo.portail-aci.fr")
	if h := cpam.get("/"); !strings.Contains(h.body, "à valider") {
		t.Fatalf("CPAM home without the declaration to validate:\n%s", h.body)
	}
	d := cpam.get(base).doc(t)
	form := d.Find(`[data-testid=validate-sas_moitie_medecins]`)
	if form.Length() != 1 {
		t.Fatal("no validation form")
	}
	version, _ := form.Find(`input[name=version]`).Attr("value")
	r = cpam.post(base+"/indicateurs/sas_moitie_medecins/validation", url.Values{"version": {version}, "value": {"0"}})
	if r.StatusCode != http.StatusUnprocessableEntity || r.doc(t).Find(`#e_reason-sas_moitie_medecins`).Length() != 1 {
		t.Fatalf("correction without reason: %d\n%s", r.StatusCode, r.body)
	}
	r = cpam.post(base+"/indicateurs/sas_moitie_medecins/validation", url.Values{"version": {version}, "value": {"0"}, "reason": {"non justifié"}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("validate: %d\n%s", r.StatusCode, r.body)
	}
	// A second validation with the same version: the French conflict message.
	r = cpam.post(base+"/indicateurs/sas_moitie_medecins/validation", url.Values{"version": {version}})
	if r.StatusCode != http.StatusConflict || !strings.Contains(r.body, "quelqu&#39;un d&#39;autre") && !strings.Contains(r.body, "quelqu'un d'autre") {
		t.Fatalf("stale validation: %d\n%s", r.StatusCode, r.body)
	}
	// The coordinator can neither validate nor close.
	if r := coord.post(base+"/indicateurs/fonction_coordination/validation", url.Values{"version": {"1"}}); r.StatusCode != 404 {
		t.Fatalf("coordinator validates: %d", r.StatusCode)
	}
	if r := coord.post(base+"/cloture", nil); r.StatusCode != 404 {
		t.Fatalf("coordinator closes: %d", r.StatusCode)
	}
	// Closing before the civil year's end lists what is missing.
	if r := cpam.post(base+"/cloture", nil); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.body, "clôture possible à partir du") ||
		!strings.Contains(r.body, "valeur non validée") {
		t.Fatalf("early closing: %d\n%s", r.StatusCode, r.body)
	}
	// The other values validated as declared, then closed in January.
	d = cpam.get(base).doc(t)
	for _, code := range []string{"horaires_soins_non_programmes", "fonction_coordination", "sas_tous_medecins"} {
		v, _ := d.Find(`[data-testid=validate-` + code + `] input[name=version]`).Attr("value")
		if r := cpam.post(base+"/indicateurs/"+code+"/validation", url.Values{"version": {v}}); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("validate %s: %d\n%s", code, r.StatusCode, r.body)
		}
	}
	*e.clock = time.Date(n+1, time.January, 10, 10, 0, 0, 0, time.UTC)
	if r := cpam.post(base+"/cloture", nil); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("close: %d\n%s", r.StatusCode, r.body)
	}
	if r := cpam.post(base+"/cloture", nil); r.StatusCode != http.StatusConflict {
		t.Fatalf("second closing: %d", r.StatusCode)
	}
	y, err := e.st.ContractYear(ctx, adminScope(t, e), cid, n, domain.DateOf(*e.clock))
	if err != nil || !y.Closed {
		t.Fatalf("closed %v %v", y.Closed, err)
	}
	var balance string
	for _, p := range y.Payments {
		if p.Kind == funding.KindSolde && p.Status != "annule" {
			balance = domain.FormatEUR(p.Amount)
		}
	}
	page := coord.get(base)
	pd := page.doc(t)
	if balance == "" || !strings.Contains(pd.Find(`[data-testid=year-payments]`).Text(), balance) || pd.Find(`[data-testid=year-closed]`).Length() != 1 ||
		pd.Find(`[data-testid=declaration-form]`).Length() != 0 || (pd.Find(`[data-testid=msp-gate]`).Length() == 1) != (y.Gate != "") {
		t.Fatalf("closed year page (balance %q, gate %q):\n%s", balance, y.Gate, page.body)
	}
}

func adminScope(t *testing.T, e *env) store.Scope {
	t.Helper()
	u, err := e.st.UserByEmail(context.Background(), "admin@demo.portail-aci.fr")
	if err != nil {
		t.Fatal(err)
	}
	org, err := e.st.DemoOrganisationID(context.Background(), seed.National)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := e.st.ScopeFor(context.Background(), u.ID, org)
	if err != nil {
		t.Fatal(err)
	}
	return sc
}
