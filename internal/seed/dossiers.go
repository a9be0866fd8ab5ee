package seed

import (
	"context"
	"fmt"
	"time"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/workflow"
	"github.com/portail-aci/aci/internal/store"
)

// Organisations of the Hauts-de-France, where the demo MSP of Lille is: its
// dossier needs a CPAM, an ARS and a DCGDR there to be instructed, reviewed
// and (later, contract area) signed.
const (
	CPAMNord  = "CPAM du Nord"
	ARSHdF    = "ARS Hauts-de-France"
	DCGDRHdF  = "DCGDR Hauts-de-France"
	regionHdF = "32"
)

// HdFAccounts are the demo logins of the Hauts-de-France organisations
// (password DemoPassword). The CPAM account is a manager: it instructs (a
// manager can do what a referent does) and signs for the CPAM.
func HdFAccounts() []DemoAccount {
	return []DemoAccount{
		{"cpam.nord@demo.portail-aci.fr", "Nadia Lambert", CPAMNord, domain.OrgCPAM, domain.RoleManager},
		{"ars.hdf@demo.portail-aci.fr", "Hugo Petit", ARSHdF, domain.OrgARS, domain.RoleDirector},
		{"dcgdr.hdf@demo.portail-aci.fr", "Léa Fontaine", DCGDRHdF, domain.OrgDCGDR, domain.RoleReviewer},
	}
}

func hdfOrgs() []store.NewOrganisation {
	return []store.NewOrganisation{
		{Kind: domain.OrgCPAM, Name: CPAMNord, Departements: []string{"59"}},
		{Kind: domain.OrgARS, Name: ARSHdF, Region: regionHdF},
		{Kind: domain.OrgDCGDR, Name: DCGDRHdF, Region: regionHdF},
	}
}

// demoStep is one transition of a demo walk: who applies it, from which
// state, how many days ago.
type demoStep struct {
	who     string // e-mail
	from    workflow.State
	tr      workflow.Transition
	daysAgo int
	mot     string
	pos     workflow.Position
	extra   map[string]string
	// acceptDocs: before the step, its author (the CPAM referent)
	// accepts every piece still to review.
	acceptDocs bool
}

// DemoDossiers walks the demo dossiers through the real transitions
// (store.ApplyTransition, dated in the past) so that their timelines are
// real:
//   - CPTS du Val de Démo: en_instruction at the CPAM de l'Ain;
//   - CPTS des Monts de Démo: projet de santé filed 40 days ago (the ARS sees
//     about 20 days left before it is réputé validé);
//   - MSP de Démo-Lille: acceptee (the contract area signs it afterwards).
//
// Idempotent: a walk resumes from the dossier's current state; steps whose
// from-state is already passed are skipped.
//
// The walks file real content and documents: DemoDossierContent and
// DemoDocuments run before this step.
func DemoDossiers(ctx context.Context, st *store.Store) error {
	if err := hdfDemo(ctx, st); err != nil {
		return err
	}
	now := time.Now()
	base := time.Date(now.Year(), now.Month(), now.Day(), 10, 0, 0, 0, domain.Paris)
	walks := []struct {
		org, coord string
		steps      []demoStep
	}{
		{ValDeDemo, "coordinateur@demo.portail-aci.fr", []demoStep{
			{who: "coordinateur@demo.portail-aci.fr", from: workflow.Brouillon, tr: workflow.DeposerLettreIntention, daysAgo: 160},
			{who: "ars@demo.portail-aci.fr", from: workflow.LettreIntentionDeposee, tr: workflow.ValiderLettreIntention, daysAgo: 150},
			{who: "coordinateur@demo.portail-aci.fr", from: workflow.LettreIntentionValidee, tr: workflow.DeposerProjetSante, daysAgo: 110},
			{who: "ars@demo.portail-aci.fr", from: workflow.ProjetSanteDepose, tr: workflow.ValiderProjetSante, daysAgo: 75},
			{who: "coordinateur@demo.portail-aci.fr", from: workflow.ProjetSanteValide, tr: workflow.DeposerDemande, daysAgo: 20},
			{who: "referent@demo.portail-aci.fr", from: workflow.DemandeDeposee, tr: workflow.PrendreEnInstruction, daysAgo: 15},
		}},
		{MontsDeDemo, "coordinateur.b@demo.portail-aci.fr", []demoStep{
			{who: "coordinateur.b@demo.portail-aci.fr", from: workflow.Brouillon, tr: workflow.DeposerLettreIntention, daysAgo: 120},
			{who: "ars@demo.portail-aci.fr", from: workflow.LettreIntentionDeposee, tr: workflow.ValiderLettreIntention, daysAgo: 100},
			{who: "coordinateur.b@demo.portail-aci.fr", from: workflow.LettreIntentionValidee, tr: workflow.DeposerProjetSante, daysAgo: 40},
		}},
		{CotiereDeDemo, CotiereCoordinator, cotiereWalk()},
		{MSPLille, "msp@demo.portail-aci.fr", lilleWalk(domain.DateOf(now))},
	}
	for _, w := range walks {
		coord, err := demoScope(ctx, st, w.coord)
		if err != nil {
			return err
		}
		id, err := demoDossier(ctx, st, coord, base.AddDate(0, 0, -(w.steps[0].daysAgo+7)))
		if err != nil {
			return fmt.Errorf("DemoDossiers %s: %w", w.org, err)
		}
		for _, s := range w.steps {
			admin, err := demoScope(ctx, st, "admin@demo.portail-aci.fr")
			if err != nil {
				return err
			}
			d, err := st.Dossier(ctx, admin, id)
			if err != nil {
				return err
			}
			if d.State != s.from {
				continue
			}
			// Positions leave the state unchanged: skip one already recorded.
			if (s.tr == workflow.PositionARS && d.PositionARS != nil) || (s.tr == workflow.PositionDCGDR && d.PositionDCGDR != nil) {
				continue
			}
			sc, err := demoScope(ctx, st, s.who)
			if err != nil {
				return err
			}
			at := base.AddDate(0, 0, -s.daysAgo)
			if s.acceptDocs {
				if err := acceptDocuments(ctx, st, sc, id, at.Add(-time.Hour)); err != nil {
					return fmt.Errorf("DemoDossiers %s: %w", w.org, err)
				}
			}
			if _, err := st.ApplyTransition(ctx, sc, store.TransitionRequest{DossierID: id, Transition: s.tr, Seen: s.from,
				Motivation: s.mot, Position: s.pos, At: at, Extra: s.extra}); err != nil {
				return fmt.Errorf("DemoDossiers %s %s: %w", w.org, s.tr, err)
			}
		}
	}
	return nil
}

// acceptDocuments: the referent sc accepts every piece of dossier id still
// to review.
func acceptDocuments(ctx context.Context, st *store.Store, sc store.Scope, id int64, at time.Time) error {
	list, err := st.ListDocuments(ctx, sc, id)
	if err != nil {
		return err
	}
	for _, x := range list.Required {
		if x.State == store.DocFourni {
			if err := st.ReviewDocument(ctx, sc, id, store.DocumentReview{DocumentID: x.ID, Version: x.Version, State: store.DocAccepte, At: at}); err != nil {
				return fmt.Errorf("accept %s: %w", x.Code, err)
			}
		}
	}
	return nil
}

// demoDossier returns the structure's dossier, creating it (dated at) when
// there is none.
func demoDossier(ctx context.Context, st *store.Store, coord store.Scope, at time.Time) (int64, error) {
	ds, _, err := st.ListDossiers(ctx, coord, store.DossierFilter{StructureID: coord.OrgID}, store.Page{Number: 1, Size: 5})
	if err != nil {
		return 0, err
	}
	if len(ds) > 0 {
		return ds[0].ID, nil
	}
	return st.CreateDossier(ctx, coord, coord.OrgID, at)
}

// demoScope is the scope of a demo account's first membership.
func demoScope(ctx context.Context, st *store.Store, email string) (store.Scope, error) {
	u, err := st.UserByEmail(ctx, email)
	if err != nil {
		return store.Scope{}, fmt.Errorf("demo account %s: %w", email, err)
	}
	ms, err := st.Memberships(ctx, u.ID)
	if err != nil || len(ms) == 0 {
		return store.Scope{}, fmt.Errorf("demo account %s: no membership (%v)", email, err)
	}
	return st.ScopeFor(ctx, u.ID, ms[0].OrgID)
}

// hdfDemo creates (or restores) the Hauts-de-France organisations and
// their accounts.
func hdfDemo(ctx context.Context, st *store.Store) error {
	ids := map[string]int64{}
	for _, o := range hdfOrgs() {
		id, err := st.EnsureDemoOrganisation(ctx, o.Name, o)
		if err != nil {
			return fmt.Errorf("hdfDemo: organisation %q: %w", o.Name, err)
		}
		ids[o.Name] = id
	}
	for _, a := range HdFAccounts() {
		if err := ensureDemoAccount(ctx, st, a, ids[a.Org]); err != nil {
			return fmt.Errorf("hdfDemo: %w", err)
		}
	}
	return nil
}

// lilleWalk takes the MSP de Démo-Lille's dossier to acceptee
// lilleAcceptedDaysBefore days before its contract is signed
// (LilleSignedOn); DemoContracts signs it.
func lilleWalk(today domain.Date) []demoStep {
	// The acceptance, the walk's last step, is at 35 days of the table.
	w := LilleSignedOn(today).DaysUntil(today) + lilleAcceptedDaysBefore - 35
	return []demoStep{
		{who: "msp@demo.portail-aci.fr", from: workflow.Brouillon, tr: workflow.DeposerProjetSante, daysAgo: w + 200},
		{who: "ars.hdf@demo.portail-aci.fr", from: workflow.ProjetSanteDepose, tr: workflow.ValiderProjetSante, daysAgo: w + 170},
		{who: "msp@demo.portail-aci.fr", from: workflow.ProjetSanteValide, tr: workflow.DeposerDemande, daysAgo: w + 90},
		{who: "cpam.nord@demo.portail-aci.fr", from: workflow.DemandeDeposee, tr: workflow.PrendreEnInstruction, daysAgo: w + 85},
		{who: "cpam.nord@demo.portail-aci.fr", from: workflow.EnInstruction, tr: workflow.DonnerAvisFavorable, daysAgo: w + 60},
		{who: "cpam.nord@demo.portail-aci.fr", from: workflow.AvisFavorable, tr: workflow.TransmettreExamenConjoint, daysAgo: w + 58},
		{who: "dcgdr.hdf@demo.portail-aci.fr", from: workflow.ExamenConjoint, tr: workflow.PositionDCGDR, daysAgo: w + 45, pos: workflow.Favorable},
		{who: "ars.hdf@demo.portail-aci.fr", from: workflow.ExamenConjoint, tr: workflow.PositionARS, daysAgo: w + 40, pos: workflow.Favorable},
		{who: "ars.hdf@demo.portail-aci.fr", from: workflow.ExamenConjoint, tr: workflow.Accepter, daysAgo: w + 35},
	}
}
