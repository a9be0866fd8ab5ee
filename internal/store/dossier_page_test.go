package store_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/portail-aci/aci/internal/domain/workflow"
	"github.com/portail-aci/aci/internal/store/pgtest"
)

// The dossier page's one batch reads what the separate reads return, for
// the structure and for the referent (with the checklist, in its snapshot),
// and each read keeps its scope: another structure's coordinator gets
// nothing from it.
func TestDossierPageOfMatchesItsReads(t *testing.T) {
	ctx := context.Background()
	st, scopes := fixture(t)
	id := freshDossier(t, st, scopes[coordA])
	at := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	for i, s := range []step{
		{coordA, workflow.DeposerLettreIntention, "", "", workflow.LettreIntentionDeposee, nil},
		{arsDir, workflow.ValiderLettreIntention, "", "", workflow.LettreIntentionValidee, nil},
		{coordA, workflow.DeposerProjetSante, "", "", workflow.ProjetSanteDepose, nil},
		{arsDir, workflow.ValiderProjetSante, "", "", workflow.ProjetSanteValide, nil},
		{coordA, workflow.DeposerDemande, "", "", workflow.DemandeDeposee, nil},
		{referen, workflow.PrendreEnInstruction, "", "", workflow.EnInstruction, nil},
	} {
		if _, err := apply(t, st, scopes, id, s, at.Add(time.Duration(i)*time.Hour)); err != nil {
			t.Fatalf("%s: %v", s.tr, err)
		}
	}
	if _, err := pgtest.Owner(t, st).Exec(ctx, `INSERT INTO dossier_complements (dossier_id, target, request, requested_at)
		VALUES ($1, 'autre', 'Le budget prévisionnel', now())`, id); err != nil {
		t.Fatal(err)
	}
	for _, who := range []string{coordA, referen} {
		sc := scopes[who]
		d, err := st.Dossier(ctx, sc, id)
		if err != nil {
			t.Fatal(err)
		}
		page, err := st.DossierPageOf(ctx, sc, d, who == referen)
		if err != nil {
			t.Fatal(err)
		}
		hist, err := st.DossierHistory(ctx, sc, id)
		if err != nil {
			t.Fatal(err)
		}
		comps, err := st.ListComplementRequests(ctx, sc, id)
		if err != nil {
			t.Fatal(err)
		}
		pays, err := st.DossierPayments(ctx, sc, id)
		if err != nil {
			t.Fatal(err)
		}
		if len(hist) < 6 || !reflect.DeepEqual(page.History, hist) {
			t.Errorf("%s: history %d rows, the page's %d", who, len(hist), len(page.History))
		}
		if len(comps) != 1 || !reflect.DeepEqual(page.Complements, comps) {
			t.Errorf("%s: complements %v, the page's %v", who, comps, page.Complements)
		}
		if !reflect.DeepEqual(page.Payments, pays) {
			t.Errorf("%s: payments %v, the page's %v", who, pays, page.Payments)
		}
		if who == coordA {
			if page.Checklist != nil {
				t.Errorf("checklist read for the coordinator")
			}
			// The same dossier through another structure's scope: nothing.
			other, err := st.DossierPageOf(ctx, scopes[coordB], d, false)
			if err != nil {
				t.Fatal(err)
			}
			if len(other.History)+len(other.Complements)+len(other.Payments) != 0 {
				t.Errorf("another structure's coordinator read the page: %+v", other)
			}
			continue
		}
		c, err := st.DossierChecklist(ctx, sc, id)
		if err != nil {
			t.Fatal(err)
		}
		if page.Checklist == nil || !reflect.DeepEqual(*page.Checklist, c) || c.OpenRequests != 1 {
			t.Errorf("checklist %+v, the page's %+v", c, page.Checklist)
		}
	}
	// The snapshot the batch opens is ended: its connection goes back to
	// the pool and is reused (a connection left in a transaction would be
	// closed and a new one opened).
	d, err := st.Dossier(ctx, scopes[referen], id)
	if err != nil {
		t.Fatal(err)
	}
	n0 := st.Pool.Stat().NewConnsCount()
	for range 3 {
		if _, err := st.DossierPageOf(ctx, scopes[referen], d, true); err != nil {
			t.Fatal(err)
		}
	}
	if n := st.Pool.Stat().NewConnsCount() - n0; n != 0 {
		t.Errorf("%d connections opened by three page reads", n)
	}
}
