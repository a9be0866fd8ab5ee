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
	"github.com/portail-aci/aci/internal/domain/workflow"
	"github.com/portail-aci/aci/internal/seed"
	"github.com/portail-aci/aci/internal/store"
	"github.com/portail-aci/aci/internal/store/pgtest"
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
	if err := pgtest.Owner(t, e.st).QueryRow(ctx, `SELECT id, start_date FROM contracts WHERE structure_id = $1 AND state = 'actif'`, lille).Scan(&cid, &start); err != nil {
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
	if y, _ := e.st.ContractYear(ctx, scopeOf(t, e, "admin@demo.portail-aci.fr"), cid, n, day); y.Status != "" {
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
	y, err := e.st.ContractYear(ctx, scopeOf(t, e, "admin@demo.portail-aci.fr"), cid, n, domain.DateOf(*e.clock))
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

// TestContractYearPagesCPTS takes Val de Démo's dossier to a signed
// contract, then its year 1 through the pages: declaration (errors at the
// field), validation and correction, dialogue de gestion, closing.
func TestContractYearPagesCPTS(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	val, err := e.st.DemoOrganisationID(ctx, seed.ValDeDemo)
	if err != nil {
		t.Fatal(err)
	}
	var did int64
	if err := pgtest.Owner(t, e.st).QueryRow(ctx, `SELECT max(id) FROM dossiers WHERE structure_id = $1`, val).Scan(&did); err != nil {
		t.Fatal(err)
	}
	// The referent accepts the pieces the demo left to redo.
	refSc := scopeOf(t, e, "referent@demo.portail-aci.fr")
	docs, err := e.st.ListDocuments(ctx, refSc, did)
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range docs.Required {
		if x.State == store.DocARefaire {
			if err := e.st.ReviewDocument(ctx, refSc, did, store.DocumentReview{DocumentID: x.ID, Version: x.Version, State: store.DocAccepte, At: time.Now()}); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Every achievement mission of the contract needs an indicator to close
	// its year: the demo has none for accompagnement.
	if _, err := pgtest.Owner(t, e.st).Exec(ctx, `INSERT INTO dossier_indicators (dossier_id, code, mission, label, direction, baseline, targets, weight, unit, position)
		VALUES ($1, 'accompagnement_1', 'accompagnement', 'Professionnels accompagnés', 'croissant', 0, '{20}', 1, 'nombre', 99) ON CONFLICT DO NOTHING`, did); err != nil {
		t.Fatal(err)
	}
	signed := domain.DateOf(time.Now()).AddDays(-350)
	at := signed.Time().Add(9 * time.Hour)
	for _, s := range []struct {
		who string
		tr  workflow.Transition
		pos workflow.Position
	}{
		{"referent@demo.portail-aci.fr", workflow.DonnerAvisFavorable, ""},
		{"referent@demo.portail-aci.fr", workflow.TransmettreExamenConjoint, ""},
		{"dcgdr@demo.portail-aci.fr", workflow.PositionDCGDR, workflow.Favorable},
		{"ars@demo.portail-aci.fr", workflow.PositionARS, workflow.Favorable},
		{"ars@demo.portail-aci.fr", workflow.Accepter, ""},
	} {
		d, err := e.st.Dossier(ctx, scopeOf(t, e, "admin@demo.portail-aci.fr"), did)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.st.ApplyTransition(ctx, scopeOf(t, e, s.who), store.TransitionRequest{DossierID: did, Transition: s.tr, Seen: d.State,
			Motivation: "Avis motivé pour le test.", Position: s.pos, At: at, Today: signed}); err != nil {
			t.Fatalf("%s %s: %v", s.who, s.tr, err)
		}
	}
	c, err := e.st.ContractByDossier(ctx, scopeOf(t, e, "admin@demo.portail-aci.fr"), did)
	if err != nil {
		t.Fatal(err)
	}
	for _, who := range []string{"coordinateur@demo.portail-aci.fr", "cpam.manager@demo.portail-aci.fr", "ars@demo.portail-aci.fr"} {
		if _, err := e.st.ApplyContractTransition(ctx, scopeOf(t, e, who), store.ContractRequest{DossierID: did, Transition: workflow.Signer,
			Seen: workflow.ASigner, DocumentSHA256: c.DocumentSHA256, Today: signed, At: at}); err != nil {
			t.Fatalf("%s signs: %v", who, err)
		}
	}
	c, _ = e.st.ContractByDossier(ctx, scopeOf(t, e, "admin@demo.portail-aci.fr"), did)
	// A mission has a balance only once declared started (docs/rules.md §28):
	// the coordinator declares each one started on the day of signature.
	for _, m := range c.Terms.Missions {
		if _, err := e.st.DeclareMissionStart(ctx, scopeOf(t, e, "coordinateur@demo.portail-aci.fr"), store.MissionDeclaration{ContractID: c.ID,
			Mission: m.Code, On: c.Start, Evidence: "Compte rendu de lancement de la mission.", Today: signed, At: at}); err != nil && domain.ErrorCode(err) != domain.EConflict {
			t.Fatalf("start %s: %v", m.Code, err)
		}
	}
	w, _ := contractlife.DeclarationWindow(c.Start, 1)
	*e.clock = w.Open.AddDays(2).Time().Add(10 * time.Hour)
	base := "/contrats/" + strconv.FormatInt(c.ID, 10) + "/annees/1"

	for who, want := range map[string]int{"coordinateur@demo.portail-aci.fr": 200, "referent@demo.portail-aci.fr": 200, "ars@demo.portail-aci.fr": 200,
		"dcgdr@demo.portail-aci.fr": 200, "admin@demo.portail-aci.fr": 200, "coordinateur.b@demo.portail-aci.fr": 404, "msp@demo.portail-aci.fr": 404} {
		if r := e.loggedIn(who).get(base); r.StatusCode != want {
			t.Errorf("%s: %d, want %d", who, r.StatusCode, want)
		}
	}
	coord := e.loggedIn("coordinateur@demo.portail-aci.fr")
	y, err := e.st.ContractYear(ctx, scopeOf(t, e, "admin@demo.portail-aci.fr"), c.ID, 1, domain.DateOf(*e.clock))
	if err != nil || len(y.Indicators) == 0 {
		t.Fatalf("indicators %v %v", y.Indicators, err)
	}
	form := url.Values{"action": {"soumettre"}}
	for _, ind := range y.Indicators {
		form.Set("v_"+ind.Code, "12")
	}
	bad := cloneValues(form)
	bad.Set("v_"+y.Indicators[0].Code, "-5")
	bad.Set("v_"+y.Indicators[1].Code, "douze")
	r := coord.post(base+"/declaration", bad)
	if d := r.doc(t); r.StatusCode != http.StatusUnprocessableEntity || d.Find(`#e_v_`+y.Indicators[0].Code).Length() != 1 ||
		d.Find(`#e_v_`+y.Indicators[1].Code).Length() != 1 || d.Find(`#v_`+y.Indicators[1].Code).AttrOr("value", "") != "douze" {
		t.Fatalf("bad values: %d\n%s", r.StatusCode, r.body)
	}
	if r := coord.post(base+"/declaration", form); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("submit: %d\n%s", r.StatusCode, r.body)
	}
	ref := e.loggedIn("referent@demo.portail-aci.fr")
	d := ref.get(base).doc(t)
	for i, ind := range y.Indicators {
		v := d.Find(`[data-testid=validate-`+ind.Code+`] input[name=version]`).AttrOr("value", "")
		f := url.Values{"version": {v}}
		if i == 0 {
			f.Set("value", "10")
			f.Set("reason", "valeur de l'observatoire régional")
		}
		if r := ref.post(base+"/indicateurs/"+ind.Code+"/validation", f); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("validate %s: %d\n%s", ind.Code, r.StatusCode, r.body)
		}
	}
	// The shared space: a question from the ARS; the meeting recorded by the CPAM.
	if r := e.loggedIn("ars@demo.portail-aci.fr").post(base+"/dialogue/preparation", url.Values{"question": {"Où en est la prévention ?"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("ARS question: %d\n%s", r.StatusCode, r.body)
	}
	meeting := url.Values{"held_on": {domain.DateOf(*e.clock).French()}, "structure": {"Camille Martin"}, "cpam": {"Marc Bernard"}, "ars": {""}, "minutes": {"Bilan."}}
	if r := ref.post(base+"/dialogue", meeting); r.StatusCode != http.StatusUnprocessableEntity || r.doc(t).Find(`#e_ars`).Length() != 1 {
		t.Fatalf("meeting without ARS: %d\n%s", r.StatusCode, r.body)
	}
	meeting.Set("ars", "Sophie Garnier")
	// Sent twice with the form's idempotency key (a double click): one
	// meeting recorded, the page below shows one.
	meeting.Set("idem", ref.get(base).doc(t).Find(`[data-testid=meeting-form] input[name=idem]`).AttrOr("value", ""))
	if meeting.Get("idem") == "" {
		t.Fatal("the meeting form has no idempotency key")
	}
	for range 2 {
		if r := ref.post(base+"/dialogue", meeting); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("meeting: %d\n%s", r.StatusCode, r.body)
		}
	}
	page := coord.get(base)
	if pd := page.doc(t); !strings.Contains(pd.Find(`[data-testid=questions]`).Text(), "prévention") || pd.Find(`[data-testid=meeting]`).Length() != 1 ||
		!strings.Contains(pd.Find(`[data-testid=reason]`).Text(), "observatoire") {
		t.Fatalf("year page:\n%s", page.body)
	}
	// Closed after the anniversary; the balances shown are the store's.
	*e.clock = y.End.AddDays(3).Time().Add(10 * time.Hour)
	if r := coord.post(base+"/cloture", nil); r.StatusCode != 404 {
		t.Fatalf("coordinator closes: %d", r.StatusCode)
	}
	if r := ref.post(base+"/cloture", nil); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("close: %d\n%s", r.StatusCode, r.body)
	}
	y, _ = e.st.ContractYear(ctx, scopeOf(t, e, "admin@demo.portail-aci.fr"), c.ID, 1, domain.DateOf(*e.clock))
	text := coord.get(base).doc(t).Find(`[data-testid=year-payments]`).Text()
	n := 0
	for _, p := range y.Payments {
		if p.Kind == funding.KindSolde && p.Status != "annule" {
			n++
			if !strings.Contains(text, domain.FormatEUR(p.Amount)) {
				t.Errorf("balance %s not shown", domain.FormatEUR(p.Amount))
			}
		}
	}
	if !y.Closed || n == 0 {
		t.Fatalf("closed %v, %d balances", y.Closed, n)
	}
	// A correction by the manager creates an adjustment.
	mgr := e.loggedIn("cpam.manager@demo.portail-aci.fr")
	if r := mgr.post(base+"/correction", url.Values{"v_" + y.Indicators[0].Code: {"abc"}, "motive": {"erreur"}}); r.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("bad correction: %d", r.StatusCode)
	}
	if r := mgr.post(base+"/correction", url.Values{"v_" + y.Indicators[0].Code: {"11"}, "motive": {"erreur de saisie"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("correction: %d\n%s", r.StatusCode, r.body)
	}
	if !strings.Contains(coord.get(base).body, "erreur de saisie") {
		t.Fatal("correction not shown")
	}
}

// Without JavaScript, submitting saves the draft (files included), then asks
// for confirmation; confirming submits it.
func TestContractYearSubmitWithoutJavaScript(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	lille, _ := e.st.DemoOrganisationID(ctx, seed.MSPLille)
	var cid int64
	var start time.Time
	if err := pgtest.Owner(t, e.st).QueryRow(ctx, `SELECT id, start_date FROM contracts WHERE structure_id = $1 AND state = 'actif'`, lille).Scan(&cid, &start); err != nil {
		t.Fatal(err)
	}
	n := start.Year() + 1
	*e.clock = contractlife.MSPDeclarationWindow(n).Open.Time().Add(10 * time.Hour)
	base := "/contrats/" + strconv.FormatInt(cid, 10) + "/annees/" + strconv.Itoa(n)
	coord := e.loggedIn("msp@demo.portail-aci.fr")
	form := url.Values{"action": {"soumettre"}, "version": {"0"}, "v_fonction_coordination": {"1"}, "v_horaires_soins_non_programmes": {"1"},
		"v_sas_tous_medecins": {"0"}, "v_sas_moitie_medecins": {"1"}}
	r := coord.postUnconfirmed(base+"/declaration", form)
	if r.StatusCode != http.StatusOK || !strings.Contains(r.body, "Transmettre la déclaration") {
		t.Fatalf("confirmation page: %d\n%s", r.StatusCode, r.body)
	}
	sc := scopeOf(t, e, "admin@demo.portail-aci.fr")
	if y, _ := e.st.ContractYear(ctx, sc, cid, n, domain.DateOf(*e.clock)); y.Status != "brouillon" {
		t.Fatalf("draft not saved: %q", y.Status)
	}
	form.Del("version")
	if r := coord.post(base+"/declaration", form); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("confirmed: %d\n%s", r.StatusCode, r.body)
	}
	if y, _ := e.st.ContractYear(ctx, sc, cid, n, domain.DateOf(*e.clock)); !y.Submitted() {
		t.Fatalf("not submitted: %q", y.Status)
	}
}
