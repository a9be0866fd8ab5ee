package access_test

import (
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/portail-aci/aci/internal/access"
	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/workflow"
)

// The subject's structure is 10; "coordinator" and "member" act for it,
// "other" is the coordinator of structure 20.
const own = 10

var viewers = map[string]access.Viewer{
	"coordinator": {UserID: 1, OrgID: own, Kind: domain.OrgStructure, Role: domain.RoleCoordinator},
	"member":      {UserID: 2, OrgID: own, Kind: domain.OrgStructure, Role: domain.RoleMember},
	"other":       {UserID: 3, OrgID: 20, Kind: domain.OrgStructure, Role: domain.RoleCoordinator},
	"referent":    {UserID: 4, OrgID: 30, Kind: domain.OrgCPAM, Role: domain.RoleReferent},
	"manager":     {UserID: 5, OrgID: 30, Kind: domain.OrgCPAM, Role: domain.RoleManager},
	"agent":       {UserID: 6, OrgID: 40, Kind: domain.OrgARS, Role: domain.RoleAgent},
	"director":    {UserID: 7, OrgID: 40, Kind: domain.OrgARS, Role: domain.RoleDirector},
	"reviewer":    {UserID: 8, OrgID: 50, Kind: domain.OrgDCGDR, Role: domain.RoleReviewer},
	"admin":       {UserID: 9, OrgID: 60, Kind: domain.OrgNational, Role: domain.RoleAdmin},
	// A role its organisation kind cannot grant, and no membership at all.
	"mismatch": {UserID: 10, OrgID: own, Kind: domain.OrgStructure, Role: domain.RoleAdmin},
	"nobody":   {},
}

// base: the viewer-level acts, whatever the subject.
var base = map[string]string{
	"coordinator": "create_structure work_as_structure see_crises",
	"member":      "create_structure work_as_structure see_crises",
	"other":       "create_structure work_as_structure see_crises",
	"referent":    "export_structures see_instruction work_instruction read_internal_notes see_payments view_payments order_payment pay_payment recover_payment see_crises",
	"manager":     "export_structures see_instruction work_instruction read_internal_notes see_payments view_payments order_payment pay_payment recover_payment cancel_payment see_crises",
	"agent":       "export_structures see_instruction work_instruction read_internal_notes steer see_crises",
	"director":    "export_structures see_instruction work_instruction read_internal_notes steer see_crises declare_crisis",
	"reviewer":    "export_structures see_instruction work_instruction read_internal_notes steer see_crises",
	"admin":       "administer create_structure export_structures see_instruction read_internal_notes view_payments steer see_crises",
	"mismatch":    "",
	"nobody":      "",
}

type want map[string]string // viewer -> acts beyond base; a viewer left out has none

// Shorthands for the lists that repeat.
const (
	agentsRead = "view post_message post_internal_note" // an agent who only reads and writes in the thread
	coordOpen  = "view edit_content upload_document post_message"
	coordShut  = "view edit_content post_message"
)

func dossier(t domain.StructureType, st workflow.State, avis workflow.Position) access.Subject {
	return access.Dossier(own, t, st, avis)
}

func contract(st workflow.State, signed ...workflow.Party) access.Subject {
	m := map[workflow.Party]bool{}
	for _, p := range signed {
		m[p] = true
	}
	return access.Contract(own, domain.CPTS, st, m)
}

var cases = []struct {
	name    string
	subject access.Subject
	want    want
}{
	{"no subject", access.Subject{}, want{}},

	{"structure", access.Structure(own, domain.CPTS, false), want{
		"coordinator": "view edit_structure edit_members archive edit_territory create_dossier see_statement request_seat_change",
		"member":      "view see_statement",
		"referent":    "view see_statement decide_seat_change", "manager": "view see_statement decide_seat_change", "agent": "view", "director": "view", "reviewer": "view",
		"admin": "view edit_structure edit_members archive edit_territory decide_seat_change move_seat",
	}},
	{"structure archived", access.Structure(own, domain.CPTS, true), want{
		"coordinator": "view edit_territory create_dossier see_statement",
		"member":      "view see_statement",
		"referent":    "view see_statement", "manager": "view see_statement", "agent": "view", "director": "view", "reviewer": "view",
		"admin": "view unarchive edit_territory",
	}},

	{"CPTS brouillon", dossier(domain.CPTS, workflow.Brouillon, ""), want{
		"coordinator": coordOpen + " file_step", "member": "view",
		"referent": agentsRead + " review_documents" + " organise_accelerator", "manager": agentsRead + " organise_accelerator",
		"agent": agentsRead + " organise_accelerator", "director": agentsRead + " organise_accelerator", "reviewer": agentsRead, "admin": "view",
	}},
	{"CPTS lettre_intention_deposee", dossier(domain.CPTS, workflow.LettreIntentionDeposee, ""), want{
		"coordinator": coordOpen, "member": "view",
		"referent": agentsRead + " review_documents" + " organise_accelerator", "manager": agentsRead + " organise_accelerator",
		"agent": agentsRead + " file_step" + " organise_accelerator", "director": agentsRead + " file_step" + " organise_accelerator", "reviewer": agentsRead, "admin": "view",
	}},
	{"CPTS lettre_intention_validee", dossier(domain.CPTS, workflow.LettreIntentionValidee, ""), want{
		"coordinator": coordOpen + " file_step", "member": "view",
		"referent": agentsRead + " review_documents" + " organise_accelerator", "manager": agentsRead + " organise_accelerator",
		"agent": agentsRead + " organise_accelerator", "director": agentsRead + " organise_accelerator", "reviewer": agentsRead, "admin": "view",
	}},
	{"CPTS projet_sante_depose", dossier(domain.CPTS, workflow.ProjetSanteDepose, ""), want{
		"coordinator": coordOpen, "member": "view",
		"referent": agentsRead + " review_documents" + " organise_accelerator", "manager": agentsRead + " organise_accelerator",
		"agent": agentsRead + " file_step" + " organise_accelerator", "director": agentsRead + " file_step" + " organise_accelerator", "reviewer": agentsRead, "admin": "view",
	}},
	{"CPTS projet_sante_a_completer", dossier(domain.CPTS, workflow.ProjetSanteACompleter, ""), want{
		"coordinator": coordOpen + " file_step", "member": "view",
		"referent": agentsRead + " review_documents" + " organise_accelerator", "manager": agentsRead + " organise_accelerator",
		"agent": agentsRead + " organise_accelerator", "director": agentsRead + " organise_accelerator", "reviewer": agentsRead, "admin": "view",
	}},
	{"CPTS projet_sante_valide", dossier(domain.CPTS, workflow.ProjetSanteValide, ""), want{
		"coordinator": coordOpen + " file_step", "member": "view",
		"referent": agentsRead + " review_documents" + " organise_accelerator", "manager": agentsRead + " organise_accelerator",
		"agent": agentsRead + " organise_accelerator", "director": agentsRead + " organise_accelerator", "reviewer": agentsRead, "admin": "view",
	}},
	{"CPTS demande_deposee", dossier(domain.CPTS, workflow.DemandeDeposee, ""), want{
		"coordinator": coordShut, "member": "view",
		"referent": agentsRead + " review_documents see_checklist file_step instruct" + " organise_accelerator", "manager": agentsRead + " see_checklist file_step instruct" + " organise_accelerator",
		"agent": agentsRead + " organise_accelerator", "director": agentsRead + " organise_accelerator", "reviewer": agentsRead, "admin": "view",
	}},
	{"CPTS en_instruction", dossier(domain.CPTS, workflow.EnInstruction, ""), want{
		// An open request is always answerable (docs/rules.md §17).
		"coordinator": coordShut + " answer_complements", "member": "view",
		"referent": agentsRead + " review_documents see_checklist file_step request_complements give_avis" + " organise_accelerator",
		"manager":  agentsRead + " see_checklist file_step request_complements give_avis" + " organise_accelerator",
		"agent":    agentsRead + " organise_accelerator", "director": agentsRead + " organise_accelerator", "reviewer": agentsRead, "admin": "view",
	}},
	{"CPTS complements_demandes", dossier(domain.CPTS, workflow.ComplementsDemandes, ""), want{
		"coordinator": coordOpen + " file_step answer_complements", "member": "view",
		"referent": agentsRead + " review_documents see_checklist request_complements" + " organise_accelerator", "manager": agentsRead + " see_checklist request_complements" + " organise_accelerator",
		"agent": agentsRead + " organise_accelerator", "director": agentsRead + " organise_accelerator", "reviewer": agentsRead, "admin": "view",
	}},
	{"CPTS avis_favorable", dossier(domain.CPTS, workflow.AvisFavorable, workflow.Favorable), want{
		"coordinator": coordShut, "member": "view",
		"referent": agentsRead + " file_step instruct set_appointment" + " organise_accelerator", "manager": agentsRead + " file_step instruct set_appointment" + " organise_accelerator",
		"agent": agentsRead + " organise_accelerator", "director": agentsRead + " organise_accelerator", "reviewer": agentsRead, "admin": "view",
	}},
	{"CPTS avis_defavorable", dossier(domain.CPTS, workflow.AvisDefavorable, workflow.Defavorable), want{
		"coordinator": coordShut, "member": "view",
		"referent": agentsRead + " file_step instruct" + " organise_accelerator", "manager": agentsRead + " file_step instruct" + " organise_accelerator",
		"agent": agentsRead + " organise_accelerator", "director": agentsRead + " organise_accelerator", "reviewer": agentsRead, "admin": "view",
	}},
	{"CPTS examen_conjoint after a favorable avis", dossier(domain.CPTS, workflow.ExamenConjoint, workflow.Favorable), want{
		"coordinator": coordShut, "member": "view",
		"referent": agentsRead + " set_appointment" + " organise_accelerator", "manager": agentsRead + " set_appointment" + " organise_accelerator",
		"agent": agentsRead + " file_step review_ars" + " organise_accelerator", "director": agentsRead + " file_step review_ars decide" + " organise_accelerator",
		"reviewer": agentsRead + " file_step review_dcgdr", "admin": "view",
	}},
	{"CPTS examen_conjoint after an unfavorable avis", dossier(domain.CPTS, workflow.ExamenConjoint, workflow.Defavorable), want{
		"coordinator": coordShut, "member": "view",
		"referent": agentsRead + " organise_accelerator", "manager": agentsRead + " organise_accelerator",
		"agent": agentsRead + " file_step review_ars" + " organise_accelerator", "director": agentsRead + " file_step review_ars decide" + " organise_accelerator",
		"reviewer": agentsRead + " file_step review_dcgdr", "admin": "view",
	}},
	{"CPTS acceptee", dossier(domain.CPTS, workflow.Acceptee, workflow.Favorable), want{
		"coordinator": coordShut, "member": "view",
		"referent": agentsRead + " set_appointment" + " organise_accelerator", "manager": agentsRead + " set_appointment" + " organise_accelerator",
		"agent": agentsRead + " organise_accelerator", "director": agentsRead + " organise_accelerator", "reviewer": agentsRead, "admin": "view",
	}},
	{"CPTS refusee", dossier(domain.CPTS, workflow.Refusee, workflow.Defavorable), want{
		"coordinator": coordShut, "member": "view",
		"referent": agentsRead + " organise_accelerator", "manager": agentsRead + " organise_accelerator",
		"agent": agentsRead + " organise_accelerator", "director": agentsRead + " organise_accelerator", "reviewer": agentsRead, "admin": "view",
	}},

	{"MSP brouillon (files its projet de santé)", dossier(domain.MSP, workflow.Brouillon, ""), want{
		"coordinator": coordOpen + " file_step", "member": "view",
		"referent": agentsRead + " review_documents", "manager": agentsRead,
		"agent": agentsRead, "director": agentsRead, "reviewer": agentsRead, "admin": "view",
	}},
	{"ESP projet_sante_valide (no request to file)", dossier(domain.ESP, workflow.ProjetSanteValide, ""), want{
		"coordinator": coordOpen, "member": "view",
		"referent": agentsRead + " review_documents", "manager": agentsRead,
		"agent": agentsRead, "director": agentsRead, "reviewer": agentsRead, "admin": "view",
	}},
	{"ESS brouillon (not eligible)", dossier(domain.ESS, workflow.Brouillon, ""), want{
		"coordinator": coordOpen, "member": "view",
		"referent": agentsRead + " review_documents", "manager": agentsRead,
		"agent": agentsRead, "director": agentsRead, "reviewer": agentsRead, "admin": "view",
	}},

	{"contract a_signer", contract(workflow.ASigner), want{
		"coordinator": "view file_step sign_structure", "member": "view",
		"referent": "view", "manager": "view file_step sign_cpam",
		"agent": "view", "director": "view file_step sign_ars", "reviewer": "view", "admin": "view",
	}},
	{"contract a_signer, signed by the structure and the CPAM", contract(workflow.ASigner, workflow.PartyStructure, workflow.PartyCPAM), want{
		"coordinator": "view file_step", "member": "view",
		"referent": "view", "manager": "view file_step",
		"agent": "view", "director": "view file_step sign_ars", "reviewer": "view", "admin": "view",
	}},
	{"contract actif", contract(workflow.Actif, workflow.Parties()...), want{
		"coordinator": "view file_step request_termination declare_values prepare_meeting declare_mission_start upload_crisis_plan propose_avenant sign_avenant", "member": "view",
		"referent": "view validate_values prepare_meeting record_meeting close_year record_termination decide_crisis_plan propose_avenant accept_avenant",
		"manager":  "view file_step request_termination validate_values prepare_meeting record_meeting close_year correct_closed_year record_termination decide_crisis_plan propose_avenant accept_avenant sign_avenant",
		"agent":    "view prepare_meeting", "director": "view prepare_meeting sign_avenant", "reviewer": "view", "admin": "view",
	}},
	{"MSP contract actif (no mission to start)", access.Contract(own, domain.MSP, workflow.Actif, map[workflow.Party]bool{
		workflow.PartyStructure: true, workflow.PartyCPAM: true, workflow.PartyARS: true}), want{
		"coordinator": "view file_step request_termination declare_values prepare_meeting", "member": "view",
		"referent": "view validate_values prepare_meeting record_meeting close_year record_termination",
		"manager":  "view file_step request_termination validate_values prepare_meeting record_meeting close_year correct_closed_year record_termination",
		"agent":    "view prepare_meeting", "director": "view prepare_meeting", "reviewer": "view", "admin": "view",
	}},
	{"contract resiliation_demandee", contract(workflow.ResiliationDemandee, workflow.Parties()...), want{
		"coordinator": "view declare_values prepare_meeting upload_crisis_plan", "member": "view",
		"referent": "view validate_values prepare_meeting record_meeting close_year record_termination decide_crisis_plan",
		"manager":  "view file_step terminate validate_values prepare_meeting record_meeting close_year correct_closed_year record_termination decide_crisis_plan",
		"agent":    "view prepare_meeting", "director": "view prepare_meeting", "reviewer": "view", "admin": "view",
	}},
	{"contract resilie", contract(workflow.Resilie, workflow.Parties()...), want{
		"coordinator": "view", "member": "view", "referent": "view", "manager": "view",
		"agent": "view", "director": "view", "reviewer": "view", "admin": "view",
	}},
	{"contract echu", contract(workflow.Echu, workflow.Parties()...), want{
		"coordinator": "view", "member": "view", "referent": "view", "manager": "view",
		"agent": "view", "director": "view", "reviewer": "view", "admin": "view",
	}},
}

func TestFor(t *testing.T) {
	codes := map[string]access.Act{}
	for _, a := range access.All() {
		codes[a.String()] = a
	}
	names := make([]string, 0, len(viewers))
	for n := range viewers {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, c := range cases {
		for w := range c.want {
			if _, ok := viewers[w]; !ok {
				t.Fatalf("%s: unknown viewer %q", c.name, w)
			}
		}
		for _, n := range names {
			allowed := map[access.Act]bool{}
			for _, code := range strings.Fields(base[n] + " " + c.want[n]) {
				a, ok := codes[code]
				if !ok {
					t.Fatalf("%s/%s: unknown act %q", c.name, n, code)
				}
				allowed[a] = true
			}
			p := access.For(viewers[n], c.subject)
			for _, a := range access.All() {
				if got := p.Can(a); got != allowed[a] {
					t.Errorf("%s, %s: Can(%s) = %v, want %v", c.name, n, a, got, allowed[a])
				}
			}
		}
	}
}

func TestActsAreClosedAndNamed(t *testing.T) {
	seen := map[string]bool{}
	for _, a := range access.All() {
		s := a.String()
		if s == "" || s == "unknown" || seen[s] {
			t.Errorf("act %d: code %q missing or repeated", int(a), s)
		}
		seen[s] = true
	}
	if got := access.Act(-1).String(); got != "unknown" {
		t.Errorf("Act(-1) = %q", got)
	}
	p := access.For(viewers["admin"], access.Structure(own, domain.CPTS, false))
	if p.Can(access.Act(len(access.All()))) || p.Can(access.Act(-1)) {
		t.Error("an act outside the list is allowed")
	}
}

func TestTransitionsAndParty(t *testing.T) {
	for _, c := range []struct {
		viewer  string
		subject access.Subject
		want    []workflow.Transition
		party   workflow.Party
	}{
		{"coordinator", dossier(domain.CPTS, workflow.Brouillon, ""), []workflow.Transition{workflow.DeposerLettreIntention}, ""},
		{"member", dossier(domain.CPTS, workflow.Brouillon, ""), nil, ""},
		{"other", dossier(domain.CPTS, workflow.Brouillon, ""), nil, ""},
		{"director", dossier(domain.CPTS, workflow.ProjetSanteDepose, ""), []workflow.Transition{workflow.ValiderProjetSante, workflow.DemanderCompletionProjetSante}, ""},
		{"agent", dossier(domain.CPTS, workflow.ProjetSanteDepose, ""), []workflow.Transition{workflow.DemanderCompletionProjetSante}, ""},
		{"manager", dossier(domain.MSP, workflow.EnInstruction, ""), []workflow.Transition{workflow.DemanderComplements, workflow.DonnerAvisFavorable, workflow.DonnerAvisDefavorable}, ""},
		{"coordinator", contract(workflow.ASigner), []workflow.Transition{workflow.Signer}, workflow.PartyStructure},
		{"member", contract(workflow.ASigner), nil, workflow.PartyStructure},
		{"other", contract(workflow.ASigner), nil, ""},
		{"referent", contract(workflow.ASigner), nil, workflow.PartyCPAM},
		{"manager", contract(workflow.Actif), []workflow.Transition{workflow.DemanderResiliation, workflow.Avenant}, workflow.PartyCPAM},
		{"agent", contract(workflow.ASigner), nil, workflow.PartyARS},
		{"reviewer", contract(workflow.ASigner), nil, ""},
		{"admin", contract(workflow.ASigner), nil, ""},
		{"nobody", contract(workflow.ASigner), nil, ""},
		{"admin", access.Structure(own, domain.CPTS, false), nil, ""},
	} {
		p := access.For(viewers[c.viewer], c.subject)
		if got := p.Transitions(); !slices.Equal(got, c.want) {
			t.Errorf("%s on %v %s: Transitions = %v, want %v", c.viewer, c.subject.StructureType, c.subject.State, got, c.want)
		}
		for _, tr := range c.want {
			if !p.CanTransition(tr) {
				t.Errorf("%s: CanTransition(%s) = false", c.viewer, tr)
			}
		}
		if p.CanTransition(workflow.Echoir) {
			t.Errorf("%s: a system transition is allowed", c.viewer)
		}
		if got := p.Party(); got != c.party {
			t.Errorf("%s on %s: Party = %q, want %q", c.viewer, c.subject.State, got, c.party)
		}
	}
}

func TestCanUploadDocument(t *testing.T) {
	for _, c := range []struct {
		viewer string
		state  workflow.State
		code   string
		want   bool
	}{
		{"coordinator", workflow.Brouillon, string(workflow.DocProjetSante), true},
		{"coordinator", workflow.ProjetSanteDepose, string(workflow.DocProjetSante), false},
		{"coordinator", workflow.ProjetSanteDepose, string(workflow.DocStatuts), true},
		{"coordinator", workflow.ProjetSanteDepose, "autre", true},
		{"coordinator", workflow.ComplementsDemandes, string(workflow.DocProjetSante), true},
		{"coordinator", workflow.DemandeDeposee, string(workflow.DocStatuts), false},
		{"coordinator", workflow.EnInstruction, "autre", false},
		{"member", workflow.Brouillon, "autre", false},
		{"other", workflow.Brouillon, "autre", false},
		{"referent", workflow.Brouillon, "autre", false},
		{"admin", workflow.Brouillon, "autre", false},
	} {
		p := access.For(viewers[c.viewer], dossier(domain.CPTS, c.state, ""))
		if got := p.CanUploadDocument(c.code); got != c.want {
			t.Errorf("%s, %s, %s: CanUploadDocument = %v, want %v", c.viewer, c.state, c.code, got, c.want)
		}
	}
}

func TestActor(t *testing.T) {
	for _, c := range []struct {
		viewer string
		own    bool
	}{{"coordinator", true}, {"member", true}, {"other", false}, {"referent", false}, {"admin", false}} {
		v := viewers[c.viewer]
		a := access.Actor(v, own)
		if a.OrgKind != v.Kind || a.Role != v.Role || !a.InScope || a.IsOwnStructure != c.own || a.System {
			t.Errorf("%s: Actor = %+v", c.viewer, a)
		}
	}
}
