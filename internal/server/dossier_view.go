package server

import (
	"context"
	"fmt"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/workflow"
	"github.com/portail-aci/aci/internal/store"
	"github.com/portail-aci/aci/templates/pages"
)

// Shared helpers of the dossier pages (dossier_*.go, instruction_*.go).

// viewerActions lists the transitions the viewer may try on d (buttons),
// without the positions already recorded.
func viewerActions(sc store.Scope, d store.Dossier) []workflow.Transition {
	var out []workflow.Transition
	for _, t := range dossierPerm(sc, d).Transitions() {
		if (t == workflow.PositionARS && d.PositionARS != nil) || (t == workflow.PositionDCGDR && d.PositionDCGDR != nil) {
			continue
		}
		out = append(out, t)
	}
	return out
}

// dossierNextStep says what must happen next on d and who must act.
func dossierNextStep(d store.Dossier) (what, who string) {
	cpts := d.StructureType == domain.CPTS
	switch d.State {
	case workflow.Brouillon:
		if cpts {
			return "La structure rédige puis dépose sa lettre d'intention auprès de l'ARS.", "la structure (coordinateur·rice)"
		}
		return "La structure rédige puis dépose son projet de santé auprès de l'ARS.", "la structure (coordinateur·rice)"
	case workflow.LettreIntentionDeposee:
		return "L'ARS valide la lettre d'intention ou la renvoie à la structure.", "l'ARS"
	case workflow.LettreIntentionValidee:
		return "La structure dépose son projet de santé (dans les 6 mois de la validation de la lettre d'intention).", "la structure (coordinateur·rice)"
	case workflow.ProjetSanteDepose:
		if cpts {
			return "La direction de l'ARS valide le projet de santé ou demande de le compléter ; sans opposition dans les deux mois, il est réputé validé.", "l'ARS (direction)"
		}
		return "La direction de l'ARS valide le projet de santé ou demande de le compléter.", "l'ARS (direction)"
	case workflow.ProjetSanteACompleter:
		return "La structure complète son projet de santé et le redépose.", "la structure (coordinateur·rice)"
	case workflow.ProjetSanteValide:
		if d.StructureType == domain.ESP {
			// docs/rules.md §9: the ESP forfait is a proposal not in force.
			return "Pas de contrat ACI pour une ESP : le projet de santé validé est la dernière étape. Le forfait ESP est une proposition non en vigueur, il n'y a pas de demande de contractualisation à déposer.", ""
		}
		return "La structure dépose sa demande de contractualisation avec les pièces demandées.", "la structure (coordinateur·rice)"
	case workflow.DemandeDeposee:
		return "La CPAM prend la demande en instruction.", "la CPAM (référent·e)"
	case workflow.EnInstruction:
		return "La CPAM instruit la demande avec l'ARS : elle demande des compléments ou rend son avis.", "la CPAM (référent·e)"
	case workflow.ComplementsDemandes:
		return "La structure répond à chaque demande de complément puis renvoie le dossier complété.", "la structure (coordinateur·rice)"
	case workflow.AvisFavorable, workflow.AvisDefavorable:
		return "La CPAM transmet le dossier et son avis à l'ARS et à la DCGDR pour l'examen conjoint.", "la CPAM (référent·e)"
	case workflow.ExamenConjoint:
		switch {
		case d.PositionARS == nil && d.PositionDCGDR == nil:
			return "L'ARS et la DCGDR enregistrent chacune leur position, dans n'importe quel ordre ; puis la direction de l'ARS enregistre la décision.", "l'ARS et la DCGDR"
		case d.PositionARS == nil:
			return "L'ARS enregistre sa position ; puis sa direction enregistre la décision.", "l'ARS"
		case d.PositionDCGDR == nil:
			return "La DCGDR enregistre sa position ; puis la direction de l'ARS enregistre la décision.", "la DCGDR"
		}
		return "Les deux positions sont enregistrées : la direction de l'ARS enregistre la décision conjointe.", "l'ARS (direction)"
	case workflow.Acceptee:
		if d.ContractState != "" && d.ContractState != workflow.ASigner {
			return contractNextStep(d.ContractState), ""
		}
		return "La demande est acceptée : le contrat est à signer par la structure, la CPAM et l'ARS ; la CPAM organise la signature.", "la CPAM, la structure et l'ARS"
	case workflow.Refusee:
		return "La demande est refusée : le dossier est clos.", ""
	}
	return "", ""
}

// contractStep says, for an accepted dossier, where its contract stands
// (the dossier stays "Acceptée"; the contract takes over, docs/rules.md §13):
// its state label and what comes next. ok is false without a contract.
func (s *Server) contractStep(ctx context.Context, sc store.Scope, d store.Dossier) (status, what string, ok bool) {
	if d.State != workflow.Acceptee {
		return "", "", false
	}
	c, err := s.store.ContractByDossier(ctx, sc, d.ID)
	if err != nil {
		return "", "", false
	}
	status, what = contractStepText(c.State, c.Start, c.End, c.TerminationEffective)
	return status, what, true
}

// contractStepText is the contract's state and what it means for the
// structure, shown in place of the accepted dossier's next step.
func contractStepText(state workflow.State, start, end, terminationEffective domain.Date) (status, what string) {
	switch state {
	case workflow.ASigner:
		what = "Le contrat est à signer par la structure, la CPAM et l'ARS (onglet Contrat) ; la CPAM organise la signature."
	case workflow.Actif:
		what = "Contrat actif depuis le " + start.French() + ", jusqu'au " + end.French() + " : l'échéancier des versements est dans l'onglet Contrat."
	case workflow.ResiliationDemandee:
		what = "La résiliation du contrat est demandée ; elle prend effet le " + terminationEffective.French() + "."
	default:
		what = state.Label() + "."
	}
	return state.Label(), what
}

// dossierStateStatus is the CSS status class of a state.
func dossierStateStatus(s workflow.State) string {
	switch s {
	case workflow.Acceptee, workflow.ProjetSanteValide, workflow.LettreIntentionValidee, workflow.AvisFavorable:
		return "ok"
	case workflow.Refusee, workflow.AvisDefavorable:
		return "error"
	case workflow.ComplementsDemandes, workflow.ProjetSanteACompleter:
		return "warn"
	}
	return ""
}

// dDaysText says "dans N jours", "aujourd'hui", "dépassé de N jours".
func dDaysText(left int) string {
	switch {
	case left == 0:
		return "aujourd'hui"
	case left == 1:
		return "demain"
	case left > 1:
		return fmt.Sprintf("dans %d jours", left)
	case left == -1:
		return "dépassé d'1 jour"
	}
	return fmt.Sprintf("dépassé de %d jours", -left)
}

func dDeadlineStatus(left int) string {
	switch {
	case left < 0:
		return "error"
	case left <= 30:
		return "warn"
	}
	return "ok"
}

// dossierDeadline is a running clock of a dossier.
type dossierDeadline struct {
	kind  workflow.DeadlineKind
	label string
	due   domain.Date
	left  int
}

// dossierDeadlines lists the clocks running on d today: the 6-month clock of
// the lettre d'intention (docs/rules.md §5) until the dossier is decided, and the
// two-month "réputé validé" clock of a CPTS projet de santé being examined
// (CSP L1434-12).
func dossierDeadlines(d store.Dossier, today domain.Date) []dossierDeadline {
	var out []dossierDeadline
	if d.State == workflow.ProjetSanteDepose && d.StructureType == domain.CPTS && !d.HealthProjectFiledOn.IsZero() {
		due := workflow.ProjetSanteReputeValide(d.HealthProjectFiledOn)
		out = append(out, dossierDeadline{workflow.DeadlineProjetSante, "Réputé validé sans opposition de l'ARS le", due, workflow.DaysLeft(today, due)})
	}
	if !d.LetterValidatedOn.IsZero() && !d.State.Final() {
		due := workflow.LettreIntentionDeadline(d.LetterValidatedOn)
		out = append(out, dossierDeadline{workflow.DeadlineLettreIntention, "Projet de santé et signature de l'ACI au plus tard le", due, workflow.DaysLeft(today, due)})
	}
	return out
}

func dossierDeadlineRows(d store.Dossier, today domain.Date) []pages.DeadlineRow {
	var out []pages.DeadlineRow
	for _, dl := range dossierDeadlines(d, today) {
		out = append(out, pages.DeadlineRow{Label: dl.label, Due: dl.due.French(), Text: dDaysText(dl.left), Status: dDeadlineStatus(dl.left)})
	}
	return out
}

// dossierAgeDays is the number of days d has been in its state.
func dossierAgeDays(d store.Dossier, today domain.Date) int {
	return domain.DateOf(d.StateSince).DaysUntil(today)
}

func dSinceText(d store.Dossier, today domain.Date) string {
	n := dossierAgeDays(d, today)
	switch n {
	case 0:
		return domain.DateOf(d.StateSince).French() + " (aujourd'hui)"
	case 1:
		return domain.DateOf(d.StateSince).French() + " (1 jour)"
	}
	return fmt.Sprintf("%s (%d jours)", domain.DateOf(d.StateSince).French(), n)
}

func dossierRow(sc store.Scope, d store.Dossier, today domain.Date) pages.DossierRow {
	what, _ := dossierNextStep(d)
	code, label, status := dossierDisplayState(d)
	return pages.DossierRow{ID: d.ID, StructureName: d.StructureName, StructureType: string(d.StructureType),
		StateCode: code, StateLabel: label, StateStatus: status,
		Since: dSinceText(d, today), NextStep: what, YourTurn: len(viewerActions(sc, d)) > 0}
}

// dossierDisplayState is the state a list shows for a dossier: once
// accepted, its contract's real state (à signer, actif, résiliation
// demandée, résilié, échu), not "acceptée" (docs/rules.md §13).
func dossierDisplayState(d store.Dossier) (code, label, status string) {
	if d.State == workflow.Acceptee && d.ContractState != "" {
		return string(d.ContractState), d.ContractState.Label(), stateClass(d.ContractState)
	}
	return string(d.State), d.State.Label(), dossierStateStatus(d.State)
}

// contractNextStep is what comes next for a contract in state st, without
// its dates (lists; the dossier page says more: contractStep).
func contractNextStep(st workflow.State) string {
	switch st {
	case workflow.ASigner:
		return "Le contrat est à signer par la structure, la CPAM et l'ARS ; la CPAM organise la signature."
	case workflow.Actif:
		return "Contrat en cours : évaluation annuelle des engagements et versements."
	case workflow.ResiliationDemandee:
		return "La résiliation est demandée ; la CPAM la prononce à sa date d'effet (réception + 2 mois)."
	case workflow.Resilie:
		return "Le contrat est résilié : les sommes dues sont proratisées, le trop-perçu est à récupérer."
	case workflow.Echu:
		return "Le contrat est arrivé à son terme de 5 ans."
	}
	return ""
}

// dossierOpenStates are the dossier states that are not final (queues, home).
func dossierOpenStates() []workflow.State {
	var out []workflow.State
	for _, s := range workflow.DossierStates() {
		if !s.Final() {
			out = append(out, s)
		}
	}
	return out
}
