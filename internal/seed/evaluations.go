package seed

import (
	"context"
	"fmt"
	"time"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/contractlife"
	"github.com/portail-aci/aci/internal/domain/workflow"
	"github.com/portail-aci/aci/internal/store"
)

// The demo's yearly declarations (docs/rules.md §29).
const (
	evalCotiereKey   = "CPTS de la Côtière de Démo"
	evalCotiereCoord = "coordinateur.c@demo.portail-aci.fr"
)

// DemoEvaluations (after DemoContracts) declares and submits, awaiting the
// CPAM's validation: year 1 of the contract of the "CPTS de la Côtière de
// Démo" (when that demo CPTS and its contract in force exist), and the last
// civil year of Lille's MSP whose declaration window has opened (when its
// contract covers it). Demo records are found by their demo key; a year
// already submitted or closed is left as users made it, so a reload changes
// nothing.
func DemoEvaluations(ctx context.Context, st *store.Store) error {
	now := time.Now()
	today := domain.DateOf(now)
	if err := demoDeclare(ctx, st, evalCotiereKey, evalCotiereCoord, func(c store.Contract) int { return 1 }, today); err != nil {
		return fmt.Errorf("DemoEvaluations: %w", err)
	}
	lastOpen := func(store.Contract) int {
		if today.M == time.December {
			return today.Y
		}
		return today.Y - 1
	}
	if err := demoDeclare(ctx, st, MSPLille, "msp@demo.portail-aci.fr", lastOpen, today); err != nil {
		return fmt.Errorf("DemoEvaluations: %w", err)
	}
	return nil
}

// demoDeclare declares and submits year yearOf(contract) of the contract in
// force of the demo structure key, as its coordinator, on a day inside the
// declaration window (today, or the window's last day when it has closed).
// Nothing when the structure, its coordinator, its contract or the year is
// missing, or when the year was already submitted or closed.
func demoDeclare(ctx context.Context, st *store.Store, key, coordEmail string, yearOf func(store.Contract) int, today domain.Date) error {
	org, err := st.DemoOrganisationID(ctx, key)
	if domain.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	coord, err := demoScope(ctx, st, coordEmail)
	if err != nil || coord.OrgID != org {
		return nil // no coordinator account for it: nothing to declare
	}
	ds, _, err := st.ListDossiers(ctx, coord, store.DossierFilter{StructureID: org}, store.Page{Number: 1, Size: 10})
	if err != nil {
		return err
	}
	for _, d := range ds {
		c, err := st.ContractByDossier(ctx, coord, d.ID)
		if domain.IsNotFound(err) {
			continue
		}
		if err != nil {
			return err
		}
		if c.State != workflow.Actif && c.State != workflow.ResiliationDemandee {
			continue
		}
		n := yearOf(c)
		y, err := st.ContractYear(ctx, coord, c.ID, n, today)
		if domain.IsNotFound(err) {
			continue // the year is not in the contract
		}
		if err != nil {
			return err
		}
		if y.Closed || y.Submitted() || today.Before(y.Window.Open) || len(y.Indicators) == 0 {
			continue
		}
		on := today
		if on.After(y.Window.Close) {
			on = y.Window.Close
		}
		vals := map[string]string{}
		for _, ind := range y.Indicators {
			vals[ind.Code] = demoValue(ind)
		}
		err = st.SaveDeclaration(ctx, coord, store.DeclarationInput{ContractID: c.ID, Year: n, Values: vals, Submit: true, Version: y.Version,
			Comments: map[string]string{}, Today: on, At: on.Time().Add(10 * time.Hour)})
		if err != nil {
			return fmt.Errorf("%s year %d: %w", key, n, err)
		}
	}
	return nil
}

// demoValue is a plausible declared value: three quarters of the way from
// the baseline to the target; an MSP indicator met except the lower SAS
// level's alternative.
func demoValue(ind store.YearIndicator) string {
	if ind.Unit == store.UnitMet {
		if ind.Code == "sas_tous_medecins" {
			return "0"
		}
		return "1"
	}
	if ind.Baseline.IsZero() || ind.Target.IsZero() {
		if ind.Unit == contractlife.Percent {
			return "50"
		}
		return "100"
	}
	v := ind.Baseline.N + (ind.Target.N-ind.Baseline.N)*3/4
	return contractlife.Value{Unit: ind.Unit, N: v}.Input()
}
