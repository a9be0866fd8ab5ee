package contractlife

import (
	"slices"
	"sync"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/workflow"
)

// LifeAction is an act of the contract's life other than a payment action
// (those are in PaymentRules).
type LifeAction string

const (
	DeclareStart        LifeAction = "declarer_demarrage"      // a mission started / deployed
	DeclareValues       LifeAction = "declarer_indicateurs"    // draft and submit the year's values
	ValidateValue       LifeAction = "valider_indicateur"      // validate or correct a value, with a reason
	RecordMeeting       LifeAction = "enregistrer_dialogue"    // the dialogue de gestion: date, participants, minutes
	PrepareMeeting      LifeAction = "preparer_dialogue"       // agenda and questions in the shared space
	CloseYear           LifeAction = "cloturer_annee"          // compute achievement and create the balances
	CorrectClosedYear   LifeAction = "corriger_annee_cloturee" // new evaluation record with a motivation
	AcceptCrisisPlan    LifeAction = "accepter_plan_crise"     // first writing or yearly update
	DeclareCrisis       LifeAction = "declarer_crise"          // ARS: name, dates, territory
	ProposeAvenant      LifeAction = "proposer_avenant"
	AcceptAvenant       LifeAction = "accepter_avenant"
	SignAvenant         LifeAction = "signer_avenant"        // each of the three parties
	SendTermination     LifeAction = "envoyer_resiliation"   // the structure's letter through the portal
	RecordReceipt       LifeAction = "enregistrer_reception" // the CPAM records the letter's receipt date
	TerminateByCPAM     LifeAction = "resilier_par_cpam"     // with a motivation
	RecordRecourse      LifeAction = "enregistrer_recours"   // recourse and the commission's decision
	RecoverStartUpMoney LifeAction = "recouvrer_amorcage"    // §5: a recovery of start-up money, with a motivation
)

// lifeRules says who may do each act (docs/rules.md §6, §7, §9, §10), as
// data for internal/access; "at least" that role in that kind of
// organisation (workflow.Who).
//
// From the rules: the coordinator declares starts and values and sends the
// termination letter; the CPAM referent validates or corrects values and
// closes the year; a correction after closing is the CPAM manager's; an ARS
// director declares a crisis; the CPAM accepts the crisis plan; an avenant
// is proposed by the coordinator or the CPAM, accepted by the CPAM, signed
// by the three parties; the CPAM records the receipt of a termination letter
// and may terminate (its manager).
//
// Decisions: the referent accepts the crisis plan and records meetings and
// receipts (the CPAM's day-to-day contact); any of the three parties
// prepares the meeting's shared space (agenda, questions from either side);
// an avenant is signed for the CPAM by a manager and for the ARS by a
// director, as the contract is (workflow Signer); the CPAM's termination,
// its recourse and the recovery of start-up money are the manager's.
//
// Built once (sync.OnceValue, like workflow's table): access reads it for
// every act of every page's permissions, and never changes it (LifeWho
// hands out copies).
var lifeRules = sync.OnceValue(func() map[LifeAction][]workflow.Who {
	whoCoordinator := workflow.Who{Org: domain.OrgStructure, MinRole: domain.RoleCoordinator}
	whoReferent := workflow.Who{Org: domain.OrgCPAM, MinRole: domain.RoleReferent}
	whoManager := workflow.Who{Org: domain.OrgCPAM, MinRole: domain.RoleManager}
	whoARSAgent := workflow.Who{Org: domain.OrgARS, MinRole: domain.RoleAgent}
	whoARSDirector := workflow.Who{Org: domain.OrgARS, MinRole: domain.RoleDirector}
	return map[LifeAction][]workflow.Who{
		DeclareStart:        {whoCoordinator},
		DeclareValues:       {whoCoordinator},
		ValidateValue:       {whoReferent},
		PrepareMeeting:      {whoCoordinator, whoReferent, whoARSAgent},
		RecordMeeting:       {whoReferent},
		CloseYear:           {whoReferent},
		CorrectClosedYear:   {whoManager},
		AcceptCrisisPlan:    {whoReferent},
		DeclareCrisis:       {whoARSDirector},
		ProposeAvenant:      {whoCoordinator, whoReferent},
		AcceptAvenant:       {whoReferent},
		SignAvenant:         {whoCoordinator, whoManager, whoARSDirector},
		SendTermination:     {whoCoordinator},
		RecordReceipt:       {whoReferent},
		TerminateByCPAM:     {whoManager},
		RecordRecourse:      {whoManager},
		RecoverStartUpMoney: {whoManager},
	}
})

// LifeWho returns who may do act a (a copy), and whether a is known.
func LifeWho(a LifeAction) ([]workflow.Who, bool) {
	w, ok := lifeRules()[a]
	return slices.Clone(w), ok
}

// LifeActions lists every act, in a stable order.
func LifeActions() []LifeAction {
	rules := lifeRules()
	out := make([]LifeAction, 0, len(rules))
	for a := range rules {
		out = append(out, a)
	}
	slices.Sort(out)
	return out
}
