package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/registry"
	"github.com/portail-aci/aci/internal/domain/workflow"
	"github.com/portail-aci/aci/internal/store"
)

func mandatoryInputs(c store.DossierContent, base, target *int64) []store.IndicatorInput {
	var out []store.IndicatorInput
	one := 1
	for _, x := range c.Indicators {
		out = append(out, store.IndicatorInput{Code: x.Code, Baseline: base, Targets: [5]*int64{target}, Weight: &one})
	}
	return out
}

func num(n int64) *int64 { return &n }

// The demo content is there and complete for Val (its walk reached
// en_instruction through the content hook's rules).
func TestDemoContent(t *testing.T) {
	ctx := context.Background()
	st, scopes := fixture(t)
	ds, _, err := st.ListDossiers(ctx, scopes[referen], store.DossierFilter{}, store.Page{Number: 1, Size: 10})
	if err != nil || len(ds) == 0 {
		t.Fatalf("referent dossiers: %v %v", ds, err)
	}
	c, err := st.DossierContent(ctx, scopes[referen], ds[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if c.Letter == "" || c.HealthProject == "" || len(c.Missions) != 6 || len(c.Indicators) != 7 {
		t.Fatalf("Val content: lettre %d, projet %d, missions %v, indicators %d", len(c.Letter), len(c.HealthProject), c.Missions, len(c.Indicators))
	}
	if m := c.Missing(workflow.DeposerDemande); len(m) != 0 {
		t.Fatalf("Val missing %v", m)
	}
	// Tenancy: the Monts' coordinator does not see Val's content.
	if _, err := st.DossierContent(ctx, scopes["coordinateur.b@demo.portail-aci.fr"], ds[0].ID); !domain.IsNotFound(err) {
		t.Fatalf("coordinator B: %v", err)
	}
}

func TestSaveContentSections(t *testing.T) {
	ctx := context.Background()
	st, scopes := fixture(t)
	sc := scopes[coordA]
	id := freshDossier(t, st, sc)

	// The lettre is required to file it (content hook).
	_, err := st.ApplyTransition(ctx, sc, store.TransitionRequest{DossierID: id, Transition: workflow.DeposerLettreIntention, Seen: workflow.Brouillon})
	var me *workflow.MissingError
	if !errors.As(err, &me) || !strings.Contains(strings.Join(me.Missing, " "), "lettre d'intention") {
		t.Fatalf("filing an empty lettre: %v", err)
	}
	// A referent (in scope, Ain) may not even try: the workflow's refusal, not ours.
	_, err = st.ApplyTransition(ctx, scopes[referen], store.TransitionRequest{DossierID: id, Transition: workflow.DeposerLettreIntention})
	if errors.As(err, &me) {
		t.Fatalf("referent got the content refusal: %v", err)
	}

	v, err := st.SaveContent(ctx, sc, store.ContentSave{DossierID: id, Section: store.SectionLettre, Version: 0, Text: "Lettre\r\nde test"})
	if err != nil || v != 1 {
		t.Fatalf("save lettre: %d %v", v, err)
	}
	// Stale version: a conflict carrying who and the saved text.
	_, err = st.SaveContent(ctx, sc, store.ContentSave{DossierID: id, Section: store.SectionLettre, Version: 0, Text: "autre"})
	var cf *store.ContentConflict
	if !errors.As(err, &cf) || cf.Current.Letter != "Lettre\nde test" || cf.By != sc.UserName || domain.ErrorCode(err) != domain.EConflict {
		t.Fatalf("stale save: %v", err)
	}
	// Too long.
	_, err = st.SaveContent(ctx, sc, store.ContentSave{DossierID: id, Section: store.SectionLettre, Version: 1, Text: strings.Repeat("é", store.MaxLettreIntention+1)})
	var fe registry.FieldErrors
	if !errors.As(err, &fe) || fe["lettre"] == "" {
		t.Fatalf("too long: %v", err)
	}
	// Missions: the socle is compulsory.
	_, err = st.SaveContent(ctx, sc, store.ContentSave{DossierID: id, Section: store.SectionMissions, Missions: []string{"acces", "qualite"}})
	if !errors.As(err, &fe) || !strings.Contains(fe["missions"], "Parcours") {
		t.Fatalf("missions without socle: %v", err)
	}
	if _, err := st.SaveContent(ctx, sc, store.ContentSave{DossierID: id, Section: store.SectionMissions, Missions: []string{"acces", "parcours", "prevention", "crise", "qualite", "bogus"}}); err != nil {
		t.Fatal(err)
	}
	c, err := st.DossierContent(ctx, sc, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Missions) != 5 || len(c.Indicators) != 5 || c.Indicators[0].ID != 0 || c.Version != 2 {
		t.Fatalf("content %+v", c)
	}
	// Indicators: mandatory ones saved, a new one added, then removed; a
	// mandatory one cannot be removed.
	rows := append(mandatoryInputs(c, num(10), num(20)), store.IndicatorInput{Mission: "qualite", Label: "Réunions", Direction: "croissant", Baseline: num(1), Targets: [5]*int64{num(2), num(3)}})
	if _, err := st.SaveContent(ctx, sc, store.ContentSave{DossierID: id, Section: store.SectionIndicateurs, Indicators: rows}); err != nil {
		t.Fatal(err)
	}
	c, _ = st.DossierContent(ctx, sc, id)
	if len(c.Indicators) != 6 || c.Indicators[5].Code == "" || !c.Indicators[0].Complete() || c.Indicators[5].Target(3) != nil || *c.Indicators[0].Target(4) != 20 {
		t.Fatalf("indicators %+v", c.Indicators)
	}
	rows = mandatoryInputs(c, num(10), num(20))
	_, err = st.SaveContent(ctx, sc, store.ContentSave{DossierID: id, Section: store.SectionIndicateurs, Version: 1, Indicators: rows, Remove: "patientele_mt"})
	if !errors.As(err, &fe) || fe["indicateurs"] == "" {
		t.Fatalf("removing a mandatory indicator: %v", err)
	}
	_, err = st.SaveContent(ctx, sc, store.ContentSave{DossierID: id, Section: store.SectionIndicateurs, Version: 1, Indicators: rows, Remove: c.Indicators[5].Code})
	if err != nil {
		t.Fatal(err)
	}
	c, _ = st.DossierContent(ctx, sc, id)
	if len(c.Indicators) != 5 {
		t.Fatalf("after removal %d", len(c.Indicators))
	}
	// Numbers out of range are field errors keyed by row (what is not a
	// number is refused by the server's form parsing).
	bad := mandatoryInputs(c, num(2_000_000_000_000), num(20))
	_, err = st.SaveContent(ctx, sc, store.ContentSave{DossierID: id, Section: store.SectionIndicateurs, Version: 2, Indicators: bad})
	if !errors.As(err, &fe) || fe[store.IndicatorField(0, "baseline")] == "" {
		t.Fatalf("bad baseline: %v", err)
	}

	// Roles and tenancy: the referent reads but may not write; B sees nothing.
	if _, err := st.DossierContent(ctx, scopes[referen], id); err != nil {
		t.Fatal(err)
	}
	_, err = st.SaveContent(ctx, scopes[referen], store.ContentSave{DossierID: id, Section: store.SectionProjet, Text: "x"})
	if !errors.Is(err, store.ErrContentReadOnly) {
		t.Fatalf("referent save: %v", err)
	}
	_, err = st.SaveContent(ctx, scopes[coordB], store.ContentSave{DossierID: id, Section: store.SectionProjet, Text: "x"})
	if !domain.IsNotFound(err) {
		t.Fatalf("coordinator B save: %v", err)
	}

	// Filing freezes the lettre.
	if _, err := st.ApplyTransition(ctx, sc, store.TransitionRequest{DossierID: id, Transition: workflow.DeposerLettreIntention, Seen: workflow.Brouillon, At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	_, err = st.SaveContent(ctx, sc, store.ContentSave{DossierID: id, Section: store.SectionLettre, Version: 1, Text: "changée"})
	if domain.ErrorCode(err) != domain.EConflict {
		t.Fatalf("lettre after filing: %v", err)
	}
}

func TestDepositDemandeNeedsContent(t *testing.T) {
	ctx := context.Background()
	st, scopes := fixture(t)
	sc := scopes[coordA]
	id := freshDossier(t, st, sc)
	at := time.Now()
	for _, s := range []step{{who: coordA, tr: workflow.DeposerLettreIntention}, {who: arsDir, tr: workflow.ValiderLettreIntention},
		{who: coordA, tr: workflow.DeposerProjetSante}, {who: arsDir, tr: workflow.ValiderProjetSante}} {
		if _, err := apply(t, st, scopes, id, s, at); err != nil {
			t.Fatal(err)
		}
	}
	file := func() error {
		_, err := st.ApplyTransition(ctx, sc, store.TransitionRequest{DossierID: id, Transition: workflow.DeposerDemande, Seen: workflow.ProjetSanteValide, At: at})
		return err
	}
	var me *workflow.MissingError
	// Content gaps come in the same refusal as the missing documents.
	contentItems := func() int {
		n := 0
		for _, m := range me.Missing {
			if !strings.HasPrefix(m, "pièce manquante") {
				n++
			}
		}
		return n
	}
	if err := file(); !errors.As(err, &me) || !strings.Contains(strings.Join(me.Missing, "|"), "missions socle") || contentItems() != 6 ||
		!strings.Contains(strings.Join(me.Missing, "|"), "pièce manquante : les statuts") {
		t.Fatalf("empty content: %v", err)
	}
	if _, err := st.SaveContent(ctx, sc, store.ContentSave{DossierID: id, Section: store.SectionMissions, Missions: []string{"acces", "parcours", "prevention", "crise"}}); err != nil {
		t.Fatal(err)
	}
	c, _ := st.DossierContent(ctx, sc, id)
	rows := mandatoryInputs(c, num(10), nil)
	rows[0].Targets[0] = num(12)
	if _, err := st.SaveContent(ctx, sc, store.ContentSave{DossierID: id, Section: store.SectionIndicateurs, Indicators: rows}); err != nil {
		t.Fatal(err)
	}
	if err := file(); !errors.As(err, &me) || contentItems() != 4 {
		t.Fatalf("four indicators without target: %v", err)
	}
	c, _ = st.DossierContent(ctx, sc, id)
	if _, err := st.SaveContent(ctx, sc, store.ContentSave{DossierID: id, Section: store.SectionIndicateurs, Version: 1, Indicators: mandatoryInputs(c, num(10), num(12))}); err != nil {
		t.Fatal(err)
	}
	err := file()
	if errors.As(err, &me) && strings.Contains(strings.Join(me.Missing, "|"), "indicateur") {
		t.Fatalf("complete content still refused: %v", err)
	}
}
