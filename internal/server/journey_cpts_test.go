package server_test

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/portail-aci/aci/internal/auth"
	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/contractlife"
	"github.com/portail-aci/aci/internal/domain/funding"
	"github.com/portail-aci/aci/internal/domain/registry"
	"github.com/portail-aci/aci/internal/seed"
	"github.com/portail-aci/aci/internal/store"
)

// journey drives one Chromium through a dossier as several demo accounts,
// through the real forms and buttons only (docs/rules.md §13). Every JavaScript
// confirmation (app.js data-confirm) is accepted and recorded.
type journey struct {
	t     *testing.T
	e     *env
	ctx   context.Context
	who   string
	mu    sync.Mutex
	asks  []string // confirmation messages accepted
	pages *pageChecker
}

func newJourney(t *testing.T, e *env) *journey {
	// browser(t)'s 90 s are too short for a whole path: same Chromium
	// options, a longer deadline.
	path, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatal("Chromium est introuvable : `make test` l'installe (apt-get install -y chromium)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path), chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true), chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.UserDataDir(t.TempDir()),
	)
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, 5*time.Minute)
	t.Cleanup(func() { cancelT(); cancelC(); cancelA() })
	j := &journey{t: t, e: e, ctx: ctx}
	// Start the browser before listening.
	if err := chromedp.Do(j.ctx, chromedp.Navigate("about:blank"), chromedp.EmulateViewport(1280, 900)); err != nil {
		t.Fatal(err)
	}
	j.pages = newPageChecker(t, j.ctx)
	dialogs := chromedp.Events(j.ctx, page.JavascriptDialogOpening)
	go func() {
		for ev, err := range dialogs {
			if err != nil {
				return
			}
			j.mu.Lock()
			j.asks = append(j.asks, ev.Message)
			j.mu.Unlock()
			_, _ = chromedp.Call(j.ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
		}
	}()
	return j
}

func (j *journey) as(email string) {
	j.t.Helper()
	if j.who == email {
		return
	}
	if j.who != "" {
		if _, err := chromedp.RunResponse(j.ctx, chromedp.Click(chromedp.CSS(`[data-testid=logout]`))); err != nil {
			j.t.Fatalf("logout %s: %v", j.who, err)
		}
	}
	// Whatever session is left (a clock moved past its end) is forgotten.
	j.who = ""
	if _, err := chromedp.Call(j.ctx, network.ClearBrowserCookies, cdp.Empty{}); err != nil {
		j.t.Fatal(err)
	}
	j.nav("/login")
	j.do("login", chromedp.SendKeys(chromedp.CSS("#email"), email), chromedp.SendKeys(chromedp.CSS("#password"), seed.DemoPassword))
	j.submit("login", `form[action="/login"] button[type=submit]`)
	j.who = email
}

// nav opens path and checks the page (docs/rules.md §38).
func (j *journey) nav(path string) {
	j.t.Helper()
	if err := chromedp.Do(j.ctx, chromedp.Navigate(j.e.ts.URL+path)); err != nil {
		j.t.Fatalf("%s: %v", path, err)
	}
	j.pages.check(j.who + " " + path)
}

// stepTimeout bounds one step (an element waited for that never comes
// fails the step, not the whole journey's deadline).
const stepTimeout = time.Minute

func (j *journey) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	j.t.Helper()
	ctx, cancel := context.WithTimeout(j.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		j.t.Fatalf("%s (%s): %v", what, j.who, err)
	}
}

// submit clicks a submit button, waits for the page that follows and
// checks it (docs/rules.md §38).
func (j *journey) submit(what, sel string) {
	j.t.Helper()
	ctx, cancel := context.WithTimeout(j.ctx, stepTimeout)
	defer cancel()
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel))); err != nil {
		j.t.Fatalf("%s (%s): %v", what, j.who, err)
	}
	j.pages.check(j.who + " " + what)
}

func (j *journey) text(sel string) string {
	j.t.Helper()
	ctx, cancel := context.WithTimeout(j.ctx, stepTimeout)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		j.t.Fatalf("%s (%s): %v", sel, j.who, err)
	}
	return s
}

func (j *journey) count(sel string) int {
	j.t.Helper()
	n, err := chromedp.Run(j.ctx, chromedp.Evaluate[int](`document.querySelectorAll(`+strconv.Quote(sel)+`).length`))
	if err != nil {
		j.t.Fatal(err)
	}
	return n
}

func (j *journey) js(what, expr string) {
	j.t.Helper()
	if _, err := chromedp.Run(j.ctx, chromedp.Evaluate[any](expr)); err != nil {
		j.t.Fatalf("%s: %v", what, err)
	}
}

func (j *journey) state(id int64) string {
	j.t.Helper()
	j.nav(dpath(id, ""))
	s, err := chromedp.Run(j.ctx, chromedp.AttributeValue(chromedp.CSS(`[data-testid=dossier-state]`), "data-state"))
	if err != nil {
		j.t.Fatal(err)
	}
	return s.Value
}

// transition opens the dossier as the current account, checks that the
// action is offered, runs fill (motivation, position…) and presses the
// button; the dossier must then be in state want.
func (j *journey) transition(id int64, code, want string, fill ...chromedp.Action[chromedp.Void]) {
	j.t.Helper()
	j.nav(dpath(id, ""))
	form := `form[data-transition="` + code + `"]`
	if j.count(form) != 1 {
		j.t.Fatalf("%s: action %s not offered; actions: %q", j.who, code, j.text(`[data-testid=actions]`))
	}
	j.do(code, fill...)
	j.submit(code, form+` button[type=submit]`)
	if j.count(`[data-testid=action-error]`) > 0 {
		j.t.Fatalf("%s by %s refused: %s", code, j.who, j.text(`[data-testid=action-error]`))
	}
	if got := j.state(id); got != want {
		j.t.Fatalf("after %s by %s: state %s, want %s", code, j.who, got, want)
	}
}

func motivation(code, text string) chromedp.Action[chromedp.Void] {
	return chromedp.SendKeys(chromedp.CSS("#mot-"+code), text)
}

func (j *journey) upload(id int64, code string) {
	j.t.Helper()
	j.nav(dpath(id, "/documents"))
	f := filepath.Join(j.t.TempDir(), code+".pdf")
	if err := os.WriteFile(f, seed.MinimalPDF([]string{"Pièce " + code}), 0o600); err != nil {
		j.t.Fatal(err)
	}
	j.do("upload "+code,
		chromedp.SetUploadFiles(chromedp.CSS("#file-"+code), []string{f}),
		chromedp.WaitVisible(chromedp.CSS(`[data-code=`+code+`][data-state=fourni] [data-testid=version]`)))
}

func (j *journey) generate(id int64, code string) {
	j.t.Helper()
	j.nav(dpath(id, "/documents"))
	j.submit("generate "+code, `[data-code=`+code+`] [data-testid=generate] button`)
	if j.count(`[data-code=`+code+`] [data-testid=version]`) == 0 {
		j.t.Fatalf("%s not generated", code)
	}
}

// saveSection types text in a content section's textarea and saves it with
// its button (no autosave wait).
func (j *journey) saveSection(id int64, key, text string) {
	j.t.Helper()
	j.nav(dpath(id, "/contenu"))
	j.do("type "+key, chromedp.SendKeys(chromedp.CSS("#text-"+key), text))
	j.submit("save "+key, `[data-testid=form-`+key+`] .actions button[type=submit]`)
	if v, _ := chromedp.Run(j.ctx, chromedp.Value(chromedp.CSS("#text-"+key))); !strings.Contains(v, text) {
		j.t.Fatalf("%s not saved: %q", key, v)
	}
}

// registerTestCPTS: in the browser, the national admin registers "CPTS du
// Test" in the Ain (the demo CPAM, ARS and DCGDR cover it) for a new
// coordinator account through /structures/nouvelle, and the coordinator
// adds its three communes through the territory search. The account and
// the members are set up through the store (their forms are tested
// elsewhere).
func registerTestCPTS(t *testing.T, e *env, j *journey) (coordEmail string) {
	ctx := context.Background()
	coordEmail = "coordination.test@demo.portail-aci.fr"
	hash, err := auth.Hash(seed.DemoPassword)
	if err != nil {
		t.Fatal(err)
	}
	if _, err = e.st.CreateUser(ctx, coordEmail, "Léna Testeuse", hash); err != nil {
		t.Fatal(err)
	}
	j.as("admin@demo.portail-aci.fr")
	j.nav("/structures/nouvelle")
	j.do("structure form",
		chromedp.SetValue(chromedp.CSS("#f-type"), string(domain.CPTS)),
		chromedp.SendKeys(chromedp.CSS("#f-name"), "CPTS du Test"),
		chromedp.SetValue(chromedp.CSS("#f-legal_form"), string(registry.LegalAssociation)),
		chromedp.SendKeys(chromedp.CSS("#f-address1"), "1 place de la Mairie"),
		chromedp.SendKeys(chromedp.CSS("#f-postal_code"), "01000"),
		chromedp.SendKeys(chromedp.CSS("#f-commune_code"), "01053"),
		chromedp.SendKeys(chromedp.CSS("#f-departement"), "01"),
		chromedp.SendKeys(chromedp.CSS("#f-coordinator_email"), coordEmail))
	j.submit("register", `form[action="/structures/nouvelle"] button[type=submit]`)
	sid, err := e.st.OrganisationIDByName(ctx, domain.OrgStructure, "CPTS du Test")
	if err != nil {
		t.Fatalf("not registered: %v\n%s", err, j.text("main"))
	}
	base := "/structures/" + strconv.FormatInt(sid, 10) + "/territoire"
	j.as(coordEmail)
	for _, code := range []string{"01053", "01344", "01451"} {
		j.nav(base + "?q=" + code)
		j.submit("add "+code, `[data-testid=territory-results] form[action$="/communes"]:has(input[name=code][value="`+code+`"]) [data-testid=add]`)
	}
	if n := j.text(`[data-testid=territory-count]`); n != "3" {
		t.Fatalf("territory: %s communes", n)
	}
	sc := e.ctScope(coordEmail)
	for _, m := range []registry.Member{
		{LastName: "Morel", FirstName: "Anne", Profession: registry.MedecinGeneraliste, Mode: registry.ModeLiberal, CommuneCode: "01053"},
		{LastName: "Perrin", FirstName: "Luc", Profession: registry.Infirmier, Mode: registry.ModeLiberal, CommuneCode: "01344"},
		{LastName: "Henry", FirstName: "Zoé", Profession: registry.Pharmacien, Mode: registry.ModeLiberal, CommuneCode: "01451"},
	} {
		if _, err := e.st.AddMember(ctx, sc, sid, m); err != nil {
			t.Fatalf("member %s: %v", m.LastName, err)
		}
	}
	return coordEmail
}

// TestJourneyCPTSInBrowser walks a new CPTS from its registration and a
// dossier from brouillon to an active contract in Chromium, with the demo
// accounts of the Ain's CPAM, the ARS and the DCGDR Auvergne-Rhône-Alpes.
func TestJourneyCPTSInBrowser(t *testing.T) {
	e := newSerialEnv(t)
	j := newJourney(t, e)
	coord := registerTestCPTS(t, e, j)

	// Coordinator: create the dossier.
	j.as(coord)
	j.nav("/dossiers")
	shot(t, j.ctx, "cpts-0-dossiers-vide")
	j.submit("create", `[data-testid=create-dossier]`)
	loc, _ := chromedp.Run(j.ctx, chromedp.Location())
	id, err := strconv.ParseInt(loc[strings.LastIndex(loc, "/")+1:], 10, 64)
	if err != nil {
		t.Fatalf("after create at %s", loc)
	}
	if st := j.state(id); st != "brouillon" {
		t.Fatalf("new dossier in %s", st)
	}
	shot(t, j.ctx, "cpts-1-brouillon")

	// Filing the lettre d'intention without text: refused, next to the action.
	j.submit("deposer sans lettre", `form[data-transition=deposer_lettre_intention] button[type=submit]`)
	if msg := j.text(`form[data-transition=deposer_lettre_intention] [data-testid=action-error]`); !strings.Contains(msg, "lettre d'intention") {
		t.Fatalf("missing lettre: %q", msg)
	}
	shot(t, j.ctx, "cpts-1b-lettre-manquante")

	j.saveSection(id, "lettre", "La CPTS du Test fédère les professionnels de Bourg-en-Bresse.")
	j.transition(id, "deposer_lettre_intention", "lettre_intention_deposee")
	shot(t, j.ctx, "cpts-2-lettre-deposee")

	j.as("ars@demo.portail-aci.fr")
	j.transition(id, "valider_lettre_intention", "lettre_intention_validee")

	j.as(coord)
	j.saveSection(id, "projet", "Projet de santé : accès aux soins, parcours, prévention, crise.")
	j.upload(id, "projet_sante")
	j.transition(id, "deposer_projet_sante", "projet_sante_depose")

	j.as("ars@demo.portail-aci.fr")
	j.nav("/")
	shot(t, j.ctx, "cpts-3-accueil-ars")
	j.transition(id, "valider_projet_sante", "projet_sante_valide")

	// Coordinator: missions, indicators, documents, then the request.
	j.as(coord)
	j.nav(dpath(id, "/contenu"))
	for _, m := range funding.SocleMissions() {
		j.js("mission", `document.querySelector('input[name=missions][value="`+string(m)+`"]').checked = true`)
	}
	j.submit("save missions", `[data-testid=form-missions] .actions button[type=submit]`)
	j.js("indicators", `document.querySelectorAll('[data-testid=indicators] tr[data-mandatory] input[name$="_baseline"], [data-testid=indicators] tr[data-mandatory] input[name$="_target1"]').forEach(function (i) { i.value = "10" })`)
	j.submit("save indicators", `[data-testid=form-indicateurs] .actions button[type=submit]`)
	shot(t, j.ctx, "cpts-4-contenu")
	j.upload(id, "statuts")
	j.generate(id, "contours_territoire")
	j.generate(id, "liste_membres")
	shot(t, j.ctx, "cpts-5-documents")
	j.transition(id, "deposer_demande", "demande_deposee")

	j.as("referent@demo.portail-aci.fr")
	j.transition(id, "prendre_en_instruction", "en_instruction")
	walkFromInstruction(t, j, id, coord, "cpts")

	// The timeline lists every step with who and when.
	j.as(coord)
	j.nav(dpath(id, ""))
	shot(t, j.ctx, "cpts-9-timeline")
	tl := j.text(`[data-testid=timeline]`)
	for _, s := range []string{"Léna Testeuse", "Sophie Garnier", "Rachid Benali", "Paul Moreau",
		"Déposer la lettre d'intention", "Valider la lettre d'intention", "Déposer le projet de santé",
		"Valider le projet de santé", "Déposer la demande de contractualisation", "Prendre en instruction",
		"Demander des compléments", "Renvoyer le dossier complété", "Donner un avis favorable",
		"Transmettre pour examen conjoint", "Accepter la demande", "Signer le contrat"} {
		if !strings.Contains(tl, s) {
			t.Errorf("timeline lacks %q:\n%s", s, tl)
		}
	}
	rows, err := chromedp.Run(j.ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('[data-testid=timeline-row]')).map(function (r) { return r.textContent })`))
	if err != nil || len(rows) < 15 {
		t.Fatalf("%d timeline rows, %v", len(rows), err)
	}
	when := regexp.MustCompile(`\d{2}/\d{2}/\d{4}.*, par \S`)
	for _, r := range rows {
		if !when.MatchString(r) {
			t.Errorf("timeline row without when/who: %q", r)
		}
	}
}

// TestJourneyValDeDemoInBrowser continues the demo dossier of the CPTS du
// Val de Démo from its demo state (en instruction) to an active contract.
func TestJourneyValDeDemoInBrowser(t *testing.T) {
	e := newSerialEnv(t)
	id := e.demoDossierID(seed.ValDeDemo)
	j := newJourney(t, e)
	j.as("coordinateur@demo.portail-aci.fr")
	if st := j.state(id); st != "en_instruction" {
		t.Fatalf("Val in %s", st)
	}
	walkFromInstruction(t, j, id, "coordinateur@demo.portail-aci.fr", "val")
}

// walkFromInstruction: complement round trip, avis, joint review,
// acceptance, appointment, three signatures → actif with its schedule.
func walkFromInstruction(t *testing.T, j *journey, id int64, coord, name string) {
	const referent, ars, dcgdr, manager = "referent@demo.portail-aci.fr", "ars@demo.portail-aci.fr",
		"dcgdr@demo.portail-aci.fr", "cpam.manager@demo.portail-aci.fr"
	j.as(referent)
	j.nav("/instruction")
	shot(t, j.ctx, name+"-6-file-instruction")
	// One form asks for a complement (and moves the dossier to
	// complements_demandes).
	j.nav(dpath(id, ""))
	if j.count(`[data-testid=checklist] [data-testid=checklist-doc]`) == 0 {
		t.Fatalf("no instruction checklist for the referent")
	}
	j.do("complement", chromedp.SetValue(chromedp.CSS("#nc-target"), "doc:liste_membres"),
		chromedp.SendKeys(chromedp.CSS("#nc-text"), "La liste des membres régénérée après correction du registre, s'il vous plaît."))
	j.submit("complement", `[data-testid=add-complement-submit]`)
	if st := j.state(id); st != "complements_demandes" {
		t.Fatalf("after the complement request: %s", st)
	}

	j.as(coord)
	j.nav(dpath(id, ""))
	shot(t, j.ctx, name+"-7-complement")
	if got := j.text(`[data-testid=next-step] [data-testid=next-step-reason]`); !strings.Contains(got, "La liste des membres régénérée") {
		t.Fatalf("the coordinator does not read the CPAM's request in « Prochaine étape »: %q", got)
	}
	j.do("answer", chromedp.SendKeys(chromedp.CSS(`[data-testid=complement][data-open=true] textarea[name=answer]`), "Statuts signés déposés."))
	j.submit("answer", `[data-testid=complement][data-open=true] button[type=submit]`)
	// The piece asked for: a new version of the liste des membres.
	j.nav(dpath(id, "/documents"))
	j.submit("generate", `[data-code=liste_membres] [data-testid=generate] button[type=submit]`)
	j.transition(id, "repondre_complements", "en_instruction")

	j.as(referent)
	j.transition(id, "avis_favorable", "avis_favorable", motivation("avis_favorable", "Dossier complet, territoire cohérent."))
	j.transition(id, "transmettre_examen_conjoint", "examen_conjoint")

	j.as(dcgdr)
	j.nav("/")
	shot(t, j.ctx, name+"-8-accueil-dcgdr")
	j.transition(id, "position_dcgdr", "examen_conjoint", chromedp.Click(chromedp.CSS(`form[data-transition=position_dcgdr] input[name=position][value=favorable]`)))
	j.as(ars)
	j.transition(id, "position_ars", "examen_conjoint", chromedp.Click(chromedp.CSS(`form[data-transition=position_ars] input[name=position][value=favorable]`)))
	j.transition(id, "accepter", "acceptee")

	j.as(referent)
	j.nav(dpath(id, ""))
	j.js("rdv", `document.getElementById('rdv-at').value = '`+time.Now().AddDate(0, 0, 7).Format("2006-01-02")+`T10:00'`)
	j.do("rdv place", chromedp.SendKeys(chromedp.CSS("#rdv-place"), "CPAM de l'Ain, Bourg-en-Bresse"))
	j.submit("rdv", `[data-testid=appointment-form] button[type=submit]`)
	if v := j.text(`[data-testid=appointment-value]`); !strings.Contains(v, "Bourg-en-Bresse") {
		t.Fatalf("appointment %q", v)
	}

	// The three parties see the same document, then sign.
	var sha string
	for i, who := range []string{coord, manager, ars} {
		j.as(who)
		j.nav(dpath(id, "/contrat"))
		h := j.text(`[data-testid=contract-sha256]`)
		if sha == "" {
			sha = h
		} else if h != sha {
			t.Fatalf("%s sees hash %s, first saw %s", who, h, sha)
		}
		if i == 0 {
			shot(t, j.ctx, name+"-9-contrat-a-signer")
		}
		j.mu.Lock()
		before := len(j.asks)
		j.mu.Unlock()
		j.do("tick", chromedp.Click(chromedp.CSS("#confirm")))
		j.submit("sign", `[data-testid=sign-submit]`)
		j.mu.Lock()
		asked := len(j.asks) > before
		j.mu.Unlock()
		if !asked {
			t.Errorf("%s signed without a confirmation dialog", who)
		}
	}
	j.nav(dpath(id, "/contrat"))
	shot(t, j.ctx, name+"-10-contrat-actif")
	if st := j.text(`[data-testid=contract-state]`); st != "Contrat actif" {
		t.Fatalf("contract %q", st)
	}
	c, err := j.e.st.ContractByDossier(context.Background(), j.e.ctScope(ars), id)
	if err != nil {
		t.Fatal(err)
	}
	if today := domain.DateOf(time.Now()); c.Start != today {
		t.Fatalf("start %s, want %s", c.Start, today)
	}
	// The signature creates fonctionnement only (docs/rules.md §8, §28).
	baremes, err := j.e.st.LoadBaremes(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	life, err := store.LifeContract(c, baremes, nil)
	if err != nil {
		t.Fatal(err)
	}
	want, err := contractlife.SignaturePayments(life)
	if err != nil {
		t.Fatal(err)
	}
	var total domain.Cents
	for _, p := range want {
		total += p.Amount
	}
	if got := j.text(`[data-testid=payments-total]`); got != domain.FormatEUR(total) {
		t.Fatalf("payments total %q, want %s", got, domain.FormatEUR(total))
	}
}

// TestTransitionDoubleSubmit: the same transition posted twice (double click,
// two tabs) is applied once; the second answer is a clear conflict, not a
// server error.
func TestTransitionDoubleSubmit(t *testing.T) {
	e := newEnv(t)
	id := e.demoDossierID(seed.ValDeDemo)
	e.acceptValDocuments()
	ref := e.loggedIn("referent@demo.portail-aci.fr")
	form := url.Values{"transition": {"avis_favorable"}, "seen": {"en_instruction"}, "motivation": {"Complet."}}
	if r := ref.post(dpath(id, "/transitions"), form); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("first: %d", r.StatusCode)
	}
	r := ref.post(dpath(id, "/transitions"), form)
	if r.StatusCode != http.StatusConflict {
		t.Fatalf("second: %d", r.StatusCode)
	}
	if msg := r.doc(t).Find(`[role=alert]`).Text(); !strings.Contains(msg, "rechargez") && !strings.Contains(msg, "entre-temps") {
		t.Errorf("second answer does not say what happened: %q", msg)
	}
	hist, err := e.st.DossierHistory(context.Background(), e.ctScope("referent@demo.portail-aci.fr"), id)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, h := range hist {
		if h.Transition == "avis_favorable" {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d avis_favorable rows", n)
	}
}

// TestHomeSaysWhatWaits: each demo account's home page says what waits for
// them (docs/rules.md §20).
func TestHomeSaysWhatWaits(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct {
		who  string
		want []string
	}{
		{"coordinateur@demo.portail-aci.fr", []string{seed.ValDeDemo, "En instruction"}},
		{"referent@demo.portail-aci.fr", []string{seed.ValDeDemo, "En instruction"}},
		{"ars@demo.portail-aci.fr", []string{seed.MontsDeDemo, "Réputé validé", "jours"}},
		{"msp@demo.portail-aci.fr", []string{seed.MSPLille, "Contrat actif"}},
		{"dcgdr@demo.portail-aci.fr", []string{"examen conjoint"}},
	} {
		body := e.loggedIn(c.who).get("/").doc(t).Find("main").Text()
		for _, w := range c.want {
			if !strings.Contains(body, w) {
				t.Errorf("%s: home lacks %q:\n%s", c.who, w, strings.Join(strings.Fields(body), " "))
			}
		}
	}
}

// newStructure registers a structure of type typ in the Ain with a new
// coordinator account and members meeting its composition rules (setup).
func newStructure(t *testing.T, e *env, typ domain.StructureType, name, email string) {
	ctx := context.Background()
	hash, err := auth.Hash(seed.DemoPassword)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.CreateUser(ctx, email, "Coordination "+name, hash); err != nil {
		t.Fatal(err)
	}
	sid, err := e.st.CreateStructure(ctx, e.ctScope("admin@demo.portail-aci.fr"), store.StructureInput{
		Type: typ, Name: name, LegalForm: string(registry.LegalAssociation),
		Address1: "2 rue des Écoles", PostalCode: "01000", CommuneCode: "01053", Departement: "01", CoordinatorEmail: email,
	})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	for _, m := range []registry.Member{
		{LastName: "Morel", FirstName: "Anne", Profession: registry.MedecinGeneraliste, Mode: registry.ModeLiberal, CommuneCode: "01053"},
		{LastName: "Blanc", FirstName: "Jean", Profession: registry.MedecinGeneraliste, Mode: registry.ModeLiberal, CommuneCode: "01053"},
		{LastName: "Perrin", FirstName: "Luc", Profession: registry.Infirmier, Mode: registry.ModeLiberal, CommuneCode: "01053"},
	} {
		if _, err := e.st.AddMember(ctx, e.ctScope(email), sid, m); err != nil {
			t.Fatalf("member: %v", err)
		}
	}
}

// TestMSPAndESPSubsets: an MSP dossier starts with the projet de santé (no
// lettre d'intention step); an ESP dossier stops at projet_sante_valide and
// says so (no contract for an ESP, docs/rules.md §9).
func TestMSPAndESPSubsets(t *testing.T) {
	e := newEnv(t)
	const ars = "ars@demo.portail-aci.fr"
	for _, c := range []struct {
		typ         domain.StructureType
		name, email string
	}{
		{domain.MSP, "MSP du Test", "msp.test@demo.portail-aci.fr"},
		{domain.ESP, "ESP du Test", "esp.test@demo.portail-aci.fr"},
	} {
		newStructure(t, e, c.typ, c.name, c.email)
		co := e.loggedIn(c.email)
		r := co.post("/dossiers", url.Values{})
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s create: %d", c.name, r.StatusCode)
		}
		loc := r.Header.Get("Location")
		doc := co.get(loc).doc(t)
		if doc.Find(`form[data-transition=deposer_lettre_intention]`).Length() != 0 {
			t.Errorf("%s: lettre d'intention offered", c.name)
		}
		if doc.Find(`form[data-transition=deposer_projet_sante]`).Length() != 1 {
			t.Errorf("%s: deposer_projet_sante not offered from brouillon", c.name)
		}
		if co.get(loc+"/contenu").doc(t).Find(`[data-testid=section-lettre]`).Length() != 0 {
			t.Errorf("%s: content has a lettre d'intention section", c.name)
		}
		if r := co.postFile(loc+"/documents/projet_sante", nil, "projet.pdf", seed.MinimalPDF([]string{"Projet"})); r.StatusCode >= 400 {
			t.Fatalf("%s upload: %d", c.name, r.StatusCode)
		}
		if r := co.post(loc+"/transitions", url.Values{"transition": {"deposer_projet_sante"}, "seen": {"brouillon"}}); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s deposer_projet_sante: %d\n%s", c.name, r.StatusCode, r.doc(t).Find("[role=alert]").Text())
		}
		if r := e.loggedIn(ars).post(loc+"/transitions", url.Values{"transition": {"valider_projet_sante"}, "seen": {"projet_sante_depose"}}); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s valider_projet_sante: %d", c.name, r.StatusCode)
		}
		doc = co.get(loc).doc(t)
		next := doc.Find(`[data-testid=next-step]`).Text()
		switch c.typ {
		case domain.ESP:
			if !strings.Contains(next, "Pas de contrat ACI pour une ESP") {
				t.Errorf("ESP next step: %q", next)
			}
			if n := doc.Find(`form[data-testid=action]`).Length(); n != 0 {
				t.Errorf("ESP: %d actions after projet_sante_valide", n)
			}
			if txt := co.get(loc + "/contrat").doc(t).Find(`[data-testid=contract-none]`).Text(); !strings.Contains(txt, "Pas de contrat ACI pour une ESP") {
				t.Errorf("ESP contract tab: %q", txt)
			}
		case domain.MSP:
			if doc.Find(`form[data-transition=deposer_demande]`).Length() != 1 {
				t.Errorf("MSP: deposer_demande not offered after validation")
			}
		}
	}
}

// TestActionsPerRole: on Val de Démo (en instruction) each demo account is
// offered exactly workflow.Available's actions, each asking confirmation.
func TestActionsPerRole(t *testing.T) {
	e := newEnv(t)
	id := e.demoDossierID(seed.ValDeDemo)
	e.acceptValDocuments() // no piece à refaire: the avis favorable is offered
	for _, c := range []struct {
		who  string
		want []string
	}{
		{"coordinateur@demo.portail-aci.fr", nil},
		{"referent@demo.portail-aci.fr", []string{"avis_favorable", "avis_defavorable"}},
		{"ars@demo.portail-aci.fr", nil},
		{"dcgdr@demo.portail-aci.fr", nil},
		// A CPAM manager has at least the referent's role (Who.MinRole).
		{"cpam.manager@demo.portail-aci.fr", []string{"avis_favorable", "avis_defavorable"}},
	} {
		doc := e.loggedIn(c.who).get(dpath(id, "")).doc(t)
		var got []string
		doc.Find(`form[data-testid=action]`).Each(func(_ int, f *goquery.Selection) {
			code, _ := f.Attr("data-transition")
			got = append(got, code)
			if msg, _ := f.Attr("data-confirm"); msg == "" {
				t.Errorf("%s: %s without confirmation", c.who, code)
			}
		})
		if strings.Join(got, ",") != strings.Join(c.want, ",") {
			t.Errorf("%s: actions %v, want %v", c.who, got, c.want)
		}
		if len(c.want) == 0 && doc.Find(`[data-testid=no-action]`).Text() == "" {
			t.Errorf("%s: no action and no note saying who acts", c.who)
		}
	}
}
