package store_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/portail-aci/aci/internal/domain/workflow"
	"github.com/portail-aci/aci/internal/store/pgtest"
)

// An avis favorable is refused, in the store transition, with the list of
// what blocks it, while a complement request has no answer; the checklist
// gives the same list.
func TestAvisFavorableRefusedWhileRequestOpen(t *testing.T) {
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
	// A request left open while the dossier is in instruction (recorded by
	// an earlier version of the portal).
	if _, err := pgtest.Owner(t, st).Exec(ctx, `INSERT INTO dossier_complements (dossier_id, target, request, requested_at)
		VALUES ($1, 'autre', 'Le budget prévisionnel', now())`, id); err != nil {
		t.Fatal(err)
	}
	const why = "1 demande de complément n'a pas encore de réponse"
	_, err := apply(t, st, scopes, id, step{who: referen, tr: workflow.DonnerAvisFavorable}, at.Add(10*time.Hour))
	var me *workflow.MissingError
	if !errors.As(err, &me) || !slices.Contains(me.Missing, why) {
		t.Fatalf("avis favorable with an open request: %v", err)
	}
	c, err := st.DossierChecklist(ctx, scopes[referen], id)
	if err != nil {
		t.Fatal(err)
	}
	if c.OpenRequests != 1 || !slices.Equal(c.AvisBlockers, []string{why}) || len(c.Documents) != 4 {
		t.Fatalf("checklist %+v", c)
	}
	// The avis défavorable stays possible.
	if _, err := apply(t, st, scopes, id, step{who: referen, tr: workflow.DonnerAvisDefavorable, mot: "Budget absent"}, at.Add(11*time.Hour)); err != nil {
		t.Fatalf("avis défavorable: %v", err)
	}
}
