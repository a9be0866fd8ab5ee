package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/contractlife"
	"github.com/portail-aci/aci/internal/domain/funding"
	"github.com/portail-aci/aci/internal/domain/workflow"
	"github.com/portail-aci/aci/internal/seed"
	"github.com/portail-aci/aci/internal/store"
	"github.com/portail-aci/aci/internal/store/pgtest"
)

// ctSignVal takes the Val de Démo dossier to a signed contract (today) and
// returns it.
func (e *env) ctSignVal() store.Contract {
	e.t.Helper()
	ctx := context.Background()
	id := e.ctAcceptVal()
	c, err := e.st.ContractByDossier(ctx, e.ctScope(ctValCoord), id)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, who := range []string{ctValCoord, ctManagerA, ctArsARA} {
		if _, err := e.st.ApplyContractTransition(ctx, e.ctScope(who), store.ContractRequest{DossierID: id, Transition: workflow.Signer,
			Seen: workflow.ASigner, DocumentSHA256: c.DocumentSHA256}); err != nil {
			e.t.Fatalf("%s signs: %v", who, err)
		}
	}
	if c, err = e.st.ContractByDossier(ctx, e.ctScope(ctValCoord), id); err != nil || c.State != workflow.Actif {
		e.t.Fatalf("contract %v %v", c.State, err)
	}
	return c
}

// TestContractHomeAsEveryRole: the home of a contract is seen by every
// account of its scope (the declaration forms by its coordinator only) and
// is not found for everyone else.
func TestContractHomeAsEveryRole(t *testing.T) {
	e := newEnv(t)
	c := e.ctSignVal()
	page := "/contrats/" + ctItoa(c.ID)
	inside := map[string]bool{ctValCoord: true, ctReferentA: true, ctManagerA: true, ctArsARA: true, ctDcgdrARA: true, "admin@demo.portail-aci.fr": true}
	for _, a := range append(seed.DemoAccounts(), seed.CPAMAinManager()) {
		r := e.loggedIn(a.Email).get(page)
		if !inside[a.Email] {
			if r.StatusCode != http.StatusNotFound {
				t.Errorf("%s (outside): %d", a.Email, r.StatusCode)
			}
			continue
		}
		if r.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d", a.Email, r.StatusCode)
		}
		doc := r.doc(t)
		if got := doc.Find(`[data-testid="contract-signed-on"]`).Text(); got != c.Start.French() {
			t.Errorf("%s: signed on %q", a.Email, got)
		}
		// Five years, inclusive end dates, the barème of each.
		years, _ := contractlife.Years(c.Start)
		for _, y := range years {
			sel := doc.Find(`[data-testid="year-` + ctItoa(int64(y.N)) + `"]`)
			if !strings.Contains(sel.Find("h3").Text(), y.Label()) || sel.Find(`[data-testid="year-bareme"]`).Length() != 1 ||
				sel.Find(`a[href="/contrats/`+ctItoa(c.ID)+`/annees/`+ctItoa(int64(y.N))+`"]`).Length() != 1 {
				t.Errorf("%s: year %d %q", a.Email, y.N, sel.Text())
			}
		}
		// Year 1: fonctionnement at signature, the balance awaited.
		y1 := doc.Find(`[data-testid="year-1"]`)
		if !strings.Contains(y1.Text(), "en attente de l'évaluation") || !strings.Contains(y1.Text(), contractlife.Planned.Label()) {
			t.Errorf("%s: year 1 %q", a.Email, y1.Text())
		}
		if n := doc.Find(`[data-testid="missions"] tbody tr`).Length(); n != len(c.Terms.Missions) || n == 0 {
			t.Errorf("%s: %d missions", a.Email, n)
		}
		if got := doc.Find(`[data-testid="mission-acces"] [data-testid="mission-status"]`).Text(); got != "non démarrée" {
			t.Errorf("%s: accès %q", a.Email, got)
		}
		forms := doc.Find(`[data-testid="demarrage-form-acces"]`).Length() == 1
		if forms != (a.Email == ctValCoord) {
			t.Errorf("%s: start form %v", a.Email, forms)
		}
		// Indicator values in their own unit, as written (docs/rules.md §6).
		if want := (contractlife.Value{Unit: contractlife.Percent, N: 8420}).String(); !strings.Contains(doc.Find(`[data-testid="year-1"] [data-testid="year-indicators"]`).Text(), want) ||
			!strings.Contains(c.DocumentHTML, want) || strings.Contains(c.DocumentHTML, "‰") {
			t.Errorf("%s: indicators not in their unit (%q)", a.Email, want)
		}
		if doc.Find(`[data-testid="home-history"] li`).Length() == 0 {
			t.Errorf("%s: no history", a.Email)
		}
	}
	// A contract that does not exist, or another structure's.
	if r := e.loggedIn(ctValCoord).get("/contrats/999999"); r.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown contract: %d", r.StatusCode)
	}
}

// TestMissionStartFormOverHTTP: the errors of the start form next to their
// field, then a start that creates its advance, shown on the page.
func TestMissionStartFormOverHTTP(t *testing.T) {
	e := newEnv(t)
	c := e.ctSignVal()
	page := "/contrats/" + ctItoa(c.ID)
	action := page + "/missions/acces/demarrage"
	coord := e.loggedIn(ctValCoord)
	today := domain.DateOf(*e.clock)
	for _, tc := range []struct {
		name  string
		form  url.Values
		field string
	}{
		{"not a date", url.Values{"date": {"31/02/2026"}, "evidence": {"Réunion"}}, "date"},
		{"before the signature", url.Values{"date": {c.Start.AddDays(-1).French()}, "evidence": {"Réunion"}}, "date"},
		{"in the future", url.Values{"date": {today.AddDays(2).French()}, "evidence": {"Réunion"}}, "date"},
		{"no evidence", url.Values{"date": {today.French()}, "evidence": {" "}}, "evidence"},
		{"too long", url.Values{"date": {today.French()}, "evidence": {strings.Repeat("x", store.MaxEvidence+1)}}, "evidence"},
		{"not confirmed", url.Values{"date": {today.French()}, "evidence": {"Réunion"}, "confirm": {""}}, "confirm"},
	} {
		r := coord.post(action, tc.form)
		if r.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("%s: %d", tc.name, r.StatusCode)
		}
		doc := r.doc(t)
		if doc.Find("#demarrage-acces-"+tc.field+"-error").Length() != 1 || doc.Find(`[data-testid="error-summary"]`).Length() != 1 {
			t.Fatalf("%s: no error next to %s", tc.name, tc.field)
		}
		if v := tc.form.Get("evidence"); tc.field != "evidence" && doc.Find("#demarrage-acces-evidence").Text() != v {
			t.Errorf("%s: evidence not kept", tc.name)
		}
	}
	// Other roles: not found.
	for _, who := range []string{ctReferentA, ctArsARA, ctMontsCoord} {
		if r := e.loggedIn(who).post(action, url.Values{"date": {today.French()}, "evidence": {"x"}}); r.StatusCode != http.StatusNotFound {
			t.Errorf("%s declares: %d", who, r.StatusCode)
		}
	}
	if r := coord.post(action, url.Values{"date": {today.French()}, "evidence": {"Première permanence de soins non programmés"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("start: %d %s", r.StatusCode, r.body)
	}
	baremes, err := e.st.LoadBaremes(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	life, err := store.LifeContract(c, baremes, nil)
	if err != nil {
		t.Fatal(err)
	}
	want, err := contractlife.StartAdvance(life, funding.Acces, today)
	if err != nil || len(want) != 1 {
		t.Fatalf("%+v %v", want, err)
	}
	doc := coord.get(page).doc(t)
	if got := doc.Find(`[data-testid="mission-acces"] [data-testid="mission-status"]`).Text(); got != "démarrée le "+today.French() {
		t.Fatalf("status %q", got)
	}
	y1 := doc.Find(`[data-testid="year-1"]`).Text()
	if !strings.Contains(y1, domain.FormatEUR(want[0].Amount)) || !strings.Contains(y1, want[0].Rule) {
		t.Fatalf("advance %s not shown", domain.FormatEUR(want[0].Amount))
	}
	// Twice: a conflict, in French, on the form.
	r := coord.post(action, url.Values{"date": {today.French()}, "evidence": {"Encore"}})
	if r.StatusCode != http.StatusConflict || !strings.Contains(r.body, "déjà déclarée démarrée") {
		t.Fatalf("twice: %d", r.StatusCode)
	}
	// The deployment form appears; a deployment before the start is refused.
	if doc.Find(`[data-testid="deploiement-form-acces"]`).Length() != 1 {
		t.Fatal("no deployment form")
	}
	if r := coord.post(page+"/missions/acces/deploiement", url.Values{"date": {c.Start.AddDays(-1).French()}, "evidence": {"x"}}); r.StatusCode != http.StatusUnprocessableEntity ||
		r.doc(t).Find("#deploiement-acces-date-error").Length() != 1 {
		t.Fatalf("deployment before start: %d", r.StatusCode)
	}
}

// TestContractHomeBeforeSignatureAndMSP: a contract awaiting its
// signatures says so (no years, no missions yet); an MSP's contract shows its
// civil years and no mission forms.
func TestContractHomeBeforeSignatureAndMSP(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	id := e.ctAcceptVal()
	c, err := e.st.ContractByDossier(ctx, e.ctScope(ctValCoord), id)
	if err != nil {
		t.Fatal(err)
	}
	doc := e.loggedIn(ctValCoord).get("/contrats/" + ctItoa(c.ID)).doc(t)
	if doc.Find(`[data-testid="home-not-signed"]`).Length() != 1 || doc.Find(`[data-testid="missions"]`).Length() != 0 ||
		doc.Find(`[data-testid="year-1"]`).Length() != 0 {
		t.Fatal("a contract to sign shows its life")
	}
	lille := e.demoDossierID(seed.MSPLille)
	mc, err := e.st.ContractByDossier(ctx, e.ctScope(ctMspCoord), lille)
	if err != nil {
		t.Fatal(err)
	}
	r := e.loggedIn(ctMspCoord).get("/contrats/" + ctItoa(mc.ID))
	d := r.doc(t)
	if r.StatusCode != http.StatusOK || !strings.Contains(d.Find(`[data-testid="year-1"] h3`).Text(), "Année civile "+ctItoa(int64(mc.Start.Y))) ||
		d.Find(`[data-testid="missions"]`).Length() != 0 || d.Find(`[data-testid="home-payment-amount"]`).Length() == 0 {
		t.Fatalf("MSP contract home: %d", r.StatusCode)
	}
	if r := e.loggedIn(ctValCoord).get("/contrats/" + ctItoa(mc.ID)); r.StatusCode != http.StatusNotFound {
		t.Fatalf("another structure's contract: %d", r.StatusCode)
	}
}

// TestCotiereHomeShowsPreventionLate: the demo Côtière's contract, in its
// second year, shows prévention late in words and accès started on the
// signature day, with its second year's advances.
func TestCotiereHomeShowsPreventionLate(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	var cid int64
	if err := pgtest.Owner(t, e.st).QueryRow(ctx, `SELECT c.id FROM contracts c JOIN organisations o ON o.id = c.structure_id WHERE o.demo_key = $1`, seed.CotiereDeDemo).Scan(&cid); err != nil {
		t.Fatal(err)
	}
	doc := e.loggedIn(seed.CotiereCoordinator).get("/contrats/" + ctItoa(cid)).doc(t)
	prev := doc.Find(`[data-testid="mission-prevention"]`)
	if prev.Find(`[data-testid="mission-late"]`).Text() != "En retard" || !strings.Contains(prev.Text(), "non démarrée à l'échéance du") {
		t.Fatalf("prévention: %q", prev.Text())
	}
	signed := seed.CotiereSignedOn(domain.DateOf(*e.clock))
	if got := doc.Find(`[data-testid="mission-acces"] [data-testid="mission-status"]`).Text(); got != "démarrée le "+signed.French() {
		t.Fatalf("accès: %q", got)
	}
	if doc.Find(`[data-testid="mission-acces"] [data-testid="mission-late"]`).Length() != 0 {
		t.Fatal("accès flagged late")
	}
	if n := doc.Find(`[data-testid="year-2"] [data-testid="home-payment-amount"]`).Length(); n < 3 {
		t.Fatalf("year 2: %d payments", n)
	}
	// The start form is offered for prévention only (the others started).
	if doc.Find(`[data-testid="demarrage-form-prevention"]`).Length() != 1 || doc.Find(`[data-testid="demarrage-form-acces"]`).Length() != 0 {
		t.Fatal("start forms")
	}
}
