package workflow

import (
	"sync"

	"github.com/portail-aci/aci/internal/domain"
)

// Transition is the stable code of a workflow action.
type Transition string

// Dossier transitions.
const (
	DeposerLettreIntention        Transition = "deposer_lettre_intention"
	ValiderLettreIntention        Transition = "valider_lettre_intention"
	RenvoyerLettreIntention       Transition = "renvoyer_lettre_intention"
	DeposerProjetSante            Transition = "deposer_projet_sante"
	ValiderProjetSante            Transition = "valider_projet_sante"
	DemanderCompletionProjetSante Transition = "demander_completion_projet_sante"
	ReputerValideProjetSante      Transition = "reputer_valide_projet_sante"
	DeposerDemande                Transition = "deposer_demande"
	PrendreEnInstruction          Transition = "prendre_en_instruction"
	DemanderComplements           Transition = "demander_complements"
	RepondreComplements           Transition = "repondre_complements"
	DonnerAvisFavorable           Transition = "avis_favorable"
	DonnerAvisDefavorable         Transition = "avis_defavorable"
	TransmettreExamenConjoint     Transition = "transmettre_examen_conjoint"
	PositionARS                   Transition = "position_ars"
	PositionDCGDR                 Transition = "position_dcgdr"
	Accepter                      Transition = "accepter"
	Refuser                       Transition = "refuser"
)

// Contract transitions.
const (
	Signer              Transition = "signer"
	DemanderResiliation Transition = "demander_resiliation"
	Resilier            Transition = "resilier"
	Echoir              Transition = "echoir"
	Avenant             Transition = "avenant"
)

// Audience is who is told that a transition happened.
type Audience string

const (
	ToStructure Audience = "structure"
	ToCPAM      Audience = "cpam"
	ToARS       Audience = "ars"
	ToDCGDR     Audience = "dcgdr"
)

// Who is one kind of actor allowed to trigger a transition: an organisation
// kind and the minimum role in it (domain.Role.AtLeast).
type Who struct {
	Org     domain.OrgKind
	MinRole domain.Role
}

// Rule describes one transition. The table (rules) is the single place where
// the workflow is defined; Check and Available only read it.
type Rule struct {
	Code  Transition
	Label string // button text, French
	Hint  string // "what happens if you press this", French

	// From gives, for each structure type the transition applies to, the
	// states it may start from. A type absent from the map does not have
	// this transition.
	From map[domain.StructureType][]State
	// To is the state reached. Empty To means "no state change" (positions,
	// avenant, a signature that is not the third one: see Check).
	To State

	Who    []Who // human actors allowed (empty for system transitions)
	System bool  // triggered by the scheduler only (Actor.System)

	NeedsMotivation bool
	Notify          []Audience
}

// Types reports the structure types that have this transition.
func (r Rule) Types() []domain.StructureType {
	var out []domain.StructureType
	for _, t := range []domain.StructureType{domain.CPTS, domain.MSP, domain.ESP} {
		if _, ok := r.From[t]; ok {
			out = append(out, t)
		}
	}
	return out
}

// Targets lists the states this transition can lead to (To, plus the
// unchanged state for transitions that may leave it as it is).
func (r Rule) Targets(from State) []State {
	switch r.Code {
	case Signer:
		return []State{ASigner, Actif}
	case PositionARS, PositionDCGDR, Avenant:
		return []State{from}
	}
	return []State{r.To}
}

// The roles that act in the transition table.
func coordinator() Who  { return Who{domain.OrgStructure, domain.RoleCoordinator} }
func cpamReferent() Who { return Who{domain.OrgCPAM, domain.RoleReferent} }
func cpamManager() Who  { return Who{domain.OrgCPAM, domain.RoleManager} }
func arsAgent() Who     { return Who{domain.OrgARS, domain.RoleAgent} }
func arsDirector() Who  { return Who{domain.OrgARS, domain.RoleDirector} }
func dcgdrRev() Who     { return Who{domain.OrgDCGDR, domain.RoleReviewer} }

func onlyCPTS(from ...State) map[domain.StructureType][]State {
	return map[domain.StructureType][]State{domain.CPTS: from}
}

// contracting: the types that reach a contract (CPTS and MSP).
func contracting(from ...State) map[domain.StructureType][]State {
	return map[domain.StructureType][]State{domain.CPTS: from, domain.MSP: from}
}

// allTypes: CPTS, MSP and ESP.
func allTypes(from ...State) map[domain.StructureType][]State {
	return map[domain.StructureType][]State{domain.CPTS: from, domain.MSP: from, domain.ESP: from}
}

// rules is the transition table (docs/rules.md §13, §10).
//
// Decisions recorded here, with the wording to keep in sync with the docs:
//
//   - Lettre d'intention (CPTS only): an ARS agent (or director) validates or
//     sends it back. docs/rules.md §10 reserves the director general's sign-off to
//     the projet de santé, not to the lettre d'intention; docs/rules.md §12 gives the
//     agent the review.
//   - Projet de santé: only the ARS director validates it; an ARS agent (or
//     the director) may ask for it to be completed, with a motivation. A
//     structure re-files a completed projet with deposer_projet_sante, which
//     restarts the two-month clock.
//   - Réputé validé (CSP L1434-12) applies to CPTS only: the article is about
//     CPTS projects; MSP and ESP projects need an explicit validation.
//   - ESP: brouillon → projet_sante_depose → projet_sante_valide and stops
//     there: the ESP forfait is a proposal not in force (docs/rules.md §9), so there
//     is no contractualisation request and no contract.
//   - ESS: not eligible (see Eligible).
//   - The joint review follows either avis: the CPAM's avis is an opinion,
//     and docs/rules.md §10 has the CPAM transmit the dossier to ARS and DCGDR in
//     both cases. The CPAM referent transmits it.
//   - Joint positions: an ARS agent (or director) records the ARS position,
//     a DCGDR reviewer the DCGDR one; each is recorded once.
//   - Joint decision: the ARS director records it once both positions are in.
//     Acceptance needs both positions favorable; refusal needs both positions
//     recorded and a motivation (either position may be favorable).
//   - Signature: the structure's coordinator, a CPAM manager and the ARS
//     director, in any order; the third signature makes the contract actif.
//   - Résiliation: requested by the structure's coordinator or a CPAM
//     manager (the CPAM can terminate too, docs/rules.md §9); a CPAM manager records
//     it, with a motivation, on or after its effective date (receipt + 2
//     months) — a recourse to the commission paritaire suspends it, so it is
//     a human act, not automatic.
//   - Requirements: filing the projet de santé needs the projet de santé
//     document; the contractualisation request needs the documents of
//     RequiredDocuments and the composition rules met (checked there only:
//     that is when the CPAM instructs the structure as it is).
//   - Avenant: recorded by a CPAM manager (the CPAM organises the signature)
//     on an actif contract, with its object as motivation; new version, same
//     state.
//
// rules builds the table once; callers share it read-only (Rules copies it).
var rules = sync.OnceValue(func() []Rule {
	return []Rule{
		{
			Code: DeposerLettreIntention, Label: "Déposer la lettre d'intention",
			Hint: "La lettre d'intention est transmise à l'ARS pour validation ; la CPAM en est informée. Vous ne pourrez plus la modifier sauf si l'ARS vous la renvoie.",
			From: onlyCPTS(Brouillon), To: LettreIntentionDeposee,
			Who: []Who{coordinator()}, Notify: []Audience{ToARS, ToCPAM},
		},
		{
			Code: ValiderLettreIntention, Label: "Valider la lettre d'intention",
			Hint: "La lettre d'intention est validée : l'amorçage devient dû et la CPTS a 6 mois pour déposer son projet de santé et signer l'ACI.",
			From: onlyCPTS(LettreIntentionDeposee), To: LettreIntentionValidee,
			Who: []Who{arsAgent()}, Notify: []Audience{ToStructure, ToCPAM},
		},
		{
			Code: RenvoyerLettreIntention, Label: "Renvoyer la lettre d'intention",
			Hint: "La lettre d'intention revient en brouillon à la structure, avec votre motivation, pour être reprise et redéposée.",
			From: onlyCPTS(LettreIntentionDeposee), To: Brouillon,
			Who: []Who{arsAgent()}, NeedsMotivation: true, Notify: []Audience{ToStructure, ToCPAM},
		},
		{
			Code: DeposerProjetSante, Label: "Déposer le projet de santé",
			Hint: "Le projet de santé est transmis à l'ARS pour validation par sa direction ; la CPAM en est informée.",
			From: map[domain.StructureType][]State{
				domain.CPTS: {LettreIntentionValidee, ProjetSanteACompleter},
				domain.MSP:  {Brouillon, ProjetSanteACompleter},
				domain.ESP:  {Brouillon, ProjetSanteACompleter},
			},
			To: ProjetSanteDepose, Who: []Who{coordinator()}, Notify: []Audience{ToARS, ToCPAM},
		},
		{
			Code: ValiderProjetSante, Label: "Valider le projet de santé",
			Hint: "Le projet de santé est validé par la direction de l'ARS ; la structure peut ensuite déposer sa demande de contractualisation.",
			From: allTypes(ProjetSanteDepose), To: ProjetSanteValide,
			Who: []Who{arsDirector()}, Notify: []Audience{ToStructure, ToCPAM},
		},
		{
			Code: DemanderCompletionProjetSante, Label: "Demander de compléter le projet de santé",
			Hint: "Le projet de santé revient à la structure avec votre motivation ; elle le redépose une fois complété.",
			From: allTypes(ProjetSanteDepose), To: ProjetSanteACompleter,
			Who: []Who{arsAgent()}, NeedsMotivation: true, Notify: []Audience{ToStructure, ToCPAM},
		},
		{
			Code: ReputerValideProjetSante, Label: "Projet de santé réputé validé",
			Hint: "Sans opposition de l'ARS dans les deux mois du dépôt, le projet de santé est réputé validé (CSP L1434-12).",
			From: onlyCPTS(ProjetSanteDepose), To: ProjetSanteValide,
			System: true, Notify: []Audience{ToStructure, ToCPAM, ToARS},
		},
		{
			Code: DeposerDemande, Label: "Déposer la demande de contractualisation",
			Hint: "La demande et ses pièces sont transmises à la CPAM, qui l'instruit avec l'ARS. Vous ne pourrez plus la modifier sauf si des compléments vous sont demandés.",
			From: contracting(ProjetSanteValide), To: DemandeDeposee,
			Who: []Who{coordinator()}, Notify: []Audience{ToCPAM, ToARS},
		},
		{
			Code: PrendreEnInstruction, Label: "Prendre en instruction",
			Hint: "Vous devenez l'instructeur·rice de la demande ; la structure est informée que son dossier est en instruction.",
			From: contracting(DemandeDeposee), To: EnInstruction,
			Who: []Who{cpamReferent()}, Notify: []Audience{ToStructure},
		},
		{
			Code: DemanderComplements, Label: "Demander des compléments",
			Hint: "La structure reçoit votre demande motivée ; l'instruction reprend quand elle a répondu à toutes les demandes.",
			From: contracting(EnInstruction), To: ComplementsDemandes,
			Who: []Who{cpamReferent()}, NeedsMotivation: true, Notify: []Audience{ToStructure},
		},
		{
			Code: RepondreComplements, Label: "Renvoyer le dossier complété",
			Hint: "Le dossier revient en instruction à la CPAM ; toutes les demandes de complément doivent avoir une réponse.",
			From: contracting(ComplementsDemandes), To: EnInstruction,
			Who: []Who{coordinator()}, Notify: []Audience{ToCPAM},
		},
		{
			Code: DonnerAvisFavorable, Label: "Donner un avis favorable",
			Hint: "L'avis favorable de la CPAM est enregistré ; transmettez ensuite le dossier à l'ARS et à la DCGDR pour l'examen conjoint.",
			From: contracting(EnInstruction), To: AvisFavorable,
			Who: []Who{cpamReferent()}, Notify: []Audience{ToStructure, ToARS},
		},
		{
			Code: DonnerAvisDefavorable, Label: "Donner un avis défavorable",
			Hint: "L'avis défavorable motivé de la CPAM est enregistré ; transmettez ensuite le dossier à l'ARS et à la DCGDR pour l'examen conjoint.",
			From: contracting(EnInstruction), To: AvisDefavorable,
			Who: []Who{cpamReferent()}, NeedsMotivation: true, Notify: []Audience{ToStructure, ToARS},
		},
		{
			Code: TransmettreExamenConjoint, Label: "Transmettre pour examen conjoint",
			Hint: "Le dossier et l'avis de la CPAM sont transmis à l'ARS et à la DCGDR, qui donnent chacune leur position.",
			From: contracting(AvisFavorable, AvisDefavorable), To: ExamenConjoint,
			Who: []Who{cpamReferent()}, Notify: []Audience{ToARS, ToDCGDR, ToStructure},
		},
		{
			Code: PositionARS, Label: "Enregistrer la position de l'ARS",
			Hint: "La position de l'ARS (favorable ou défavorable, motivée si défavorable) est enregistrée une fois pour toutes ; le dossier reste en examen conjoint.",
			From: contracting(ExamenConjoint), Who: []Who{arsAgent()}, Notify: []Audience{ToDCGDR, ToCPAM},
		},
		{
			Code: PositionDCGDR, Label: "Enregistrer la position de la DCGDR",
			Hint: "La position de la DCGDR (favorable ou défavorable, motivée si défavorable) est enregistrée une fois pour toutes ; le dossier reste en examen conjoint.",
			From: contracting(ExamenConjoint), Who: []Who{dcgdrRev()}, Notify: []Audience{ToARS, ToCPAM},
		},
		{
			Code: Accepter, Label: "Accepter la demande",
			Hint: "La décision conjointe d'acceptation est enregistrée (les deux positions doivent être favorables) ; le contrat est créé et la CPAM organise sa signature.",
			From: contracting(ExamenConjoint), To: Acceptee,
			Who: []Who{arsDirector()}, Notify: []Audience{ToStructure, ToCPAM, ToDCGDR},
		},
		{
			Code: Refuser, Label: "Refuser la demande",
			Hint: "La décision conjointe de refus, motivée, est enregistrée et notifiée à la structure ; le dossier est clos.",
			From: contracting(ExamenConjoint), To: Refusee,
			Who: []Who{arsDirector()}, NeedsMotivation: true, Notify: []Audience{ToStructure, ToCPAM, ToDCGDR},
		},
		{
			Code: Signer, Label: "Signer le contrat",
			Hint: "Votre signature est enregistrée ; le contrat devient actif, pour 5 ans, à la troisième signature (structure, CPAM, ARS, dans n'importe quel ordre).",
			From: contracting(ASigner), To: Actif,
			Who: []Who{coordinator(), cpamManager(), arsDirector()}, Notify: []Audience{ToStructure, ToCPAM, ToARS},
		},
		{
			Code: DemanderResiliation, Label: "Demander la résiliation",
			Hint: "La demande de résiliation est enregistrée à sa date de réception ; elle prend effet deux mois après.",
			From: contracting(Actif), To: ResiliationDemandee,
			Who: []Who{coordinator(), cpamManager()}, Notify: []Audience{ToStructure, ToCPAM, ToARS},
		},
		{
			Code: Resilier, Label: "Prononcer la résiliation",
			Hint: "Le contrat est résilié à sa date d'effet (réception + 2 mois) ; les sommes dues sont proratisées et le trop-perçu est calculé.",
			From: contracting(ResiliationDemandee), To: Resilie,
			Who: []Who{cpamManager()}, NeedsMotivation: true, Notify: []Audience{ToStructure, ToCPAM, ToARS},
		},
		{
			Code: Echoir, Label: "Contrat échu",
			Hint: "Le contrat arrive à son terme de 5 ans.",
			From: contracting(Actif, ResiliationDemandee), To: Echu,
			System: true, Notify: []Audience{ToStructure, ToCPAM, ToARS},
		},
		{
			Code: Avenant, Label: "Enregistrer un avenant",
			Hint: "Une nouvelle version du contrat est enregistrée avec l'objet de l'avenant ; le contrat reste actif.",
			From: contracting(Actif), Who: []Who{cpamManager()}, NeedsMotivation: true,
			Notify: []Audience{ToStructure, ToCPAM, ToARS},
		},
	}
})

// rulesByCode indexes rules by code, built once.
var rulesByCode = sync.OnceValue(func() map[Transition]Rule {
	m := make(map[Transition]Rule, len(rules()))
	for _, r := range rules() {
		m[r.Code] = r
	}
	return m
})

// Rules returns the whole transition table, in lifecycle order (a copy).
func Rules() []Rule { return append([]Rule(nil), rules()...) }

// RuleFor returns the rule of a transition code.
func RuleFor(t Transition) (Rule, bool) { r, ok := rulesByCode()[t]; return r, ok }

// Label is the French name of the transition (its button text).
func (t Transition) Label() string {
	if r, ok := rulesByCode()[t]; ok {
		return r.Label
	}
	return string(t)
}

// Hint is the short French explanation of what the transition does.
func (t Transition) Hint() string { return rulesByCode()[t].Hint }

// Valid reports whether t is a known transition code.
func (t Transition) Valid() bool { _, ok := rulesByCode()[t]; return ok }

// States lists the states a dossier (and its contract) of type st can be in:
// the states of its graph, in lifecycle order.
func States(st domain.StructureType) []State {
	in := map[State]bool{}
	for _, r := range rules() {
		from, ok := r.From[st]
		if !ok {
			continue
		}
		for _, f := range from {
			in[f] = true
			for _, to := range r.Targets(f) {
				in[to] = true
			}
		}
	}
	var out []State
	for _, s := range append(append([]State(nil), DossierStates()...), ContractStates()...) {
		if in[s] {
			out = append(out, s)
		}
	}
	return out
}
