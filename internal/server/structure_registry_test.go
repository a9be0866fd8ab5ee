package server_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/registry"
	"github.com/portail-aci/aci/internal/seed"
)

func (e *env) regID(name string) string {
	e.t.Helper()
	id, err := e.st.OrganisationIDByName(context.Background(), domain.OrgStructure, name)
	if err != nil {
		e.t.Fatal(err)
	}
	return strconv.FormatInt(id, 10)
}

func TestStructurePageShowsChecklistAndMembers(t *testing.T) {
	e := newEnv(t)
	c := e.loggedIn("coordinateur@demo.portail-aci.fr")
	r := c.get("/structures/" + e.regID(seed.ValDeDemo))
	if r.StatusCode != http.StatusOK {
		t.Fatalf("status %d", r.StatusCode)
	}
	d := r.doc(t)
	checks := d.Find(`[data-testid="check"]`)
	if checks.Length() < 2 {
		t.Fatalf("checks: %d", checks.Length())
	}
	if n := d.Find(`[data-testid="check"][data-ok="false"]`).Length(); n != 0 {
		t.Errorf("%d failing checks on the demo CPTS", n)
	}
	if !strings.Contains(d.Find(`[data-testid="composition"]`).Text(), "Respectée") {
		t.Error("✓ not conveyed in text")
	}
	if got := d.Find(`[data-testid="members-total"]`).Text(); got != "13" {
		t.Errorf("members total %q", got)
	}
	if !strings.Contains(d.Find(`[data-testid="identity"]`).Text(), "Association loi 1901") {
		t.Error("legal form missing")
	}
	if d.Find(`[data-testid="edit-structure"]`).Length() != 1 {
		t.Error("coordinator has no edit link")
	}
	// A reader in scope sees the page without edit links, and cannot edit.
	ref := e.loggedIn("referent@demo.portail-aci.fr")
	r = ref.get("/structures/" + e.regID(seed.ValDeDemo))
	if r.StatusCode != 200 || r.doc(t).Find(`[data-testid="edit-structure"]`).Length() != 0 {
		t.Fatalf("referent: %d", r.StatusCode)
	}
	if r := ref.get("/structures/" + e.regID(seed.ValDeDemo) + "/modifier"); r.StatusCode != http.StatusNotFound {
		t.Errorf("referent edit form: %d", r.StatusCode)
	}
	if r := ref.post("/structures/"+e.regID(seed.ValDeDemo)+"/membres/nouveau", url.Values{"last_name": {"X"}}); r.StatusCode != http.StatusNotFound {
		t.Errorf("referent add member: %d", r.StatusCode)
	}
	// Outside scope: 404 on page, members and writes.
	for _, p := range []string{"", "/membres", "/modifier", "/membres/import"} {
		if r := c.get("/structures/" + e.regID(seed.MSPLille) + p); r.StatusCode != http.StatusNotFound {
			t.Errorf("%s outside scope: %d", p, r.StatusCode)
		}
	}
}

func TestCreateStructureInvalidSIRET(t *testing.T) {
	e := newEnv(t)
	c := e.loggedIn("coordinateur@demo.portail-aci.fr")
	form := url.Values{"type": {"MSP"}, "name": {"MSP du Test"}, "legal_form": {"sisa"}, "siret": {"732 829 320 00075"},
		"departement": {"01"}, "address1": {"3 rue des Lilas"}}
	r := c.post("/structures/nouvelle", form)
	if r.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("status %d", r.StatusCode)
	}
	d := r.doc(t)
	if msg := d.Find(`[data-testid="field-siret"] .error-msg`).Text(); !strings.Contains(msg, "SIRET") {
		t.Errorf("SIRET error %q", msg)
	}
	if d.Find(`[data-testid="error-summary"]`).Length() != 1 {
		t.Error("no error summary")
	}
	if v, _ := d.Find(`input[name="address1"]`).Attr("value"); v != "3 rue des Lilas" {
		t.Errorf("typed value lost: %q", v)
	}
	if _, err := e.st.OrganisationIDByName(context.Background(), domain.OrgStructure, "MSP du Test"); !domain.IsNotFound(err) {
		t.Fatalf("saved: %v", err)
	}
	form.Set("siret", "732 829 320 00074")
	r = c.post("/structures/nouvelle", form)
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("valid create: %d %s", r.StatusCode, r.body)
	}
	// The creator now acts for the new structure and can edit it.
	r = c.get(r.Header.Get("Location"))
	if r.StatusCode != 200 || r.doc(t).Find(`[data-testid="edit-structure"]`).Length() != 1 {
		t.Fatalf("new structure page: %d", r.StatusCode)
	}
	// A CPAM user cannot register.
	if r := e.loggedIn("referent@demo.portail-aci.fr").get("/structures/nouvelle"); r.StatusCode != http.StatusNotFound {
		t.Errorf("referent form: %d", r.StatusCode)
	}
}

func TestEditStructureConflict(t *testing.T) {
	e := newEnv(t)
	id := e.regID(seed.ValDeDemo)
	coord := e.loggedIn("coordinateur@demo.portail-aci.fr")
	admin := e.loggedIn("admin@demo.portail-aci.fr")
	formOf := func(c *client) url.Values {
		d := c.get("/structures/" + id + "/modifier").doc(t)
		v := url.Values{}
		for _, n := range []string{"version", "name", "siret", "finess", "address1", "address2", "postal_code", "commune_code", "created_on"} {
			val, _ := d.Find(`input[name="` + n + `"]`).Attr("value")
			v.Set(n, val)
		}
		v.Set("legal_form", "association")
		v.Set("departement", "01")
		return v
	}
	f1, f2 := formOf(coord), formOf(admin)
	f2.Set("address1", "5 avenue Alsace-Lorraine")
	if r := admin.post("/structures/"+id+"/modifier", f2); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("admin edit: %d", r.StatusCode)
	}
	f1.Set("address1", "Mon adresse tapée")
	r := coord.post("/structures/"+id+"/modifier", f1)
	if r.StatusCode != http.StatusConflict {
		t.Fatalf("stale edit: %d", r.StatusCode)
	}
	d := r.doc(t)
	if msg := d.Find(`[data-testid="conflict"]`).Text(); !strings.Contains(msg, "Alex Admin") || !strings.Contains(msg, "rechargez") {
		t.Errorf("conflict %q", msg)
	}
	if v, _ := d.Find(`input[name="address1"]`).Attr("value"); v != "Mon adresse tapée" {
		t.Errorf("typed value lost: %q", v)
	}
	page := coord.get("/structures/" + id).doc(t).Find(`[data-testid="identity"]`).Text()
	if !strings.Contains(page, "5 avenue Alsace-Lorraine") {
		t.Error("admin's change overwritten")
	}
}

func TestMembersAddRemoveAndImport(t *testing.T) {
	e := newEnv(t)
	id := e.regID(seed.MontsDeDemo)
	c := e.loggedIn("coordinateur.b@demo.portail-aci.fr")
	bad := url.Values{"last_name": {"Nouvelle"}, "first_name": {"Ortho"}, "profession": {"orthophoniste"}, "mode": {"liberal"},
		"rpps": {"12345678901"}, "commune_code": {"69264"}}
	r := c.post("/structures/"+id+"/membres/nouveau", bad)
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.doc(t).Find(`[data-testid="field-rpps"]`).Text(), "RPPS") {
		t.Fatalf("bad RPPS: %d", r.StatusCode)
	}
	bad.Set("rpps", "10005173140")
	if r := c.post("/structures/"+id+"/membres/nouveau", bad); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("add: %d %s", r.StatusCode, r.body)
	}
	d := c.get("/structures/" + id + "/membres").doc(t)
	if n := d.Find(`[data-testid="member-row"]`).Length(); n != 5 {
		t.Fatalf("rows %d", n)
	}
	action, _ := d.Find(`[data-testid="member-row"]:contains("Nouvelle") form`).Attr("action")
	if action == "" {
		t.Fatal("no remove form")
	}
	if r := e.loggedIn("coordinateur@demo.portail-aci.fr").post(action, url.Values{}); r.StatusCode != http.StatusNotFound {
		t.Fatalf("other coordinator removes: %d", r.StatusCode)
	}
	if r := c.post(action, url.Values{}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("remove: %d", r.StatusCode)
	}
	if n := c.get("/structures/" + id + "/membres").doc(t).Find(`[data-testid="member-row"]`).Length(); n != 4 {
		t.Fatalf("rows after remove %d", n)
	}
	// CSV import: one good line, one unknown commune.
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", "membres.csv")
	fw.Write([]byte("\xEF\xBB\xBFnom;prénom;profession;spécialité;mode;rpps;commune\nDurand;Ana;MG;;libéral;;69264\nMartin;Léo;infirmier;;libéral;;69999\n"))
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, e.ts.URL+"/structures/"+id+"/membres/import", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", e.ts.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	r = c.do(req)
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("import: %d %s", r.StatusCode, r.body)
	}
	d = c.get(r.Header.Get("Location")).doc(t)
	if got := d.Find(`[data-testid="accepted"] strong`).Text(); got != "1" {
		t.Errorf("accepted %q", got)
	}
	if got := d.Find(`[data-testid="refused-line"]`).Text(); !strings.Contains(got, "69999") || !strings.Contains(got, "3") {
		t.Errorf("refused %q", got)
	}
}

func TestStructureExportCSV(t *testing.T) {
	e := newEnv(t)
	if r := e.loggedIn("coordinateur@demo.portail-aci.fr").get("/structures/export.csv"); r.StatusCode != http.StatusNotFound {
		t.Fatalf("coordinator export: %d", r.StatusCode)
	}
	// A name that a spreadsheet would run as a formula.
	admin := e.loggedIn("admin@demo.portail-aci.fr")
	if r := admin.post("/structures/nouvelle", url.Values{"type": {"ESP"}, "name": {"=HYPERLINK(\"x\")"}, "departement": {"01"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("create: %d", r.StatusCode)
	}
	r := e.loggedIn("referent@demo.portail-aci.fr").get("/structures/export.csv")
	if r.StatusCode != 200 || !strings.HasPrefix(r.Header.Get("Content-Disposition"), "attachment;") ||
		!strings.HasPrefix(r.body, "\uFEFF") {
		t.Fatalf("export: %d %v", r.StatusCode, r.Header)
	}
	cr := csv.NewReader(strings.NewReader(strings.TrimPrefix(r.body, "\uFEFF")))
	cr.Comma = ';'
	recs, err := cr.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, rec := range recs[1:] {
		names = append(names, rec[1])
	}
	if len(names) != 3 || names[0] != "'=HYPERLINK(\"x\")" || names[1] != seed.CotiereDeDemo || names[2] != seed.ValDeDemo {
		t.Fatalf("referent export names %q", names)
	}
}

// A date that is not one is refused next to its field, with the other
// findings of the same save, and the page shows it as typed.
func TestEditStructureBadDate(t *testing.T) {
	e := newEnv(t)
	id := e.regID(seed.ValDeDemo)
	coord := e.loggedIn("coordinateur@demo.portail-aci.fr")
	d := coord.get("/structures/" + id + "/modifier").doc(t)
	form := url.Values{}
	for _, n := range []string{"version", "name", "siret", "finess", "address1", "address2", "postal_code", "commune_code"} {
		val, _ := d.Find(`input[name="` + n + `"]`).Attr("value")
		form.Set(n, val)
	}
	form.Set("legal_form", "association")
	form.Set("departement", "01")
	form.Set("created_on", "2024-02-30")
	form.Set("postal_code", "12")
	r := coord.post("/structures/"+id+"/modifier", form)
	if r.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("bad date: %d", r.StatusCode)
	}
	page := r.doc(t)
	date := page.Find(`[data-testid="field-created_on"]`)
	if v, _ := date.Find(`input`).Attr("value"); v != "2024-02-30" || !strings.Contains(date.Text(), "Date invalide") {
		t.Errorf("created_on field: value %q, text %q", v, date.Text())
	}
	if !strings.Contains(page.Find(`[data-testid="field-postal_code"]`).Text(), "5 chiffres") {
		t.Error("the postal code's finding is missing next to the date's")
	}
}

// The member file template and the member list export are CSV files with a
// BOM, importable as they are; the export is scoped like the member list.
func TestMemberTemplateAndExport(t *testing.T) {
	e := newEnv(t)
	c := e.loggedIn("coordinateur.b@demo.portail-aci.fr")
	tpl := c.get("/membres/modele.csv")
	if tpl.StatusCode != 200 || !strings.HasPrefix(tpl.body, "\uFEFFNom;Prénom;Profession") ||
		!strings.HasPrefix(tpl.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("template: %d %q", tpl.StatusCode, tpl.body)
	}
	if rep := registry.ParseMembersCSV(strings.NewReader(tpl.body)); !strings.Contains(rep.FileError, "aucun membre") {
		t.Fatalf("template header not accepted by the import: %q", rep.FileError)
	}
	id, err := e.st.OrganisationIDByName(context.Background(), domain.OrgStructure, seed.MontsDeDemo)
	if err != nil {
		t.Fatal(err)
	}
	path := "/structures/" + strconv.FormatInt(id, 10) + "/membres/export.csv"
	if d := c.get("/structures/" + strconv.FormatInt(id, 10) + "/membres").doc(t); d.Find(`[data-testid="export-members"]`).AttrOr("href", "") != path {
		t.Fatal("no export link on the member list")
	}
	r := c.get(path)
	if r.StatusCode != 200 || !strings.HasPrefix(r.body, "\uFEFF") || !strings.HasPrefix(r.Header.Get("Content-Disposition"), "attachment;") {
		t.Fatalf("export: %d %v", r.StatusCode, r.Header)
	}
	if rep := registry.ParseMembersCSV(strings.NewReader(r.body)); rep.FileError != "" || len(rep.Accepted) == 0 {
		t.Fatalf("export not importable: %q, %d lines", rep.FileError, len(rep.Accepted))
	}
	if r := e.loggedIn("referent@demo.portail-aci.fr").get(path); r.StatusCode != http.StatusNotFound {
		t.Fatalf("referent of another département: %d", r.StatusCode)
	}
}
