package store_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/contractlife"
	"github.com/portail-aci/aci/internal/domain/funding"
	"github.com/portail-aci/aci/internal/store"
	"github.com/portail-aci/aci/internal/store/pgtest"
)

// signedContract walks a dossier of who's structure to acceptance and has
// the three parties sign it from day on; it returns the contract.
func signedContract(t *testing.T, st *store.Store, scopes map[string]store.Scope, who string, day domain.Date) store.Contract {
	t.Helper()
	ctx := context.Background()
	id := acceptedDossier(t, st, scopes, who)
	c, err := st.ContractByDossier(ctx, scopes[who], id)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range []string{who, cpamMgr, arsDir} {
		if _, err := sign(st, scopes[s], id, c.DocumentSHA256, day.AddDays(i)); err != nil {
			t.Fatalf("%s signs: %v", s, err)
		}
	}
	c, err = st.ContractByDossier(ctx, scopes[who], id)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// evalIndicators gives the CPTS dossier its indicators: the mandatory ones
// with baselines and targets, and one for prévention (percentages in
// hundredths, docs/rules.md §6).
func evalIndicators(t *testing.T, st *store.Store, dossierID int64) {
	t.Helper()
	rows := []struct {
		code, mission, dir, unit string
		base, target             int64
		weight                   int
	}{
		{"patientele_mt", "acces", "croissant", "pourcentage", 8000, 9000, 2},
		{"sans_mt_ald_70_cmuc", "acces", "decroissant", "pourcentage", 1200, 800, 1},
		{"urgences_sans_hospitalisation", "acces", "decroissant", "pourcentage", 5000, 4000, 1},
		{"admissions_directes_ville", "parcours", "croissant", "pourcentage", 1000, 2000, 1},
		{"consultations_snp", "acces", "croissant", "nombre", 1000, 3000, 1},
		{"depistage", "prevention", "croissant", "nombre", 100, 200, 1},
	}
	for i, r := range rows {
		if _, err := pgtest.Owner(t, st).Exec(context.Background(), `INSERT INTO dossier_indicators (dossier_id, code, mission, label, direction, baseline, targets, weight, unit, mandatory, position)
			VALUES ($1, $2, $3, $2, $4, $5, $6, $7, $8, $9, $10)
			ON CONFLICT (dossier_id, code) DO UPDATE SET baseline = EXCLUDED.baseline, targets = EXCLUDED.targets, weight = EXCLUDED.weight, unit = EXCLUDED.unit, direction = EXCLUDED.direction`,
			dossierID, r.code, r.mission, r.dir, r.base, []int64{r.target}, r.weight, r.unit, i < 5, i); err != nil {
			t.Fatal(err)
		}
	}
}

func yearOf(t *testing.T, st *store.Store, sc store.Scope, c store.Contract, n int, today domain.Date) store.ContractYear {
	t.Helper()
	y, err := st.ContractYear(context.Background(), sc, c.ID, n, today)
	if err != nil {
		t.Fatal(err)
	}
	return y
}

func yearFields(err error) map[string]string {
	out := map[string]string{}
	var walk func(error)
	walk = func(e error) {
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			for _, x := range j.Unwrap() {
				walk(x)
			}
			return
		}
		if de, ok := e.(*domain.Error); ok {
			out[de.Field] = de.Message
		}
	}
	walk(err)
	return out
}

func TestYearEvaluationCPTSFullYear(t *testing.T) {
	ctx := context.Background()
	st, scopes := contractFixture(t)
	c := signedContract(t, st, scopes, coordA, domain.NewDate(2026, time.March, 2))
	evalIndicators(t, st, c.DossierID)
	// The missions started at the signature: their indicators are evaluated.
	startMissions(t, st, scopes[coordA], c, c.Start)
	w, _ := contractlife.DeclarationWindow(c.Start, 1)
	inWindow := w.Open.AddDays(3)
	at := inWindow.Time().Add(9 * time.Hour)

	y := yearOf(t, st, scopes[coordA], c, 1, inWindow)
	if len(y.Indicators) != 6 || y.Status != "" {
		t.Fatalf("indicators %d status %q", len(y.Indicators), y.Status)
	}
	good := map[string]string{"patientele_mt": "85 %", "sans_mt_ald_70_cmuc": "10", "urgences_sans_hospitalisation": "45,5",
		"admissions_directes_ville": "15", "consultations_snp": "2 000", "depistage": "150"}
	declare := func(who string, vals map[string]string, submit bool, today domain.Date) error {
		return st.SaveDeclaration(ctx, scopes[who], store.DeclarationInput{ContractID: c.ID, Year: 1, Values: vals, Submit: submit, Today: today, At: today.Time().Add(9 * time.Hour),
			Comments: map[string]string{"depistage": "campagne d'octobre"}})
	}
	// Outside the window, wrong role, other structure.
	if err := declare(coordA, good, false, w.Open.AddDays(-1)); domain.ErrorCode(err) != domain.EInvalid || !strings.Contains(err.Error(), "pas encore ouverte") {
		t.Fatalf("before the window: %v", err)
	}
	if err := declare(coordA, good, false, w.Close.AddDays(1)); domain.ErrorCode(err) != domain.EInvalid {
		t.Fatalf("after the window: %v", err)
	}
	for _, who := range []string{referen, coordB} {
		if err := declare(who, good, false, inWindow); !domain.IsNotFound(err) {
			t.Fatalf("%s declares: %v", who, err)
		}
	}
	// Bad values: each at its field, nothing saved.
	bad := map[string]string{"patientele_mt": "101", "consultations_snp": "-3", "depistage": "beaucoup", "admissions_directes_ville": "20"}
	err := declare(coordA, bad, false, inWindow)
	f := yearFields(err)
	if f["v_patientele_mt"] == "" || f["v_consultations_snp"] == "" || f["v_depistage"] == "" || f["v_admissions_directes_ville"] != "" {
		t.Fatalf("field errors %v (%v)", f, err)
	}
	if y := yearOf(t, st, scopes[coordA], c, 1, inWindow); y.Status != "" || y.Indicators[3].Declared != nil {
		t.Fatalf("half saved: %+v", y)
	}
	// Submitting an incomplete declaration is refused; a draft is saved.
	if err := declare(coordA, map[string]string{"patientele_mt": "85"}, true, inWindow); yearFields(err)["v_depistage"] == "" {
		t.Fatalf("incomplete submit: %v", err)
	}
	if err := declare(coordA, map[string]string{"patientele_mt": "85"}, false, inWindow); err != nil {
		t.Fatal(err)
	}
	if y := yearOf(t, st, scopes[referen], c, 1, inWindow); y.Status != "brouillon" || y.Indicators[0].Show(y.Indicators[0].Declared) != "85\u00a0%" {
		t.Fatalf("draft %+v", y.Indicators[0])
	}
	// Validation before submission refused.
	if err := st.ValidateValue(ctx, scopes[referen], store.ValidationInput{ContractID: c.ID, Year: 1, Code: "patientele_mt", Version: 1, At: at}); domain.ErrorCode(err) != domain.EConflict {
		t.Fatalf("validate a draft: %v", err)
	}
	if err := declare(coordA, good, true, inWindow); err != nil {
		t.Fatal(err)
	}
	if err := declare(coordA, good, false, inWindow); domain.ErrorCode(err) != domain.EConflict {
		t.Fatalf("edit after submit: %v", err)
	}
	y = yearOf(t, st, scopes[referen], c, 1, inWindow)
	if !y.Submitted() {
		t.Fatal("not submitted")
	}
	// Two referents validating the same value at once: one wins.
	ind := y.Indicators[0]
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, who := range []string{referen, cpamMgr} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = st.ValidateValue(ctx, scopes[who], store.ValidationInput{ContractID: c.ID, Year: 1, Code: ind.Code, Version: ind.Version, At: at})
		}()
	}
	wg.Wait()
	if (errs[0] == nil) == (errs[1] == nil) {
		t.Fatalf("concurrent validations: %v / %v", errs[0], errs[1])
	}
	for _, e := range errs {
		if e != nil && (domain.ErrorCode(e) != domain.EConflict || !strings.Contains(e.Error(), "quelqu'un d'autre")) {
			t.Fatalf("loser: %v", e)
		}
	}
	// A correction needs its reason; both values are kept.
	y = yearOf(t, st, scopes[referen], c, 1, inWindow)
	dep := y.Indicators[5]
	if err := st.ValidateValue(ctx, scopes[referen], store.ValidationInput{ContractID: c.ID, Year: 1, Code: "depistage", Value: "140", Version: dep.Version, At: at}); yearFields(err)["reason"] == "" {
		t.Fatalf("correction without reason: %v", err)
	}
	if err := st.ValidateValue(ctx, scopes[referen], store.ValidationInput{ContractID: c.ID, Year: 1, Code: "depistage", Value: "-1", Reason: "x", Version: dep.Version, At: at}); yearFields(err)["value"] == "" {
		t.Fatalf("negative correction: %v", err)
	}
	if err := st.ValidateValue(ctx, scopes[referen], store.ValidationInput{ContractID: c.ID, Year: 1, Code: "depistage", Value: "140", Reason: "10 dépistages hors territoire", Version: dep.Version, At: at}); err != nil {
		t.Fatal(err)
	}
	// Closing refuses with the list of what is missing.
	after := y.End.AddDays(2)
	err = st.CloseYear(ctx, scopes[referen], c.ID, 1, after, after.Time())
	if domain.ErrorCode(err) != domain.EInvalid || !strings.Contains(err.Error(), "valeur non validée") || !strings.Contains(err.Error(), "aucun dialogue de gestion") {
		t.Fatalf("close with missing: %v", err)
	}
	y = yearOf(t, st, scopes[referen], c, 1, inWindow)
	for _, ind := range y.Indicators {
		if ind.Validated != nil {
			continue
		}
		if err := st.ValidateValue(ctx, scopes[referen], store.ValidationInput{ContractID: c.ID, Year: 1, Code: ind.Code, Version: ind.Version, At: at}); err != nil {
			t.Fatal(err)
		}
	}
	y = yearOf(t, st, scopes[coordA], c, 1, inWindow)
	if dep := y.Indicators[5]; *dep.Declared != 150 || *dep.Validated != 140 || dep.Reason == "" || dep.Comment != "campagne d'octobre" {
		t.Fatalf("correction kept %+v", dep)
	}
	if err := st.CloseYear(ctx, scopes[referen], c.ID, 1, after, after.Time()); err == nil || !strings.Contains(err.Error(), "aucun dialogue de gestion") || strings.Contains(err.Error(), "valeur non validée") {
		t.Fatalf("close without meeting: %v", err)
	}
	// The dialogue de gestion: shared space, then recorded.
	agenda := "Bilan de l'année 1"
	for _, who := range []string{coordA, referen, arsDir} {
		if err := st.PrepareMeeting(ctx, scopes[who], store.MeetingPrep{ContractID: c.ID, Year: 1, Question: "Question de " + who, Agenda: &agenda, At: at}); err != nil {
			t.Fatalf("%s prepares: %v", who, err)
		}
	}
	meeting := store.MeetingInput{ContractID: c.ID, Year: 1, HeldOn: y.End.AddDays(-10), Structure: "Dr A", CPAM: "Mme B", ARS: "M. C", Minutes: "Compte rendu", Today: y.End}
	if err := st.RecordMeeting(ctx, scopes[coordA], meeting); !domain.IsNotFound(err) {
		t.Fatalf("coordinator records: %v", err)
	}
	noARS := meeting
	noARS.ARS = ""
	if err := st.RecordMeeting(ctx, scopes[referen], noARS); yearFields(err)["ars"] == "" {
		t.Fatalf("no ARS participants: %v", err)
	}
	if err := st.RecordMeeting(ctx, scopes[referen], meeting); err != nil {
		t.Fatal(err)
	}
	// Before the anniversary: refused; then closed.
	if err := st.CloseYear(ctx, scopes[referen], c.ID, 1, y.End, y.End.Time()); err == nil || !strings.Contains(err.Error(), "clôture possible à partir du") {
		t.Fatalf("close before the year's end: %v", err)
	}
	if err := st.CloseYear(ctx, scopes[coordA], c.ID, 1, after, after.Time()); !domain.IsNotFound(err) {
		t.Fatalf("coordinator closes: %v", err)
	}
	if err := st.CloseYear(ctx, scopes[referen], c.ID, 1, after, after.Time()); err != nil {
		t.Fatal(err)
	}
	if err := st.CloseYear(ctx, scopes[cpamMgr], c.ID, 1, after, after.Time()); domain.ErrorCode(err) != domain.EConflict {
		t.Fatalf("second closing: %v", err)
	}
	// The balances equal contractlife.YearBalance on the validated values.
	baremes, err := st.LoadBaremes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	bs, _ := contractlife.BaremesByYear(baremes, c.Start)
	tiers, _ := contractlife.TiersByYear(c.Start, c.Tier, nil)
	starts := map[funding.Mission]domain.Date{}
	for _, m := range c.Terms.Missions {
		if m.Code != funding.Crise && m.Code != funding.Fonctionnement {
			starts[m.Code] = c.Start // as declared
		}
	}
	y = yearOf(t, st, scopes[referen], c, 1, after)
	var ms []contractlife.Measure
	for _, ind := range y.Indicators {
		ms = append(ms, contractlife.Measure{Mission: ind.Mission, Direction: ind.Direction, Weight: ind.Weight, Baseline: ind.Baseline, Target: ind.Target,
			Value: contractlife.Value{Unit: ind.Unit, N: *ind.Validated}})
	}
	rates, err := contractlife.MissionRates(ms)
	if err != nil {
		t.Fatal(err)
	}
	ps, err := st.ContractPayments(ctx, scopes[referen], c.DossierID)
	if err != nil {
		t.Fatal(err)
	}
	adv := map[funding.Mission]domain.Cents{}
	for _, p := range ps {
		if p.ContractYear == 1 && p.Kind == funding.KindAvance && p.Status != "annule" {
			adv[p.Mission] += p.Amount
		}
	}
	lc := contractlife.Contract{Signed: c.Start, Terms: contractlife.YearTerms(bs, tiers), Starts: starts}
	want, err := contractlife.YearBalance(contractlife.BalanceInput{Contract: lc, Year: 1, Closed: after, Rates: rates, Advances: adv})
	if err != nil || len(want) == 0 {
		t.Fatalf("want %v %v", want, err)
	}
	got := map[funding.Mission]store.PaymentRow{}
	for _, p := range ps {
		// crise's lines follow its plan, not the evaluation (docs/rules.md §4)
		if p.ContractYear == 1 && p.Kind == funding.KindSolde && p.Status != "annule" && p.Mission != funding.Crise {
			got[p.Mission] = p
		}
	}
	if len(got) != len(want) {
		t.Fatalf("balances %v, want %d", got, len(want))
	}
	for _, l := range want {
		if g := got[l.Mission]; g.Amount != l.Amount || g.Due != after {
			t.Errorf("%s: %s due %s, want %s", l.Mission, domain.FormatEUR(g.Amount), g.Due.French(), domain.FormatEUR(l.Amount))
		}
	}
	// A closed year is read-only.
	if err := st.ValidateValue(ctx, scopes[referen], store.ValidationInput{ContractID: c.ID, Year: 1, Code: "depistage", Version: y.Indicators[5].Version, At: at}); domain.ErrorCode(err) != domain.EConflict {
		t.Fatalf("validate after closing: %v", err)
	}
	if err := st.RecordMeeting(ctx, scopes[referen], meeting); domain.ErrorCode(err) != domain.EConflict {
		t.Fatalf("meeting after closing: %v", err)
	}
	// A correction after closing: the manager, with a motivation; an
	// adjustment payment, the balances untouched.
	corr := store.CorrectionInput{ContractID: c.ID, Year: 1, Values: map[string]string{"depistage": "200"}, Motive: "erreur de saisie de la CPAM", Today: after.AddDays(30)}
	if _, err := st.CorrectClosedYear(ctx, scopes[referen], corr); !domain.IsNotFound(err) {
		t.Fatalf("referent corrects: %v", err)
	}
	noMotive := corr
	noMotive.Motive = ""
	if _, err := st.CorrectClosedYear(ctx, scopes[cpamMgr], noMotive); yearFields(err)["motive"] == "" {
		t.Fatalf("no motive: %v", err)
	}
	rec, err := st.CorrectClosedYear(ctx, scopes[cpamMgr], corr)
	if err != nil {
		t.Fatal(err)
	}
	for i := range ms {
		if ms[i].Mission == funding.Prevention {
			ms[i].Value.N = 200
		}
	}
	rates, _ = contractlife.MissionRates(ms)
	lines, _ := contractlife.YearBalance(contractlife.BalanceInput{Contract: lc, Year: 1, Closed: corr.Today, Rates: rates, Advances: adv})
	var prev []funding.Payment
	for _, p := range got {
		prev = append(prev, funding.Payment{ContractYear: 1, Mission: p.Mission, Kind: p.Kind, Amount: p.Amount})
	}
	wantAdj, _ := contractlife.Adjustments(prev, lines, corr.Today, corr.Motive)
	ps, _ = st.ContractPayments(ctx, scopes[referen], c.DossierID)
	var adjs []store.PaymentRow
	for _, p := range ps {
		if p.Kind == contractlife.KindAjustement {
			adjs = append(adjs, p)
		}
	}
	if len(wantAdj) != 1 || len(adjs) != 1 || adjs[0].Amount != wantAdj[0].Amount || adjs[0].Mission != funding.Prevention || adjs[0].Amount <= 0 {
		t.Fatalf("adjustments %+v, want %+v (record %d)", adjs, wantAdj, rec)
	}
	for _, p := range ps {
		if p.Kind == funding.KindSolde && p.ContractYear == 1 && p.Status != "annule" && p.Mission != funding.Crise && got[p.Mission].Amount != p.Amount {
			t.Fatalf("balance edited: %+v", p)
		}
	}
	if y := yearOf(t, st, scopes[coordA], c, 1, after); !y.Closed || len(y.Corrections) != 1 || *y.Indicators[5].Corrected != 200 {
		t.Fatalf("year after correction %+v", y)
	}
	// Outside the tenant: not found.
	if _, err := st.ContractYear(ctx, scopes[coordB], c.ID, 1, after); !domain.IsNotFound(err) {
		t.Fatalf("other structure: %v", err)
	}
	if _, err := st.ContractYear(ctx, scopes[coordA], c.ID, 6, after); !domain.IsNotFound(err) {
		t.Fatalf("year 6: %v", err)
	}
}

func TestYearEvaluationMSPCivilYearWithGate(t *testing.T) {
	ctx := context.Background()
	st, scopes := contractFixture(t)
	c := signedContract(t, st, scopes, coordM, domain.NewDate(2026, time.March, 2))
	n := c.Start.Y
	w := contractlife.MSPDeclarationWindow(n)
	if _, err := st.ContractYear(ctx, scopes[coordM], c.ID, n-1, w.Open); !domain.IsNotFound(err) {
		t.Fatalf("year before the contract: %v", err)
	}
	y := yearOf(t, st, scopes[coordM], c, n, w.Open)
	if !y.MSP || len(y.Indicators) != 4 || y.BaremeName != "aci-msp-avenant-1" {
		t.Fatalf("MSP year %+v", y)
	}
	vals := map[string]string{"horaires_soins_non_programmes": "1", "fonction_coordination": "1", "sas_tous_medecins": "0", "sas_moitie_medecins": "1"}
	if err := st.SaveDeclaration(ctx, scopes[coordM], store.DeclarationInput{ContractID: c.ID, Year: n, Values: vals, Submit: true, Today: w.Open.AddDays(-1)}); domain.ErrorCode(err) != domain.EInvalid {
		t.Fatalf("before 1 December: %v", err)
	}
	if err := st.SaveDeclaration(ctx, scopes[coordM], store.DeclarationInput{ContractID: c.ID, Year: n, Values: map[string]string{"fonction_coordination": "2"}, Today: w.Open}); yearFields(err)["v_fonction_coordination"] == "" {
		t.Fatalf("bad met value: %v", err)
	}
	if err := st.SaveDeclaration(ctx, scopes[coordM], store.DeclarationInput{ContractID: c.ID, Year: n, Values: vals, Submit: true, Today: w.Close}); err != nil {
		t.Fatal(err)
	}
	jan := domain.NewDate(n+1, time.January, 10)
	y = yearOf(t, st, scopes[cpamMgr], c, n, jan)
	for _, ind := range y.Indicators {
		in := store.ValidationInput{ContractID: c.ID, Year: n, Code: ind.Code, Version: ind.Version, At: jan.Time()}
		if ind.Code == "sas_moitie_medecins" {
			in.Value, in.Reason = "0", "participation au SAS non justifiée"
		}
		if err := st.ValidateValue(ctx, scopes[cpamMgr], in); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.CloseYear(ctx, scopes[cpamMgr], c.ID, n, jan, jan.Time()); err != nil {
		t.Fatal(err)
	}
	// Balance = remuneration of the validated indicators − the year's advances.
	params, _ := st.LoadMSPBaremes(ctx)
	b, _ := funding.MSPBaremeByCode(params, "aci-msp-avenant-1")
	tables, _ := st.MSPIndicatorTables(ctx)
	table, _ := contractlife.MSPBaremeFor(tables, n)
	my, err := funding.MSPSchedule(funding.MSPYearInput{Bareme: b, Indicators: table.Indicators, Patientele: c.RegisteredPatients, Year: n, Contracted: c.Start,
		Met: map[string]bool{"horaires_soins_non_programmes": true, "fonction_coordination": true}})
	if err != nil {
		t.Fatal(err)
	}
	y = yearOf(t, st, scopes[coordM], c, n, jan)
	var adv, bal domain.Cents
	nb := 0
	for _, p := range y.Payments {
		switch {
		case p.Status == "annule":
		case p.Kind == funding.KindAvance:
			adv += p.Amount
		case p.Kind == funding.KindSolde:
			bal += p.Amount
			nb++
			if p.Due != contractlife.MSPBalanceDue(n) {
				t.Errorf("balance due %s", p.Due.French())
			}
		}
	}
	if nb != 1 || bal != my.Remuneration-adv || my.Remuneration == 0 {
		t.Fatalf("MSP balance %s (%d lines), want %s − %s", domain.FormatEUR(bal), nb, domain.FormatEUR(my.Remuneration), domain.FormatEUR(adv))
	}
	// The SISA + FINESS gate is shown.
	if _, err := pgtest.Owner(t, st).Exec(ctx, `UPDATE organisations SET finess = NULL WHERE id = $1`, c.StructureID); err != nil {
		t.Fatal(err)
	}
	if y := yearOf(t, st, scopes[coordM], c, n, jan); y.Gate != contractlife.MSPBlocked || len(y.GateMissing) == 0 {
		t.Fatalf("gate %q %v", y.Gate, y.GateMissing)
	}
	if err := st.CloseYear(ctx, scopes[cpamMgr], c.ID, n, jan, jan.Time()); domain.ErrorCode(err) != domain.EConflict {
		t.Fatalf("second MSP closing: %v", err)
	}
	// A correction after closing: the SAS level was met after all.
	if _, err := st.CorrectClosedYear(ctx, scopes[cpamMgr], store.CorrectionInput{ContractID: c.ID, Year: n, Values: map[string]string{"sas_moitie_medecins": "1"},
		Motive: "justificatif SAS reçu", Today: jan.AddDays(20)}); err != nil {
		t.Fatal(err)
	}
	my2, _ := funding.MSPSchedule(funding.MSPYearInput{Bareme: b, Indicators: table.Indicators, Patientele: c.RegisteredPatients, Year: n, Contracted: c.Start,
		Met: map[string]bool{"horaires_soins_non_programmes": true, "fonction_coordination": true, "sas_moitie_medecins": true}})
	y = yearOf(t, st, scopes[coordM], c, n, jan)
	var adj domain.Cents
	for _, p := range y.Payments {
		if p.Kind == contractlife.KindAjustement {
			adj += p.Amount
		}
	}
	if adj == 0 || adj != my2.Remuneration-my.Remuneration {
		t.Fatalf("MSP adjustment %s, want %s", domain.FormatEUR(adj), domain.FormatEUR(my2.Remuneration-my.Remuneration))
	}
}

// Evidence files are checked by content and bounded; they are read through
// the contract's scope.
func TestYearEvaluationEvidenceFiles(t *testing.T) {
	ctx := context.Background()
	st, scopes := contractFixture(t)
	c := signedContract(t, st, scopes, coordA, domain.NewDate(2026, time.March, 2))
	evalIndicators(t, st, c.DossierID)
	w, _ := contractlife.DeclarationWindow(c.Start, 1)
	in := store.DeclarationInput{ContractID: c.ID, Year: 1, Values: map[string]string{"depistage": "150"}, Today: w.Open,
		Files: map[string][]store.Upload{"depistage": {{Name: "virus.exe", Data: []byte("MZ\x90\x00\x03binary")}}}}
	if err := st.SaveDeclaration(ctx, scopes[coordA], in); yearFields(err)["f_depistage"] == "" {
		t.Fatalf("bad file: %v", err)
	}
	if y := yearOf(t, st, scopes[coordA], c, 1, w.Open); y.Indicators[5].Declared != nil {
		t.Fatal("value saved with a refused file")
	}
	six := make([]store.Upload, 6)
	for i := range six {
		six[i] = store.Upload{Name: "preuve.pdf", Data: pdfBytes("preuve")}
	}
	in.Files["depistage"] = six
	if err := st.SaveDeclaration(ctx, scopes[coordA], in); yearFields(err)["f_depistage"] == "" {
		t.Fatalf("six files: %v", err)
	}
	in.Files["depistage"] = six[:1]
	if err := st.SaveDeclaration(ctx, scopes[coordA], in); err != nil {
		t.Fatal(err)
	}
	y := yearOf(t, st, scopes[referen], c, 1, w.Open)
	files := y.Indicators[5].Files
	if len(files) != 1 {
		t.Fatalf("files %+v", files)
	}
	f, err := st.YearFileDownload(ctx, scopes[referen], c.ID, 1, files[0].ID)
	if err != nil || f.MediaType != "application/pdf" || string(f.Content) != string(pdfBytes("preuve")) {
		t.Fatalf("download %v %q", err, f.MediaType)
	}
	for _, who := range []string{coordB, coordM} {
		if _, err := st.YearFileDownload(ctx, scopes[who], c.ID, 1, files[0].ID); !domain.IsNotFound(err) {
			t.Fatalf("%s downloads: %v", who, err)
		}
	}
}

// The reminders of the yearly evaluation: window opening and closing to the
// structure, submission and readiness to the CPAM; each once.
func TestYearEvaluationReminders(t *testing.T) {
	ctx := context.Background()
	st, scopes := contractFixture(t)
	c := signedContract(t, st, scopes, coordA, domain.NewDate(2026, time.March, 2))
	evalIndicators(t, st, c.DossierID)
	w, _ := contractlife.DeclarationWindow(c.Start, 1)
	titles := func(who string) []string {
		ns, _, err := st.ListNotifications(ctx, scopes[who].UserID, store.Page{Number: 1, Size: 50})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, n := range ns {
			if n.Kind == store.NotifReminder && strings.HasPrefix(n.Link, "/contrats/"+itoa(c.ID)+"/annees/") {
				out = append(out, n.Title)
			}
		}
		return out
	}
	send := func(day domain.Date) {
		if _, err := st.SendYearReminders(ctx, day, "http://portail.test", day.Time().Add(8*time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	// (the demo's own contracts are in this database too — the Côtière's
	// year 1 is declared and its referent told: only the notices linking
	// to this contract are counted, in its parties' lists)
	if send(w.Open.AddDays(-1)); len(titles(coordA)) != 0 {
		t.Fatalf("before the window: %v", titles(coordA))
	}
	if send(w.Open); len(titles(coordA)) != 1 || !strings.Contains(titles(coordA)[0], "ouverte") {
		t.Fatalf("opening: %v", titles(coordA))
	}
	if send(w.Open.AddDays(1)); len(titles(coordA)) != 1 || len(titles(referen)) != 0 {
		t.Fatalf("opening twice: %v, referent %v", titles(coordA), titles(referen))
	}
	if send(w.Close.AddDays(-7)); len(titles(coordA)) != 2 {
		t.Fatalf("a week before closing: %v", titles(coordA))
	}
	vals := map[string]string{"patientele_mt": "85", "sans_mt_ald_70_cmuc": "10", "urgences_sans_hospitalisation": "45", "admissions_directes_ville": "15",
		"consultations_snp": "2000", "depistage": "150"}
	if err := st.SaveDeclaration(ctx, scopes[coordA], store.DeclarationInput{ContractID: c.ID, Year: 1, Values: vals, Submit: true, Today: w.Close.AddDays(-6)}); err != nil {
		t.Fatal(err)
	}
	if send(w.Close.AddDays(-6)); len(titles(referen)) != 1 || !strings.Contains(titles(referen)[0], "transmise") || len(titles(coordA)) != 2 {
		t.Fatalf("submitted: referent %v, coordinator %v", titles(referen), titles(coordA))
	}
	if send(w.Close.AddDays(-5)); len(titles(referen)) != 1 || len(titles(coordA)) != 2 {
		t.Fatalf("submitted twice: %v", titles(referen))
	}
	// Every value validated and the meeting held: after the year's end the
	// CPAM is told the year may be closed.
	y := yearOf(t, st, scopes[referen], c, 1, w.Close)
	for _, ind := range y.Indicators {
		if err := st.ValidateValue(ctx, scopes[referen], store.ValidationInput{ContractID: c.ID, Year: 1, Code: ind.Code, Version: ind.Version, At: w.Close.Time()}); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.RecordMeeting(ctx, scopes[referen], store.MeetingInput{ContractID: c.ID, Year: 1, HeldOn: y.End, Structure: "A", CPAM: "B", ARS: "C", Minutes: "CR", Today: w.Close}); err != nil {
		t.Fatal(err)
	}
	if send(w.Close); len(titles(referen)) != 2 || !strings.Contains(titles(referen)[0]+titles(referen)[1], "peut être clôturée") {
		t.Fatalf("ready to close: %v", titles(referen))
	}
}
