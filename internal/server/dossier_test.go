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

// demoDossierID returns the id of the demo dossier of a structure.
func (e *env) demoDossierID(structure string) int64 {
	e.t.Helper()
	var id int64
	if err := pgtest.Owner(e.t, e.st).QueryRow(context.Background(), `SELECT d.id FROM dossiers d JOIN organisations o ON o.id = d.structure_id
		WHERE o.name = $1`, structure).Scan(&id); err != nil {
		e.t.Fatalf("dossier of %s: %v", structure, err)
	}
	return id
}

func dpath(id int64, rest string) string { return "/dossiers/" + strconv.FormatInt(id, 10) + rest }

func TestDossierPagesAndTenancy(t *testing.T) {
	e := newEnv(t)
	val := e.demoDossierID(seed.ValDeDemo)
	monts := e.demoDossierID(seed.MontsDeDemo)

	// The coordinator sees their dossier, its state, the tabs and the timeline.
	coord := e.loggedIn("coordinateur@demo.portail-aci.fr")
	r := coord.get("/dossiers")
	if r.StatusCode != http.StatusOK || r.doc(t).Find(`[data-testid="dossier-row"]`).Length() != 1 {
		t.Fatalf("/dossiers: %d\n%s", r.StatusCode, r.body)
	}
	r = coord.get(dpath(val, ""))
	d := r.doc(t)
	if r.StatusCode != http.StatusOK || d.Find(`[data-testid="dossier-state"]`).AttrOr("data-state", "") != "en_instruction" {
		t.Fatalf("show: %d", r.StatusCode)
	}
	if d.Find(`[data-testid="dossier-tabs"] a`).Length() != 5 || d.Find(`[data-testid="timeline-row"]`).Length() < 7 {
		t.Fatalf("tabs/timeline missing")
	}
	if d.Find(`[data-testid="action"]`).Length() != 0 || d.Find(`[data-testid="no-action"]`).Length() != 1 {
		t.Fatalf("coordinator has no action in instruction")
	}

	// Coordinator B: 404 on Val's dossier, for reading and for acting.
	other := e.loggedIn("coordinateur.b@demo.portail-aci.fr")
	if r := other.get(dpath(val, "")); r.StatusCode != http.StatusNotFound {
		t.Fatalf("B reads Val: %d", r.StatusCode)
	}
	if r := other.post(dpath(val, "/transitions"), url.Values{"transition": {"avis_favorable"}, "seen": {"en_instruction"}}); r.StatusCode != http.StatusNotFound {
		t.Fatalf("B acts on Val: %d", r.StatusCode)
	}
	// The CPAM de l'Ain does not see the Monts (Rhône).
	ref := e.loggedIn("referent@demo.portail-aci.fr")
	if r := ref.get(dpath(monts, "")); r.StatusCode != http.StatusNotFound {
		t.Fatalf("referent reads Monts: %d", r.StatusCode)
	}

	// The referent sees Val in the queue, waiting for them, and its actions.
	r = ref.get("/instruction")
	rows := r.doc(t).Find(`[data-testid="queue-row"]`)
	if rows.Length() != 1 || rows.AttrOr("data-your-turn", "") != "true" || !strings.Contains(rows.Text(), seed.ValDeDemo) {
		t.Fatalf("queue: %d rows\n%s", rows.Length(), r.body)
	}
	d = ref.get(dpath(val, "")).doc(t)
	acts := map[string]bool{}
	d.Find(`[data-testid="action"]`).Each(func(_ int, s *goquery.Selection) { acts[s.AttrOr("data-transition", "")] = true })
	for _, want := range []string{"avis_defavorable"} {
		if !acts[want] {
			t.Errorf("referent action %s missing (%v)", want, acts)
		}
	}
	if d.Find(`form[data-testid="add-complement"]`).Length() != 1 || d.Find(`[data-testid="avis-blocked"]`).Length() != 1 {
		t.Error("referent: no complement form, or the avis favorable is not explained")
	}

	// The ARS sees the Monts' réputé validé clock (filed 40 days ago).
	ars := e.loggedIn("ars@demo.portail-aci.fr")
	r = ars.get("/instruction?etat=projet_sante_depose")
	dl := r.doc(t).Find(`[data-testid="queue-deadline"]`)
	if dl.Length() != 1 || !strings.Contains(dl.Text(), "dans 2") && !strings.Contains(dl.Text(), "dans 1") {
		t.Fatalf("ARS deadline %q", dl.Text())
	}
	// Home: the referent is told Val waits for them.
	if r := ref.get("/"); !strings.Contains(r.body, seed.ValDeDemo) {
		t.Fatalf("home of the referent does not list Val")
	}
}

func TestComplementsRoundTripOverHTTP(t *testing.T) {
	e := newEnv(t)
	val := e.demoDossierID(seed.ValDeDemo)
	ref := e.loggedIn("referent@demo.portail-aci.fr")
	coord := e.loggedIn("coordinateur@demo.portail-aci.fr")

	// Missing motivation: 422 with the list, nothing changed.
	r := ref.post(dpath(val, "/transitions"), url.Values{"transition": {"demander_complements"}, "seen": {"en_instruction"},
		"complement_target": {"doc:statuts"}, "complement_text": {"Statuts signés"}})
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.doc(t).Find(`[data-testid="error-summary"]`).Text(), "motivation") {
		t.Fatalf("missing motivation: %d", r.StatusCode)
	}
	// HTML in the motivation is shown as text.
	evil := `<b id="pwn">gras</b><script>alert(1)</script>`
	r = ref.post(dpath(val, "/transitions"), url.Values{"transition": {"demander_complements"}, "seen": {"en_instruction"},
		"motivation": {evil}, "complement_target": {"doc:statuts"}, "complement_text": {"Statuts signés <i>svp</i>"}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("demander_complements: %d\n%s", r.StatusCode, r.body)
	}
	// Double submission from a stale page: conflict, one transition only.
	r = ref.post(dpath(val, "/transitions"), url.Values{"transition": {"demander_complements"}, "seen": {"en_instruction"},
		"motivation": {"encore"}, "complement_target": {"doc:statuts"}, "complement_text": {"x"}})
	if r.StatusCode != http.StatusConflict {
		t.Fatalf("stale: %d", r.StatusCode)
	}
	r = coord.get(dpath(val, ""))
	d := r.doc(t)
	if d.Find("#pwn").Length() != 0 || d.Find("script:contains('alert')").Length() != 0 || !strings.Contains(r.body, "&lt;b id=") {
		t.Fatalf("motivation not escaped")
	}
	if got := d.Find(`[data-testid="dossier-state"]`).AttrOr("data-state", ""); got != "complements_demandes" {
		t.Fatalf("state %s", got)
	}
	c := d.Find(`[data-testid="complement"][data-open="true"]`)
	if c.Length() != 1 {
		t.Fatalf("open complements %d", c.Length())
	}
	action, _ := c.Find("form").Attr("action")
	// Sending back before answering: refused with the reason.
	r = coord.post(dpath(val, "/transitions"), url.Values{"transition": {"repondre_complements"}, "seen": {"complements_demandes"}})
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.body, "demande de complément") {
		t.Fatalf("repondre before answer: %d", r.StatusCode)
	}
	// Coordinator B cannot answer.
	if r := e.loggedIn("coordinateur.b@demo.portail-aci.fr").post(action, url.Values{"answer": {"x"}}); r.StatusCode != http.StatusNotFound {
		t.Fatalf("B answers: %d", r.StatusCode)
	}
	if r := coord.post(action, url.Values{"answer": {"Statuts joints."}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("answer: %d\n%s", r.StatusCode, r.body)
	}
	if r := coord.post(dpath(val, "/transitions"), url.Values{"transition": {"repondre_complements"}, "seen": {"complements_demandes"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("repondre: %d\n%s", r.StatusCode, r.body)
	}
	d = ref.get(dpath(val, "")).doc(t)
	if got := d.Find(`[data-testid="dossier-state"]`).AttrOr("data-state", ""); got != "en_instruction" {
		t.Fatalf("state after answer %s", got)
	}
	if d.Find(`[data-testid="complement-answer"]`).Text() != "Statuts joints." {
		t.Fatalf("answer not shown")
	}
}

func TestDossierListForStructureWithoutDossier(t *testing.T) {
	e := newEnv(t)
	// Coordinator of the Val: the demo dossier exists; an admin list shows all four.
	adm := e.loggedIn("admin@demo.portail-aci.fr")
	if n := adm.get("/dossiers").doc(t).Find(`[data-testid="dossier-row"]`).Length(); n != 4 {
		t.Fatalf("admin sees %d dossiers", n)
	}
	// Lille's and the Côtière's (their contracts are signed).
	if n := adm.get("/dossiers?etat=acceptee").doc(t).Find(`[data-testid="dossier-row"]`).Length(); n != 2 {
		t.Fatalf("admin filter acceptee: %d", n)
	}
	// The MSP's coordinator sees the accepted dossier and the appointment block.
	msp := e.loggedIn("msp@demo.portail-aci.fr")
	id := e.demoDossierID(seed.MSPLille)
	d := msp.get(dpath(id, "")).doc(t)
	if d.Find(`[data-testid="joint-review"] [data-testid="position"]`).Length() != 2 {
		t.Fatalf("joint review panel")
	}
	// The CPAM du Nord sets the signature appointment.
	cpam := e.loggedIn("cpam.nord@demo.portail-aci.fr")
	at := (*e.clock).AddDate(0, 0, 10)
	r := cpam.get(dpath(id, ""))
	form := r.doc(t).Find(`[data-testid="appointment-form"]`)
	if form.Length() != 1 {
		t.Fatalf("appointment form missing for the CPAM")
	}
	version := form.Find(`input[name="version"]`).AttrOr("value", "")
	r = cpam.post(dpath(id, "/rendez-vous"), url.Values{"version": {version}, "signature_at": {at.Format("2006-01-02") + "T14:30"},
		"signature_place": {"CPAM du Nord, 2 rue d'Iéna, Lille"}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("appointment: %d\n%s", r.StatusCode, r.body)
	}
	if v := msp.get(dpath(id, "")).doc(t).Find(`[data-testid="appointment-value"]`).Text(); !strings.Contains(v, "14:30") || !strings.Contains(v, "Iéna") {
		t.Fatalf("appointment shown %q", v)
	}
	// Stale version: conflict.
	r = cpam.post(dpath(id, "/rendez-vous"), url.Values{"version": {version}, "signature_at": {at.Format("2006-01-02") + "T15:30"},
		"signature_place": {"ailleurs"}})
	if r.StatusCode != http.StatusConflict {
		t.Fatalf("stale appointment: %d", r.StatusCode)
	}
}
