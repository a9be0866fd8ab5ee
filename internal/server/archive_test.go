package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/portail-aci/aci/internal/seed"
	"github.com/portail-aci/aci/internal/store/pgtest"
)

// Archiving is refused while a dossier is under way, a contract is in force
// or money remains to recover, and the page says why; an admin can
// un-archive (in the history); an archived structure's dossier stays
// readable by its CPAM and ARS; a user whose only membership is archived is
// told so.
func TestArchiveRulesUnarchiveAndArchivedMembership(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := pgtest.Owner(t, e.st).Exec(ctx, q, args...); err != nil {
			t.Fatal(err)
		}
	}
	mspID := e.structureID(seed.MSPLille)
	base := "/structures/" + strconv.FormatInt(mspID, 10)
	dossier := e.demoDossierID(seed.MSPLille)
	coord := e.loggedIn("msp@demo.portail-aci.fr")
	// Camille (Val's coordinator) also reads the MSP: she keeps an active
	// membership when the MSP is archived.
	exec(`INSERT INTO memberships (user_id, org_id, role) SELECT id, $1, 'member' FROM users WHERE email = $2`, mspID, ctValCoord)

	blocked := func(want string) {
		t.Helper()
		d := coord.get(base).doc(t)
		if got := d.Find(`[data-testid="archive-blocked"]`).Text(); !strings.Contains(got, want) {
			t.Fatalf("archive blockers %q, want %q", got, want)
		}
		if d.Find(`[data-testid="archive"]`).Length() != 0 {
			t.Fatal("archive button offered while blocked")
		}
		// Posted anyway: refused, the structure page says why.
		r := coord.post(base+"/archiver", url.Values{"confirm": {"1"}, "version": {d.Find(`input[name=version]`).AttrOr("value", "")}})
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("archive while blocked: %d", r.StatusCode)
		}
		if got := coord.get(base).body; !strings.Contains(got, want) || strings.Contains(got, `data-testid="archived"`) {
			t.Fatal("refused archive not explained, or archived anyway")
		}
	}
	blocked("le contrat est en vigueur (« Contrat actif »)")
	// A terminated contract whose recovery is not recovered yet blocks it
	// (docs/rules.md §30), until the recovery is recorded.
	exec(`UPDATE contracts SET state = 'resilie', trop_percu_cents = 150000 WHERE dossier_id = $1`, dossier)
	exec(`INSERT INTO payments (contract_id, dossier_id, structure_id, seq, due_on, contract_year, mission, kind, amount_cents, rule)
		SELECT c.id, c.dossier_id, c.structure_id, (SELECT max(seq) + 1 FROM payments WHERE dossier_id = c.dossier_id), current_date, 1, '',
		'recouvrement', -150000, 'Trop-perçu' FROM contracts c WHERE c.dossier_id = $1`, dossier)
	blocked("un trop-perçu de 1\u202f500,00\u00a0€ reste à récupérer")
	exec(`UPDATE payments SET status = 'recouvre', paid_on = current_date WHERE dossier_id = $1 AND kind = 'recouvrement'`, dossier)

	d := coord.get(base).doc(t)
	if d.Find(`[data-testid="archive-blocked"]`).Length() != 0 || d.Find(`[data-testid="archive"]`).Length() != 1 {
		t.Fatal("archive not offered once nothing blocks it")
	}
	version := d.Find(`form[action$="/archiver"] input[name=version]`).AttrOr("value", "")
	if r := coord.post(base+"/archiver", url.Values{"confirm": {"1"}, "version": {version}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("archive: %d", r.StatusCode)
	}

	// The coordinator's only membership is archived: a clear page, then at
	// login the same explanation (not "identifiants incorrects").
	r := coord.get("/")
	if r.StatusCode != http.StatusForbidden || !strings.Contains(r.body, seed.MSPLille) || !strings.Contains(r.body, "archivée") {
		t.Fatalf("archived-only session: %d\n%s", r.StatusCode, r.body)
	}
	r = e.client().post("/login", url.Values{"email": {"msp@demo.portail-aci.fr"}, "password": {seed.DemoPassword}})
	if r.StatusCode != http.StatusForbidden || !strings.Contains(r.body, seed.MSPLille) {
		t.Fatalf("login with only an archived membership: %d", r.StatusCode)
	}

	// A user with another membership: the archived one is shown disabled,
	// and a switch to it says why.
	camille := e.loggedIn(ctValCoord)
	opt := camille.get("/").doc(t).Find(`#org-switch option[value="` + strconv.FormatInt(mspID, 10) + `"]`)
	if _, disabled := opt.Attr("disabled"); !disabled || !strings.Contains(opt.Text(), "archivée") {
		t.Fatalf("switcher option %q", opt.Text())
	}
	r = camille.post("/organisation", url.Values{"org_id": {strconv.FormatInt(mspID, 10)}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("switch to archived: %d", r.StatusCode)
	}
	if got := camille.get("/").doc(t).Find(`[data-testid=flash]`).Text(); !strings.Contains(got, "« "+seed.MSPLille+" » est archivée") {
		t.Fatalf("switch to an archived organisation: flash %q", got)
	}

	// Its CPAM and ARS still read the structure and the dossier's history.
	for _, who := range []string{"cpam.nord@demo.portail-aci.fr", "ars.hdf@demo.portail-aci.fr"} {
		c := e.loggedIn(who)
		if r := c.get(base); r.StatusCode != http.StatusOK || !strings.Contains(r.body, `data-testid="archived"`) {
			t.Errorf("%s: structure page %d", who, r.StatusCode)
		}
		if n := c.get(dpath(dossier, "")).doc(t).Find(`[data-testid="timeline-row"]`).Length(); n == 0 {
			t.Errorf("%s: dossier history not readable", who)
		}
	}

	// Only an admin un-archives, with a confirmation, in the history.
	if e.loggedIn("cpam.nord@demo.portail-aci.fr").get(base).doc(t).Find(`[data-testid="unarchive"]`).Length() != 0 {
		t.Fatal("CPAM offered to un-archive")
	}
	admin := e.loggedIn("admin@demo.portail-aci.fr")
	d = admin.get(base).doc(t)
	version = d.Find(`[data-testid="unarchive-section"] input[name=version]`).AttrOr("value", "")
	if version == "" {
		t.Fatal("no un-archive form for the admin")
	}
	if r := e.loggedIn("cpam.nord@demo.portail-aci.fr").post(base+"/desarchiver", url.Values{"confirm": {"1"}, "version": {version}}); r.StatusCode != http.StatusNotFound {
		t.Fatalf("CPAM un-archives: %d", r.StatusCode)
	}
	if r := admin.post(base+"/desarchiver", url.Values{"confirm": {"1"}, "version": {version}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("un-archive: %d\n%s", r.StatusCode, r.body)
	}
	if !strings.Contains(admin.get(base).body, "Désarchivage de la structure") {
		t.Fatal("un-archiving not in the history")
	}
	e.loggedIn("msp@demo.portail-aci.fr") // can log in again
}
