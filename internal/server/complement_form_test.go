package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/portail-aci/aci/internal/seed"
	"github.com/portail-aci/aci/internal/store/pgtest"
)

// One way to ask for complements: the CPAM has one form (no second
// "Demander des compléments" button), attached to a field or a piece; every
// request it files can be answered by the structure.
func TestOneComplementFormAlwaysAnswerable(t *testing.T) {
	e := newEnv(t)
	val := e.demoDossierID(seed.ValDeDemo)
	ref := e.loggedIn(ctReferentA)
	coord := e.loggedIn(ctValCoord)
	page := dpath(val, "")

	d := ref.get(page).doc(t)
	if n := d.Find(`form[data-transition="demander_complements"]`).Length(); n != 0 {
		t.Fatalf("%d separate 'Demander des compléments' forms", n)
	}
	form := d.Find(`form[data-testid="add-complement"]`)
	if form.Length() != 1 || form.Find(`select[name=complement_target] option[value="doc:liste_membres"]`).Length() != 1 {
		t.Fatal("no single complement form with its targets")
	}
	action, _ := form.Attr("action")
	// Target and text required, errors next to the fields.
	r := ref.post(action, url.Values{"complement_target": {""}, "complement_text": {"x"}})
	if r.StatusCode != http.StatusUnprocessableEntity || r.doc(t).Find(`#nc-target-err`).Length() != 1 {
		t.Fatalf("no target: %d", r.StatusCode)
	}
	if r := ref.post(action, url.Values{"complement_target": {"doc:liste_membres"}, "complement_text": {"Régénérez la liste après correction du registre."}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("first request: %d\n%s", r.StatusCode, r.body)
	}
	if st := e.dossierState(val); st != "complements_demandes" {
		t.Fatalf("after the first request the dossier is %s", st)
	}
	if r := ref.post(action, url.Values{"complement_target": {"membres"}, "complement_text": {"Le mode d'exercice de deux membres."}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("second request: %d\n%s", r.StatusCode, r.body)
	}
	cd := coord.get(page).doc(t)
	open := cd.Find(`[data-testid="complement"][data-open="true"]`)
	if open.Length() != 2 || open.Find(`form textarea[name=answer]`).Length() != 2 {
		t.Fatalf("coordinator: %d open requests, %d answer forms", open.Length(), open.Find(`form`).Length())
	}
	// The history says what was asked.
	if !strings.Contains(cd.Find(`[data-testid="timeline"]`).Text(), "Régénérez la liste") {
		t.Fatal("request not in the history")
	}
}

// A request left open while the dossier is in instruction (filed by an
// earlier version of the portal) is answerable too.
func TestOpenRequestInInstructionAnswerable(t *testing.T) {
	e := newEnv(t)
	val := e.demoDossierID(seed.ValDeDemo)
	if _, err := pgtest.Owner(t, e.st).Exec(context.Background(), `INSERT INTO dossier_complements (dossier_id, target, request, requested_at)
		VALUES ($1, 'autre', 'Le budget prévisionnel', now())`, val); err != nil {
		t.Fatal(err)
	}
	coord := e.loggedIn(ctValCoord)
	action, ok := coord.get(dpath(val, "")).doc(t).Find(`[data-testid="complement"][data-open="true"] form`).Attr("action")
	if !ok {
		t.Fatal("open request without an answer form")
	}
	if r := coord.post(action, url.Values{"answer": {"Budget joint."}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("answer: %d\n%s", r.StatusCode, r.body)
	}
}

func (e *env) dossierState(id int64) string {
	e.t.Helper()
	d, err := e.st.Dossier(context.Background(), e.ctScope("admin@demo.portail-aci.fr"), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return string(d.State)
}
