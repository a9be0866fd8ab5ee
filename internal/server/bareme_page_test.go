package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/portail-aci/aci/internal/seed"
)

func TestBaremesReadableByEveryRole(t *testing.T) {
	e := newEnv(t)
	for _, a := range seed.DemoAccounts() {
		c := e.loggedIn(a.Email)
		r := c.get("/baremes")
		if r.StatusCode != http.StatusOK {
			t.Fatalf("%s: status %d", a.Email, r.StatusCode)
		}
		if strings.Contains(r.body, "style=") {
			t.Errorf("%s: inline style attribute (CSP)", a.Email)
		}
		d := r.doc(t)
		tbl := d.Find(`[data-testid="avenant-2-missions"]`)
		if !strings.Contains(tbl.Text(), "87\u202f500,00\u00a0€") && !strings.Contains(d.Find(`[data-testid="avenant-2-amorcage"]`).Text(), "87\u202f500,00\u00a0€") {
			t.Errorf("%s: 87 500,00 € (T1 amorçage after signature) missing", a.Email)
		}
		if !strings.Contains(tbl.Text(), "382\u202f500,00\u00a0€") || !strings.Contains(tbl.Text(), "580\u202f000,00\u00a0€") {
			t.Errorf("%s: maximum possible line missing", a.Email)
		}
		if d.Find(`[data-testid="msp-row"]`).Length() != 4 {
			t.Errorf("%s: %d MSP rows, want 4", a.Email, d.Find(`[data-testid="msp-row"]`).Length())
		}
		admin := a.Email == "admin@demo.portail-aci.fr"
		if got := d.Find(`[data-testid="msp-form"]`).Length() == 1; got != admin {
			t.Errorf("%s: admin form shown = %v", a.Email, got)
		}
		if got := d.Find(`[data-testid="msp-edit"]`).Length() > 0; got != admin {
			t.Errorf("%s: edit links shown = %v", a.Email, got)
		}
	}
}

// TestBaremesShowParameters: the page shows what each barème holds beyond its
// amounts (tier edges, advance rate, MSP point value, reference patientèle and
// advance rate), and says the 2019 barème is not entered (docs/rules.md §4).
func TestBaremesShowParameters(t *testing.T) {
	e := newEnv(t)
	d := e.loggedIn("coordinateur@demo.portail-aci.fr").get("/baremes").doc(t)
	for sel, want := range map[string]string{
		`[data-testid="bareme-missing"]`:                  "Barème ACI CPTS 2019 non saisi : le tableau par mission de l'ACI CPTS de 2019 n'est pas disponible. Une année de contrat qui commence avant le 01/04/2022 (Avenant 2) est refusée",
		`[data-testid="bareme-avenant-2"] dd`:             "01/04/2022",
		`[data-testid="tiers-avenant-2"]`:                 "taille 1 : moins de 40\u202f000 habitants · taille 2 : de 40\u202f000 à 79\u202f999 · taille 3 : de 80\u202f000 à 175\u202f000 · taille 4 : 175\u202f001 et plus",
		`[data-testid="advance-avenant-2"]`:               "75 % de la part fixe",
		`[data-testid="msp-params-aci-msp-avenant-1"]`:    "1 point = 7,00\u00a0€ ; points variables × patientèle / 4\u202f000 ; avance de 60 %",
		`[data-testid="msp-params-aci-msp-2017"]`:         "ACI MSP 2017 : 1 point = 7,00\u00a0€",
		`[data-testid="bareme-avenant-2"] h2 span.status`: "en vigueur",
		`[data-testid="avenant-2-amorcage"] tbody tr th`:  "Supplément exceptionnel des signataires précoces (Avenant 2)",
	} {
		if got := d.Find(sel).Text(); !strings.Contains(got, want) {
			t.Errorf("%s = %q, want it to contain %q", sel, got, want)
		}
	}
	if d.Find(`[data-testid^="bareme-aci-cpts-2019"]`).Length() != 0 {
		t.Error("an ACI CPTS 2019 barème is shown")
	}
}

func mspID(t *testing.T, e *env, code string) int64 {
	t.Helper()
	rows, err := e.st.LoadMSPIndicators(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if r.Code == code {
			return r.ID
		}
	}
	return 0
}

func TestMSPIndicatorAdminCRUD(t *testing.T) {
	e := newEnv(t)
	admin := e.loggedIn("admin@demo.portail-aci.fr")
	form := url.Values{"bareme": {"aci-msp-avenant-1"}, "code": {"protocoles"}, "label": {"Protocoles pluriprofessionnels"},
		"axis": {"travail_equipe"}, "kind": {"socle"}, "fixed_points": {"100"}, "variable_points": {"200"}}

	r := admin.post("/baremes/msp", form)
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("create: %d\n%s", r.StatusCode, r.body)
	}
	id := mspID(t, e, "protocoles")
	if id == 0 {
		t.Fatal("not created")
	}
	d := admin.get("/baremes").doc(t)
	if !strings.Contains(d.Find(`[data-testid="msp-aci-msp-avenant-1"]`).Text(), "Protocoles pluriprofessionnels") {
		t.Error("created indicator not listed")
	}
	// The simulator offers it.
	if admin.get("/simulateur?mode=msp").doc(t).Find("#i-protocoles").Length() != 1 {
		t.Error("simulator does not offer the new indicator")
	}

	// Duplicate code in the same barème → error next to the code field.
	r = admin.post("/baremes/msp", form)
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.doc(t).Find("#code-err").Text(), "déjà utilisé") {
		t.Errorf("duplicate: %d %q", r.StatusCode, r.doc(t).Find("#code-err").Text())
	}

	// Validation: every bad field gets its own message, values kept.
	bad := url.Values{"bareme": {"aci-msp-avenant-1"}, "code": {"Mauvais Code"}, "label": {""}, "axis": {"autre"}, "kind": {"x"},
		"fixed_points": {"-5"}, "variable_points": {"deux"}}
	r = admin.post("/baremes/msp", bad)
	if r.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("invalid: %d", r.StatusCode)
	}
	d = r.doc(t)
	for _, f := range []string{"code", "label", "axis", "kind", "fixed_points", "variable_points"} {
		if d.Find("#"+f+"-err").Length() != 1 {
			t.Errorf("no error next to %s", f)
		}
	}
	if v, _ := d.Find("#code").Attr("value"); v != "Mauvais Code" {
		t.Errorf("value not kept: %q", v)
	}
	if d.Find(`[data-testid="error-summary"]`).Length() != 1 {
		t.Error("no error summary")
	}

	// Edit.
	path := "/baremes/msp/" + strconv.FormatInt(id, 10)
	if r := admin.get(path); r.StatusCode != http.StatusOK {
		t.Fatalf("edit form: %d", r.StatusCode)
	}
	form.Set("fixed_points", "150")
	if r := admin.post(path, form); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("update: %d\n%s", r.StatusCode, r.body)
	}
	rows, _ := e.st.LoadMSPIndicators(context.Background(), "aci-msp-avenant-1")
	for _, x := range rows {
		if x.ID == id && x.FixedPoints != 150 {
			t.Errorf("after update: %+v", x)
		}
	}
	form.Set("fixed_points", "200000")
	if r := admin.post(path, form); r.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("out of bounds update: %d", r.StatusCode)
	}

	// Others: 404 on every admin route, nothing changes.
	for _, a := range seed.DemoAccounts() {
		if a.Email == "admin@demo.portail-aci.fr" {
			continue
		}
		c := e.loggedIn(a.Email)
		for _, rr := range []resp{
			c.get(path),
			c.post(path, form),
			c.post(path+"/supprimer", url.Values{}),
			c.post("/baremes/msp", url.Values{"bareme": {"aci-msp-avenant-1"}, "code": {"intrus"}, "label": {"x"}, "axis": {"acces"}, "kind": {"socle"}}),
		} {
			if rr.StatusCode != http.StatusNotFound {
				t.Errorf("%s: status %d, want 404", a.Email, rr.StatusCode)
			}
		}
	}
	if mspID(t, e, "intrus") != 0 || mspID(t, e, "protocoles") != id {
		t.Error("a non-admin changed the indicators")
	}

	// Delete.
	if r := admin.post(path+"/supprimer", url.Values{}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("delete: %d", r.StatusCode)
	}
	if mspID(t, e, "protocoles") != 0 {
		t.Error("not deleted")
	}
	if r := admin.get(path); r.StatusCode != http.StatusNotFound {
		t.Errorf("deleted indicator: %d, want 404", r.StatusCode)
	}
}
