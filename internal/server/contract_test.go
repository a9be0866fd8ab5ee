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
	"github.com/portail-aci/aci/internal/pdf"
	"github.com/portail-aci/aci/internal/seed"
	"github.com/portail-aci/aci/internal/store"
	"github.com/portail-aci/aci/internal/store/pgtest"
)

const (
	ctValCoord   = "coordinateur@demo.portail-aci.fr"
	ctMontsCoord = "coordinateur.b@demo.portail-aci.fr"
	ctMspCoord   = "msp@demo.portail-aci.fr"
	ctReferentA  = "referent@demo.portail-aci.fr"
	ctManagerA   = "cpam.manager@demo.portail-aci.fr"
	ctArsARA     = "ars@demo.portail-aci.fr"
	ctDcgdrARA   = "dcgdr@demo.portail-aci.fr"
	ctCpamNord   = "cpam.nord@demo.portail-aci.fr"
)

func (e *env) ctScope(email string) store.Scope {
	e.t.Helper()
	ctx := context.Background()
	u, err := e.st.UserByEmail(ctx, email)
	if err != nil {
		e.t.Fatal(err)
	}
	ms, err := e.st.Memberships(ctx, u.ID)
	if err != nil || len(ms) == 0 {
		e.t.Fatalf("%s: %v", email, err)
	}
	sc, err := e.st.ScopeFor(ctx, u.ID, ms[0].OrgID)
	if err != nil {
		e.t.Fatal(err)
	}
	return sc
}

// acceptVal takes the demo Val de Démo dossier (en instruction) to
// acceptee through the store: its contract is then a_signer.
func (e *env) ctAcceptVal() int64 {
	e.t.Helper()
	id := e.demoDossierID(seed.ValDeDemo)
	e.acceptValDocuments()
	for _, s := range []struct {
		who string
		tr  workflow.Transition
		pos workflow.Position
	}{
		{ctReferentA, workflow.DonnerAvisFavorable, ""},
		{ctReferentA, workflow.TransmettreExamenConjoint, ""},
		{ctDcgdrARA, workflow.PositionDCGDR, workflow.Favorable},
		{ctArsARA, workflow.PositionARS, workflow.Favorable},
		{ctArsARA, workflow.Accepter, ""},
	} {
		if _, err := e.st.ApplyTransition(context.Background(), e.ctScope(s.who), store.TransitionRequest{
			DossierID: id, Transition: s.tr, Position: s.pos}); err != nil {
			e.t.Fatalf("%s: %v", s.tr, err)
		}
	}
	return id
}

func TestContractPreviewSignaturesAndSchedule(t *testing.T) {
	e := newEnv(t)
	id := e.ctAcceptVal()
	page := dpath(id, "/contrat")

	// Before anyone signs: everyone in scope sees the same document and hash.
	var sha string
	for _, who := range []string{ctValCoord, ctManagerA, ctReferentA, ctArsARA, ctDcgdrARA, "admin@demo.portail-aci.fr"} {
		r := e.loggedIn(who).get(page)
		if r.StatusCode != http.StatusOK {
			t.Fatalf("%s: status %d", who, r.StatusCode)
		}
		doc := r.doc(t)
		if doc.Find(`[data-testid="contract-document"]`).Length() != 1 || doc.Find(`[data-testid="contract-state"]`).Text() != workflow.ASigner.Label() {
			t.Fatalf("%s: no preview", who)
		}
		h := doc.Find(`[data-testid="contract-sha256"]`).Text()
		if sha == "" {
			sha = h
		} else if h != sha || len(h) != 64 {
			t.Fatalf("%s sees hash %q, want %q", who, h, sha)
		}
		canSign := doc.Find(`[data-testid="sign-form"]`).Length() == 1
		if want := who == ctValCoord || who == ctManagerA || who == ctArsARA; canSign != want {
			t.Errorf("%s: sign form %v, want %v", who, canSign, want)
		}
		if who == ctReferentA && doc.Find(`[data-testid="sign-blocked"]`).Length() != 1 {
			t.Errorf("referent: no explanation")
		}
		if doc.Find(`[data-testid="payments-empty"]`).Length() != 1 {
			t.Errorf("%s: payments before signature", who)
		}
	}
	// A dossier not accepted: an empty state in scope, 404 outside.
	monts := e.demoDossierID(seed.MontsDeDemo)
	if r := e.loggedIn(ctMontsCoord).get(dpath(monts, "/contrat")); r.StatusCode != http.StatusOK || r.doc(t).Find(`[data-testid="contract-none"]`).Length() != 1 {
		t.Fatalf("no contract yet: %d", r.StatusCode)
	}
	if r := e.loggedIn(ctMspCoord).get(dpath(monts, "/contrat")); r.StatusCode != http.StatusNotFound {
		t.Fatalf("other structure's dossier: %d", r.StatusCode)
	}
	// Outside the scope: 404 on every contract route.
	for _, who := range []string{ctMontsCoord, ctMspCoord, ctCpamNord} {
		c := e.loggedIn(who)
		for _, p := range []string{page, page + "/document", dpath(id, "/contrat.pdf")} {
			if r := c.get(p); r.StatusCode != http.StatusNotFound {
				t.Errorf("%s %s: status %d", who, p, r.StatusCode)
			}
		}
		if r := c.post(page+"/signer", url.Values{"confirm": {"1"}, "sha256": {sha}, "seen": {"a_signer"}}); r.StatusCode != http.StatusNotFound {
			t.Errorf("%s signs: %d", who, r.StatusCode)
		}
	}

	sign := func(who string, form url.Values) resp {
		return e.loggedIn(who).post(page+"/signer", form)
	}
	ok := url.Values{"confirm": {"1"}, "sha256": {sha}, "seen": {"a_signer"}}
	// Wrong role: the referent and the DCGDR may not sign.
	for _, who := range []string{ctReferentA, ctDcgdrARA} {
		if r := sign(who, ok); r.StatusCode != http.StatusNotFound {
			t.Fatalf("%s signs: %d", who, r.StatusCode)
		}
	}
	// The explicit act: without the checkbox, refused next to it.
	r := e.loggedIn(ctValCoord).postUnconfirmed(page+"/signer", url.Values{"sha256": {sha}, "seen": {"a_signer"}})
	if r.StatusCode != http.StatusUnprocessableEntity || r.doc(t).Find("#confirm-error").Length() != 1 {
		t.Fatalf("without checkbox: %d", r.StatusCode)
	}
	// A stale hash is refused.
	if r := sign(ctValCoord, url.Values{"confirm": {"1"}, "sha256": {strings.Repeat("0", 64)}, "seen": {"a_signer"}}); r.StatusCode != http.StatusConflict {
		t.Fatalf("stale hash: %d", r.StatusCode)
	}
	// ARS first, then the structure, then the CPAM (any order).
	for i, who := range []string{ctArsARA, ctValCoord, ctManagerA} {
		if r := sign(who, ok); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s: %d %s", who, r.StatusCode, r.body)
		}
		if i == 1 {
			// Double signature (double click, second tab).
			if r := sign(who, ok); r.StatusCode != http.StatusConflict {
				t.Fatalf("%s twice: %d", who, r.StatusCode)
			}
		}
	}
	doc := e.loggedIn(ctValCoord).get(page).doc(t)
	if got := doc.Find(`[data-testid="contract-state"]`).Text(); got != workflow.Actif.Label() {
		t.Fatalf("state %q", got)
	}
	for _, p := range workflow.Parties() {
		row := doc.Find(`[data-testid="party-` + string(p) + `"]`)
		if !strings.Contains(row.Text(), "Signé") || !strings.Contains(row.Text(), sha) {
			t.Errorf("party %s: %q", p, row.Text())
		}
	}
	// The signature creates fonctionnement (docs/rules.md §8, §28): the
	// domain's payments, to the cent; the missions' advances come with
	// their starts.
	c, err := e.st.ContractByDossier(context.Background(), e.ctScope(ctValCoord), id)
	if err != nil {
		t.Fatal(err)
	}
	today := domain.DateOf(time.Now())
	if c.Start != today {
		t.Fatalf("start %s, want %s", c.Start, today)
	}
	baremes, err := e.st.LoadBaremes(context.Background())
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
	var wantTotal domain.Cents
	for _, p := range want {
		wantTotal += p.Amount
	}
	if got := doc.Find(`[data-testid="payments-total"]`).Text(); got != domain.FormatEUR(wantTotal) {
		t.Fatalf("payments total %q, want %q", got, domain.FormatEUR(wantTotal))
	}
	if n := doc.Find(`[data-testid="payments"] tbody tr`).Length(); n != len(want) {
		t.Fatalf("%d payment rows, want %d", n, len(want))
	}
	if doc.Find(`[data-testid="contract-home-link"] a[href="/contrats/`+ctItoa(c.ID)+`"]`).Length() != 1 {
		t.Fatal("no link to the contract's home")
	}
	if doc.Find(`[data-testid="calendar-dates"] tbody tr`).Length() == 0 {
		t.Fatal("no deployment dates")
	}

	// The printable document: the same frozen HTML and the register.
	pr := e.loggedIn(ctDcgdrARA).get(page + "/document")
	if pr.StatusCode != http.StatusOK || !strings.Contains(pr.body, c.DocumentHTML) || pr.doc(t).Find(`[data-testid="signature-register"]`).Length() != 1 {
		t.Fatalf("document: %d", pr.StatusCode)
	}
	// The PDF: real bytes when Chromium is installed, the French fallback
	// page offering the printable HTML otherwise.
	p := e.loggedIn(ctValCoord).get(dpath(id, "/contrat.pdf"))
	if pdf.Available() {
		if p.StatusCode != http.StatusOK || !strings.HasPrefix(p.body, "%PDF") || p.Header.Get("Content-Type") != "application/pdf" {
			t.Fatalf("pdf: %d %q", p.StatusCode, p.body[:min(20, len(p.body))])
		}
	} else if p.StatusCode != http.StatusServiceUnavailable || p.doc(t).Find(`[data-testid="printable-link"]`).Length() != 1 {
		t.Fatalf("pdf fallback: %d", p.StatusCode)
	}
}

func TestContractResiliationOverHTTP(t *testing.T) {
	e := newEnv(t)
	id := e.demoDossierID(seed.MSPLille) // actif (demo)
	page := dpath(id, "/contrat")
	ctx := context.Background()
	c, err := e.st.ContractByDossier(ctx, e.ctScope(ctMspCoord), id)
	if err != nil || c.State != workflow.Actif {
		t.Fatalf("demo Lille contract %v %v", c.State, err)
	}
	nord := e.loggedIn(ctCpamNord)
	// The old « marquer versé » route sends the CPAM to the payments page.
	ps, err := e.st.ContractPayments(ctx, e.ctScope(ctCpamNord), id)
	if err != nil || len(ps) == 0 {
		t.Fatal(err)
	}
	today := domain.DateOf(*e.clock)
	if r := nord.post(page+"/paiements/"+ctItoa(ps[0].ID)+"/verse", url.Values{"paid_on": {today.French()}}); r.StatusCode != http.StatusSeeOther ||
		r.Header.Get("Location") != "/paiements?contrat="+ctItoa(c.ID) {
		t.Fatalf("old mark paid: %d %s", r.StatusCode, r.Header.Get("Location"))
	}
	if r := e.loggedIn(ctMspCoord).post(page+"/paiements/"+ctItoa(ps[1].ID)+"/verse", url.Values{"paid_on": {today.French()}}); r.StatusCode != http.StatusNotFound {
		t.Fatalf("structure marks paid: %d", r.StatusCode)
	}
	// The CPAM orders and pays the first payment (SISA and FINESS given).
	if _, err := pgtest.Owner(t, e.st).Exec(ctx, `UPDATE organisations SET legal_form = 'sisa', finess = coalesce(finess, '590001234') WHERE id = $1`, c.StructureID); err != nil {
		t.Fatal(err)
	}
	if r := nord.post("/paiements/"+ctItoa(ps[0].ID)+"/ordonnancer", nil); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("order: %d", r.StatusCode)
	}
	if r := nord.post("/paiements/"+ctItoa(ps[0].ID)+"/verser", url.Values{"on": {today.French()}, "reference": {"VIR-42"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("pay: %d", r.StatusCode)
	}
	// The structure sends its letter through the portal; the CPAM records
	// its receipt: a bad date is refused next to the field, then the
	// receipt date gives the effective date.
	coord := e.loggedIn(ctMspCoord)
	if r := coord.post(page+"/resiliation", url.Values{"motivation": {"Dissolution"}, "seen": {"actif"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("letter: %d %s", r.StatusCode, r.body)
	}
	doc := nord.get(page).doc(t)
	if doc.Find(`[data-testid="resiliation-letter"]`).Text() != today.French() || doc.Find(`[data-testid="resiliation-record-form"]`).Length() != 1 {
		t.Fatal("letter not shown, or no receipt form for the CPAM")
	}
	if coord.get(page).doc(t).Find(`[data-testid="resiliation-record-form"]`).Length() != 0 {
		t.Fatal("the structure records its own receipt date")
	}
	if r := coord.post(page+"/resiliation/suivi", url.Values{"what": {"reception"}, "record_on": {today.French()}}); r.StatusCode != http.StatusNotFound {
		t.Fatalf("structure records the receipt: %d", r.StatusCode)
	}
	if r := nord.post(page+"/resiliation/suivi", url.Values{"what": {"reception"}, "record_on": {"31/02/2026"}}); r.StatusCode != http.StatusUnprocessableEntity ||
		r.doc(t).Find("#record_on-error").Length() != 1 {
		t.Fatalf("bad date: %d", r.StatusCode)
	}
	if r := nord.post(page+"/resiliation/suivi", url.Values{"what": {"reception"}, "record_on": {today.French()}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("receipt: %d %s", r.StatusCode, r.body)
	}
	c, _ = e.st.ContractByDossier(ctx, e.ctScope(ctCpamNord), id)
	eff, _ := contractlife.TerminationEffective(c.Start, today)
	doc = nord.get(page).doc(t)
	if got := doc.Find(`[data-testid="resiliation-effective"]`).Text(); got != eff.French() {
		t.Fatalf("effective %q, want %s", got, eff.French())
	}
	if doc.Find(`[data-testid="resilier-form"]`).Length() != 0 {
		t.Fatal("résilier offered before the effective date")
	}
	if r := nord.post(page+"/resilier", url.Values{"motivation": {"Demande de la structure"}, "seen": {"resiliation_demandee"}}); r.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("early résilier: %d", r.StatusCode)
	}
	// What was paid or stays due before the effective date, against what is
	// due then (funding engine's MSP termination).
	before, _ := e.st.ContractPayments(ctx, e.ctScope(ctCpamNord), id)
	var kept domain.Cents
	for _, p := range before {
		if p.Status != store.PaymentAnnule && (p.Status != store.PaymentPrevu || p.Due.Before(eff)) {
			kept += p.Amount
		}
	}
	wantT, err := funding.ContractTermination(c.Funding(), today, kept)
	if err != nil {
		t.Fatal(err)
	}
	// At the effective date the job applies it.
	*e.clock = eff.Time().Add(10 * time.Hour)
	if n, err := e.st.ApplyDueTerminations(ctx, eff, *e.clock); err != nil || n != 1 {
		t.Fatalf("job %d %v", n, err)
	}
	c, err = e.st.ContractByDossier(ctx, e.ctScope(ctCpamNord), id)
	if err != nil {
		t.Fatal(err)
	}
	doc = nord.get(page).doc(t)
	if c.State != workflow.Resilie || c.Overpaid == nil || *c.Overpaid != max(kept-wantT.Due, 0) {
		t.Fatalf("contract %s trop-perçu %v want %s", c.State, c.Overpaid, domain.FormatEUR(kept-wantT.Due))
	}
	if kept > wantT.Due {
		if got := doc.Find(`[data-testid="trop-percu"]`).Text(); got != domain.FormatEUR(kept-wantT.Due) {
			t.Fatalf("trop-perçu shown %q, want %s", got, domain.FormatEUR(kept-wantT.Due))
		}
	} else if doc.Find(`[data-testid="reste-du"]`).Length() != 1 {
		t.Fatal("reste dû not shown")
	}
}

func ctItoa(n int64) string { return strconv.FormatInt(n, 10) }
