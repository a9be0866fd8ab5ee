// Package workflow is the pure state machine of a dossier (candidature à
// l'ACI) and of the contract that follows it (docs/rules.md §13, §5, §9,
// §10): states, transitions, who may trigger them, what each one requires,
// deadlines, reminders and the tamper-evident audit chain.
//
// It imports the standard library and package domain only: no database, no
// HTTP, no clock. Dates and times are always passed in.
package workflow

import "sync"

// State is the stable code of a dossier or contract state (stored in the
// database, used in URLs and tests). Never rename a code; change its label.
type State string

// Dossier states.
const (
	Brouillon              State = "brouillon"
	LettreIntentionDeposee State = "lettre_intention_deposee"
	LettreIntentionValidee State = "lettre_intention_validee"
	ProjetSanteDepose      State = "projet_sante_depose"
	ProjetSanteACompleter  State = "projet_sante_a_completer"
	ProjetSanteValide      State = "projet_sante_valide"
	DemandeDeposee         State = "demande_deposee"
	EnInstruction          State = "en_instruction"
	ComplementsDemandes    State = "complements_demandes"
	AvisFavorable          State = "avis_favorable"
	AvisDefavorable        State = "avis_defavorable"
	ExamenConjoint         State = "examen_conjoint"
	Acceptee               State = "acceptee"
	Refusee                State = "refusee"
)

// Contract states. A contract is created in ASigner when its dossier is
// accepted (Outcome.OpensContract); an avenant is a new version of an actif
// contract, not a state.
const (
	ASigner             State = "a_signer"
	Actif               State = "actif"
	ResiliationDemandee State = "resiliation_demandee"
	Resilie             State = "resilie"
	Echu                State = "echu"
)

// DossierStates lists every dossier state in lifecycle order.
func DossierStates() []State {
	return []State{
		Brouillon, LettreIntentionDeposee, LettreIntentionValidee,
		ProjetSanteDepose, ProjetSanteACompleter, ProjetSanteValide,
		DemandeDeposee, EnInstruction, ComplementsDemandes,
		AvisFavorable, AvisDefavorable, ExamenConjoint, Acceptee, Refusee,
	}
}

// ContractStates lists every contract state in lifecycle order.
func ContractStates() []State {
	return []State{ASigner, Actif, ResiliationDemandee, Resilie, Echu}
}

// stateLabels maps each state to its French label, built once.
var stateLabels = sync.OnceValue(func() map[State]string {
	return map[State]string{
		Brouillon:              "Brouillon",
		LettreIntentionDeposee: "Lettre d'intention déposée",
		LettreIntentionValidee: "Lettre d'intention validée",
		ProjetSanteDepose:      "Projet de santé déposé",
		ProjetSanteACompleter:  "Projet de santé à compléter",
		ProjetSanteValide:      "Projet de santé validé",
		DemandeDeposee:         "Demande de contractualisation déposée",
		EnInstruction:          "En instruction",
		ComplementsDemandes:    "Compléments demandés",
		AvisFavorable:          "Avis favorable",
		AvisDefavorable:        "Avis défavorable",
		ExamenConjoint:         "En examen conjoint ARS – DCGDR",
		Acceptee:               "Acceptée",
		Refusee:                "Refusée",
		ASigner:                "Contrat à signer",
		Actif:                  "Contrat actif",
		ResiliationDemandee:    "Résiliation demandée",
		Resilie:                "Contrat résilié",
		Echu:                   "Contrat échu",
	}
})

// Valid reports whether s is a known dossier or contract state.
func (s State) Valid() bool { _, ok := stateLabels()[s]; return ok }

// IsContract reports whether s is a contract state (as opposed to a dossier
// state).
func (s State) IsContract() bool {
	switch s {
	case ASigner, Actif, ResiliationDemandee, Resilie, Echu:
		return true
	}
	return false
}

// Label is the French name of the state, shown to users.
func (s State) Label() string {
	if l, ok := stateLabels()[s]; ok {
		return l
	}
	return string(s)
}

// Final reports whether no transition leaves s (for any structure type).
// Acceptee is final for the dossier: the contract (ASigner) takes over.
func (s State) Final() bool {
	switch s {
	case Acceptee, Refusee, Resilie, Echu:
		return true
	}
	return false
}
