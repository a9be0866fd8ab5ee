package server_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/portail-aci/aci/internal/seed"
	"github.com/portail-aci/aci/internal/store/pgtest"
)

// The CPAM's and ARS's dossier lists show the contract's real state, not
// "acceptée"; the structure page shows its dossier and contract from the
// workflow, with links, and no hand-typed workflow dates.
func TestDossierListsShowContractState(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	msp := e.demoDossierID(seed.MSPLille)
	row := func(c *client) (state, label, next string) {
		t.Helper()
		d := c.get("/dossiers").doc(t)
		var out [3]string
		d.Find(`[data-testid="dossier-row"]`).Each(func(_ int, s *goquery.Selection) {
			if strings.Contains(s.Text(), seed.MSPLille) {
				out[0], _ = s.Attr("data-state")
				out[1] = strings.TrimSpace(s.Find(".status").First().Text())
				out[2] = s.Text()
			}
		})
		return out[0], out[1], out[2]
	}
	cpam, ars := e.loggedIn("cpam.nord@demo.portail-aci.fr"), e.loggedIn("ars.hdf@demo.portail-aci.fr")
	for _, c := range []struct{ db, code, label string }{
		{"a_signer", "a_signer", "Contrat à signer"},
		{"actif", "actif", "Contrat actif"},
		{"resiliation_demandee", "resiliation_demandee", "Résiliation demandée"},
		{"resilie", "resilie", "Contrat résilié"},
		{"echu", "echu", "Contrat échu"},
	} {
		if _, err := pgtest.Owner(t, e.st).Exec(ctx, `UPDATE contracts SET state = $2,
			start_date = CASE WHEN $2 = 'a_signer' THEN NULL ELSE current_date - 30 END,
			end_date = CASE WHEN $2 = 'a_signer' THEN NULL ELSE current_date + 1795 END WHERE dossier_id = $1`, msp, c.db); err != nil {
			t.Fatal(err)
		}
		for who, cl := range map[string]*client{"cpam": cpam, "ars": ars} {
			st, label, text := row(cl)
			if st != c.code || label != c.label {
				t.Errorf("%s, contract %s: row shows %q %q", who, c.db, st, label)
			}
			if c.db != "a_signer" && strings.Contains(text, "contrat est à signer") {
				t.Errorf("%s, contract %s: next step still says the contract is to sign", who, c.db)
			}
		}
	}

	// The structure page: dossier and contract states, with links.
	if _, err := pgtest.Owner(t, e.st).Exec(ctx, `UPDATE contracts SET state = 'actif', start_date = current_date - 30, end_date = current_date + 1795
		WHERE dossier_id = $1`, msp); err != nil {
		t.Fatal(err)
	}
	sid := strconv.FormatInt(e.structureID(seed.MSPLille), 10)
	d := e.loggedIn("msp@demo.portail-aci.fr").get("/structures/" + sid).doc(t)
	dl := d.Find(`[data-testid="structure-dossier"] a`)
	cl := d.Find(`[data-testid="structure-contract"] a`)
	if dl.AttrOr("href", "") != dpath(msp, "") || !strings.Contains(dl.Text(), "Acceptée") ||
		cl.AttrOr("href", "") != dpath(msp, "/contrat") || !strings.Contains(cl.Text(), "Contrat actif") {
		t.Fatalf("structure page workflow: %q", d.Find(`[data-testid="structure-workflow"]`).Text())
	}
	if strings.Contains(d.Find(`[data-testid="identity"]`).Text(), "Validation ARS") {
		t.Fatal("hand-typed ARS validation date still shown")
	}
	form := e.loggedIn("msp@demo.portail-aci.fr").get("/structures/" + sid + "/modifier")
	if form.StatusCode != http.StatusOK || strings.Contains(form.body, "ars_validated_on") || strings.Contains(form.body, "aci_signed_on") {
		t.Fatalf("structure form still has the hand-typed dates (%d)", form.StatusCode)
	}
	// A structure without dossier says so.
	val := strconv.FormatInt(e.structureID(seed.ValDeDemo), 10)
	if e.loggedIn(ctValCoord).get("/structures/"+val).doc(t).Find(`[data-testid="structure-dossier"] a`).Length() != 1 {
		t.Fatal("Val's dossier not linked from its structure page")
	}
}

// One label per tier everywhere: « de 40 000 à 79 999 habitants ».
func TestOneTierLabelEverywhere(t *testing.T) {
	e := newEnv(t)
	c := e.loggedIn("admin@demo.portail-aci.fr")
	for _, path := range []string{"/baremes", "/structures", "/simulateur?population=45000&annee=1&taux=100"} {
		r := c.get(path)
		if r.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d", path, r.StatusCode)
		}
		if !strings.Contains(r.body, "de 40 000 à 79 999 habitants") {
			t.Errorf("%s: no « de 40 000 à 79 999 habitants »", path)
		}
		for _, bad := range []string{"40 000 à 80 000", "40 000 – 80 000", "(40 000 inclus)"} {
			if strings.Contains(r.body, bad) {
				t.Errorf("%s: another wording of tier 2: %q", path, bad)
			}
		}
	}
}

// When an MSP's estimate and its contract differ, the content page says why.
func TestMSPEstimateSaysWhyContractDiffers(t *testing.T) {
	e := newEnv(t)
	msp := e.demoDossierID(seed.MSPLille)
	if _, err := pgtest.Owner(t, e.st).Exec(context.Background(), `UPDATE dossier_content SET patientele = NULL WHERE dossier_id = $1`, msp); err != nil {
		t.Fatal(err)
	}
	d := e.loggedIn("msp@demo.portail-aci.fr").get(dpath(msp, "/contenu")).doc(t)
	diff := d.Find(`[data-testid="estimate-contract-diff"]`)
	if diff.Length() != 1 || !strings.Contains(diff.Text(), "aucune patientèle n'est déclarée") ||
		diff.Find(`a`).AttrOr("href", "") != dpath(msp, "/contrat") {
		t.Fatalf("estimate vs contract: %q", d.Find(`[data-testid="estimate"]`).Text())
	}
}
