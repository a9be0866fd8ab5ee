package workflow

import (
	"sync"

	"github.com/portail-aci/aci/internal/domain"
)

// eventTitles says what happened after each transition, in the past tense,
// from the reader's side: own is for the structure's users ("Votre…"),
// other for the CPAM, ARS and DCGDR (the structure's name first).
var eventTitles = sync.OnceValue(func() map[Transition][2]string {
	return map[Transition][2]string{
		DeposerLettreIntention:        {"Votre lettre d'intention a été déposée", "lettre d'intention déposée"},
		ValiderLettreIntention:        {"Votre lettre d'intention a été validée par l'ARS", "lettre d'intention validée par l'ARS"},
		RenvoyerLettreIntention:       {"Votre lettre d'intention a été renvoyée par l'ARS", "lettre d'intention renvoyée par l'ARS"},
		DeposerProjetSante:            {"Votre projet de santé a été déposé", "projet de santé déposé"},
		ValiderProjetSante:            {"Votre projet de santé a été validé par l'ARS", "projet de santé validé par l'ARS"},
		DemanderCompletionProjetSante: {"Votre projet de santé a été renvoyé par l'ARS pour être complété", "projet de santé renvoyé par l'ARS pour être complété"},
		ReputerValideProjetSante:      {"Votre projet de santé est réputé validé (l'ARS ne s'y est pas opposée en deux mois)", "projet de santé réputé validé (pas d'opposition de l'ARS en deux mois)"},
		DeposerDemande:                {"Votre demande de contractualisation a été déposée", "demande de contractualisation déposée"},
		PrendreEnInstruction:          {"Votre demande a été prise en instruction par la CPAM", "demande prise en instruction par la CPAM"},
		DemanderComplements:           {"La CPAM vous a demandé des compléments", "compléments demandés par la CPAM"},
		RepondreComplements:           {"Votre dossier complété a été renvoyé à la CPAM", "dossier complété renvoyé à la CPAM"},
		DonnerAvisFavorable:           {"La CPAM a donné un avis favorable à votre demande", "avis favorable de la CPAM"},
		DonnerAvisDefavorable:         {"La CPAM a donné un avis défavorable à votre demande", "avis défavorable de la CPAM"},
		TransmettreExamenConjoint:     {"Votre demande a été transmise à l'ARS et à la DCGDR pour examen conjoint", "demande transmise pour examen conjoint"},
		PositionARS:                   {"L'ARS a donné sa position sur votre demande", "position de l'ARS enregistrée"},
		PositionDCGDR:                 {"La DCGDR a donné sa position sur votre demande", "position de la DCGDR enregistrée"},
		Accepter:                      {"Votre demande a été acceptée : le contrat est à signer", "demande acceptée, contrat à signer"},
		Refuser:                       {"Votre demande a été refusée", "demande refusée"},
		Signer:                        {"Votre contrat a reçu une signature", "le contrat a reçu une signature"},
		DemanderResiliation:           {"La résiliation de votre contrat a été demandée", "résiliation du contrat demandée"},
		Resilier:                      {"Votre contrat a été résilié", "contrat résilié"},
		Echoir:                        {"Votre contrat est arrivé à son terme", "contrat arrivé à son terme"},
		Avenant:                       {"Un avenant à votre contrat a été enregistré", "avenant au contrat enregistré"},
	}
})

// EventTitle is the title of the notification of transition t: for the
// structure's own users when own, else for the agents, prefixed with the
// structure's name. ok is false for a code that is not a transition.
func EventTitle(t Transition, own bool, structure string) (string, bool) {
	w, ok := eventTitles()[t]
	if !ok {
		return "", false
	}
	if own {
		return w[0], true
	}
	return structure + " : " + w[1], true
}

// MustAct reports whether a user of role role (in an organisation of kind
// kind) has a step of their own to take on a dossier of type st in state s:
// a transition whose actor is exactly that role. Optional acts on a running
// contract (avenant, résiliation request) are not steps to take.
//
// Decision: a CPAM manager is e-mailed at once only about what they must
// act on (a contract to sign, a résiliation to pronounce); the rest of their
// office's news goes to their daily digest.
func MustAct(st domain.StructureType, s State, kind domain.OrgKind, role domain.Role) bool {
	for _, r := range rules() {
		if r.System || r.Code == Avenant || r.Code == DemanderResiliation {
			continue
		}
		from, ok := r.From[st]
		if !ok || !containsState(from, s) {
			continue
		}
		for _, w := range r.Who {
			if w.Org == kind && w.MinRole == role {
				return true
			}
		}
	}
	return false
}

func containsState(xs []State, s State) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}
