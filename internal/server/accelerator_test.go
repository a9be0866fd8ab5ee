package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/seed"
)

// TestAcceleratorSessionPage: the CPAM referent schedules a session from
// the dossier page, the structure sees it, the referent records the report
// after the session and the structure reads it in its dossier.
func TestAcceleratorSessionPage(t *testing.T) {
	e := newEnv(t)
	val := e.dossierOf(seed.ValDeDemo)
	page := "/dossiers/" + val
	ref := e.loggedIn("referent@demo.portail-aci.fr")
	coord := e.loggedIn("coordinateur@demo.portail-aci.fr")
	if d := coord.get(page).doc(t); d.Find(`[data-testid=accelerator-form]`).Length() != 0 {
		t.Fatal("the structure is offered the schedule form")
	}
	d := ref.get(page).doc(t)
	form := d.Find(`[data-testid=accelerator-form]`)
	if form.Length() != 1 {
		t.Fatal("no schedule form for the referent")
	}
	on := domain.DateOf(*e.clock).AddDays(3).French()
	if r := ref.post(page+"/accelerateur", url.Values{"held_on": {"31/02/2026"}, "duration": {"journee"}, "participants": {"x"}}); r.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("bad date: %d", r.StatusCode)
	}
	r := ref.post(page+"/accelerateur", url.Values{"held_on": {on}, "duration": {"journee"}, "facilitator_id": {"autre"},
		"facilitator_name": {"Agence Régionale Conseil"}, "participants": {"Bureau de la CPTS ; maison de santé de Bourg"}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("schedule: %d %s", r.StatusCode, r.body)
	}
	s := coord.get(page).doc(t).Find(`[data-testid=accelerator-session]`)
	if s.Length() != 1 || !strings.Contains(s.Text(), on) || !strings.Contains(s.Text(), "Agence Régionale Conseil") || !strings.Contains(s.Text(), "1 journée") {
		t.Fatalf("session seen by the structure: %q", s.Text())
	}
	if ref.get(page).doc(t).Find(`[data-testid=accelerator-report-form]`).Length() != 0 {
		t.Fatal("report form before the session")
	}
	*e.clock = e.clock.Add(4 * 24 * time.Hour)
	action := ref.get(page).doc(t).Find(`[data-testid=accelerator-report-form]`).AttrOr("action", "")
	if action == "" {
		t.Fatal("no report form after the session")
	}
	if r := coord.post(action, url.Values{"report": {"x"}}); r.StatusCode != http.StatusNotFound {
		t.Fatalf("the structure records the report: %d", r.StatusCode)
	}
	const report = "Trois axes retenus : accès aux soins, parcours, prévention."
	if r := ref.post(action, url.Values{"report": {report}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("report: %d %s", r.StatusCode, r.body)
	}
	if got := coord.get(page).doc(t).Find(`[data-testid=accelerator-report]`).Text(); !strings.Contains(got, report) {
		t.Fatalf("report in the dossier: %q", got)
	}
}
