package contractlife

import "github.com/portail-aci/aci/internal/domain/workflow"

// FreezesTerritory reports whether a dossier or contract in state st
// freezes its CPTS's territory (docs/rules.md §7, decision "territory and
// tier after filing": "the territory of a CPTS is frozen once its
// contractualisation request is filed; a change after that is a territory
// avenant").
//
// Decision: from the filing of the request (demande_deposee) through the
// instruction and the joint review; once accepted, while its contract is to
// sign or in force. A refused request, a terminated or expired contract
// frees the territory again (a new request starts from it).
func FreezesTerritory(st workflow.State) bool {
	switch st {
	case workflow.DemandeDeposee, workflow.EnInstruction, workflow.ComplementsDemandes, workflow.AvisFavorable,
		workflow.AvisDefavorable, workflow.ExamenConjoint,
		workflow.ASigner, workflow.Actif, workflow.ResiliationDemandee:
		return true
	}
	return false
}
