package seed

import (
	"context"
	"fmt"
	"time"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/workflow"
	"github.com/portail-aci/aci/internal/store"
)

// CPAMAinManager is the demo account that signs contracts for the CPAM de
// l'Ain (a membership is one role per organisation: the referent demo
// account instructs, this one signs). Password DemoPassword.
func CPAMAinManager() DemoAccount {
	return DemoAccount{"cpam.manager@demo.portail-aci.fr", "Claire Rousseau", CPAMAin, domain.OrgCPAM, domain.RoleManager}
}

// signer is a demo account signing a contract so many days before the
// contract's start.
type signer struct {
	email      string
	daysBefore int
}

// LilleSignedOn is the day the MSP de Démo-Lille's contract is signed (its
// start) when the demo is loaded on today: 1 March two years before, so
// that its previous civil year — declared and awaiting validation in the
// demo (DemoEvaluations) — lies inside the contract whatever the load
// date.
func LilleSignedOn(today domain.Date) domain.Date { return domain.NewDate(today.Y-2, time.March, 1) }

// lilleAcceptedDaysBefore: Lille's dossier is accepted so many days
// before its contract's signature (DemoDossiers dates its walk from it).
const lilleAcceptedDaysBefore = 10

// lilleSigners sign the MSP de Démo-Lille's contract, in this order, so
// many days before LilleSignedOn (the contract starts on the last one).
func lilleSigners() []signer {
	return []signer{
		{"msp@demo.portail-aci.fr", 5},
		{"cpam.nord@demo.portail-aci.fr", 3},
		{"ars.hdf@demo.portail-aci.fr", 0},
	}
}

// DemoContracts (after DemoDossiers, which leaves Lille's dossier acceptee
// with its contract a_signer) creates the CPAM de l'Ain's signing manager and
// has Lille's contract signed by its three parties (MSP coordinator, CPAM du
// Nord manager, ARS Hauts-de-France director) on LilleSignedOn, so it is
// actif with its payment schedule. Idempotent: existing signatures are kept; nothing is done
// once the contract is no longer a_signer.
func DemoContracts(ctx context.Context, st *store.Store) error {
	if err := ensureAccount(ctx, st, CPAMAinManager()); err != nil {
		return err
	}
	admin, err := demoScope(ctx, st, "admin@demo.portail-aci.fr")
	if err != nil {
		return err
	}
	lille, err := st.DemoOrganisationID(ctx, MSPLille)
	if err != nil {
		return fmt.Errorf("DemoContracts: %w", err)
	}
	ds, _, err := st.ListDossiers(ctx, admin, store.DossierFilter{StructureID: lille}, store.Page{Number: 1, Size: 10})
	if err != nil {
		return fmt.Errorf("DemoContracts: %w", err)
	}
	for _, d := range ds {
		c, err := st.ContractByDossier(ctx, admin, d.ID)
		if domain.IsNotFound(err) {
			continue // not accepted (yet)
		}
		if err != nil {
			return fmt.Errorf("DemoContracts: %w", err)
		}
		signed := LilleSignedOn(domain.DateOf(time.Now()))
		signedAt := time.Date(signed.Y, signed.M, signed.D, 11, 0, 0, 0, domain.Paris)
		for _, sg := range lilleSigners() {
			if c.State != workflow.ASigner {
				break
			}
			sc, err := demoScope(ctx, st, sg.email)
			if err != nil {
				return err
			}
			if _, done := c.Signed(c.Permission(sc).Party()); done {
				continue
			}
			at := signedAt.AddDate(0, 0, -sg.daysBefore)
			if _, err := st.ApplyContractTransition(ctx, sc, store.ContractRequest{DossierID: d.ID, Transition: workflow.Signer,
				Seen: workflow.ASigner, DocumentSHA256: c.DocumentSHA256, At: at}); err != nil {
				return fmt.Errorf("DemoContracts: %s signs: %w", sg.email, err)
			}
			if c, err = st.ContractByDossier(ctx, admin, d.ID); err != nil {
				return err
			}
		}
	}
	return nil
}

// ensureAccount creates (or restores) a demo account and its membership.
func ensureAccount(ctx context.Context, st *store.Store, a DemoAccount) error {
	org, err := st.DemoOrganisationID(ctx, a.Org)
	if err != nil {
		return fmt.Errorf("ensureAccount %s: %w", a.Email, err)
	}
	return ensureDemoAccount(ctx, st, a, org)
}
