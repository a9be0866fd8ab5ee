package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/portail-aci/aci/internal/seed"
	"github.com/portail-aci/aci/internal/store/pgtest"
)

// formOf returns the values a browser would send with the form matched by
// sel (inputs, selected options, textareas).
func formOf(d *goquery.Document, sel string) url.Values {
	v := url.Values{}
	f := d.Find(sel).First()
	f.Find("input[name]").Each(func(_ int, s *goquery.Selection) {
		name, _ := s.Attr("name")
		typ, _ := s.Attr("type")
		if (typ == "checkbox" || typ == "radio") && s.AttrOr("checked", "-") == "-" {
			return
		}
		v.Add(name, s.AttrOr("value", ""))
	})
	f.Find("select[name]").Each(func(_ int, s *goquery.Selection) {
		name, _ := s.Attr("name")
		v.Add(name, s.Find("option[selected]").AttrOr("value", ""))
	})
	f.Find("textarea[name]").Each(func(_ int, s *goquery.Selection) {
		name, _ := s.Attr("name")
		v.Add(name, s.Text())
	})
	return v
}

// TestSeatChangeLeaksNothing: Val de Démo (Ain), whose dossier the CPAM de
// l'Ain instructs, moves to the Nord. Its coordinator can no longer move the
// seat through the identity form (the hole: the dossier, its internal notes
// and documents went with the seat to the Nord's CPAM, ARS and DCGDR, and
// the Ain lost them); the request, approved by the CPAM de l'Ain, moves the
// structure, and the tenancy walk run again finds every dossier route of Val
// de Démo still open to the Ain's agencies and closed (404) to the Nord's.
func TestSeatChangeLeaksNothing(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	val := e.structureID(seed.ValDeDemo)
	did := e.demoDossierID(seed.ValDeDemo)
	sbase := "/structures/" + strconv.FormatInt(val, 10)
	referent := e.loggedIn("referent@demo.portail-aci.fr")
	const note = "Note interne de la CPAM sur Val de Démo, à garder"
	if r := referent.post(dpath(did, "/messages"), url.Values{"body": {note}, "internal": {"1"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("internal note: %d", r.StatusCode)
	}

	// The identity form shows the seat read-only and refuses to move it.
	coord := e.loggedIn("coordinateur@demo.portail-aci.fr")
	d := coord.get(sbase + "/modifier").doc(t)
	if d.Find(`input[name=departement][readonly]`).Length() != 1 {
		t.Error("the seat's département is editable on the identity form")
	}
	form := formOf(d, "form.card")
	form.Set("departement", "59")
	form.Set("commune_code", "59350")
	if r := coord.post(sbase+"/modifier", form); r.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("direct move of the seat: status %d, want 422", r.StatusCode)
	}
	var dep string
	if err := pgtest.Owner(t, e.st).QueryRow(ctx, `SELECT departement FROM organisations WHERE id = $1`, val).Scan(&dep); err != nil || dep != "01" {
		t.Fatalf("the seat moved to %s (%v)", dep, err)
	}

	// The request, from the structure page.
	if coord.get(sbase).doc(t).Find(`[data-testid=seat-request-link]`).Length() != 1 {
		t.Error("no request link on the structure page")
	}
	req := formOf(coord.get(sbase+"/siege").doc(t), "form.card")
	if req.Get("idem") == "" {
		t.Error("the request form has no idempotency key")
	}
	req.Set("to_departement", "59")
	req.Set("to_commune", "59350")
	req.Set("reason", "Déménagement du siège à Lille")
	if r := coord.post(sbase+"/siege", req); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("request: %d\n%s", r.StatusCode, r.body)
	}
	var rid int64
	if err := pgtest.Owner(t, e.st).QueryRow(ctx, `SELECT id FROM seat_change_requests WHERE structure_id = $1`, val).Scan(&rid); err != nil {
		t.Fatal(err)
	}
	decide := sbase + "/siege/" + strconv.FormatInt(rid, 10)

	// The Nord's CPAM neither lists nor decides it; the Ain's does.
	nord := e.loggedIn("cpam.nord@demo.portail-aci.fr")
	if n := nord.get("/changements-de-siege").doc(t).Find(`[data-testid=seat-pending]`).Length(); n != 0 {
		t.Errorf("the Nord's CPAM lists %d requests", n)
	}
	if r := nord.post(decide, url.Values{"decision": {"approuver"}}); r.StatusCode != http.StatusNotFound {
		t.Errorf("the Nord's CPAM approves: %d", r.StatusCode)
	}
	if r := coord.post(decide, url.Values{"decision": {"approuver"}}); r.StatusCode != http.StatusNotFound {
		t.Errorf("the coordinator approves: %d", r.StatusCode)
	}
	list := referent.get("/changements-de-siege").doc(t)
	if list.Find(`[data-testid=seat-pending]`).Length() != 1 || list.Find(`[data-testid=seat-approve]`).Length() != 1 {
		t.Fatal("the Ain's CPAM does not see the request")
	}
	if r := referent.post(decide, url.Values{"decision": {"approuver"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("approval: %d\n%s", r.StatusCode, r.body)
	}
	if err := pgtest.Owner(t, e.st).QueryRow(ctx, `SELECT departement FROM organisations WHERE id = $1`, val).Scan(&dep); err != nil || dep != "59" {
		t.Fatalf("after approval the seat is %s (%v)", dep, err)
	}

	// The first CPAM keeps the dossier and its notes; the new one reads none.
	if r := referent.get(dpath(did, "/messages")); r.StatusCode != http.StatusOK || !strings.Contains(r.body, note) {
		t.Errorf("the Ain's CPAM lost its note: %d", r.StatusCode)
	}
	for _, p := range []string{"", "/messages", "/documents", "/contenu"} {
		if r := nord.get(dpath(did, p)); r.StatusCode != http.StatusNotFound {
			t.Errorf("the Nord's CPAM reads %s: %d", dpath(did, p), r.StatusCode)
		}
	}
	if r := nord.get(sbase); r.StatusCode != http.StatusOK || strings.Contains(r.body, dpath(did, "")+`"`) {
		t.Errorf("the Nord's CPAM on the structure page: %d (or the dossier is linked)", r.StatusCode)
	}

	// The walk, again, with the agencies of both regions.
	emails := []string{"cpam.nord@demo.portail-aci.fr", "ars.hdf@demo.portail-aci.fr", "dcgdr.hdf@demo.portail-aci.fr"}
	for _, a := range seed.DemoAccounts() {
		emails = append(emails, a.Email)
	}
	// The Côtière (Ain, bound to the Ain's agencies) does not move: the Ain's
	// agencies and the admin keep it, the Nord's never see it.
	structures := map[string][]string{
		"coordinateur@demo.portail-aci.fr":   {seed.ValDeDemo},
		"coordinateur.b@demo.portail-aci.fr": {seed.MontsDeDemo},
		"msp@demo.portail-aci.fr":            {seed.MSPLille},
		seed.CotiereCoordinator:              {seed.CotiereDeDemo},
		"referent@demo.portail-aci.fr":       {seed.ValDeDemo, seed.CotiereDeDemo},
		"ars@demo.portail-aci.fr":            {seed.MontsDeDemo, seed.ValDeDemo, seed.CotiereDeDemo},
		"dcgdr@demo.portail-aci.fr":          {seed.MontsDeDemo, seed.ValDeDemo, seed.CotiereDeDemo},
		"cpam.nord@demo.portail-aci.fr":      {seed.MSPLille, seed.ValDeDemo},
		"ars.hdf@demo.portail-aci.fr":        {seed.MSPLille, seed.ValDeDemo},
		"dcgdr.hdf@demo.portail-aci.fr":      {seed.MSPLille, seed.ValDeDemo},
		"admin@demo.portail-aci.fr":          {seed.MontsDeDemo, seed.MSPLille, seed.ValDeDemo, seed.CotiereDeDemo},
	}
	dossiers := map[string][]string{
		"coordinateur@demo.portail-aci.fr":   {seed.ValDeDemo},
		"coordinateur.b@demo.portail-aci.fr": {seed.MontsDeDemo},
		"msp@demo.portail-aci.fr":            {seed.MSPLille},
		seed.CotiereCoordinator:              {seed.CotiereDeDemo},
		"referent@demo.portail-aci.fr":       {seed.ValDeDemo, seed.CotiereDeDemo},
		"ars@demo.portail-aci.fr":            {seed.MontsDeDemo, seed.ValDeDemo, seed.CotiereDeDemo},
		"dcgdr@demo.portail-aci.fr":          {seed.MontsDeDemo, seed.ValDeDemo, seed.CotiereDeDemo},
		"cpam.nord@demo.portail-aci.fr":      {seed.MSPLille},
		"ars.hdf@demo.portail-aci.fr":        {seed.MSPLille},
		"dcgdr.hdf@demo.portail-aci.fr":      {seed.MSPLille},
		"admin@demo.portail-aci.fr":          {seed.MontsDeDemo, seed.MSPLille, seed.ValDeDemo, seed.CotiereDeDemo},
	}
	walkTenants(t, e, emails, structures, dossiers)
}

// TestSeatChangeRefusedWithReason: a refusal without a reason is shown again
// with the message next to the field; with one, the structure reads it and
// its seat does not move. The list is not for structure users.
func TestSeatChangeRefusedWithReason(t *testing.T) {
	e := newEnv(t)
	val := e.structureID(seed.ValDeDemo)
	sbase := "/structures/" + strconv.FormatInt(val, 10)
	coord := e.loggedIn("coordinateur@demo.portail-aci.fr")
	if r := coord.get("/changements-de-siege"); r.StatusCode != http.StatusNotFound {
		t.Errorf("the coordinator opens the CPAM's list: %d", r.StatusCode)
	}
	if r := coord.post(sbase+"/siege", url.Values{"to_departement": {"69"}, "reason": {""}}); r.StatusCode != http.StatusUnprocessableEntity ||
		r.doc(t).Find(`[data-testid=field-reason] .error-msg`).Length() != 1 {
		t.Fatalf("request without reason: %d", r.StatusCode)
	}
	if r := coord.post(sbase+"/siege", url.Values{"to_departement": {"69"}, "reason": {"Fusion avec une CPTS voisine"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("request: %d", r.StatusCode)
	}
	var rid int64
	if err := pgtest.Owner(t, e.st).QueryRow(context.Background(), `SELECT id FROM seat_change_requests WHERE structure_id = $1`, val).Scan(&rid); err != nil {
		t.Fatal(err)
	}
	referent := e.loggedIn("referent@demo.portail-aci.fr")
	if referent.get("/").doc(t).Find(`nav a[href="/changements-de-siege"]`).Length() != 1 {
		t.Error("no « Sièges » entry in the CPAM's navigation")
	}
	decide := sbase + "/siege/" + strconv.FormatInt(rid, 10)
	r := referent.post(decide, url.Values{"decision": {"refuser"}, "decision_reason": {"  "}})
	if r.StatusCode != http.StatusUnprocessableEntity || r.doc(t).Find(`[data-testid=seat-pending] .error-msg`).Length() != 1 {
		t.Fatalf("refusal without reason: %d", r.StatusCode)
	}
	if r := referent.post(decide, url.Values{"decision": {"refuser"}, "decision_reason": {"Le siège reste à Bourg-en-Bresse"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("refusal: %d", r.StatusCode)
	}
	page := coord.get(sbase).doc(t)
	if got := page.Find(`[data-testid=seat-state]`).First().Text(); got != "Refusée" || !strings.Contains(page.Text(), "Le siège reste à Bourg-en-Bresse") {
		t.Errorf("the structure page shows %q", got)
	}
	if page.Find(`[data-testid=seat-request-link]`).Length() != 1 {
		t.Error("no request link once the request is refused")
	}
}
