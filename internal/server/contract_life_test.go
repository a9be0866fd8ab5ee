package server_test

import (
	"context"
	"github.com/portail-aci/aci/internal/pdf"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/contractlife"
	"github.com/portail-aci/aci/internal/domain/funding"
	"github.com/portail-aci/aci/internal/domain/workflow"
	"github.com/portail-aci/aci/internal/seed"
	"github.com/portail-aci/aci/internal/store"
	"github.com/portail-aci/aci/internal/store/pgtest"
)

// ctActiveVal takes the demo Val de Démo (tier 2, Ain) to an actif
// contract signed today by its three parties, through the store.
func (e *env) ctActiveVal() store.Contract {
	e.t.Helper()
	ctx := context.Background()
	id := e.ctAcceptVal()
	c, err := e.st.ContractByDossier(ctx, e.ctScope(ctValCoord), id)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, who := range []string{ctValCoord, ctManagerA, ctArsARA} {
		if _, err := e.st.ApplyContractTransition(ctx, e.ctScope(who), store.ContractRequest{DossierID: id, Transition: workflow.Signer,
			Seen: workflow.ASigner, DocumentSHA256: c.DocumentSHA256, At: *e.clock}); err != nil {
			e.t.Fatalf("%s signs: %v", who, err)
		}
	}
	if c, err = e.st.ContractByDossier(ctx, e.ctScope(ctValCoord), id); err != nil || c.State != workflow.Actif {
		e.t.Fatalf("Val contract %v %v", c.State, err)
	}
	return c
}

func lifeOfContract(t *testing.T, c store.Contract) contractlife.Contract {
	t.Helper()
	bs, err := contractlife.BaremesByYear(funding.Builtin(), c.Start)
	if err != nil {
		t.Fatal(err)
	}
	var tiers [funding.ContractYears]int
	for i := range tiers {
		tiers[i] = c.Tier
	}
	return contractlife.Contract{Signed: c.Start, Terms: contractlife.YearTerms(bs, tiers)}
}

func testPDF() []byte {
	return []byte("%PDF-1.4\n% plan\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
}

// The crisis plan, the crises and the avenants over HTTP (docs/rules.md
// §31), as every role: the forms each may use, 404 outside the tenant, the
// amounts to the cent against contractlife, errors at the field.
func TestCrisisPlanCrisesAndAvenantsOverHTTP(t *testing.T) {
	e := newEnv(t)
	c := e.ctActiveVal()
	life := lifeOfContract(t, c)
	cid := strconv.FormatInt(c.ID, 10)
	plan := "/contrats/" + cid + "/plan-crise"
	coord, ref, ars, mgr := e.loggedIn(ctValCoord), e.loggedIn(ctReferentA), e.loggedIn(ctArsARA), e.loggedIn(ctManagerA)
	today := domain.DateOf(*e.clock)

	// Who reads the plan page, who may upload; outside the tenant, 404.
	for who, want := range map[string]struct {
		status int
		upload bool
	}{
		ctValCoord: {200, true}, ctReferentA: {200, false}, ctManagerA: {200, false}, ctArsARA: {200, false}, ctDcgdrARA: {200, false},
		adminEmail: {200, false}, ctMontsCoord: {404, false}, ctMspCoord: {404, false}, ctCpamNord: {404, false},
	} {
		r := e.loggedIn(who).get(plan)
		if r.StatusCode != want.status {
			t.Errorf("%s GET plan: %d", who, r.StatusCode)
			continue
		}
		if want.status == 200 && (r.doc(t).Find(`[data-testid="plan-upload-form"]`).Length() == 1) != want.upload {
			t.Errorf("%s: upload form shown %v", who, !want.upload)
		}
	}
	if r := e.loggedIn(ctCpamNord).postFile(plan, nil, "plan.pdf", testPDF()); r.StatusCode != http.StatusNotFound {
		t.Fatalf("CPAM du Nord uploads: %d", r.StatusCode)
	}
	if r := ref.postFile(plan, nil, "plan.pdf", testPDF()); r.StatusCode != http.StatusNotFound {
		t.Fatalf("referent uploads: %d", r.StatusCode)
	}
	// A file that is not what it says: refused at the field.
	if r := coord.postFile(plan, nil, "plan.pdf", []byte("bonjour")); r.StatusCode != http.StatusUnprocessableEntity || r.doc(t).Find("#file-error").Length() != 1 {
		t.Fatalf("bad file: %d", r.StatusCode)
	}
	if r := coord.postFile(plan, nil, "plan.pdf", testPDF()); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("upload: %d %s", r.StatusCode, r.body)
	}
	if r := coord.get(plan + "/1"); r.StatusCode != 200 || r.Header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("download: %d %s", r.StatusCode, r.Header.Get("Content-Type"))
	}
	if r := e.loggedIn(ctMontsCoord).get(plan + "/1"); r.StatusCode != http.StatusNotFound {
		t.Fatalf("another CPTS downloads: %d", r.StatusCode)
	}
	if ref.get(plan).doc(t).Find(`[data-testid="plan-decide-form"]`).Length() != 1 {
		t.Fatal("no decision form for the referent")
	}
	if r := coord.post(plan+"/1/decision", url.Values{"decision": {"accepter"}}); r.StatusCode != http.StatusNotFound {
		t.Fatalf("structure decides: %d", r.StatusCode)
	}
	if r := ref.post(plan+"/1/decision", url.Values{"decision": {"refuser"}}); r.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("refusal without reason: %d", r.StatusCode)
	}
	if r := ref.post(plan+"/1/decision", url.Values{"decision": {"accepter"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("accept: %d %s", r.StatusCode, r.body)
	}
	wantPlan, err := contractlife.PlanPayment(life, today, true, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := coord.get(plan).doc(t).Find(`[data-testid="plan-1"] [data-testid="plan-payment"]`).Text(); !strings.Contains(got, domain.FormatEUR(wantPlan.Amount)) {
		t.Fatalf("plan payment %q, want %s", got, domain.FormatEUR(wantPlan.Amount))
	}

	// Crises: only the ARS director has the form; bad input at the field,
	// nothing saved.
	if ars.get("/crises").doc(t).Find(`[data-testid="crisis-form"]`).Length() != 1 || ref.get("/crises").doc(t).Find(`[data-testid="crisis-form"]`).Length() != 0 {
		t.Fatal("declaration form shown to the wrong roles")
	}
	for _, who := range []string{ctReferentA, ctDcgdrARA, ctValCoord, adminEmail} {
		if r := e.loggedIn(who).post("/crises", url.Values{"name": {"X"}, "start": {today.French()}, "end": {today.French()}}); r.StatusCode != http.StatusNotFound {
			t.Errorf("%s declares: %d", who, r.StatusCode)
		}
	}
	for field, form := range map[string]url.Values{
		"end":          {"name": {"Canicule"}, "start": {today.French()}, "end": {today.AddDays(-1).French()}},
		"departements": {"name": {"Canicule"}, "start": {today.French()}, "end": {today.French()}, "departements": {"59"}},
		"name":         {"name": {" "}, "start": {today.French()}, "end": {today.French()}},
		"start":        {"name": {"Canicule"}, "start": {"31/02/2026"}, "end": {today.French()}},
	} {
		r := ars.post("/crises", form)
		if r.StatusCode != http.StatusUnprocessableEntity || r.doc(t).Find("#"+field+"-error").Length() != 1 {
			t.Errorf("%s: %d", field, r.StatusCode)
		}
	}
	if ars.get("/crises").doc(t).Find(`[data-testid="crises-empty"]`).Length() != 1 {
		t.Fatal("a refused crisis was saved")
	}
	r := ars.post("/crises", url.Values{"name": {"Canicule"}, "start": {today.AddDays(-2).French()}, "end": {today.AddDays(10).French()}, "departements": {"01"}})
	if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/crises/") {
		t.Fatalf("declare: %d %s", r.StatusCode, r.body)
	}
	crisis := r.Header.Get("Location")
	want := contractlife.CrisisPayment(contractlife.Crisis{Name: "Canicule", Region: "84", Departements: []string{"01"}, Declared: today},
		contractlife.CrisisCPTS{Region: "84", Departement: "01", Contract: life, Active: true, PlanAccepted: []domain.Date{today}})
	if !want.Due() {
		t.Fatalf("domain says nothing is due: %s", want.Reason)
	}
	for who, status := range map[string]int{ctArsARA: 200, ctDcgdrARA: 200, adminEmail: 200, ctReferentA: 200, ctValCoord: 200,
		ctMontsCoord: 404, ctMspCoord: 404, ctCpamNord: 404} {
		r := e.loggedIn(who).get(crisis)
		if r.StatusCode != status {
			t.Errorf("%s GET crisis: %d, want %d", who, r.StatusCode, status)
			continue
		}
		if status == 200 {
			d := r.doc(t)
			row := d.Find(`[data-testid="crisis-result"]`).FilterFunction(func(_ int, s *goquery.Selection) bool { return strings.Contains(s.Text(), c.StructureName) })
			if row.Length() != 1 || row.Find(`[data-testid="crisis-amount"]`).Text() != domain.FormatEUR(want.Payment.Amount) {
				t.Errorf("%s: crisis line %q, want %s", who, row.Text(), domain.FormatEUR(want.Payment.Amount))
			}
		}
	}
	if got := coord.get(dpath(c.DossierID, "/contrat")).doc(t).Find(`[data-testid="contract-crises"]`).Text(); !strings.Contains(got, domain.FormatEUR(want.Payment.Amount)) {
		t.Errorf("contract page crises %q", got)
	}
	if e.loggedIn(ctCpamNord).get("/crises").doc(t).Find(`[data-testid="crisis-row"]`).Length() != 0 {
		t.Error("CPAM du Nord lists a crisis of the Ain")
	}

	// Avenants: propose (coordinator), a double post is stale, accept
	// (referent), sign (the three parties), the new document.
	av := "/contrats/" + cid + "/avenants"
	for who, status := range map[string]int{ctValCoord: 200, ctReferentA: 200, ctArsARA: 200, ctMontsCoord: 404, ctMspCoord: 404, ctCpamNord: 404} {
		if r := e.loggedIn(who).get(av); r.StatusCode != status {
			t.Errorf("%s GET avenants: %d", who, r.StatusCode)
		}
	}
	d := coord.get(av).doc(t)
	version, _ := d.Find(`[data-testid="avenant-form"] input[name="version"]`).Attr("value")
	if r := coord.post(av, url.Values{"version": {version}, "object": {"Mission qualité"}, "effective": {"31/02/2026"}}); r.StatusCode != http.StatusUnprocessableEntity ||
		r.doc(t).Find("#effective-error").Length() != 1 {
		t.Fatalf("bad date: %d", r.StatusCode)
	}
	if r := coord.post(av, url.Values{"version": {version}, "object": {"Rien"}, "effective": {today.French()}}); r.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("no change: %d", r.StatusCode)
	}
	// The indicators: typed values refused at their field (French unit
	// parsing), nothing recorded.
	if d.Find(`[data-testid="avenant-indicator-patientele_mt"] input[name="target_patientele_mt"]`).Length() != 1 ||
		d.Find(`[data-testid="avenant-indicator-patientele_mt"] input[name="remove_indicators"]`).Length() != 0 {
		t.Fatal("the mandatory indicator's target field is missing, or it offers a removal")
	}
	if !strings.Contains(d.Find(`[data-testid="avenant-bareme"]`).Text(), "en vigueur à son premier jour") {
		t.Error("the form does not explain the barème")
	}
	form := formOf(d, `[data-testid="avenant-form"]`)
	if form.Get("idem") == "" {
		t.Fatal("the avenant form has no idempotency key")
	}
	bad := url.Values{"version": {version}, "object": {"Objectifs"}, "effective": {today.French()}, "target_patientele_mt": {"beaucoup"},
		"add_baseline": {"3"}, "add_unit": {"nombre"}, "add_weight": {"1"}, "target_inconnu": {"3"}}
	if r := coord.post(av, bad); r.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("bad indicators: %d", r.StatusCode)
	} else {
		bd := r.doc(t)
		for _, id := range []string{"#target_patientele_mt-error", "#add_label-error", "#add_mission-error"} {
			if strings.TrimSpace(bd.Find(id).Text()) == "" {
				t.Errorf("no error at %s", id)
			}
		}
		if !strings.Contains(bd.Text(), "Indicateur inconnu") {
			t.Error("the refusal of an indicator the form did not show is not in the summary")
		}
		if v, _ := bd.Find(`input[name="target_patientele_mt"]`).Attr("value"); v != "beaucoup" {
			t.Errorf("typed value lost: %q", v)
		}
	}
	if n, err := e.st.ContractAvenants(context.Background(), e.ctScope(ctValCoord), c.ID); err != nil || len(n) != 0 {
		t.Fatalf("a refused avenant was recorded: %v %v", n, err)
	}
	ok := url.Values{"version": {version}, "object": {"Objectifs révisés"}, "effective": {today.French()}, "target_patientele_mt": {"81,5 %"}, "idem": {form.Get("idem")}}
	if r := e.loggedIn(ctDcgdrARA).post(av, ok); r.StatusCode != http.StatusNotFound {
		t.Fatalf("DCGDR proposes: %d", r.StatusCode)
	}
	r = coord.post(av, ok)
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("propose: %d %s", r.StatusCode, r.body)
	}
	page := r.Header.Get("Location")
	// The same form again (its idempotency key): the same avenant; the same
	// values from a stale page without the key: refused, one avenant.
	if r := coord.post(av, ok); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != page {
		t.Fatalf("replay: %d %s", r.StatusCode, r.Header.Get("Location"))
	}
	ok.Del("idem")
	if r := coord.post(av, ok); r.StatusCode != http.StatusConflict {
		t.Fatalf("double post: %d", r.StatusCode)
	}
	if n, _ := e.st.ContractAvenants(context.Background(), e.ctScope(ctValCoord), c.ID); len(n) != 1 {
		t.Fatalf("%d avenants after the double post", len(n))
	}
	if ref.get(page).doc(t).Find(`[data-testid="avenant-decide-form"]`).Length() != 1 {
		t.Fatal("no decision form for the referent")
	}
	if r := coord.post(page+"/decision", url.Values{"decision": {"accepter"}}); r.StatusCode != http.StatusNotFound {
		t.Fatalf("structure accepts: %d", r.StatusCode)
	}
	if r := ref.post(page+"/decision", url.Values{"decision": {"accepter"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("accept: %d", r.StatusCode)
	}
	if r := ref.post(page+"/signer", nil); r.StatusCode != http.StatusNotFound {
		t.Fatalf("referent signs for the CPAM: %d", r.StatusCode)
	}
	for i, cl := range []*client{coord, ars, mgr} {
		if cl.get(page).doc(t).Find(`[data-testid="avenant-sign-form"]`).Length() != 1 {
			t.Fatal("sign form missing")
		}
		if i == 2 {
			// The year the change reaches closed meanwhile: the third
			// signature is refused in French on the page, nothing applied.
			avs, _ := e.st.ContractAvenants(context.Background(), e.ctScope(ctValCoord), c.ID)
			from := avs[0].Changes.IndicatorChanges[0].FromYear
			if _, err := pgtest.Owner(t, e.st).Exec(context.Background(), `INSERT INTO contract_year_closings (contract_id, contract_year, closed_on, closed_at, closed_by_name)
				VALUES ($1, $2, now(), now(), 'test')`, c.ID, from); err != nil {
				t.Fatal(err)
			}
			if r := cl.post(page+"/signer", nil); r.StatusCode != http.StatusSeeOther {
				t.Fatalf("refused signature: %d %s", r.StatusCode, r.body)
			}
			d := cl.get(page).doc(t)
			if !strings.Contains(d.Text(), "déjà clôturée") || !strings.Contains(d.Find(`[data-testid="avenant-status"]`).Text(), "accepté") ||
				d.Find(`[data-testid="avenant-sign-form"]`).Length() != 1 {
				t.Fatalf("after a refused signature: %q", d.Find(`[data-testid="avenant-status"]`).Text())
			}
			if _, err := pgtest.Owner(t, e.st).Exec(context.Background(), `DELETE FROM contract_year_closings WHERE contract_id = $1`, c.ID); err != nil {
				t.Fatal(err)
			}
		}
		if r := cl.post(page+"/signer", nil); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("sign: %d %s", r.StatusCode, r.body)
		}
	}
	d = coord.get(page).doc(t)
	if !strings.Contains(d.Find(`[data-testid="avenant-status"]`).Text(), "signé par les trois parties") || d.Find(`[data-testid="avenant-document"]`).Length() != 1 {
		t.Fatalf("after the signatures: %q", d.Find(`[data-testid="avenant-status"]`).Text())
	}
	if r := coord.get(page + "/document"); r.StatusCode != 200 || !strings.Contains(r.body, "Avenant n° 1") || !strings.Contains(r.body, "→ 81,5\u00a0%") {
		t.Fatalf("document: %d", r.StatusCode)
	}
	if r := e.loggedIn(ctMontsCoord).get(page + "/document"); r.StatusCode != http.StatusNotFound {
		t.Fatalf("another CPTS reads the avenant: %d", r.StatusCode)
	}
	// The contract with its avenant as PDF (the same HTML printed by
	// Chromium; without it, the French fallback page).
	if r := coord.get(page + "/document.pdf"); pdf.Available() && (r.StatusCode != 200 || !strings.HasPrefix(r.body, "%PDF")) ||
		!pdf.Available() && r.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("avenant pdf: %d", r.StatusCode)
	}
	if r := e.loggedIn(ctMontsCoord).get(page + "/document.pdf"); r.StatusCode != http.StatusNotFound {
		t.Fatalf("another CPTS prints the avenant: %d", r.StatusCode)
	}

	// The territory editor of Val (frozen) offers a territory avenant.
	link, _ := coord.get(territoryURL(c.StructureID)).doc(t).Find(`[data-testid="territory-avenant-link"]`).Attr("href")
	if !strings.HasPrefix(link, av) {
		t.Fatalf("territory avenant link %q", link)
	}
}

// TestMSPAvenantsPageSaysWhy: the avenants of an MSP contract are not
// recorded in the portal (docs/rules.md §31): its page says why to every
// party, offers no form, and a crafted proposal is refused (404) with
// nothing recorded.
func TestMSPAvenantsPageSaysWhy(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	mc, err := e.st.ContractByDossier(ctx, e.ctScope(ctMspCoord), e.demoDossierID(seed.MSPLille))
	if err != nil {
		t.Fatal(err)
	}
	av := "/contrats/" + ctItoa(mc.ID) + "/avenants"
	for _, who := range []string{ctMspCoord, ctCpamNord} {
		r := e.loggedIn(who).get(av)
		d := r.doc(t)
		if r.StatusCode != http.StatusOK || !strings.Contains(d.Find(`[data-testid="avenants-msp"]`).Text(), "n'enregistre pas d'avenant") ||
			d.Find(`[data-testid="avenant-form"]`).Length() != 0 {
			t.Errorf("%s: MSP avenants page %d", who, r.StatusCode)
		}
	}
	r := e.loggedIn(ctMspCoord).post(av, url.Values{"version": {ctItoa(int64(mc.Version))}, "object": {"Patientèle"}, "effective": {mc.Start.AddDays(30).French()}})
	if r.StatusCode != http.StatusNotFound {
		t.Fatalf("MSP proposal: %d", r.StatusCode)
	}
	if avs, _ := e.st.ContractAvenants(ctx, e.ctScope(ctMspCoord), mc.ID); len(avs) != 0 {
		t.Fatalf("an MSP avenant was recorded: %+v", avs)
	}
}
