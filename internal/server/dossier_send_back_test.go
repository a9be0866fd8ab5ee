package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/portail-aci/aci/internal/seed"
)

// While complement requests are unanswered, the coordinator is not offered
// "Renvoyer le dossier complété" (refused by the workflow) but told how many
// requests remain; once all are answered the button is back.
func TestDossierSendBackHiddenWhileComplementsOpen(t *testing.T) {
	e := newEnv(t)
	val := e.demoDossierID(seed.ValDeDemo)
	ref := e.loggedIn("referent@demo.portail-aci.fr")
	coord := e.loggedIn("coordinateur@demo.portail-aci.fr")
	page := dpath(val, "")

	r := ref.post(dpath(val, "/transitions"), url.Values{"transition": {"demander_complements"}, "seen": {"en_instruction"},
		"motivation": {"Pièces manquantes"}, "complement_target": {"doc:statuts"}, "complement_text": {"Statuts signés"}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("demander_complements: %d\n%s", r.StatusCode, r.body)
	}
	if r := ref.post(dpath(val, "/complements"), url.Values{"complement_target": {"doc:statuts"}, "complement_text": {"Et la liste des membres"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("second complement: %d\n%s", r.StatusCode, r.body)
	}
	sendBack := `form[data-transition="repondre_complements"]`
	check := func(step string, wantButton bool, wantNote string) {
		t.Helper()
		d := coord.get(page).doc(t)
		if got := d.Find(sendBack).Length() == 1; got != wantButton {
			t.Fatalf("%s: send-back button %v, want %v", step, got, wantButton)
		}
		note := strings.TrimSpace(d.Find(`[data-testid="send-back-blocked"]`).Text())
		if note != wantNote {
			t.Fatalf("%s: note %q, want %q", step, note, wantNote)
		}
		if wantNote != "" && d.Find(`[data-testid="no-action"]`).Length() != 0 {
			t.Fatalf("%s: 'no action' note shown next to the blocked note", step)
		}
	}
	check("two open", false, "Répondez aux 2 demandes de complément ci-dessous pour pouvoir renvoyer le dossier.")

	// A POST anyway (stale page, no JS): still refused with the reason,
	// and the page keeps the explanation.
	r = coord.post(dpath(val, "/transitions"), url.Values{"transition": {"repondre_complements"}, "seen": {"complements_demandes"}})
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.body, "demande de complément") {
		t.Fatalf("repondre before answers: %d", r.StatusCode)
	}
	if d := r.doc(t); d.Find(`[data-testid="send-back-blocked"]`).Length() != 1 || d.Find(`[data-testid="error-summary"]`).Length() != 1 {
		t.Fatal("refused send-back: no explanation")
	}

	answer := func() {
		t.Helper()
		d := coord.get(page).doc(t)
		action, ok := d.Find(`[data-testid="complement"][data-open="true"] form`).First().Attr("action")
		if !ok {
			t.Fatal("no open complement form")
		}
		if r := coord.post(action, url.Values{"answer": {"Réponse jointe."}}); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("answer: %d\n%s", r.StatusCode, r.body)
		}
	}
	answer()
	check("one open", false, "Répondez à la demande de complément ci-dessous pour pouvoir renvoyer le dossier.")
	answer()
	check("all answered", true, "")
	// The referent never sees the coordinator's note.
	if ref.get(page).doc(t).Find(`[data-testid="send-back-blocked"]`).Length() != 0 {
		t.Fatal("referent sees the coordinator's note")
	}
	if r := coord.post(dpath(val, "/transitions"), url.Values{"transition": {"repondre_complements"}, "seen": {"complements_demandes"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("repondre: %d\n%s", r.StatusCode, r.body)
	}
}
