package seed

import (
	"context"
	"fmt"
	"time"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/funding"
	"github.com/portail-aci/aci/internal/domain/workflow"
	"github.com/portail-aci/aci/internal/store"
)

// CotiereCoordinator is the demo account of the CPTS de la Côtière de Démo's
// coordinator (password DemoPassword).
const CotiereCoordinator = "coordinateur.c@demo.portail-aci.fr"

// cotiereWalkDays is how many days ago the Côtière filed its lettre
// d'intention: its dossier was accepted long before its signature, 13
// months ago.
const cotiereWalkDays = 600

// cotiereCommunes: real communes of the Ain (populations légales of the
// loaded reference data): the CC de la Côtière à Montluel, the CC de Miribel
// et du Plateau, and four communes of the southern Dombes (Saint-André-de-
// Corcy, Mionnay, Civrieux, Saint-Marcel) — 19 communes, 60 384
// inhabitants, tier 2.
func cotiereCommunes() []string {
	return []string{
		"01262", // Montluel
		"01249", // Miribel
		"01043", // Beynost
		"01376", // Saint-Maurice-de-Beynost
		"01142", // Dagneux
		"01032", // Béligneux
		"01049", // La Boisse
		"01027", // Balan
		"01275", // Neyron
		"01424", // Tramoyes
		"01276", // Niévroz
		"01418", // Thil
		"01062", // Bressolles
		"01297", // Pizay
		"01342", // Sainte-Croix
		"01333", // Saint-André-de-Corcy
		"01248", // Mionnay
		"01105", // Civrieux
		"01371", // Saint-Marcel
	}
}

// cotiereWalk takes the Côtière's dossier to acceptee (the contract is then
// created, a_signer); DemoCotiereContract signs it.
func cotiereWalk() []demoStep {
	w := cotiereWalkDays
	coord, ars, ref, dcgdr := CotiereCoordinator, "ars@demo.portail-aci.fr", "referent@demo.portail-aci.fr", "dcgdr@demo.portail-aci.fr"
	return []demoStep{
		{who: coord, from: workflow.Brouillon, tr: workflow.DeposerLettreIntention, daysAgo: w},
		{who: ars, from: workflow.LettreIntentionDeposee, tr: workflow.ValiderLettreIntention, daysAgo: w - 10},
		{who: coord, from: workflow.LettreIntentionValidee, tr: workflow.DeposerProjetSante, daysAgo: w - 40},
		{who: ars, from: workflow.ProjetSanteDepose, tr: workflow.ValiderProjetSante, daysAgo: w - 70},
		{who: coord, from: workflow.ProjetSanteValide, tr: workflow.DeposerDemande, daysAgo: w - 80},
		{who: ref, from: workflow.DemandeDeposee, tr: workflow.PrendreEnInstruction, daysAgo: w - 90},
		{who: ref, from: workflow.EnInstruction, tr: workflow.DonnerAvisFavorable, daysAgo: w - 120, acceptDocs: true,
			mot: "Dossier complet, projet de santé cohérent avec le diagnostic territorial."},
		{who: ref, from: workflow.AvisFavorable, tr: workflow.TransmettreExamenConjoint, daysAgo: w - 122},
		{who: dcgdr, from: workflow.ExamenConjoint, tr: workflow.PositionDCGDR, daysAgo: w - 130, pos: workflow.Favorable},
		{who: ars, from: workflow.ExamenConjoint, tr: workflow.PositionARS, daysAgo: w - 135, pos: workflow.Favorable},
		{who: ars, from: workflow.ExamenConjoint, tr: workflow.Accepter, daysAgo: w - 140},
	}
}

// CotiereSignedOn is the day the Côtière's contract is signed when the demo
// is loaded on today: 13 months earlier (the contract is in its second
// year).
func CotiereSignedOn(today domain.Date) domain.Date { return today.AddMonths(-13) }

// cotiereStarts: accès and crise started at the signature, parcours four
// months later, prévention not started (late: its deadline is 12 months).
func cotiereStarts(signed domain.Date) []struct {
	m        funding.Mission
	on       domain.Date
	evidence string
} {
	return []struct {
		m        funding.Mission
		on       domain.Date
		evidence string
	}{
		{funding.Acces, signed, "Ouverture de la permanence de soins non programmés à Montluel, le samedi matin"},
		{funding.Crise, signed, "Plan de réponse aux crises sanitaires adopté par le conseil d'administration"},
		{funding.Parcours, signed.AddMonths(4), "Premier parcours insuffisance cardiaque : réunion de lancement ville-hôpital"},
	}
}

// DemoCotiereContract (after DemoDossiers and DemoContracts) signs the
// Côtière's contract 13 months before today (the CPTS's coordinator, the
// CPAM de l'Ain's manager, the ARS director), declares its missions' starts
// (cotiereStarts) and creates the advances of the anniversary that opened
// its second year (store.CreateAnniversaryAdvances). Idempotent: the
// contract is found through the structure's demo key; signatures already
// recorded, starts already declared and payments already created are kept;
// nothing is done once users took the contract elsewhere (résilié…).
func DemoCotiereContract(ctx context.Context, st *store.Store) error {
	admin, err := demoScope(ctx, st, "admin@demo.portail-aci.fr")
	if err != nil {
		return err
	}
	org, err := st.DemoOrganisationID(ctx, CotiereDeDemo)
	if err != nil {
		return fmt.Errorf("DemoCotiereContract: %w", err)
	}
	ds, _, err := st.ListDossiers(ctx, admin, store.DossierFilter{StructureID: org}, store.Page{Number: 1, Size: 5})
	if err != nil || len(ds) == 0 {
		return err
	}
	c, err := st.ContractByDossier(ctx, admin, ds[0].ID)
	if domain.IsNotFound(err) {
		return nil // not accepted (users changed it)
	}
	if err != nil {
		return fmt.Errorf("DemoCotiereContract: %w", err)
	}
	now := time.Now()
	today := domain.DateOf(now)
	signed := CotiereSignedOn(today)
	signedAt := time.Date(signed.Y, signed.M, signed.D, 11, 0, 0, 0, domain.Paris)
	for i, email := range []string{CotiereCoordinator, CPAMAinManager().Email, "ars@demo.portail-aci.fr"} {
		if c.State != workflow.ASigner {
			break
		}
		sc, err := demoScope(ctx, st, email)
		if err != nil {
			return err
		}
		if _, done := c.Signed(c.Permission(sc).Party()); done {
			continue
		}
		// The first two sign the days before; the third signs on signed.
		at := signedAt.AddDate(0, 0, i-2)
		if _, err := st.ApplyContractTransition(ctx, sc, store.ContractRequest{DossierID: c.DossierID, Transition: workflow.Signer,
			Seen: workflow.ASigner, DocumentSHA256: c.DocumentSHA256, At: at}); err != nil {
			return fmt.Errorf("DemoCotiereContract: %s signs: %w", email, err)
		}
		if c, err = st.ContractByDossier(ctx, admin, c.DossierID); err != nil {
			return err
		}
	}
	if c.State != workflow.Actif {
		return nil
	}
	coord, err := demoScope(ctx, st, CotiereCoordinator)
	if err != nil {
		return err
	}
	progress, err := st.ContractMissions(ctx, coord, c.ID)
	if err != nil {
		return fmt.Errorf("DemoCotiereContract: %w", err)
	}
	started := map[funding.Mission]bool{}
	for _, p := range progress {
		started[p.Mission] = true
	}
	for _, s := range cotiereStarts(c.Start) {
		if started[s.m] || s.on.After(today) {
			continue
		}
		at := time.Date(s.on.Y, s.on.M, s.on.D, 17, 0, 0, 0, domain.Paris)
		if _, err := st.DeclareMissionStart(ctx, coord, store.MissionDeclaration{ContractID: c.ID, Mission: s.m, On: s.on,
			Evidence: s.evidence, Today: today, At: at}); err != nil && domain.ErrorCode(err) != domain.EConflict {
			return fmt.Errorf("DemoCotiereContract: start %s: %w", s.m, err)
		}
	}
	if _, err := st.CreateAnniversaryAdvances(ctx, today, now); err != nil {
		return fmt.Errorf("DemoCotiereContract: %w", err)
	}
	return nil
}

const cotiereLettre = `Madame la Directrice générale,

Les professionnels de santé de la Côtière de l'Ain (Montluel, Miribel, Beynost, Dagneux, Saint-André-de-Corcy et quatorze communes voisines, environ 60 000 habitants) souhaitent constituer la CPTS de la Côtière de Démo.

Nous vous prions d'agréer, Madame la Directrice générale, l'expression de notre considération distinguée.`

const cotiereProjet = `Diagnostic territorial : un territoire périurbain en croissance démographique, entre l'agglomération lyonnaise et la plaine de l'Ain ; une part croissante de patients sans médecin traitant ; des passages aux urgences non suivis d'hospitalisation élevés.

Missions : accès aux soins (permanence de soins non programmés, médecin traitant pour les patients en ALD), parcours pluriprofessionnels (insuffisance cardiaque), prévention (dépistage organisé), réponse aux crises sanitaires graves.`
