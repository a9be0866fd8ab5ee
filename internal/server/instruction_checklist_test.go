package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/portail-aci/aci/internal/seed"
	"github.com/portail-aci/aci/internal/store"
)

// acceptValDocuments has the referent accept every required document of the
// demo Val de Démo dossier (its liste des membres is "à refaire" in the
// demo), so that an avis favorable is possible.
func (e *env) acceptValDocuments() {
	e.t.Helper()
	ctx := context.Background()
	ref := e.ctScope(ctReferentA)
	id := e.demoDossierID(seed.ValDeDemo)
	list, err := e.st.ListDocuments(ctx, ref, id)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, x := range list.Required {
		if x.State == store.DocFourni || x.State == store.DocARefaire {
			if err := e.st.ReviewDocument(ctx, ref, id, store.DocumentReview{DocumentID: x.ID, Version: x.Version,
				State: store.DocAccepte, At: *e.clock}); err != nil {
				e.t.Fatalf("accept %s: %v", x.Code, err)
			}
		}
	}
}

// The CPAM referent sees the instruction checklist (pieces with their state,
// composition, content sections, open requests); an avis favorable is not
// offered, and refused if posted, while a piece is "à refaire", and the page
// says why.
func TestInstructionChecklist(t *testing.T) {
	e := newEnv(t)
	val := e.demoDossierID(seed.ValDeDemo)
	ref := e.loggedIn(ctReferentA)
	page := dpath(val, "")

	d := ref.get(page).doc(t)
	cl := d.Find(`[data-testid="checklist"]`)
	if cl.Length() != 1 {
		t.Fatal("no checklist for the referent")
	}
	if n := cl.Find(`[data-testid="checklist-doc"]`).Length(); n != 4 {
		t.Fatalf("%d pieces listed, want 4 (CPTS)", n)
	}
	liste := cl.Find(`[data-testid="checklist-doc"][data-state="a_refaire"]`)
	if liste.Length() != 1 || !strings.Contains(liste.Text(), "Liste des membres") || !strings.Contains(liste.Text(), "régénérez la liste") {
		t.Fatalf("liste des membres à refaire with its comment: %q", liste.Text())
	}
	if cl.Find(`[data-testid="checklist-composition"]`).Length() == 0 || cl.Find(`[data-testid="checklist-section"]`).Length() != 4 {
		t.Fatalf("composition / sections missing: %q", cl.Text())
	}
	if got := strings.TrimSpace(cl.Find(`[data-testid="checklist-requests"]`).Text()); got != "Aucune demande de complément ouverte." {
		t.Fatalf("requests: %q", got)
	}
	const why = "pièce à refaire : la liste des membres avec leur statut"
	if !strings.Contains(cl.Find(`[data-testid="checklist-verdict"]`).Text(), why) {
		t.Fatalf("verdict: %q", cl.Find(`[data-testid="checklist-verdict"]`).Text())
	}
	if d.Find(`form[data-transition="avis_favorable"]`).Length() != 0 || !strings.Contains(d.Find(`[data-testid="avis-blocked"]`).Text(), why) {
		t.Fatal("avis favorable offered, or not explained, while a piece is à refaire")
	}
	if d.Find(`form[data-transition="avis_defavorable"]`).Length() != 1 {
		t.Fatal("avis défavorable must stay possible")
	}
	// Posted anyway (stale page): refused with the list.
	r := ref.post(dpath(val, "/transitions"), url.Values{"transition": {"avis_favorable"}, "seen": {"en_instruction"}})
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.doc(t).Find(`[data-testid="error-summary"]`).Text(), why) {
		t.Fatalf("avis favorable with a piece à refaire: %d", r.StatusCode)
	}
	// The structure and the ARS do not get the CPAM's checklist.
	for _, who := range []string{ctValCoord, ctArsARA} {
		if e.loggedIn(who).get(page).doc(t).Find(`[data-testid="checklist"]`).Length() != 0 {
			t.Errorf("%s sees the checklist", who)
		}
	}

	e.acceptValDocuments()
	d = ref.get(page).doc(t)
	if d.Find(`[data-testid="avis-blocked"]`).Length() != 0 || d.Find(`form[data-transition="avis_favorable"]`).Length() != 1 {
		t.Fatal("avis favorable not offered once every piece is accepted")
	}
	if r := ref.post(dpath(val, "/transitions"), url.Values{"transition": {"avis_favorable"}, "seen": {"en_instruction"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("avis favorable: %d\n%s", r.StatusCode, r.body)
	}
}
