package workflow

import (
	"fmt"
	"slices"
	"strings"

	"github.com/portail-aci/aci/internal/domain"
)

// Document is a kind of document attached to a dossier.
type Document string

const (
	DocProjetSante        Document = "projet_sante"
	DocStatuts            Document = "statuts"
	DocContoursTerritoire Document = "contours_territoire"
	DocListeMembres       Document = "liste_membres"
)

// Label is the French name of the document.
func (d Document) Label() string {
	switch d {
	case DocProjetSante:
		return "le projet de santé"
	case DocStatuts:
		return "les statuts"
	case DocContoursTerritoire:
		return "les contours du territoire"
	case DocListeMembres:
		return "la liste des membres avec leur statut"
	}
	return string(d)
}

// RequiredDocuments lists the documents of a contractualisation request
// (docs/rules.md §10, ACI CPTS).
//
// Decision: the contours du territoire are required for a CPTS only; an MSP
// has a patientèle approach and no territory of its own. An ESP, which never
// files a request, has the projet de santé's slot only.
func RequiredDocuments(st domain.StructureType) []Document {
	switch st {
	case domain.CPTS:
		return []Document{DocProjetSante, DocStatuts, DocContoursTerritoire, DocListeMembres}
	case domain.MSP:
		return []Document{DocProjetSante, DocStatuts, DocListeMembres}
	case domain.ESP:
		// No contractualisation request, but the projet de santé is filed
		// with its document (DeposerProjetSante requires it): without this
		// slot an ESP could not upload it and its path was blocked.
		return []Document{DocProjetSante}
	}
	return nil
}

// Position is a joint-review position (ARS or DCGDR).
type Position string

const (
	Favorable   Position = "favorable"
	Defavorable Position = "defavorable"
)

// Valid reports whether p is favorable or defavorable.
func (p Position) Valid() bool { return p == Favorable || p == Defavorable }

// Label is the French word.
func (p Position) Label() string {
	switch p {
	case Favorable:
		return "favorable"
	case Defavorable:
		return "défavorable"
	}
	return string(p)
}

// Party is a signatory of the tripartite contract.
type Party string

const (
	PartyStructure Party = "structure"
	PartyCPAM      Party = "cpam"
	PartyARS       Party = "ars"
)

// Parties returns the three signatories.
func Parties() []Party { return []Party{PartyStructure, PartyCPAM, PartyARS} }

// Label is the French name of the party.
func (p Party) Label() string {
	switch p {
	case PartyStructure:
		return "la structure"
	case PartyCPAM:
		return "la CPAM"
	case PartyARS:
		return "l'ARS"
	}
	return string(p)
}

// Actor is who attempts a transition, as computed by the caller from the
// active membership and the dossier.
type Actor struct {
	OrgKind domain.OrgKind
	Role    domain.Role
	// InScope: the dossier lies in the actor's territory (CPAM, ARS,
	// DCGDR). IsOwnStructure: the dossier is the actor's own structure's.
	InScope        bool
	IsOwnStructure bool
	// System is the scheduler (réputé validé, échéance). A system actor has
	// no org kind or role.
	System bool
}

func (a Actor) inScope() bool {
	if a.OrgKind == domain.OrgStructure {
		return a.IsOwnStructure
	}
	return a.InScope
}

func (a Actor) matches(r Rule) bool {
	if r.System || a.System {
		return r.System && a.System
	}
	if !a.inScope() || a.Role.Kind() != a.OrgKind {
		return false
	}
	for _, w := range r.Who {
		if w.Org == a.OrgKind && a.Role.AtLeast(w.MinRole) {
			return true
		}
	}
	return false
}

// party is the signatory an actor signs for.
func (a Actor) party() Party {
	switch a.OrgKind {
	case domain.OrgStructure:
		return PartyStructure
	case domain.OrgCPAM:
		return PartyCPAM
	case domain.OrgARS:
		return PartyARS
	}
	return ""
}

// Attempt is everything Check needs to decide on a transition. The caller
// loads it from the database; Check reads nothing else.
type Attempt struct {
	Transition    Transition
	StructureType domain.StructureType
	// From is the current state (of the dossier, or of the contract for
	// contract transitions), read in the transaction that will apply it.
	From State
	// Seen is optional: the state the user saw when pressing the button.
	// When set and different from From, Check refuses with a conflict even
	// if the transition would be allowed from From (the user decided on a
	// stale page).
	Seen  State
	Actor Actor
	// Today is the date of the attempt (Europe/Paris), required.
	Today domain.Date

	Motivation string
	Documents  map[Document]bool // documents attached to the dossier

	// CompositionOK says whether the structure meets the composition rules
	// of its type; CompositionFailures lists the failing rules, in French.
	CompositionOK       bool
	CompositionFailures []string

	OpenComplementRequests int // complement requests without an answer

	// DocumentsToRedo lists the required documents the CPAM referent marked
	// "à refaire" (avis_favorable is refused while there is one).
	DocumentsToRedo []Document

	// Joint review: positions already recorded (nil: not yet), and the
	// position being recorded by position_ars / position_dcgdr.
	PositionARS   *Position
	PositionDCGDR *Position
	Position      Position

	Avis Position // the CPAM's avis, when given (informative: see rules)

	Signatures map[Party]bool // contract signatures already recorded

	// ExtraMissing lists requirements checked outside this package (the
	// dossier's content: lettre d'intention text, socle missions, mandatory
	// indicators), reported with the others in one MissingError once the
	// actor and the state are known to be right.
	ExtraMissing []string

	ProjetSanteFiled    domain.Date // last filing of the projet de santé (réputé validé)
	ResiliationReceived domain.Date // receipt of the résiliation letter
	ContractStart       domain.Date // start of the contract (échéance)
}

// AuditRecord is what the store writes in the audit row of a transition.
type AuditRecord struct {
	Transition Transition
	From       State
	To         State
	Motivation string
}

// Outcome is what Check allows: the state to reach and what to record.
type Outcome struct {
	To     State
	Record AuditRecord
	Notify []Audience

	// OpensContract: accepter; create the contract in state ASigner.
	OpensContract bool
	// NewVersion: avenant; store a new version of the contract.
	NewVersion bool
	// Position: the position recorded by position_ars / position_dcgdr.
	Position Position
	// Signed: the party whose signature signer records.
	Signed Party
	// ContractStart: set when the third signature makes the contract actif.
	ContractStart domain.Date
	// Deadline: the date the new state starts a clock for, if any:
	// lettre d'intention validated → LettreIntentionDeadline; CPTS projet de
	// santé filed → ProjetSanteReputeValide; contract actif → ContractExpiry;
	// résiliation requested or pronounced → ResiliationEffective.
	Deadline domain.Date
}

// Eligible says whether a structure of type st may create a dossier.
//
// Decision: an ESS is not eligible. Seed 002: an ESS is not an "exercice
// coordonné" in the sense of the forfait structure and there is no ACI for
// it; the portal refuses to create the dossier and says why.
func Eligible(st domain.StructureType) error {
	switch st {
	case domain.CPTS, domain.MSP, domain.ESP:
		return nil
	case domain.ESS:
		return domain.Errorf(domain.EInvalid, "Une équipe de soins spécialisés (ESS) ne peut pas déposer de dossier : aucun accord conventionnel interprofessionnel ne la couvre et elle n'est pas un exercice coordonné au sens du forfait structure.")
	}
	return domain.Errorf(domain.EInvalid, "Type de structure inconnu %q.", string(st))
}

func notFound(from State) error {
	if from.IsContract() {
		return domain.Errorf(domain.ENotFound, "Contrat introuvable.")
	}
	return domain.Errorf(domain.ENotFound, "Dossier introuvable.")
}

func conflict(r Rule, st domain.StructureType, in Attempt) error {
	what := "Ce dossier"
	if in.From.IsContract() {
		what = "Ce contrat"
	}
	from := r.From[st]
	switch {
	case in.Seen != "" && in.Seen != in.From:
		return domain.Errorf(domain.EConflict, "%s n'est plus à l'état « %s » (il est maintenant « %s ») : rechargez la page.", what, in.Seen.Label(), in.From.Label())
	case len(from) == 1:
		return domain.Errorf(domain.EConflict, "%s n'est plus à l'état « %s » (il est maintenant « %s ») : rechargez la page.", what, from[0].Label(), in.From.Label())
	}
	return domain.Errorf(domain.EConflict, "%s n'est plus dans un état qui permet « %s » (il est maintenant « %s ») : rechargez la page.", what, lowerFirst(r.Label), in.From.Label())
}

// Check decides whether in.Actor may apply in.Transition to a dossier (or
// contract) of type in.StructureType in state in.From, and what follows.
//
// Errors, checked in this order:
//   - structure type not eligible (ESS, unknown): domain.EInvalid;
//   - unknown transition, transition not in this type's workflow, wrong org
//     kind, role too low, out of scope, system/human mismatch:
//     domain.ENotFound ("introuvable": the HTTP layer answers 404);
//   - wrong state (or Seen ≠ From): domain.EConflict, "rechargez la page";
//   - a signature or position already recorded: domain.EConflict;
//   - requirements not met: *MissingError (code domain.EInvalid) listing
//     everything missing.
func Check(in Attempt) (Outcome, error) {
	r, err := allowedRule(in)
	if err != nil {
		return Outcome{}, err
	}
	out := Outcome{To: r.To, Notify: append([]Audience(nil), r.Notify...)}
	var missing []string
	motivation := strings.TrimSpace(in.Motivation)
	if r.NeedsMotivation && motivation == "" {
		missing = append(missing, "la motivation est obligatoire")
	}
	more, err := transitionRequirements(r.Code, in, motivation, &out)
	if err != nil {
		return Outcome{}, err
	}
	missing = append(missing, more...)
	missing = append(missing, in.ExtraMissing...)
	if len(missing) > 0 {
		return Outcome{}, &MissingError{Transition: r.Code, Missing: missing}
	}
	out.Record = AuditRecord{Transition: r.Code, From: in.From, To: out.To, Motivation: motivation}
	return out, nil
}

// allowedRule returns the rule of in.Transition once the structure type is
// eligible, the transition belongs to its workflow, the actor may apply it
// and the dossier (or contract) is in a state it starts from — the first
// three errors of Check, in Check's order.
func allowedRule(in Attempt) (Rule, error) {
	if err := Eligible(in.StructureType); err != nil {
		return Rule{}, err
	}
	r, ok := rulesByCode()[in.Transition]
	if !ok {
		return Rule{}, notFound(in.From)
	}
	from, ok := r.From[in.StructureType]
	if !ok || !in.Actor.matches(r) {
		return Rule{}, notFound(in.From)
	}
	if !slices.Contains(from, in.From) || (in.Seen != "" && in.Seen != in.From) {
		return Rule{}, conflict(r, in.StructureType, in)
	}
	if in.Today.IsZero() {
		return Rule{}, domain.Errorf(domain.EInternal, "workflow: Attempt.Today manquant")
	}
	return r, nil
}

// transitionRequirements applies the rules proper to one transition: it
// returns what is missing for it, sets on out what it decides (deadline,
// target state, position, signature, contract), and fails with a conflict
// when a position or a signature is already recorded. One case per
// transition, in the order of the workflow.
func transitionRequirements(code Transition, in Attempt, motivation string, out *Outcome) ([]string, error) {
	switch code {
	case ValiderLettreIntention:
		out.Deadline = LettreIntentionDeadline(in.Today)
	case DeposerProjetSante:
		return projetSanteFiling(in, out), nil
	case ReputerValideProjetSante:
		return reputeValideMissing(in), nil
	case DeposerDemande:
		return demandeMissing(in), nil
	case RepondreComplements:
		return complementsMissing(in.OpenComplementRequests), nil
	case DonnerAvisFavorable:
		return AvisFavorableBlockers(in.DocumentsToRedo, in.OpenComplementRequests), nil
	case PositionARS, PositionDCGDR:
		return jointReviewPosition(code, in, motivation, out)
	case Accepter, Refuser:
		return decisionMissing(code, in, out), nil
	case Signer:
		return nil, signature(in, out)
	case DemanderResiliation:
		return resiliationRequest(in, out), nil
	case Resilier:
		return resiliation(in, out), nil
	case Echoir:
		return expiryMissing(in), nil
	case Avenant:
		out.NewVersion = true
		out.To = in.From
	}
	return nil, nil
}

// projetSanteFiling requires the projet de santé's document; for a CPTS the
// filing starts the clock of the réputé validé.
func projetSanteFiling(in Attempt, out *Outcome) []string {
	var missing []string
	if !in.Documents[DocProjetSante] {
		missing = append(missing, "pièce manquante : "+DocProjetSante.Label())
	}
	if in.StructureType == domain.CPTS {
		out.Deadline = ProjetSanteReputeValide(in.Today)
	}
	return missing
}

// reputeValideMissing requires a known filing date and the two months since
// it elapsed.
func reputeValideMissing(in Attempt) []string {
	if in.ProjetSanteFiled.IsZero() {
		return []string{"la date de dépôt du projet de santé est inconnue"}
	}
	if d := ProjetSanteReputeValide(in.ProjetSanteFiled); in.Today.Before(d) {
		return []string{fmt.Sprintf("le délai de deux mois n'est pas écoulé (réputé validé le %s)", d.French())}
	}
	return nil
}

// demandeMissing requires every document of the structure type's request and
// a composition that meets the rules of its type.
func demandeMissing(in Attempt) []string {
	var missing []string
	for _, d := range RequiredDocuments(in.StructureType) {
		if !in.Documents[d] {
			missing = append(missing, "pièce manquante : "+d.Label())
		}
	}
	if !in.CompositionOK {
		if len(in.CompositionFailures) == 0 {
			missing = append(missing, "la composition de la structure ne respecte pas les règles de son type")
		}
		for _, f := range in.CompositionFailures {
			missing = append(missing, "composition : "+f)
		}
	}
	return missing
}

// complementsMissing requires every complement request to have an answer.
func complementsMissing(open int) []string {
	if open == 1 {
		return []string{"1 demande de complément n'a pas encore de réponse"}
	}
	if open > 1 {
		return []string{fmt.Sprintf("%d demandes de complément n'ont pas encore de réponse", open)}
	}
	return nil
}

// jointReviewPosition records the ARS's or the DCGDR's position, once: it
// must be favorable or défavorable, and motivated when défavorable. The
// state does not change.
func jointReviewPosition(code Transition, in Attempt, motivation string, out *Outcome) ([]string, error) {
	recorded, who := in.PositionARS, "de l'ARS"
	if code == PositionDCGDR {
		recorded, who = in.PositionDCGDR, "de la DCGDR"
	}
	if recorded != nil {
		return nil, domain.Errorf(domain.EConflict, "La position %s est déjà enregistrée (%s) : rechargez la page.", who, recorded.Label())
	}
	var missing []string
	if !in.Position.Valid() {
		missing = append(missing, "la position (favorable ou défavorable)")
	} else if in.Position == Defavorable && motivation == "" {
		missing = append(missing, "la motivation est obligatoire pour une position défavorable")
	}
	out.Position = in.Position
	out.To = in.From
	return missing, nil
}

// decisionMissing requires both joint-review positions; accepting requires
// both to be favorable and opens the contract.
func decisionMissing(code Transition, in Attempt, out *Outcome) []string {
	var missing []string
	if in.PositionARS == nil {
		missing = append(missing, "la position de l'ARS n'est pas enregistrée")
	}
	if in.PositionDCGDR == nil {
		missing = append(missing, "la position de la DCGDR n'est pas enregistrée")
	}
	if code == Accepter {
		if p := in.PositionARS; p != nil && *p != Favorable {
			missing = append(missing, "l'acceptation demande une position favorable de l'ARS (elle est défavorable)")
		}
		if p := in.PositionDCGDR; p != nil && *p != Favorable {
			missing = append(missing, "l'acceptation demande une position favorable de la DCGDR (elle est défavorable)")
		}
		out.OpensContract = true
	}
	return missing
}

// signature records the actor's party's signature, once; the third
// signature makes the contract actif, starts it today and starts the clock of
// its expiry.
func signature(in Attempt, out *Outcome) error {
	p := in.Actor.party()
	if in.Signatures[p] {
		return domain.Errorf(domain.EConflict, "La signature de %s est déjà enregistrée : rechargez la page.", p.Label())
	}
	out.Signed = p
	n := 1
	for _, q := range Parties() {
		if q != p && in.Signatures[q] {
			n++
		}
	}
	if n == len(Parties()) {
		out.To = Actif
		out.ContractStart = in.Today
		out.Deadline = ContractExpiry(in.Today)
	} else {
		out.To = ASigner
	}
	return nil
}

// resiliationRequest requires the receipt date of the résiliation letter, not
// in the future; the receipt starts the clock of the résiliation's effect.
func resiliationRequest(in Attempt, out *Outcome) []string {
	if in.ResiliationReceived.IsZero() {
		return []string{"la date de réception du courrier de résiliation"}
	}
	var missing []string
	if in.ResiliationReceived.After(in.Today) {
		missing = append(missing, "la date de réception ne peut pas être dans le futur")
	}
	out.Deadline = ResiliationEffective(in.ResiliationReceived)
	return missing
}

// resiliation requires a known receipt date and the résiliation to have
// taken effect.
func resiliation(in Attempt, out *Outcome) []string {
	if in.ResiliationReceived.IsZero() {
		return []string{"la date de réception du courrier de résiliation est inconnue"}
	}
	var missing []string
	eff := ResiliationEffective(in.ResiliationReceived)
	if in.Today.Before(eff) {
		missing = append(missing, fmt.Sprintf("la résiliation ne prend effet que le %s", eff.French()))
	}
	out.Deadline = eff
	return missing
}

// expiryMissing requires a known contract start and its expiry reached.
func expiryMissing(in Attempt) []string {
	if in.ContractStart.IsZero() {
		return []string{"la date de début du contrat est inconnue"}
	}
	if e := ContractExpiry(in.ContractStart); in.Today.Before(e) {
		return []string{fmt.Sprintf("le contrat n'est échu que le %s", e.French())}
	}
	return nil
}

// AvisFavorableBlockers lists, in French, why the CPAM may not give an avis
// favorable yet: a required document it marked "à refaire" (the structure has
// not sent a new version) or a complement request without an answer.
//
// Decision (docs/rules.md §16): a favorable avis vouches for
// a complete dossier; an avis défavorable stays possible at any time.
func AvisFavorableBlockers(toRedo []Document, openRequests int) []string {
	var out []string
	for _, d := range toRedo {
		out = append(out, "pièce à refaire : "+d.Label())
	}
	switch {
	case openRequests == 1:
		out = append(out, "1 demande de complément n'a pas encore de réponse")
	case openRequests > 1:
		out = append(out, fmt.Sprintf("%d demandes de complément n'ont pas encore de réponse", openRequests))
	}
	return out
}

// Available lists the transitions actor may try on a dossier (or contract)
// of type st in state s, in table order, for the UI's buttons. It checks
// type, state, org kind, role and scope, not the requirements (motivation,
// documents, positions, signatures): Check explains what is missing.
// System transitions are listed only for a system actor.
func Available(st domain.StructureType, s State, actor Actor) []Transition {
	if Eligible(st) != nil {
		return nil
	}
	var out []Transition
	for _, r := range rules() {
		if from, ok := r.From[st]; ok && slices.Contains(from, s) && actor.matches(r) {
			out = append(out, r.Code)
		}
	}
	return out
}
