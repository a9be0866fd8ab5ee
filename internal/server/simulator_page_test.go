package server_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/portail-aci/aci/internal/seed"
)

const allMissions = "&mission=acces&mission=parcours&mission=prevention&mission=crise&mission=qualite&mission=accompagnement"

func TestSimulatorCPTS(t *testing.T) {
	e := newEnv(t)
	c := e.loggedIn("coordinateur@demo.portail-aci.fr")
	tests := []struct {
		name, query, total, tier string
	}{
		{"T2 all missions year 1 crisis", "population=45000&annee=1&crise=1&taux=100" + allMissions, "382\u202f500,00\u00a0€", "Taille 2"},
		{"T2 without crisis", "population=45+000&annee=1&taux=100" + allMissions, "330\u202f000,00\u00a0€", "Taille 2"},
		{"T1 socle, year 2, 50 %", "population=39999&annee=2&taux=50&mission=acces&mission=parcours&mission=prevention&mission=crise", "182\u202f500,00\u00a0€", "Taille 1"},
		{"T4 max", "population=175001&annee=1&crise=1" + allMissions, "580\u202f000,00\u00a0€", "Taille 4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := c.get("/simulateur?mode=cpts&" + tt.query)
			if r.StatusCode != http.StatusOK {
				t.Fatalf("status %d\n%s", r.StatusCode, r.body)
			}
			d := r.doc(t)
			if got := strings.TrimSpace(d.Find(`[data-testid="year-total"]`).Text()); got != tt.total {
				t.Errorf("total %q, want %q", got, tt.total)
			}
			if got := d.Find(`[data-testid="tier"]`).Text(); !strings.HasPrefix(got, tt.tier) {
				t.Errorf("tier %q, want %s", got, tt.tier)
			}
			svg := d.Find(`[data-testid="chart-annee"] svg`)
			if svg.Length() != 1 || svg.Find("rect.chart-bar").Length() == 0 {
				t.Errorf("year chart missing")
			}
			if strings.Contains(r.body, "style=") {
				t.Errorf("inline style attribute (CSP)")
			}
			// No signature: no schedule, and the page says why.
			if d.Find(`[data-testid="schedule-empty"]`).Length() != 1 {
				t.Errorf("schedule-empty note missing")
			}
		})
	}
}

func TestSimulatorCPTSSchedule(t *testing.T) {
	e := newEnv(t)
	c := e.loggedIn("referent@demo.portail-aci.fr")
	// docs/rules.md §8 example: signed 01/03/2024, accès (T2) started 01/06/2024
	// → advance 52 500 × 273/365 = 39 267,12 €.
	r := c.get("/simulateur?mode=cpts&population=45000&signature=2024-03-01&mission=acces&debut_acces=01/06/2024")
	if r.StatusCode != http.StatusOK {
		t.Fatalf("status %d\n%s", r.StatusCode, r.body)
	}
	d := r.doc(t)
	if d.Find(`[data-testid="payment"]`).Length() == 0 {
		t.Fatal("no payment")
	}
	if !strings.Contains(d.Find(`[data-testid="schedule"]`).Text(), "39\u202f267,12\u00a0€") {
		t.Errorf("prorated advance missing:\n%s", d.Find(`[data-testid="schedule"]`).Text())
	}
	if !strings.Contains(d.Find(`[data-testid="schedule"]`).Text(), "01/06/2024") {
		t.Errorf("due date not in jj/mm/aaaa")
	}
	if d.Find(`[data-testid="chart-echeancier"] rect.chart-bar`).Length() != 5 {
		t.Errorf("schedule chart: want 5 bars")
	}
	if d.Find(`[data-testid="year-totals"] tbody tr`).Length() != 5 {
		t.Errorf("year totals table: want 5 rows")
	}
	// Early signer (before 30/09/2022, avenant 2): supplement in year 1.
	r = c.get("/simulateur?mode=cpts&population=45000&signature=2022-06-01" + allMissions)
	d = r.doc(t)
	if got := strings.TrimSpace(d.Find(`[data-testid="year-total"]`).Text()); got != "375\u202f000,00\u00a0€" {
		t.Errorf("early signer total %q, want 375 000,00 € (330 000 + 45 000)", got)
	}
	// Signed before avenant 2, year 2 on it: the supplement comes with it;
	// the schedule cannot be computed (its year 1 is before avenant 2).
	r = c.get("/simulateur?mode=cpts&population=45000&signature=2021-06-01&annee=2" + allMissions)
	d = r.doc(t)
	if got := strings.TrimSpace(d.Find(`[data-testid="year-total"]`).Text()); got != "357\u202f500,00\u00a0€" {
		t.Errorf("signed 2021, year 2 total %q, want 357 500,00 € (330 000 − 17 500 + 45 000)", got)
	}
	if d.Find(`[data-testid="payment"]`).Length() != 0 || !strings.Contains(d.Text(), "barème ACI CPTS 2019 non saisi") {
		t.Errorf("schedule of a contract whose year 1 is before avenant 2 not refused:\n%s", d.Find(`[data-testid="result-cpts"]`).Text())
	}
}

// TestSimulatorRefusesBefore2022: a contract year that starts before avenant
// 2 took effect (01/04/2022) is refused next to the signature date, never
// computed from another table (docs/rules.md §4).
func TestSimulatorRefusesBefore2022(t *testing.T) {
	e := newEnv(t)
	c := e.loggedIn("coordinateur@demo.portail-aci.fr")
	for _, tc := range []struct{ query, want string }{
		{"signature=2020-01-15", "Barème ACI CPTS 2019 non saisi : aucun barème en vigueur le 15/01/2020, premier jour de l'année 1 du contrat (le barème Avenant 2 s'applique à partir du 01/04/2022)"},
		{"signature=2022-03-31", "Barème ACI CPTS 2019 non saisi : aucun barème en vigueur le 31/03/2022, premier jour de l'année 1 du contrat"},
		{"signature=2021-03-31&annee=2", "aucun barème en vigueur le 31/03/2022, premier jour de l'année 2 du contrat"},
	} {
		r := c.get("/simulateur?mode=cpts&population=45000&" + tc.query)
		if r.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("%s: status %d, want 422", tc.query, r.StatusCode)
		}
		d := r.doc(t)
		if msg := d.Find("#signature-err").Text(); !strings.Contains(msg, tc.want) {
			t.Errorf("%s: error next to the date %q, want it to contain %q", tc.query, msg, tc.want)
		}
		if d.Find(`[data-testid="result-cpts"]`).Length() != 0 {
			t.Errorf("%s: result shown despite the refusal", tc.query)
		}
	}
	// From 01/04/2022: computed on avenant 2.
	r := c.get("/simulateur?mode=cpts&population=45000&signature=2022-04-01")
	if r.StatusCode != http.StatusOK || r.doc(t).Find(`[data-testid="result-cpts"]`).Length() != 1 {
		t.Errorf("01/04/2022: status %d", r.StatusCode)
	}
}

func TestSimulatorBadInput(t *testing.T) {
	e := newEnv(t)
	c := e.loggedIn("coordinateur@demo.portail-aci.fr")
	tests := []struct {
		name, query, field, msg string
	}{
		{"negative population", "population=-5", "population", "négatif"},
		{"text population", "population=beaucoup", "population", "nombre entier"},
		{"empty population", "population=&calculer=1", "population", "Saisissez un nombre"},
		{"rate above 100", "population=45000&taux=120", "taux", "entre 0 et 100"},
		{"rate negative", "population=45000&taux=-3", "taux", "entre 0 et 100"},
		{"bad date", "population=45000&signature=2024-02-30", "signature", "Date invalide"},
		{"start before signature", "population=45000&signature=2024-03-01&mission=acces&debut_acces=2024-01-01", "debut-acces", "5 années du contrat"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := c.get("/simulateur?mode=cpts&" + tt.query)
			if r.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422", r.StatusCode)
			}
			d := r.doc(t)
			if d.Find(`[data-testid="error-summary"]`).Length() != 1 {
				t.Error("no error summary")
			}
			msg := d.Find("#" + tt.field + "-err").Text()
			if !strings.Contains(msg, tt.msg) {
				t.Errorf("error of %s = %q, want it to contain %q", tt.field, msg, tt.msg)
			}
			if d.Find(`[data-testid="result-cpts"]`).Length() != 0 {
				t.Error("result shown despite the error")
			}
		})
	}
	// Values are kept.
	d := c.get("/simulateur?mode=cpts&population=-5&taux=85,5").doc(t)
	if v, _ := d.Find("#population").Attr("value"); v != "-5" {
		t.Errorf("population kept as %q", v)
	}
	if v, _ := d.Find("#taux").Attr("value"); v != "85,5" {
		t.Errorf("rate kept as %q", v)
	}
}

func TestSimulatorMSP(t *testing.T) {
	e := newEnv(t)
	c := e.loggedIn("msp@demo.portail-aci.fr")
	// 2 000 patients: 1 200 + 1 000 + 1 700 × 2 000/4 000 + 200 = 3 250 points
	// × 7 € = 22 750 €; SAS: only the best level counts.
	q := "/simulateur?mode=msp&patientele=2000&indicateur=horaires_soins_non_programmes&indicateur=fonction_coordination&indicateur=sas_tous_medecins&indicateur=sas_moitie_medecins&contractualisation=2024-07-01"
	r := c.get(q)
	if r.StatusCode != http.StatusOK {
		t.Fatalf("status %d\n%s", r.StatusCode, r.body)
	}
	d := r.doc(t)
	if got := d.Find(`[data-testid="msp-params"]`).Text(); !strings.Contains(got, "1 point = 7,00\u00a0€") || !strings.Contains(got, "rapportée à 4\u202f000 patients (ACI MSP avenant 1 (2022))") {
		t.Errorf("MSP barème parameters %q", got)
	}
	if got := strings.TrimSpace(d.Find(`[data-testid="msp-total"]`).Text()); got != "22\u202f750,00\u00a0€" {
		t.Errorf("MSP total %q, want 22 750,00 €", got)
	}
	if !strings.Contains(d.Find(`[data-testid="msp-table"] tfoot`).Text(), "3\u202f250,00 points") {
		t.Errorf("points: %q", d.Find(`[data-testid="msp-table"] tfoot`).Text())
	}
	sched := d.Find(`[data-testid="msp-schedule"]`).Text()
	if !strings.Contains(sched, "01/10/2024") || !strings.Contains(sched, "30/04/2025") {
		t.Errorf("schedule dates: %q", sched)
	}
	// Prérequis not met → nothing due.
	d = c.get("/simulateur?mode=msp&patientele=2000&indicateur=fonction_coordination").doc(t)
	if got := strings.TrimSpace(d.Find(`[data-testid="msp-total"]`).Text()); got != "0,00\u00a0€" {
		t.Errorf("without prérequis: %q", got)
	}
	if d.Find(`[data-testid="msp-warning"]`).Length() != 1 {
		t.Error("no prérequis warning")
	}
	r = c.get("/simulateur?mode=msp&patientele=-1")
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.doc(t).Find("#patientele-err").Text(), "négatif") {
		t.Errorf("negative patientèle: %d", r.StatusCode)
	}
}

func TestSimulatorESP(t *testing.T) {
	e := newEnv(t)
	c := e.loggedIn("coordinateur@demo.portail-aci.fr")
	d := c.get("/simulateur?mode=esp&patients=300&patientele_mt=2000&coordination=non&calculer=1").doc(t)
	if got := d.Find(`[data-testid="esp-total"]`).Text(); got != "6\u202f000,00\u00a0€" {
		t.Errorf("ESP %q, want 6 000,00 €", got)
	}
	if !strings.Contains(d.Find(`[data-testid="result-esp"]`).Text(), "non en vigueur") {
		t.Error("ESP not labelled as a proposal not in force")
	}
	if got := d.Find(`[data-testid="forfait-loss"]`).Text(); got != "9\u202f695,00\u00a0€" {
		t.Errorf("forfait loss %q, want 9 695,00 €", got)
	}
}

func TestSimulatorEveryDemoAccount(t *testing.T) {
	e := newEnv(t)
	for _, a := range seed.DemoAccounts() {
		c := e.loggedIn(a.Email)
		for _, mode := range []string{"cpts", "msp", "esp"} {
			if r := c.get("/simulateur?mode=" + mode); r.StatusCode != http.StatusOK {
				t.Errorf("%s /simulateur?mode=%s: %d", a.Email, mode, r.StatusCode)
			}
		}
		if r := c.get("/simulateur?population=45000"); r.StatusCode != http.StatusOK {
			t.Errorf("%s simulation: %d", a.Email, r.StatusCode)
		}
	}
	if r := e.client().get("/simulateur"); r.StatusCode != http.StatusSeeOther && r.StatusCode != http.StatusFound {
		t.Errorf("anonymous: %d, want a redirect to login", r.StatusCode)
	}
}

func TestSimulatorStructurePicker(t *testing.T) {
	e := newEnv(t)
	c := e.loggedIn("coordinateur@demo.portail-aci.fr")
	d := c.get("/simulateur").doc(t)
	opts := d.Find("#structure option[value!='']")
	if opts.Length() != 1 || !strings.Contains(opts.Text(), "CPTS du Val de Démo") {
		t.Fatalf("picker options %q, want only CPTS du Val de Démo", opts.Text())
	}
	id, _ := opts.Attr("value")
	// The demo territory: 45 664 inhabitants → tier 2 (seed/territory.go).
	r := c.get("/simulateur?mode=cpts&structure=" + id + "&population=&annee=1&crise=1" + allMissions)
	if r.StatusCode != http.StatusOK {
		t.Fatalf("status %d\n%s", r.StatusCode, r.body)
	}
	d = r.doc(t)
	if v, _ := d.Find("#population").Attr("value"); v != "45664" {
		t.Errorf("population %q, want 45664", v)
	}
	if got := strings.TrimSpace(d.Find(`[data-testid="year-total"]`).Text()); got != "382\u202f500,00\u00a0€" {
		t.Errorf("total %q", got)
	}
	// Another tenant's structure is unknown here (scope): field error, no 500.
	other := e.loggedIn("coordinateur.b@demo.portail-aci.fr")
	r = other.get("/simulateur?mode=cpts&structure=" + id)
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.doc(t).Find("#structure-err").Text(), "introuvable") {
		t.Errorf("other tenant: %d %q", r.StatusCode, r.doc(t).Find("#structure-err").Text())
	}
	if strings.Contains(r.body, "Val de Démo") {
		t.Error("another tenant's structure name leaked")
	}
}
