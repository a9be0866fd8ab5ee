package contractlife

import (
	"testing"

	"github.com/portail-aci/aci/internal/domain/workflow"
)

// docs/rules.md §7, §31: frozen from the filing of the request to the end of
// the contract; free before the filing, after a refusal and after the
// contract's end.
func TestFreezesTerritory(t *testing.T) {
	for st, want := range map[workflow.State]bool{
		workflow.Brouillon: false, workflow.LettreIntentionDeposee: false, workflow.LettreIntentionValidee: false,
		workflow.ProjetSanteDepose: false, workflow.ProjetSanteACompleter: false, workflow.ProjetSanteValide: false,
		workflow.DemandeDeposee: true, workflow.EnInstruction: true, workflow.ComplementsDemandes: true,
		workflow.AvisFavorable: true, workflow.AvisDefavorable: true, workflow.ExamenConjoint: true,
		workflow.Acceptee: false, workflow.Refusee: false, // the contract's state decides once accepted
		workflow.ASigner: true, workflow.Actif: true, workflow.ResiliationDemandee: true,
		workflow.Resilie: false, workflow.Echu: false,
	} {
		if got := FreezesTerritory(st); got != want {
			t.Errorf("%s: %v, want %v", st, got, want)
		}
	}
}
