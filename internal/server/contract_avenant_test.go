package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/workflow"
	"github.com/portail-aci/aci/internal/seed"
)

// Avenants on the contract page (docs/rules.md §13 "actif → avenant"): only the
// CPAM manager in scope gets the form; the demo Lille MSP contract is actif
// and its CPAM (Nord) manager is cpam.nord.
func TestContractAvenantOverHTTP(t *testing.T) {
	e := newEnv(t)
	id := e.demoDossierID(seed.MSPLille)
	page := dpath(id, "/contrat")
	ctx := context.Background()
	before, err := e.st.ContractByDossier(ctx, e.ctScope(ctMspCoord), id)
	if err != nil || before.State != workflow.Actif {
		t.Fatalf("demo Lille contract %v %v", before.State, err)
	}
	nord := e.loggedIn(ctCpamNord)

	// Who sees the form.
	for _, tc := range []struct {
		who    string
		status int
		form   bool
	}{
		{ctCpamNord, http.StatusOK, true},
		{ctMspCoord, http.StatusOK, false},
		{"ars.hdf@demo.portail-aci.fr", http.StatusOK, false},
		{"dcgdr.hdf@demo.portail-aci.fr", http.StatusOK, false},
		{"admin@demo.portail-aci.fr", http.StatusOK, false},
		{ctManagerA, http.StatusNotFound, false}, // another CPAM's manager
		{ctValCoord, http.StatusNotFound, false},
	} {
		r := e.loggedIn(tc.who).get(page)
		if r.StatusCode != tc.status {
			t.Fatalf("%s: status %d, want %d", tc.who, r.StatusCode, tc.status)
		}
		if tc.status != http.StatusOK {
			continue
		}
		doc := r.doc(t)
		if got := doc.Find(`[data-testid="avenant-form"]`).Length() == 1; got != tc.form {
			t.Errorf("%s: form %v, want %v", tc.who, got, tc.form)
		}
		if doc.Find(`[data-testid="avenants-empty"]`).Length() != 1 {
			t.Errorf("%s: no empty state", tc.who)
		}
	}

	ok := url.Values{"object": {"Ajout de la mission <script>alert(1)</script> qualité"}, "effective_on": {""}, "seen": {"actif"},
		"version": {strconv.Itoa(before.Version)}}
	// Everyone else is refused: outside the scope 404, in scope without the
	// role refused like the other contract actions (404).
	for _, who := range []string{ctMspCoord, ctManagerA, ctReferentA, ctValCoord, "ars.hdf@demo.portail-aci.fr"} {
		if r := e.loggedIn(who).post(page+"/avenant", ok); r.StatusCode != http.StatusNotFound {
			t.Errorf("%s records an avenant: %d", who, r.StatusCode)
		}
	}
	// Missing object: refused next to the field, typed date kept.
	r := nord.post(page+"/avenant", url.Values{"object": {"  "}, "effective_on": {"15/12/2026"}, "seen": {"actif"}})
	if r.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("missing object: %d", r.StatusCode)
	}
	doc := r.doc(t)
	if doc.Find("#object-error").Length() != 1 || doc.Find(`#avenant_object[aria-describedby="object-error"]`).Length() != 1 {
		t.Fatal("missing object: no error next to the field")
	}
	if v, _ := doc.Find("#avenant_effective_on").Attr("value"); v != "15/12/2026" {
		t.Fatalf("date not kept: %q", v)
	}
	// Too long, bad date: refused next to their field.
	if r := nord.post(page+"/avenant", url.Values{"object": {strings.Repeat("é", 5001)}, "seen": {"actif"}}); r.StatusCode != http.StatusUnprocessableEntity || r.doc(t).Find("#object-error").Length() != 1 {
		t.Fatalf("too long: %d", r.StatusCode)
	}
	if r := nord.post(page+"/avenant", url.Values{"object": {"x"}, "effective_on": {"31/02/2026"}, "seen": {"actif"}}); r.StatusCode != http.StatusUnprocessableEntity || r.doc(t).Find("#effective_on-error").Length() != 1 {
		t.Fatalf("bad date: %d", r.StatusCode)
	}
	// Stale page: conflict.
	if r := nord.post(page+"/avenant", url.Values{"object": {"x"}, "seen": {"a_signer"}}); r.StatusCode != http.StatusConflict {
		t.Fatalf("stale page: %d", r.StatusCode)
	}

	// The manager records it (date defaults to today).
	if r := nord.post(page+"/avenant", ok); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("avenant: %d %s", r.StatusCode, r.body)
	}
	// The same form posted again (double click) is stale: one avenant.
	if r := nord.post(page+"/avenant", ok); r.StatusCode != http.StatusConflict || !strings.Contains(string(r.body), "modifié entre-temps") {
		t.Fatalf("second post of the same form: %d", r.StatusCode)
	}
	after, err := e.st.ContractByDossier(ctx, e.ctScope(ctMspCoord), id)
	if err != nil || after.Version != before.Version+1 || after.State != workflow.Actif {
		t.Fatalf("contract v%d → v%d %s %v", before.Version, after.Version, after.State, err)
	}
	if got, _ := nord.get(page).doc(t).Find(`[data-testid="avenant-form"] input[name="version"]`).Attr("value"); got != strconv.Itoa(after.Version) {
		t.Fatalf("form version %q, want %d", got, after.Version)
	}
	today := domain.DateOf(*e.clock).French()
	for _, who := range []string{ctMspCoord, ctCpamNord, "ars.hdf@demo.portail-aci.fr"} {
		r := e.loggedIn(who).get(page)
		body := string(r.body)
		doc := r.doc(t)
		row := doc.Find(`[data-testid="avenant-1"]`)
		if row.Length() != 1 {
			t.Fatalf("%s: avenant not listed", who)
		}
		if got := row.Find(`[data-testid="avenant-object"]`).Text(); got != ok.Get("object") {
			t.Fatalf("%s: object %q", who, got)
		}
		if strings.Contains(body, "<script>alert(1)</script>") || !strings.Contains(body, "&lt;script&gt;") {
			t.Fatalf("%s: object not escaped", who)
		}
		if got := row.Find(`td`).First().Text(); got != today {
			t.Fatalf("%s: effective date %q, want %s", who, got, today)
		}
		if !strings.Contains(row.Text(), "Nadia Lambert") {
			t.Fatalf("%s: who not shown: %q", who, row.Text())
		}
	}
	// The audit row, and the chain still verifies (aci audit verify).
	hist, err := e.st.DossierHistory(ctx, e.ctScope(ctCpamNord), id)
	if err != nil || len(hist) == 0 {
		t.Fatal(err)
	}
	last := hist[len(hist)-1]
	if last.Transition != workflow.Avenant || last.From != workflow.Actif || last.To != workflow.Actif || last.Motivation != ok.Get("object") {
		t.Fatalf("audit row %+v", last)
	}
	if rep, err := e.st.VerifyAudit(ctx); err != nil || rep.Broken != "" {
		t.Fatalf("audit chain: %v %s", err, rep.Broken)
	}
}
