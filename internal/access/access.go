// Package access decides what a viewer may do. One Permission is computed per
// request for the subject of the page (a structure, a dossier or a
// contract), from the viewer's active membership (organisation kind, role,
// organisation) and the subject's state; handlers ask it which forms and
// buttons to show, store transitions ask it before they write (docs/rules.md §12).
// Role checks live here and nowhere else; the workflow's rule of who may
// apply which transition stays in internal/domain/workflow and is read here,
// not copied.
//
// Visibility is not decided here: the subject is assumed to have been loaded
// through the viewer's store.Scope (outside it, the record is "not found").
// A structure's users only ever see their own structure, so the one scope
// fact access needs is whether the subject is the viewer's own structure.
//
// Adding an act: one constant in the list below (before numActs) and one line
// in Act.spec giving its name and its rule.
package access

import (
	"slices"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/contractlife"
	"github.com/portail-aci/aci/internal/domain/workflow"
)

// Viewer is the active membership of a user: who asks.
type Viewer struct {
	UserID int64
	OrgID  int64
	Kind   domain.OrgKind
	Role   domain.Role
}

// Valid reports whether v names a real membership (a role its organisation
// kind may grant).
func (v Viewer) Valid() bool { return v.UserID > 0 && v.OrgID > 0 && v.Role.AllowedFor(v.Kind) }

// SubjectKind is what a permission is about.
type SubjectKind int

const (
	// SubjectNone: no record (viewer-level acts: administer, create a
	// structure, export the structures list...).
	SubjectNone SubjectKind = iota
	SubjectStructure
	SubjectDossier
	SubjectContract
)

// Subject is the record a permission is about, with the facts the rules read.
type Subject struct {
	Kind          SubjectKind
	StructureID   int64 // the structure the record belongs to (itself, for a structure)
	StructureType domain.StructureType
	Archived      bool                    // structure: archived
	State         workflow.State          // dossier or contract state
	Avis          workflow.Position       // dossier: the CPAM's avis, when given
	Signed        map[workflow.Party]bool // contract: signatures already recorded
}

// Structure is a structure as a subject.
func Structure(id int64, t domain.StructureType, archived bool) Subject {
	return Subject{Kind: SubjectStructure, StructureID: id, StructureType: t, Archived: archived}
}

// Dossier is a dossier as a subject: its structure, type, state and the
// CPAM's avis (empty before it is given).
func Dossier(structureID int64, t domain.StructureType, st workflow.State, avis workflow.Position) Subject {
	return Subject{Kind: SubjectDossier, StructureID: structureID, StructureType: t, State: st, Avis: avis}
}

// Contract is a contract as a subject: its structure, type, state and the
// parties that have signed it.
func Contract(structureID int64, t domain.StructureType, st workflow.State, signed map[workflow.Party]bool) Subject {
	return Subject{Kind: SubjectContract, StructureID: structureID, StructureType: t, State: st, Signed: signed}
}

// Act is one thing a viewer may do. The list is closed: every act has a
// constant here and a rule in Act.spec.
type Act int

const (
	// Viewer-level acts (any subject, SubjectNone included).
	ActAdminister        Act = iota // national admin: users, organisations, barèmes
	ActCreateStructure              // register a new structure
	ActExportStructures             // download the structures list as CSV
	ActSeeInstruction               // the instruction queue and the agents' area
	ActWorkInstruction              // take part in the instruction (CPAM, ARS, DCGDR)
	ActReadInternalNotes            // read the agents' internal notes
	ActWorkAsStructure              // work for a structure: its own dossier and contract (any role)
	ActSteer                        // the steering page /pilotage: national (admin) or its region (ARS, DCGDR), read-only (docs/rules.md §32)

	// Structure acts.
	ActView              // see the record (it was loaded through the scope)
	ActEditStructure     // change the structure's identity
	ActEditMembers       // change the structure's members
	ActArchive           // archive the structure
	ActUnarchive         // make an archived structure active again
	ActEditTerritory     // change the structure's territory
	ActCreateDossier     // open the structure's dossier
	ActSeeStatement      // read the yearly statement of sums paid (attestation, docs/rules.md §32)
	ActRequestSeatChange // ask for a change of the seat once a dossier is filed
	ActDecideSeatChange  // approve or refuse a request of change of seat
	ActMoveSeat          // change the seat directly, even once a dossier is filed

	// Dossier acts.
	ActEditContent         // edit the dossier's content (each section's state rule aside)
	ActUploadDocument      // add a version of a document (see Permission.CanUploadDocument)
	ActReviewDocuments     // mark documents accepted or à refaire
	ActSeeChecklist        // read the instruction checklist (pieces, composition, content, open requests)
	ActFileStep            // apply at least one workflow transition now (Permission.Transitions)
	ActInstruct            // take the request into instruction, transmit it to the joint review
	ActRequestComplements  // ask the structure for complements
	ActAnswerComplements   // answer a complement request
	ActGiveAvis            // give the CPAM's avis
	ActReviewARS           // record the ARS position of the joint review
	ActReviewDCGDR         // record the DCGDR position of the joint review
	ActDecide              // record the joint decision (accept or refuse)
	ActSetAppointment      // set the signature appointment
	ActPostMessage         // write in the dossier's thread
	ActPostInternalNote    // write an internal note in the dossier's thread
	ActOrganiseAccelerator // schedule an accelerator session and record its report (docs/rules.md §10)

	// Contract acts.
	ActSignStructure       // sign the contract for the structure
	ActSignCPAM            // sign the contract for the CPAM
	ActSignARS             // sign the contract for the ARS
	ActRequestTermination  // record a résiliation request
	ActTerminate           // pronounce the résiliation
	ActDeclareMissionStart // declare a mission's start or deployment (docs/rules.md §28)

	// The yearly evaluation of a contract (docs/rules.md §6, §29): who is
	// contractlife.LifeWho's; on a contract in force (or being terminated).
	ActDeclareValues     // declare the year's indicator values (draft, submit)
	ActValidateValues    // validate or correct a declared value
	ActPrepareMeeting    // write in the dialogue de gestion's shared space
	ActRecordMeeting     // record the dialogue de gestion
	ActCloseYear         // close the year (balances)
	ActCorrectClosedYear // a new evaluation record after closing (adjustments)
	// Payment acts (viewer-level: the payment was loaded through the scope;
	// docs/rules.md §30).
	ActSeePayments       // the CPAM's payment work: import of confirmations, payments on a contract or a dossier
	ActViewPayments      // the /paiements list, its filters, totals and export (read-only for national admins)
	ActOrderPayment      // order a planned payment (one or a batch)
	ActPayPayment        // record an ordered payment as paid (date, accounting reference)
	ActRecoverPayment    // record an ordered recovery as recovered
	ActCancelPayment     // cancel a planned or ordered payment (reason)
	ActRecordTermination // record the receipt of a termination letter, a CPAM termination, a recourse and its decision

	// Health crises, crisis plan and avenants with effect (docs/rules.md §31).
	ActDeclareCrisis    // viewer-level: declare a health crisis (ARS director)
	ActSeeCrises        // viewer-level: the crises list (each row through the scope)
	ActUploadCrisisPlan // contract: add a version of the crisis plan
	ActDecideCrisisPlan // contract: accept or refuse a version of the crisis plan
	ActProposeAvenant   // contract: propose an avenant with effect
	ActAcceptAvenant    // contract: accept (or refuse) a proposed avenant
	ActSignAvenant      // contract: sign an accepted avenant for one's party

	numActs // keep last
)

// All lists every act, in declaration order.
func All() []Act {
	out := make([]Act, 0, numActs)
	for a := Act(0); a < numActs; a++ {
		out = append(out, a)
	}
	return out
}

// String is the act's stable code (logs, tests).
func (a Act) String() string {
	name, _ := a.spec()
	return name
}

// facts is what a rule reads: the viewer, the subject, and what the
// workflow lets the viewer do on it.
type facts struct {
	v     Viewer
	s     Subject
	own   bool // the viewer acts for the subject's structure
	ok    bool // v.Valid(), computed once: every rule reads it
	avail []workflow.Transition
}

// newFacts is the facts of v on s, before the workflow's transitions.
func newFacts(v Viewer, s Subject) facts {
	return facts{v: v, s: s, own: v.Kind == domain.OrgStructure && s.StructureID != 0 && v.OrgID == s.StructureID, ok: v.Valid()}
}

func (f facts) valid() bool                   { return f.ok }
func (f facts) kind(k ...domain.OrgKind) bool { return f.valid() && slices.Contains(k, f.v.Kind) }
func (f facts) admin() bool                   { return f.kind(domain.OrgNational) && f.v.Role == domain.RoleAdmin }
func (f facts) on(k SubjectKind) bool         { return f.s.Kind == k }
func (f facts) in(st ...workflow.State) bool  { return slices.Contains(st, f.s.State) }
func (f facts) can(t ...workflow.Transition) bool {
	for _, x := range t {
		if slices.Contains(f.avail, x) {
			return true
		}
	}
	return false
}

// coordinator: a coordinator of the subject's own structure (docs/rules.md §12:
// "coordinator (edits, files, signs for the structure)").
func (f facts) coordinator() bool {
	return f.kind(domain.OrgStructure) && f.own && f.v.Role.AtLeast(domain.RoleCoordinator)
}

// referent: a CPAM referent or manager (the higher CPAM role can do
// everything the referent does).
func (f facts) referent() bool {
	return f.kind(domain.OrgCPAM) && f.v.Role.AtLeast(domain.RoleReferent)
}

// signs: the workflow lets the viewer sign, for party p, a contract p has
// not signed yet.
func (f facts) signs(p workflow.Party) bool {
	return f.on(SubjectContract) && f.can(workflow.Signer) && party(f) == p && !f.s.Signed[p]
}

// documentsOpen: the dossier's documents may change in these states (every
// piece, except in projet_sante_depose the projet de santé, which the ARS is
// reviewing: see Permission.CanUploadDocument).
func documentsOpen(st workflow.State) bool {
	switch st {
	case workflow.Brouillon, workflow.LettreIntentionDeposee, workflow.LettreIntentionValidee,
		workflow.ProjetSanteDepose, workflow.ProjetSanteACompleter, workflow.ProjetSanteValide,
		workflow.ComplementsDemandes:
		return true
	}
	return false
}

// spec gives an act's code and its rule: one line per act.
func (a Act) spec() (string, func(facts) bool) {
	switch a {
	case ActAdminister:
		return "administer", facts.admin
	case ActCreateStructure:
		// Decision: a national admin, for any département; any user acting
		// for a structure (a professional setting up a new MSP often already
		// belongs to a CPTS), who becomes its coordinator. CPAM, ARS and
		// DCGDR instruct structures, they do not register them.
		return "create_structure", func(f facts) bool { return f.admin() || f.kind(domain.OrgStructure) }
	case ActExportStructures:
		return "export_structures", func(f facts) bool {
			return f.kind(domain.OrgCPAM, domain.OrgARS, domain.OrgDCGDR, domain.OrgNational)
		}
	case ActSeeInstruction:
		return "see_instruction", func(f facts) bool {
			return f.kind(domain.OrgCPAM, domain.OrgARS, domain.OrgDCGDR, domain.OrgNational)
		}
	case ActWorkInstruction:
		return "work_instruction", func(f facts) bool { return f.kind(domain.OrgCPAM, domain.OrgARS, domain.OrgDCGDR) }
	case ActWorkAsStructure:
		return "work_as_structure", func(f facts) bool { return f.kind(domain.OrgStructure) }
	case ActSteer:
		// docs/rules.md §32: a national admin for the whole country; every
		// ARS and DCGDR role for its region (the scope narrows it), read-only.
		return "steer", func(f facts) bool {
			return f.admin() || f.kind(domain.OrgARS, domain.OrgDCGDR)
		}
	case ActReadInternalNotes:
		// Every organisation except the structures.
		return "read_internal_notes", func(f facts) bool { return f.valid() && f.v.Kind != domain.OrgStructure }

	case ActView:
		return "view", func(f facts) bool {
			return f.valid() && !f.on(SubjectNone) && (f.v.Kind != domain.OrgStructure || f.own)
		}
	case ActEditStructure:
		return "edit_structure", editStructure
	case ActEditMembers:
		return "edit_members", editStructure
	case ActArchive:
		return "archive", editStructure
	case ActUnarchive:
		// Decision: a national admin only, audited (docs/rules.md §21).
		return "unarchive", func(f facts) bool { return f.on(SubjectStructure) && f.s.Archived && f.admin() }
	case ActEditTerritory:
		// Its own coordinator or a national admin; CPAM, ARS and DCGDR read.
		return "edit_territory", func(f facts) bool {
			return f.on(SubjectStructure) && (f.admin() || f.coordinator())
		}
	case ActRequestSeatChange:
		// The structure's coordinator (docs/rules.md §33).
		return "request_seat_change", func(f facts) bool { return f.on(SubjectStructure) && !f.s.Archived && f.coordinator() }
	case ActDecideSeatChange:
		// A referent or manager of the CPAM of the current seat (the scope
		// loaded the structure), or a national admin (docs/rules.md §33).
		return "decide_seat_change", func(f facts) bool { return f.on(SubjectStructure) && !f.s.Archived && (f.referent() || f.admin()) }
	case ActMoveSeat:
		// Decision: only a national admin edits the seat of a structure
		// with a filed dossier directly (audited with before and after).
		return "move_seat", func(f facts) bool { return f.on(SubjectStructure) && !f.s.Archived && f.admin() }
	case ActCreateDossier:
		return "create_dossier", func(f facts) bool { return f.on(SubjectStructure) && f.coordinator() }
	case ActSeeStatement:
		// docs/rules.md §32: the structure itself (any role: its accounts)
		// and the CPAM that pays it; archived or not.
		return "see_statement", func(f facts) bool {
			return f.on(SubjectStructure) && ((f.kind(domain.OrgStructure) && f.own) || f.kind(domain.OrgCPAM))
		}

	case ActEditContent:
		// Only the structure's own coordinators, whatever the state; which
		// section may change in which state is the store's SectionEditable.
		return "edit_content", func(f facts) bool { return f.on(SubjectDossier) && f.coordinator() }
	case ActUploadDocument:
		return "upload_document", func(f facts) bool {
			return f.on(SubjectDossier) && f.coordinator() && documentsOpen(f.s.State)
		}
	case ActReviewDocuments:
		// Decision: only a CPAM referent (not the manager), who instructs
		// the request; until the avis, not after it.
		return "review_documents", func(f facts) bool {
			return f.on(SubjectDossier) && f.kind(domain.OrgCPAM) && f.v.Role == domain.RoleReferent &&
				!f.in(workflow.AvisFavorable, workflow.AvisDefavorable, workflow.ExamenConjoint, workflow.Acceptee, workflow.Refusee)
		}
	case ActSeeChecklist:
		// The CPAM (referent or manager) instructs the request from its
		// filing to its avis (docs/rules.md §16).
		return "see_checklist", func(f facts) bool {
			return f.on(SubjectDossier) && f.referent() &&
				f.in(workflow.DemandeDeposee, workflow.EnInstruction, workflow.ComplementsDemandes)
		}
	case ActFileStep:
		return "file_step", func(f facts) bool { return len(f.avail) > 0 }
	case ActInstruct:
		return "instruct", func(f facts) bool {
			return f.on(SubjectDossier) && f.can(workflow.PrendreEnInstruction, workflow.TransmettreExamenConjoint)
		}
	case ActRequestComplements:
		// A CPAM referent or manager, while the request is instructed.
		return "request_complements", func(f facts) bool {
			return f.on(SubjectDossier) && f.referent() && f.in(workflow.EnInstruction, workflow.ComplementsDemandes)
		}
	case ActAnswerComplements:
		return "answer_complements", func(f facts) bool {
			// An open request is always answerable while the dossier is in
			// instruction (docs/rules.md §17).
			return f.on(SubjectDossier) && f.coordinator() && f.in(workflow.ComplementsDemandes, workflow.EnInstruction)
		}
	case ActGiveAvis:
		return "give_avis", func(f facts) bool {
			return f.on(SubjectDossier) && f.can(workflow.DonnerAvisFavorable, workflow.DonnerAvisDefavorable)
		}
	case ActReviewARS:
		return "review_ars", func(f facts) bool { return f.on(SubjectDossier) && f.can(workflow.PositionARS) }
	case ActReviewDCGDR:
		return "review_dcgdr", func(f facts) bool { return f.on(SubjectDossier) && f.can(workflow.PositionDCGDR) }
	case ActDecide:
		return "decide", func(f facts) bool { return f.on(SubjectDossier) && f.can(workflow.Accepter, workflow.Refuser) }
	case ActSetAppointment:
		// A CPAM referent or manager, after a favorable avis.
		return "set_appointment", func(f facts) bool {
			return f.on(SubjectDossier) && f.referent() && f.s.Avis == workflow.Favorable &&
				f.in(workflow.AvisFavorable, workflow.ExamenConjoint, workflow.Acceptee)
		}
	case ActOrganiseAccelerator:
		// The ARS (agent, director) and the CPAM (referent, manager) offer a
		// CPTS project accelerator sessions and write their reports (docs/
		// rules.md §10). Decision: at any step of the dossier (a report is
		// often written once the dossier has moved on); the store also
		// requires the report's writer to be of the session's organiser.
		return "organise_accelerator", func(f facts) bool {
			return f.on(SubjectDossier) && f.s.StructureType == domain.CPTS &&
				(f.referent() || (f.kind(domain.OrgARS) && f.v.Role.AtLeast(domain.RoleAgent)))
		}
	case ActPostMessage:
		// Decision: a structure's coordinators write (its members read);
		// every CPAM, ARS and DCGDR role writes; the national level reads.
		return "post_message", postMessage
	case ActPostInternalNote:
		return "post_internal_note", func(f facts) bool { return postMessage(f) && f.v.Kind != domain.OrgStructure }

	case ActSignStructure:
		return "sign_structure", func(f facts) bool { return f.signs(workflow.PartyStructure) }
	case ActSignCPAM:
		return "sign_cpam", func(f facts) bool { return f.signs(workflow.PartyCPAM) }
	case ActSignARS:
		return "sign_ars", func(f facts) bool { return f.signs(workflow.PartyARS) }
	case ActRequestTermination:
		return "request_termination", func(f facts) bool { return f.on(SubjectContract) && f.can(workflow.DemanderResiliation) }
	case ActTerminate:
		return "terminate", func(f facts) bool { return f.on(SubjectContract) && f.can(workflow.Resilier) }

	case ActDeclareValues:
		return "declare_values", func(f facts) bool { return yearAct(f, contractlife.DeclareValues) }
	case ActValidateValues:
		return "validate_values", func(f facts) bool { return yearAct(f, contractlife.ValidateValue) }
	case ActPrepareMeeting:
		return "prepare_meeting", func(f facts) bool { return yearAct(f, contractlife.PrepareMeeting) }
	case ActRecordMeeting:
		return "record_meeting", func(f facts) bool { return yearAct(f, contractlife.RecordMeeting) }
	case ActCloseYear:
		return "close_year", func(f facts) bool { return yearAct(f, contractlife.CloseYear) }
	case ActCorrectClosedYear:
		return "correct_closed_year", func(f facts) bool { return yearAct(f, contractlife.CorrectClosedYear) }
	case ActSeePayments:
		// The CPAM pays (docs/rules.md §30): its referents and managers.
		return "see_payments", func(f facts) bool { return f.referent() }
	case ActViewPayments:
		// The CPAM, and national admins read-only (the acts on payments stay
		// the CPAM's: docs/rules.md §35).
		return "view_payments", func(f facts) bool { return f.referent() || f.admin() }
	case ActOrderPayment:
		return "order_payment", paymentAct(contractlife.Order)
	case ActPayPayment:
		return "pay_payment", paymentAct(contractlife.Pay)
	case ActRecoverPayment:
		return "recover_payment", paymentAct(contractlife.Recover)
	case ActCancelPayment:
		return "cancel_payment", paymentAct(contractlife.Cancel)
	case ActRecordTermination:
		// The CPAM records the receipt of a structure's letter, its own
		// termination, the recourse and the commission's decision
		// (docs/rules.md §30): a referent or manager, on a contract in force.
		return "record_termination", func(f facts) bool {
			return f.on(SubjectContract) && f.referent() && f.in(workflow.Actif, workflow.ResiliationDemandee)
		}
	case ActDeclareMissionStart:
		// Who: contractlife's table (the structure's coordinator); on a
		// CPTS contract in force (docs/rules.md §7, §28). Decision: not
		// once a résiliation is requested — the contract is ending.
		return "declare_mission_start", func(f facts) bool {
			return f.on(SubjectContract) && f.s.StructureType == domain.CPTS && f.in(workflow.Actif) && f.life(contractlife.DeclareStart)
		}
	case ActDeclareCrisis:
		return "declare_crisis", func(f facts) bool { return f.life(contractlife.DeclareCrisis) }
	case ActSeeCrises:
		// Everyone signed in; the scope decides which crises (store.Scope).
		return "see_crises", facts.valid
	case ActUploadCrisisPlan:
		// The coordinator of a CPTS whose contract is in force.
		return "upload_crisis_plan", func(f facts) bool {
			return f.lifeContract() && f.coordinator()
		}
	case ActDecideCrisisPlan:
		return "decide_crisis_plan", func(f facts) bool {
			return f.lifeContract() && f.life(contractlife.AcceptCrisisPlan)
		}
	case ActProposeAvenant:
		return "propose_avenant", func(f facts) bool {
			return f.on(SubjectContract) && f.in(workflow.Actif) && f.s.StructureType == domain.CPTS &&
				(f.coordinator() || f.life(contractlife.ProposeAvenant) && f.v.Kind != domain.OrgStructure)
		}
	case ActAcceptAvenant:
		return "accept_avenant", func(f facts) bool {
			return f.on(SubjectContract) && f.in(workflow.Actif) && f.s.StructureType == domain.CPTS && f.life(contractlife.AcceptAvenant)
		}
	case ActSignAvenant:
		// For the structure its own coordinator; for the CPAM a manager;
		// for the ARS a director (contractlife.LifeWho).
		return "sign_avenant", func(f facts) bool {
			return f.on(SubjectContract) && f.in(workflow.Actif) && f.s.StructureType == domain.CPTS && f.life(contractlife.SignAvenant) &&
				(f.v.Kind != domain.OrgStructure || f.own)
		}
	}
	return "unknown", func(facts) bool { return false }
}

// paymentAct reads who may apply a payment action from the lifecycle table
// (contractlife.PaymentRules, Who: "at least" that role of that kind).
func paymentAct(a contractlife.PaymentAction) func(facts) bool {
	return func(f facts) bool {
		r, ok := contractlife.PaymentRule(a)
		if !ok || !f.valid() {
			return false
		}
		for _, w := range r.Who {
			if f.v.Kind == w.Org && f.v.Role.AtLeast(w.MinRole) {
				return true
			}
		}
		return false
	}
}

// life reports whether the viewer is one of those contractlife says may do
// act a (docs/rules.md §28); a structure acts only for itself.
func (f facts) life(a contractlife.LifeAction) bool {
	who, _ := contractlife.LifeWho(a)
	for _, w := range who {
		if f.kind(w.Org) && f.v.Role.AtLeast(w.MinRole) && (w.Org != domain.OrgStructure || f.own) {
			return true
		}
	}
	return false
}

// lifeContract: a CPTS contract in force (actif or résiliation demandée).
func (f facts) lifeContract() bool {
	return f.on(SubjectContract) && f.s.StructureType == domain.CPTS && f.in(workflow.Actif, workflow.ResiliationDemandee)
}

// editStructure: a national admin edits every structure, a structure's
// coordinator their own; an archived structure is not edited.
func editStructure(f facts) bool {
	return f.on(SubjectStructure) && !f.s.Archived && (f.admin() || f.coordinator())
}

// yearAct: an act of the yearly evaluation, by whom contractlife.LifeWho
// says (at least that role in that kind of organisation; a structure's
// users only for their own structure), on a contract in force or whose
// termination is requested (docs/rules.md §6, §29).
func yearAct(f facts, a contractlife.LifeAction) bool {
	if !f.on(SubjectContract) || !f.in(workflow.Actif, workflow.ResiliationDemandee) || !f.valid() {
		return false
	}
	who, _ := contractlife.LifeWho(a)
	for _, w := range who {
		if w.Org == f.v.Kind && f.v.Role.AtLeast(w.MinRole) && (w.Org != domain.OrgStructure || f.own) {
			return true
		}
	}
	return false
}

func postMessage(f facts) bool {
	if !f.on(SubjectDossier) {
		return false
	}
	return f.coordinator() || f.kind(domain.OrgCPAM, domain.OrgARS, domain.OrgDCGDR)
}

// party is the signatory the viewer's organisation signs for on the
// subject's contract, or "" (DCGDR, national, another structure).
func party(f facts) workflow.Party {
	if !f.valid() {
		return ""
	}
	switch f.v.Kind {
	case domain.OrgStructure:
		if f.own {
			return workflow.PartyStructure
		}
	case domain.OrgCPAM:
		return workflow.PartyCPAM
	case domain.OrgARS:
		return workflow.PartyARS
	}
	return ""
}

// Permission is what a viewer may do on one subject, computed once.
type Permission struct {
	acts        uint64
	transitions []workflow.Transition
	party       workflow.Party
	state       workflow.State
}

// For computes the viewer's permission on subject s (loaded through the
// viewer's scope).
func For(v Viewer, s Subject) Permission {
	f := newFacts(v, s)
	if f.ok && (s.Kind == SubjectDossier || s.Kind == SubjectContract) {
		f.avail = workflow.Available(s.StructureType, s.State, f.actor())
	}
	p := Permission{transitions: f.avail, state: s.State}
	if s.Kind == SubjectContract {
		p.party = party(f)
	}
	for a := Act(0); a < numActs; a++ {
		if _, rule := a.spec(); rule(f) {
			p.acts |= 1 << uint(a)
		}
	}
	return p
}

// ForViewer is the viewer's permission outside any record: the
// viewer-level acts (administer, create a structure, the instruction area...).
func ForViewer(v Viewer) Permission { return For(v, Subject{}) }

// DigestOnlyOffice reports whether an office of this kind and role is told
// of a dossier's events in the daily digest rather than at once, unless the
// step is its own to take (docs/rules.md §20): a CPAM manager signs for the
// CPAM while the referents instruct. An ARS director, often the only ARS
// account of a region, stays told at once.
func DigestOnlyOffice(kind domain.OrgKind, role domain.Role) bool {
	return kind == domain.OrgCPAM && role == domain.RoleManager
}

// Actor is the workflow actor of v on a record of structure structureID
// loaded through v's scope (workflow.Check, workflow.Available).
func Actor(v Viewer, structureID int64) workflow.Actor {
	return newFacts(v, Subject{StructureID: structureID}).actor()
}

func (f facts) actor() workflow.Actor {
	return workflow.Actor{OrgKind: f.v.Kind, Role: f.v.Role, InScope: true, IsOwnStructure: f.own}
}

// Can reports whether the act is allowed.
func (p Permission) Can(a Act) bool { return a >= 0 && a < numActs && p.acts&(1<<uint(a)) != 0 }

// Transitions lists the workflow transitions the viewer may apply to the
// dossier or contract now, in the workflow's table order (their
// requirements aside: workflow.Check explains what is missing).
func (p Permission) Transitions() []workflow.Transition {
	return append([]workflow.Transition(nil), p.transitions...)
}

// CanTransition reports whether t is one of Transitions.
func (p Permission) CanTransition(t workflow.Transition) bool {
	return slices.Contains(p.transitions, t)
}

// Party is the signatory the viewer signs for on a contract subject, or ""
// when the viewer's organisation is not a party.
func (p Permission) Party() workflow.Party { return p.party }

// CanUploadDocument reports whether the viewer may add a version of the
// document of code code (a workflow.Document, or any other piece): a
// coordinator of the dossier's structure, while its documents are open;
// while the ARS reviews the projet de santé (projet_sante_depose) that one
// piece is frozen.
func (p Permission) CanUploadDocument(code string) bool {
	if !p.Can(ActUploadDocument) {
		return false
	}
	return !(p.state == workflow.ProjetSanteDepose && code == string(workflow.DocProjetSante))
}
