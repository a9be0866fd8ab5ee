package server_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/contractlife"
	"github.com/portail-aci/aci/internal/domain/funding"
	"github.com/portail-aci/aci/internal/domain/registry"
	"github.com/portail-aci/aci/internal/seed"
	"github.com/portail-aci/aci/internal/store"
	"github.com/portail-aci/aci/internal/store/pgtest"
)

// cotiere is the demo Côtière CPTS's contract as the store has it.
func cotiere(t *testing.T, e *env) store.Contract {
	t.Helper()
	ctx := context.Background()
	var did int64
	if err := pgtest.Owner(t, e.st).QueryRow(ctx, `SELECT c.dossier_id FROM contracts c JOIN organisations o ON o.id = c.structure_id WHERE o.demo_key = $1`,
		seed.CotiereDeDemo).Scan(&did); err != nil {
		t.Fatal(err)
	}
	c, err := e.st.ContractByDossier(ctx, e.ctScope("admin@demo.portail-aci.fr"), did)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// lifeOf is contract c as the contract's life computes it from the stored
// barèmes and mission starts (the inputs, not the store's results).
func lifeOf(t *testing.T, e *env, c store.Contract) contractlife.Contract {
	t.Helper()
	ctx := context.Background()
	list, err := e.st.LoadBaremes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	progress, err := e.st.ContractMissions(ctx, e.ctScope("admin@demo.portail-aci.fr"), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	lc, err := store.LifeContract(c, list, progress)
	if err != nil {
		t.Fatal(err)
	}
	return lc
}

// texts returns the texts of the elements sel.
func (j *journey) texts(sel string) []string {
	j.t.Helper()
	out, err := chromedp.Run(j.ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll(`+jsQuote(sel)+`)).map(function (c) { return c.textContent.trim() })`))
	if err != nil {
		j.t.Fatalf("texts %s: %v", sel, err)
	}
	return out
}

// rows returns the cells' texts of the rows of the table sel.
func (j *journey) rows(sel string) [][]string {
	j.t.Helper()
	out, err := chromedp.Run(j.ctx, chromedp.Evaluate[[][]string](`Array.from(document.querySelectorAll(`+jsQuote(sel+` tbody tr`)+`)).map(function (r) {
		return Array.from(r.cells).map(function (c) { return c.textContent.trim() }) })`))
	if err != nil {
		j.t.Fatalf("rows %s: %v", sel, err)
	}
	return out
}

// TestJourneyContractYearInBrowser: in Chromium, the CPAM de l'Ain's
// referent validates the Côtière's year-1 declaration (one value corrected
// with its reason), records the dialogue de gestion and closes the year; the
// balances shown are contractlife.YearBalance's for the validated values, to
// the cent. The contract's home shows prévention late; the coordinator
// declares its start and sees its prorated advance
// (contractlife.StartAdvance).
func TestJourneyContractYearInBrowser(t *testing.T) {
	e := newSerialEnv(t)
	ctx := context.Background()
	today := domain.DateOf(*e.clock)
	c := cotiere(t, e)
	admin := e.ctScope("admin@demo.portail-aci.fr")
	y, err := e.st.ContractYear(ctx, admin, c.ID, 1, today)
	if err != nil {
		t.Fatal(err)
	}
	if !y.Submitted() || y.Closed || len(y.Indicators) < 2 {
		t.Fatalf("the demo's year 1: status %q, %d indicators", y.Status, len(y.Indicators))
	}
	base := "/contrats/" + ctItoa(c.ID)
	j := newJourney(t, e)
	lc, want := closeCotiereYear1(t, e, j, c, y, today)
	var shown [][]string
	for _, r := range j.rows(`[data-testid=year-payments]`) {
		if len(r) >= 4 && r[1] == "Solde" {
			shown = append(shown, r)
		}
	}
	if len(shown) != len(want) {
		t.Fatalf("%d balances shown, want %d: %q", len(shown), len(want), shown)
	}
	for _, l := range want {
		found := false
		for _, r := range shown {
			found = found || (r[2] == l.Mission.Label() && r[3] == domain.FormatEUR(l.Amount))
		}
		if !found {
			t.Errorf("balance %s %s not shown: %q", l.Mission.Label(), domain.FormatEUR(l.Amount), shown)
		}
		t.Logf("balance %s: %s", l.Mission.Label(), domain.FormatEUR(l.Amount))
	}

	// The contract's home: prévention late.
	j.nav(base)
	if s := j.text(`[data-testid=mission-prevention] [data-testid=mission-late]`); s != "En retard" {
		t.Fatalf("prévention: %q", s)
	}
	shot(t, j.ctx, "contrat-prevention-en-retard")

	// The coordinator declares prévention started today: its prorated
	// advance is contractlife.StartAdvance's.
	adv0, err := contractlife.StartAdvance(lc, funding.Prevention, today)
	if err != nil || len(adv0) != 1 {
		t.Fatalf("expected advance %v %v", adv0, err)
	}
	j.as(seed.CotiereCoordinator)
	j.nav(base)
	j.js("open", `document.querySelector('#demarrage-prevention').open = true`)
	j.do("start prévention",
		chromedp.SetValue(chromedp.CSS("#demarrage-prevention-date"), today.French()),
		chromedp.SendKeys(chromedp.CSS("#demarrage-prevention-evidence"), "Première action de dépistage organisé du cancer colorectal"),
		chromedp.Click(chromedp.CSS("#demarrage-prevention-confirm")))
	j.submit("start prévention", `[data-testid=demarrage-form-prevention] button[type=submit]`)
	// Started after its deadline, it stays flagged late (docs/rules.md §7).
	if s := j.text(`[data-testid=mission-prevention] [data-testid=mission-status]`); s != "démarrée le "+today.French() {
		t.Fatalf("prévention: %q", s)
	}
	yearSel := `[data-testid=year-` + itoaInt(adv0[0].ContractYear) + `] [data-testid=year-payments]`
	found := false
	for _, r := range j.rows(yearSel) {
		found = found || (len(r) >= 4 && r[1] == funding.Prevention.Label() && r[2] == "Avance" && r[3] == domain.FormatEUR(adv0[0].Amount))
	}
	if !found {
		t.Fatalf("advance %s not shown in year %d: %q", domain.FormatEUR(adv0[0].Amount), adv0[0].ContractYear, j.rows(yearSel))
	}
	t.Logf("prévention advance: %s (%s)", domain.FormatEUR(adv0[0].Amount), adv0[0].Rule)
	shot(t, j.ctx, "contrat-prevention-demarree")
}

// closeCotiereYear1: in the browser, the referent validates each declared
// value of the Côtière's year 1 (the first corrected with a reason),
// records the dialogue de gestion and closes the year. It returns the
// contract as the contract's life sees it and the balances
// contractlife.YearBalance computes for the validated values.
func closeCotiereYear1(t *testing.T, e *env, j *journey, c store.Contract, y store.ContractYear, today domain.Date) (contractlife.Contract, []contractlife.BalanceLine) {
	t.Helper()
	ctx := context.Background()
	admin := e.ctScope("admin@demo.portail-aci.fr")
	yearURL := "/contrats/" + ctItoa(c.ID) + "/annees/1"

	// The referent validates each value, the first one corrected.
	j.as("referent@demo.portail-aci.fr")
	validated := map[string]int64{}
	for i, ind := range y.Indicators {
		if ind.Declared == nil {
			t.Fatalf("%s not declared", ind.Code)
		}
		j.nav(yearURL)
		form := `[data-testid=validate-` + ind.Code + `]`
		if j.count(form) != 1 {
			t.Fatalf("no validation form for %s", ind.Code)
		}
		validated[ind.Code] = *ind.Declared
		if i == 0 {
			v := *ind.Declared / 2
			if v == *ind.Declared {
				v++
			}
			validated[ind.Code] = v
			j.do("correct "+ind.Code,
				chromedp.SendKeys(chromedp.CSS("#value-"+ind.Code), contractlife.Value{Unit: ind.Unit, N: v}.Input()),
				chromedp.SendKeys(chromedp.CSS("#reason-"+ind.Code), "valeur de l'observatoire régional de santé"))
		}
		j.submit("validate "+ind.Code, form+` button[type=submit]`)
		if cell := j.text(`[data-testid=ind-` + ind.Code + `] [data-testid=validated]`); !strings.Contains(cell, "par Rachid Benali") {
			t.Fatalf("%s not validated: %q", ind.Code, cell)
		}
	}
	if r := j.text(`[data-testid=ind-` + y.Indicators[0].Code + `] [data-testid=reason]`); !strings.Contains(r, "observatoire") {
		t.Fatalf("correction reason: %q", r)
	}
	shot(t, j.ctx, "annee-1-validee")

	// Closing without the dialogue de gestion: refused, listing it.
	if miss := j.text(`[data-testid=year-missing]`); !strings.Contains(strings.ToLower(miss), "dialogue") {
		t.Fatalf("missing before the meeting: %q", miss)
	}
	j.do("meeting",
		chromedp.SendKeys(chromedp.CSS("#held_on"), today.French()),
		chromedp.SendKeys(chromedp.CSS("#structure"), "Coordinatrice de la CPTS"),
		chromedp.SendKeys(chromedp.CSS("#cpam"), "Rachid Benali"),
		chromedp.SendKeys(chromedp.CSS("#ars"), "Sophie Garnier"),
		chromedp.SendKeys(chromedp.CSS("#minutes"), "Bilan de l'année 1 : prévention à lancer."))
	j.submit("meeting", `[data-testid=meeting-form] button[type=submit]`)
	if j.count(`[data-testid=meeting]`) != 1 {
		t.Fatal("meeting not recorded")
	}
	j.submit("close", `[data-testid=close-form] button[type=submit]`)
	if j.count(`[data-testid=year-closed]`) != 1 {
		t.Fatalf("year not closed: %s", j.text(`main`))
	}
	shot(t, j.ctx, "annee-1-cloturee")

	// The balances: contractlife.YearBalance on the validated values, the
	// year's advances and the closing day.
	lc := lifeOf(t, e, c)
	var ms []contractlife.Measure
	for _, ind := range y.Indicators {
		if at, ok := lc.Starts[ind.Mission]; !ok || at.After(y.End) {
			continue
		}
		ms = append(ms, contractlife.Measure{Mission: ind.Mission, Direction: ind.Direction, Weight: ind.Weight, Baseline: ind.Baseline,
			Target: ind.Target, Value: contractlife.Value{Unit: ind.Unit, N: validated[ind.Code]}})
	}
	rates, err := contractlife.MissionRates(ms)
	if err != nil {
		t.Fatal(err)
	}
	ps, err := e.st.ContractPayments(ctx, admin, c.DossierID)
	if err != nil {
		t.Fatal(err)
	}
	adv := map[funding.Mission]domain.Cents{}
	for _, p := range ps {
		if p.ContractYear == 1 && p.Kind == funding.KindAvance && p.Status != store.PaymentAnnule {
			adv[p.Mission] += p.Amount
		}
	}
	want, err := contractlife.YearBalance(contractlife.BalanceInput{Contract: lc, Year: 1, Closed: today, Rates: rates, Advances: adv})
	if err != nil || len(want) == 0 {
		t.Fatalf("expected balances %v %v", want, err)
	}
	return lc, want
}

// fetchText GETs path in the page's session and returns its body decoded
// as UTF-8 with its BOM kept.
func (j *journey) fetchText(path string) string {
	j.t.Helper()
	s, err := chromedp.Run(j.ctx, chromedp.Evaluate[string](`fetch(`+jsQuote(path)+`).then(function (r) { return r.arrayBuffer() }).then(function (b) {
		return new TextDecoder("utf-8", {ignoreBOM: true}).decode(b) })`, chromedp.EvalAwaitPromise))
	if err != nil {
		j.t.Fatalf("fetch %s: %v", path, err)
	}
	return s
}

// TestJourneyPaymentsAndCrisisInBrowser: in Chromium, after the Côtière's
// year 1 is closed, the referent orders its balances as a batch (the
// confirmation shows their count and sum), exports them for the accounting
// (BOM, ";", decimal comma) and imports the confirmation file that marks
// them paid; the coordinator files a crisis plan, the referent accepts it,
// the ARS director declares a crisis on the Ain and the Côtière gets
// exactly contractlife.CrisisPayment.
func TestJourneyPaymentsAndCrisisInBrowser(t *testing.T) {
	e := newSerialEnv(t)
	ctx := context.Background()
	today := domain.DateOf(*e.clock)
	c := cotiere(t, e)
	admin := e.ctScope("admin@demo.portail-aci.fr")
	y, err := e.st.ContractYear(ctx, admin, c.ID, 1, today)
	if err != nil {
		t.Fatal(err)
	}
	j := newJourney(t, e)
	lc, want := closeCotiereYear1(t, e, j, c, y, today)
	var sum domain.Cents
	for _, l := range want {
		sum += l.Amount
	}

	// The batch: the balances due today, with their confirmation.
	sel := "nature=solde&du=" + today.French() + "&au=" + today.French()
	j.nav("/paiements?etat=prevu&" + sel)
	if got := j.text(`[data-testid=payments-count]`); got != itoaInt(len(want)) {
		t.Fatalf("planned balances listed: %s, want %d", got, len(want))
	}
	j.submit("batch", `[data-testid=batch-order]`)
	if got := j.text(`[data-testid=batch-count]`); got != itoaInt(len(want)) {
		t.Fatalf("confirmation count %q, want %d", got, len(want))
	}
	if got := j.text(`[data-testid=batch-sum]`); got != domain.FormatEUR(sum) {
		t.Fatalf("confirmation sum %q, want %s", got, domain.FormatEUR(sum))
	}
	shot(t, j.ctx, "paiements-lot-confirmation")
	j.submit("order batch", `form[action="/paiements/ordonnancer"] button[type=submit]`)
	j.nav("/paiements?etat=ordonnance&" + sel)
	if got, s := j.text(`[data-testid=payments-count]`), j.text(`[data-testid=payments-sum]`); got != itoaInt(len(want)) || s != domain.FormatEUR(sum) {
		t.Fatalf("ordered: %s for %s, want %d for %s", got, s, len(want), domain.FormatEUR(sum))
	}

	// The accounting export of the ordered balances.
	csv := j.fetchText("/paiements/export.csv?etat=ordonnance&" + sel)
	if !strings.HasPrefix(csv, "\uFEFFIdentifiant;") {
		t.Fatalf("export header %q", csv[:min(len(csv), 80)])
	}
	lines := strings.Split(strings.TrimRight(csv, "\r\n"), "\r\n")
	if len(lines) != len(want)+1 {
		t.Fatalf("export: %d lines, want %d\n%s", len(lines)-1, len(want), csv)
	}
	confirmation := "paiement;date;montant\r\n"
	for _, l := range want {
		amount := strings.ReplaceAll(domain.FormatNumber(l.Amount), "\u202f", "")
		found := false
		for _, line := range lines[1:] {
			cells := strings.Split(line, ";")
			if len(cells) > 10 && cells[10] == amount && strings.Contains(cells[10], ",") && cells[9] == today.French() {
				found = true
				confirmation += cells[1] + ";" + today.French() + ";" + amount + "\r\n"
			}
		}
		if !found {
			t.Fatalf("balance %s %s not in the export:\n%s", l.Mission.Label(), amount, csv)
		}
	}

	// The confirmation file marks them paid.
	j.nav("/paiements")
	f := filepath.Join(t.TempDir(), "confirmation.csv")
	if err := os.WriteFile(f, []byte(confirmation), 0o600); err != nil {
		t.Fatal(err)
	}
	j.do("import", chromedp.SetUploadFiles(chromedp.CSS("#import-file"), []string{f}))
	j.submit("import", `[data-testid=import-form] button[type=submit]`)
	if got := j.text(`[data-testid=import-applied]`); got != itoaInt(len(want))+" ligne(s) appliquée(s), pour "+domain.FormatEUR(sum)+"." {
		t.Fatalf("import report %q", got)
	}
	shot(t, j.ctx, "paiements-import-rapport")
	j.nav("/paiements?etat=verse&" + sel)
	if got, s := j.text(`[data-testid=payments-count]`), j.text(`[data-testid=payments-sum]`); got != itoaInt(len(want)) || s != domain.FormatEUR(sum) {
		t.Fatalf("paid: %s for %s, want %d for %s", got, s, len(want), domain.FormatEUR(sum))
	}

	// The crisis plan: filed by the coordinator, accepted by the referent.
	plan := "/contrats/" + ctItoa(c.ID) + "/plan-crise"
	j.as(seed.CotiereCoordinator)
	j.nav(plan)
	pdf := filepath.Join(t.TempDir(), "plan-crise.pdf")
	if err := os.WriteFile(pdf, seed.MinimalPDF([]string{"Plan de réponse aux crises sanitaires"}), 0o600); err != nil {
		t.Fatal(err)
	}
	j.do("plan", chromedp.SetUploadFiles(chromedp.CSS("#plan-file"), []string{pdf}))
	j.submit("plan", `[data-testid=plan-upload-form] button[type=submit]`)
	j.as("referent@demo.portail-aci.fr")
	j.nav(plan)
	j.submit("accept plan", `[data-testid=plan-decide-form] button[value=accepter]`)

	// The ARS director declares a crisis on the Ain.
	j.as("ars@demo.portail-aci.fr")
	j.nav("/crises")
	j.js("departements", `document.querySelectorAll('[data-testid=crisis-form] input[name=departements]').forEach(function (i) { i.checked = i.value === "01" })`)
	j.do("crisis",
		chromedp.SendKeys(chromedp.CSS("#crisis-name"), "Canicule de l'Ain"),
		chromedp.SendKeys(chromedp.CSS("#crisis-start"), today.AddDays(-2).French()),
		chromedp.SendKeys(chromedp.CSS("#crisis-end"), today.AddDays(10).French()))
	j.submit("crisis", `[data-testid=crisis-form] button[type=submit]`)
	crisis := contractlife.CrisisPayment(contractlife.Crisis{Name: "Canicule de l'Ain", Region: "84", Departements: []string{"01"}, Declared: today},
		contractlife.CrisisCPTS{Region: "84", Departement: "01", Contract: lc, Active: true, PlanAccepted: []domain.Date{today}})
	if !crisis.Due() {
		t.Fatalf("the domain gives nothing: %s", crisis.Reason)
	}
	found := false
	for _, r := range j.rows(`table:has([data-testid=crisis-result])`) {
		if len(r) > 0 && strings.Contains(strings.Join(r, " "), seed.CotiereDeDemo) {
			found = strings.Contains(strings.Join(r, " "), domain.FormatEUR(crisis.Payment.Amount))
		}
	}
	if !found {
		t.Fatalf("the Côtière's crisis amount %s not shown: %q", domain.FormatEUR(crisis.Payment.Amount), j.rows(`table:has([data-testid=crisis-result])`))
	}
	t.Logf("balances ordered, exported, paid: %d for %s; crisis: %s", len(want), domain.FormatEUR(sum), domain.FormatEUR(crisis.Payment.Amount))
	shot(t, j.ctx, "crise-declaree")

	// A territory avenant reaching tier 3: the Ain's most populated
	// communes outside the territory, until funding.Tier says 3.
	before, err := e.st.ContractPayments(ctx, admin, c.DossierID)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := pgtest.Owner(t, e.st).Query(ctx, `SELECT code, population FROM communes WHERE departement = '01' AND actuelle
		AND code NOT IN (SELECT commune_code FROM territory_communes WHERE structure_id = $1) ORDER BY population DESC, code`, c.StructureID)
	if err != nil {
		t.Fatal(err)
	}
	pop := c.Population
	var add []string
	for rows.Next() {
		var code string
		var n int64
		if err := rows.Scan(&code, &n); err != nil {
			t.Fatal(err)
		}
		if tier, _ := funding.Tier(pop); tier >= 3 {
			continue
		}
		add, pop = append(add, code), pop+n
	}
	rows.Close()
	if tier, _ := funding.Tier(pop); tier != 3 {
		t.Fatalf("no tier-3 territory: %d inhabitants", pop)
	}
	j.as(seed.CotiereCoordinator)
	j.nav("/contrats/" + ctItoa(c.ID) + "/avenants")
	j.do("avenant",
		chromedp.SendKeys(chromedp.CSS("#av-object"), "Extension du territoire aux communes voisines"),
		chromedp.SetValue(chromedp.CSS("#av-effective"), today.French()),
		chromedp.SendKeys(chromedp.CSS("#av-add"), strings.Join(add, " ")))
	j.submit("avenant", `[data-testid=avenant-form] button[type=submit]`)
	avURL, err := chromedp.Run(j.ctx, chromedp.Location())
	if err != nil || !strings.Contains(avURL, "/avenants/") {
		t.Fatalf("after proposing: %s %v\n%s", avURL, err, j.text(`main`))
	}
	j.as("referent@demo.portail-aci.fr")
	j.nav(strings.TrimPrefix(avURL, e.ts.URL))
	j.submit("accept avenant", `[data-testid=avenant-decide-form] button[value=accepter]`)
	for _, who := range []string{seed.CotiereCoordinator, seed.CPAMAinManager().Email, "ars@demo.portail-aci.fr"} {
		j.as(who)
		j.nav(strings.TrimPrefix(avURL, e.ts.URL))
		j.submit("sign avenant", `[data-testid=avenant-sign-form] button[type=submit]`)
	}
	j.nav(strings.TrimPrefix(avURL, e.ts.URL))
	shot(t, j.ctx, "avenant-territoire-signe")
	changes := j.text(`[data-testid=avenant-changes]`)
	now, ok := contractlife.YearAt(c.Start, today)
	if !ok {
		t.Fatal("today outside the contract")
	}
	for _, w := range []string{"taille " + itoaInt(c.Tier) + " → 3", "à compter de l'année " + itoaInt(now.N+1) + " du contrat"} {
		if !strings.Contains(changes, w) {
			t.Fatalf("avenant changes %q: want %q", changes, w)
		}
	}
	after, err := e.st.ContractPayments(ctx, admin, c.DossierID)
	if err != nil {
		t.Fatal(err)
	}
	kept := map[int64]store.PaymentRow{}
	for _, p := range after {
		kept[p.ID] = p
	}
	for _, p := range before {
		if p.Status == store.PaymentAnnule {
			continue
		}
		if a, ok := kept[p.ID]; !ok || a.Amount != p.Amount || (p.Status != store.PaymentPrevu && a.Status != p.Status) {
			t.Errorf("payment %d changed by the avenant: %+v → %+v", p.ID, p, a)
		}
	}
}

// TestJourneyTerminationInBrowser: in Chromium, after the Côtière's year 1
// is closed, its coordinator sends the termination letter through the
// portal, the CPAM de l'Ain's referent records its receipt today; at the
// effective date (contractlife.TerminationEffective) the job settles the
// contract and the payments page shows the recovery or the balance line of
// contractlife.Settle, computed from the same inputs (year 1 at the rates
// of its validated values, the year the termination cuts at 0 %), to the
// cent.
func TestJourneyTerminationInBrowser(t *testing.T) {
	e := newSerialEnv(t)
	ctx := context.Background()
	today := domain.DateOf(*e.clock)
	c := cotiere(t, e)
	admin := e.ctScope("admin@demo.portail-aci.fr")
	y, err := e.st.ContractYear(ctx, admin, c.ID, 1, today)
	if err != nil {
		t.Fatal(err)
	}
	j := newJourney(t, e)
	lc, _ := closeCotiereYear1(t, e, j, c, y, today)

	// The coordinator sends the letter; the referent records its receipt.
	page := dpath(c.DossierID, "/contrat")
	j.as(seed.CotiereCoordinator)
	j.nav(page)
	j.do("motif", chromedp.SendKeys(chromedp.CSS("#res_motivation"), "Dissolution de l'association"))
	j.submit("letter", `[data-testid=resiliation-form] button[type=submit]`)
	if j.count(`[data-testid=resiliation-letter]`) != 1 {
		t.Fatalf("letter not sent: %s", j.text(`main`))
	}
	j.as("referent@demo.portail-aci.fr")
	j.nav(page)
	j.do("receipt", chromedp.SetValue(chromedp.CSS("#record_on"), today.French()))
	j.submit("receipt", `[data-testid=resiliation-record-form] button[type=submit]`)
	eff, err := contractlife.TerminationEffective(c.Start, today)
	if err != nil {
		t.Fatal(err)
	}
	if got := j.text(`[data-testid=resiliation-effective]`); !strings.Contains(got, eff.French()) {
		t.Fatalf("effective date shown %q, want %s", got, eff.French())
	}
	shot(t, j.ctx, "resiliation-programmee")

	// Expected: contractlife.Settle on the payments before the effective
	// date, year 1 at its validated values' rates, the later years begun
	// before the effective date at 0 % for their started missions.
	y, err = e.st.ContractYear(ctx, admin, c.ID, 1, eff)
	if err != nil {
		t.Fatal(err)
	}
	var ms []contractlife.Measure
	for _, ind := range y.Indicators {
		if at, ok := lc.Starts[ind.Mission]; !ok || at.After(y.End) {
			continue
		}
		if ind.Validated == nil {
			t.Fatalf("%s not validated", ind.Code)
		}
		ms = append(ms, contractlife.Measure{Mission: ind.Mission, Direction: ind.Direction, Weight: ind.Weight, Baseline: ind.Baseline,
			Target: ind.Target, Value: contractlife.Value{Unit: ind.Unit, N: *ind.Validated}})
	}
	var rates [funding.ContractYears]map[funding.Mission]funding.Rate
	if rates[0], err = contractlife.MissionRates(ms); err != nil {
		t.Fatal(err)
	}
	for n := 1; n <= funding.ContractYears; n++ {
		yr, ok := contractlife.YearAt(c.Start, contractlife.Anniversary(c.Start, n-1))
		if !ok || !yr.Start.Before(eff) {
			break
		}
		if rates[n-1] == nil {
			rates[n-1] = map[funding.Mission]funding.Rate{}
		}
		for m, at := range lc.Starts {
			if _, ok := rates[n-1][m]; !ok && m.HasAchievement() && at.Before(eff) && !at.After(yr.End) {
				rates[n-1][m] = 0
			}
		}
	}
	before, err := e.st.ContractPayments(ctx, admin, c.DossierID)
	if err != nil {
		t.Fatal(err)
	}
	in := contractlife.SettleInput{Effective: eff, Rates: rates, Contract: lc}
	for _, p := range before {
		in.Payments = append(in.Payments, contractlife.Scheduled{ID: p.ID, State: p.Status.State(),
			Payment: funding.Payment{Due: p.Due, ContractYear: p.ContractYear, Mission: p.Mission, Kind: p.Kind, Amount: p.Amount, Rule: p.Rule}})
	}
	want, err := contractlife.Settle(in)
	if err != nil {
		t.Fatal(err)
	}
	if want.Line == nil {
		t.Fatalf("settlement without a line: %+v", want)
	}

	// The job at the effective date.
	if eff.After(today) {
		if n, err := e.st.ApplyDueTerminations(ctx, eff, eff.Time().Add(time.Hour)); err != nil || n != 1 {
			t.Fatalf("job: %d %v", n, err)
		}
	}
	j.nav("/paiements?nature=" + string(want.Line.Kind) + "&contrat=" + ctItoa(c.ID))
	if got, s := j.text(`[data-testid=payments-count]`), j.text(`[data-testid=payments-sum]`); got != "1" || s != domain.FormatEUR(want.Line.Amount) {
		t.Fatalf("%s line: %s for %s, want 1 for %s", want.Line.Kind, got, s, domain.FormatEUR(want.Line.Amount))
	}
	shot(t, j.ctx, "resiliation-ligne")
	t.Logf("termination effective %s: %s %s (due %s, kept %s, %d cancelled)", eff.French(), want.Line.Kind, domain.FormatEUR(want.Line.Amount),
		domain.FormatEUR(want.Due), domain.FormatEUR(want.Kept), len(want.Cancel))
}

// TestJourneyMSPYearInBrowser: in Chromium, the MSP de Démo-Lille declares
// the indicators of the civil year whose window is open and sends them; the
// CPAM du Nord validates each as declared and, once the year is over,
// closes it; the balance shown
// is funding.MSPSchedule's remuneration for the met indicators minus the
// year's advances, to the cent, and the SISA/FINESS gate is shown exactly
// when Lille lacks one of them (contractlife.MSPGate).
func TestJourneyMSPYearInBrowser(t *testing.T) {
	e := newSerialEnv(t)
	ctx := context.Background()
	today := domain.DateOf(*e.clock)
	admin := e.ctScope("admin@demo.portail-aci.fr")
	var did int64
	if err := pgtest.Owner(t, e.st).QueryRow(ctx, `SELECT c.dossier_id FROM contracts c JOIN organisations o ON o.id = c.structure_id WHERE o.name = $1`,
		seed.MSPLille).Scan(&did); err != nil {
		t.Fatal(err)
	}
	c, err := e.st.ContractByDossier(ctx, admin, did)
	if err != nil {
		t.Fatal(err)
	}
	// The civil year whose declaration window (contractlife.MSPDeclarationWindow)
	// is open today; outside December and January, the clock moves to the
	// next 1 December.
	year := today.Y
	switch today.M {
	case time.January:
		year--
	case time.December:
	default:
		*e.clock = time.Date(today.Y, time.December, 1, 10, 0, 0, 0, time.Local)
		today = domain.DateOf(*e.clock)
	}
	y, err := e.st.ContractYear(ctx, admin, c.ID, year, today)
	if err != nil {
		t.Fatal(err)
	}
	if !y.MSP || y.Closed {
		t.Fatalf("Lille's %d: MSP %v, closed %v", year, y.MSP, y.Closed)
	}
	j := newJourney(t, e)
	yearURL := "/contrats/" + ctItoa(c.ID) + "/annees/" + itoaInt(year)
	vals := map[string]int64{}
	// The MSP declares its indicators (the first not met, the others met)
	// and sends the declaration, when its window is open and it has not
	// yet done so.
	j.as("msp@demo.portail-aci.fr")
	j.nav(yearURL)
	if j.count(`[data-testid=declaration-form]`) == 1 {
		for i, ind := range y.Indicators {
			v := int64(1)
			if i == 0 {
				v = 0
			}
			vals[ind.Code] = v
			j.do("declare "+ind.Code, chromedp.SetValue(chromedp.CSS("#v_"+ind.Code), itoaInt(int(v))))
		}
		j.submit("send", `[data-testid=declaration-form] button[value=soumettre]`)
		if j.count(`[data-testid=declaration-form]`) != 0 {
			t.Fatalf("declaration not sent: %s", j.text(`main`))
		}
	} else {
		for _, ind := range y.Indicators {
			if ind.Declared == nil {
				t.Fatalf("%s: no declaration form and %s not declared: %s", yearURL, ind.Code, j.text(`[data-testid=year-status]`))
			}
			vals[ind.Code] = *ind.Declared
		}
	}
	// The CPAM du Nord validates each value as declared.
	j.as("cpam.nord@demo.portail-aci.fr")
	for _, ind := range y.Indicators {
		j.nav(yearURL)
		j.submit("validate "+ind.Code, `[data-testid=validate-`+ind.Code+`] button[type=submit]`)
		if cell := j.text(`[data-testid=ind-` + ind.Code + `] [data-testid=validated]`); !strings.Contains(cell, "par ") {
			t.Fatalf("%s not validated: %q\n%s", ind.Code, cell, j.text(`main`))
		}
	}
	// The civil year ends: the clock moves to the next 2 January (the
	// session has expired meanwhile: the manager logs in again).
	*e.clock = time.Date(year+1, time.January, 2, 10, 0, 0, 0, time.Local)
	today = domain.DateOf(*e.clock)
	j.who = ""
	j.as("cpam.nord@demo.portail-aci.fr")
	j.nav(yearURL)
	if j.count(`[data-testid=meeting-form]`) == 1 {
		j.do("meeting",
			chromedp.SendKeys(chromedp.CSS("#held_on"), today.French()),
			chromedp.SendKeys(chromedp.CSS("#structure"), "Inès Dubois"),
			chromedp.SendKeys(chromedp.CSS("#cpam"), "CPAM du Nord"),
			chromedp.SendKeys(chromedp.CSS("#ars"), "ARS Hauts-de-France"),
			chromedp.SendKeys(chromedp.CSS("#minutes"), "Bilan de l'année civile "+itoaInt(year)+"."))
		j.submit("meeting", `[data-testid=meeting-form] button[type=submit]`)
		if j.count(`[data-testid=meeting]`) != 1 {
			t.Fatalf("meeting not recorded: %s", j.text(`main`))
		}
	}
	if j.count(`[data-testid=close-form]`) != 1 {
		t.Fatalf("no closing form: %s", j.text(`main`))
	}
	j.submit("close", `[data-testid=close-form] button[type=submit]`)
	if j.count(`[data-testid=year-closed]`) != 1 {
		t.Fatalf("year not closed: %s", j.text(`main`))
	}
	shot(t, j.ctx, "msp-annee-cloturee")

	// Expected: the civil year's table, its parameters, the met indicators
	// (value 1), the contract's patientèle; minus the year's advances.
	tables, err := e.st.MSPIndicatorTables(ctx)
	if err != nil {
		t.Fatal(err)
	}
	table, err := contractlife.MSPBaremeFor(tables, year)
	if err != nil {
		t.Fatal(err)
	}
	params, err := e.st.LoadMSPBaremes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	b, err := funding.MSPBaremeByCode(params, table.Code)
	if err != nil {
		t.Fatal(err)
	}
	met := map[string]bool{}
	for _, ind := range table.Indicators {
		if vals[ind.Code] == 1 {
			met[ind.Code] = true
		}
	}
	my, err := funding.MSPSchedule(funding.MSPYearInput{Bareme: b, Indicators: table.Indicators, Met: met, Patientele: c.RegisteredPatients, Year: year, Contracted: c.Start})
	if err != nil {
		t.Fatal(err)
	}
	due := my.Remuneration
	if end := funding.ContractEnd(c.Start); end.Y == year {
		due = domain.MulDiv(due, int64(domain.NewDate(year, time.January, 1).DaysUntil(end)), my.YearDays)
	}
	ps, err := e.st.ContractPayments(ctx, admin, c.DossierID)
	if err != nil {
		t.Fatal(err)
	}
	var adv domain.Cents
	var solde *store.PaymentRow
	for i, p := range ps {
		switch {
		case p.ContractYear == y.Index && p.Kind == funding.KindAvance && p.Status != store.PaymentAnnule:
			adv += p.Amount
		case p.ContractYear == y.Index && p.Kind == funding.KindSolde:
			solde = &ps[i]
		}
	}
	want := due - adv
	if solde == nil || solde.Amount != want {
		t.Fatalf("stored balance %+v, want %s", solde, domain.FormatEUR(want))
	}
	found := false
	for _, cell := range j.texts(`[data-testid=year-payment-amount]`) {
		found = found || cell == domain.FormatEUR(want)
	}
	if !found {
		t.Fatalf("balance %s not shown: %q", domain.FormatEUR(want), j.texts(`[data-testid=year-payment-amount]`))
	}
	var legal, finess string
	if err := pgtest.Owner(t, e.st).QueryRow(ctx, `SELECT coalesce(legal_form, ''), coalesce(finess, '') FROM organisations WHERE id = $1`, c.StructureID).Scan(&legal, &finess); err != nil {
		t.Fatal(err)
	}
	gate := contractlife.MSPGate(registry.LegalForm(legal) == registry.LegalSISA, strings.TrimSpace(finess) != "")
	switch n := j.count(`[data-testid=msp-gate]`); {
	case gate != "" && (n != 1 || !strings.Contains(j.text(`[data-testid=msp-gate]`), contractlife.MSPBlocked)):
		t.Fatalf("gate %q not shown (%d)", gate, n)
	case gate == "" && n != 0:
		t.Fatalf("gate shown without reason: %s", j.text(`[data-testid=msp-gate]`))
	}
	t.Logf("Lille %d: remuneration %s, advances %s, balance %s; legal form %q, FINESS %q, gate %q", year, domain.FormatEUR(due), domain.FormatEUR(adv),
		domain.FormatEUR(want), legal, finess, gate)
}
