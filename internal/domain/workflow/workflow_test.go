package workflow

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/portail-aci/aci/internal/domain"
)

var today = domain.NewDate(2025, time.June, 10)

func pos(p Position) *Position { return &p }

var types = []domain.StructureType{domain.CPTS, domain.MSP, domain.ESP}

var allStates = append(append([]State(nil), DossierStates()...), ContractStates()...)

// actorFor builds an in-scope actor for w.
func actorFor(w Who) Actor {
	return Actor{OrgKind: w.Org, Role: w.MinRole, InScope: true, IsOwnStructure: w.Org == domain.OrgStructure}
}

var systemActor = Actor{System: true}

// good returns an attempt that satisfies every requirement of r.
func good(r Rule, st domain.StructureType, from State, a Actor) Attempt {
	in := Attempt{
		Transition: r.Code, StructureType: st, From: from, Actor: a, Today: today,
		Motivation:    "Motif détaillé.",
		Documents:     map[Document]bool{DocProjetSante: true, DocStatuts: true, DocContoursTerritoire: true, DocListeMembres: true},
		CompositionOK: true,
		Position:      Favorable,
	}
	switch r.Code {
	case Accepter, Refuser:
		in.PositionARS, in.PositionDCGDR = pos(Favorable), pos(Favorable)
	case ReputerValideProjetSante:
		in.ProjetSanteFiled = today.AddMonths(-2)
	case Resilier:
		in.ResiliationReceived = today.AddMonths(-2)
	case DemanderResiliation:
		in.ResiliationReceived = today
	case Echoir:
		in.ContractStart = today.AddYears(-5)
	}
	return in
}

// actors lists the actors allowed by r (one per Who, or the system).
func actors(r Rule) []Actor {
	if r.System {
		return []Actor{systemActor}
	}
	var out []Actor
	for _, w := range r.Who {
		out = append(out, actorFor(w))
	}
	return out
}

// TestGraph pins the transition table: every (type, from, transition, to).
func TestGraph(t *testing.T) {
	want := map[domain.StructureType][]string{
		domain.CPTS: {
			"brouillon deposer_lettre_intention lettre_intention_deposee",
			"lettre_intention_deposee valider_lettre_intention lettre_intention_validee",
			"lettre_intention_deposee renvoyer_lettre_intention brouillon",
			"lettre_intention_validee deposer_projet_sante projet_sante_depose",
			"projet_sante_a_completer deposer_projet_sante projet_sante_depose",
			"projet_sante_depose valider_projet_sante projet_sante_valide",
			"projet_sante_depose demander_completion_projet_sante projet_sante_a_completer",
			"projet_sante_depose reputer_valide_projet_sante projet_sante_valide",
			"projet_sante_valide deposer_demande demande_deposee",
			"demande_deposee prendre_en_instruction en_instruction",
			"en_instruction demander_complements complements_demandes",
			"complements_demandes repondre_complements en_instruction",
			"en_instruction avis_favorable avis_favorable",
			"en_instruction avis_defavorable avis_defavorable",
			"avis_favorable transmettre_examen_conjoint examen_conjoint",
			"avis_defavorable transmettre_examen_conjoint examen_conjoint",
			"examen_conjoint position_ars examen_conjoint",
			"examen_conjoint position_dcgdr examen_conjoint",
			"examen_conjoint accepter acceptee",
			"examen_conjoint refuser refusee",
			"a_signer signer a_signer",
			"a_signer signer actif",
			"actif demander_resiliation resiliation_demandee",
			"resiliation_demandee resilier resilie",
			"actif echoir echu",
			"resiliation_demandee echoir echu",
			"actif avenant actif",
		},
		domain.ESP: {
			"brouillon deposer_projet_sante projet_sante_depose",
			"projet_sante_a_completer deposer_projet_sante projet_sante_depose",
			"projet_sante_depose valider_projet_sante projet_sante_valide",
			"projet_sante_depose demander_completion_projet_sante projet_sante_a_completer",
		},
	}
	// MSP: the CPTS graph without the lettre d'intention and réputé validé.
	for _, e := range want[domain.CPTS] {
		if strings.Contains(e, "lettre_intention") || strings.Contains(e, "reputer") {
			continue
		}
		want[domain.MSP] = append(want[domain.MSP], e)
	}
	want[domain.MSP] = append(want[domain.MSP], "brouillon deposer_projet_sante projet_sante_depose")

	for _, st := range types {
		var got []string
		for _, r := range Rules() {
			for _, f := range r.From[st] {
				for _, to := range r.Targets(f) {
					got = append(got, fmt.Sprintf("%s %s %s", f, r.Code, to))
				}
			}
		}
		slices.Sort(got)
		w := slices.Clone(want[st])
		slices.Sort(w)
		if !slices.Equal(got, w) {
			t.Errorf("%s graph:\n got %q\nwant %q", st, got, w)
		}
	}
}

func TestLabelsAndHints(t *testing.T) {
	for _, s := range allStates {
		if !s.Valid() || s.Label() == string(s) {
			t.Errorf("state %s has no label", s)
		}
	}
	seen := map[Transition]bool{}
	for _, r := range Rules() {
		if seen[r.Code] {
			t.Errorf("duplicate rule %s", r.Code)
		}
		seen[r.Code] = true
		if r.Label == "" || r.Hint == "" || len(r.Notify) == 0 {
			t.Errorf("%s: label, hint or notify missing", r.Code)
		}
		if r.System == (len(r.Who) > 0) {
			t.Errorf("%s: must be either system or human", r.Code)
		}
		if r.Code.Label() != r.Label || r.Code.Hint() != r.Hint || !r.Code.Valid() {
			t.Errorf("%s: Label/Hint/Valid", r.Code)
		}
	}
	if State("x").Valid() || Transition("x").Valid() {
		t.Error("unknown codes reported valid")
	}
}

// TestAllowed applies every transition, for every structure type, from every
// from-state, by every allowed actor, and by higher roles of the same kind.
func TestAllowed(t *testing.T) {
	n := 0
	for _, r := range Rules() {
		for _, st := range r.Types() {
			for _, from := range r.From[st] {
				as := actors(r)
				if !r.System {
					for _, w := range r.Who {
						for _, role := range domain.RolesFor(w.Org) {
							if role.AtLeast(w.MinRole) && role != w.MinRole {
								as = append(as, Actor{OrgKind: w.Org, Role: role, InScope: true, IsOwnStructure: true})
							}
						}
					}
				}
				for _, a := range as {
					name := fmt.Sprintf("%s/%s/%s/%s", st, r.Code, from, a.Role)
					in := good(r, st, from, a)
					out, err := Check(in)
					if err != nil {
						t.Errorf("%s: %v", name, err)
						continue
					}
					n++
					if !slices.Contains(r.Targets(from), out.To) {
						t.Errorf("%s: to %s, want one of %v", name, out.To, r.Targets(from))
					}
					if out.Record != (AuditRecord{Transition: r.Code, From: from, To: out.To, Motivation: "Motif détaillé."}) {
						t.Errorf("%s: record %+v", name, out.Record)
					}
					if !slices.Equal(out.Notify, r.Notify) {
						t.Errorf("%s: notify %v", name, out.Notify)
					}
					if !r.System && !slices.Contains(Available(st, from, a), r.Code) {
						t.Errorf("%s: not in Available", name)
					}
				}
			}
		}
	}
	if n < 60 {
		t.Fatalf("only %d allowed attempts checked", n)
	}
}

func code(err error) string { return domain.ErrorCode(err) }

// TestRefusedActors: wrong org kind, role too low, out of scope, system vs
// human, transition foreign to the structure type: all "introuvable".
func TestRefusedActors(t *testing.T) {
	allRoles := []domain.Role{domain.RoleMember, domain.RoleCoordinator, domain.RoleReferent, domain.RoleManager, domain.RoleAgent, domain.RoleDirector, domain.RoleReviewer, domain.RoleAdmin}
	for _, r := range Rules() {
		for _, st := range r.Types() {
			from := r.From[st][0]
			check := func(name string, a Actor) {
				t.Helper()
				in := good(r, st, from, a)
				_, err := Check(in)
				if code(err) != domain.ENotFound {
					t.Errorf("%s/%s %s: got %v, want not_found", st, r.Code, name, err)
				}
				if domain.ErrorMessage(err) != "Dossier introuvable." && domain.ErrorMessage(err) != "Contrat introuvable." {
					t.Errorf("%s/%s %s: message %q", st, r.Code, name, domain.ErrorMessage(err))
				}
				if slices.Contains(Available(st, from, a), r.Code) {
					t.Errorf("%s/%s %s: offered by Available", st, r.Code, name)
				}
			}
			if r.System {
				for _, role := range allRoles {
					check("human "+string(role), Actor{OrgKind: role.Kind(), Role: role, InScope: true, IsOwnStructure: true})
				}
				continue
			}
			check("system", systemActor)
			for _, role := range allRoles {
				allowed := false
				for _, w := range r.Who {
					if role.AtLeast(w.MinRole) {
						allowed = true
					}
				}
				a := Actor{OrgKind: role.Kind(), Role: role, InScope: true, IsOwnStructure: true}
				if !allowed {
					check("role "+string(role), a)
					continue
				}
				out := a
				out.InScope, out.IsOwnStructure = false, false
				check("out of scope "+string(role), out)
				// role of another org kind claimed in this one
				for _, k := range []domain.OrgKind{domain.OrgStructure, domain.OrgCPAM, domain.OrgARS, domain.OrgDCGDR, domain.OrgNational} {
					if k != role.Kind() {
						b := a
						b.OrgKind = k
						check("mismatched kind "+string(k)+"/"+string(role), b)
					}
				}
			}
			// A structure actor with InScope but not its own structure.
			for _, w := range r.Who {
				if w.Org == domain.OrgStructure {
					check("other structure", Actor{OrgKind: w.Org, Role: w.MinRole, InScope: true})
				}
			}
		}
		// Types that do not have the transition.
		for _, st := range types {
			if _, ok := r.From[st]; ok {
				continue
			}
			for _, a := range actors(r) {
				_, err := Check(good(r, st, Brouillon, a))
				if code(err) != domain.ENotFound {
					t.Errorf("%s/%s foreign to type: got %v", st, r.Code, err)
				}
			}
		}
	}
	if _, err := Check(Attempt{Transition: "voler", StructureType: domain.CPTS, From: Brouillon, Actor: actorFor(coordinator()), Today: today}); code(err) != domain.ENotFound {
		t.Errorf("unknown transition: %v", err)
	}
}

// TestRefusedState: every state outside a transition's from-states.
func TestRefusedState(t *testing.T) {
	for _, r := range Rules() {
		for _, st := range r.Types() {
			for _, s := range allStates {
				if slices.Contains(r.From[st], s) {
					continue
				}
				for _, a := range actors(r) {
					_, err := Check(good(r, st, s, a))
					if code(err) != domain.EConflict {
						t.Errorf("%s/%s from %s: got %v, want conflict", st, r.Code, s, err)
					}
					if !strings.HasSuffix(domain.ErrorMessage(err), "rechargez la page.") {
						t.Errorf("%s/%s from %s: message %q", st, r.Code, s, domain.ErrorMessage(err))
					}
					if slices.Contains(Available(st, s, a), r.Code) {
						t.Errorf("%s/%s from %s: offered by Available", st, r.Code, s)
					}
				}
			}
		}
	}
}

func TestConflictMessages(t *testing.T) {
	ars := actorFor(arsAgent())
	tests := []struct {
		in   Attempt
		want string
	}{
		{Attempt{Transition: ValiderLettreIntention, StructureType: domain.CPTS, From: LettreIntentionValidee, Actor: ars, Today: today},
			"Ce dossier n'est plus à l'état « Lettre d'intention déposée » (il est maintenant « Lettre d'intention validée ») : rechargez la page."},
		{Attempt{Transition: DeposerProjetSante, StructureType: domain.CPTS, From: ProjetSanteDepose, Actor: actorFor(coordinator()), Today: today},
			"Ce dossier n'est plus dans un état qui permet « déposer le projet de santé » (il est maintenant « Projet de santé déposé ») : rechargez la page."},
		// Seen differs from From even though From would allow it.
		{Attempt{Transition: DeposerProjetSante, StructureType: domain.CPTS, From: ProjetSanteACompleter, Seen: LettreIntentionValidee, Actor: actorFor(coordinator()), Today: today},
			"Ce dossier n'est plus à l'état « Lettre d'intention validée » (il est maintenant « Projet de santé à compléter ») : rechargez la page."},
		{Attempt{Transition: Signer, StructureType: domain.MSP, From: Actif, Actor: actorFor(cpamManager()), Today: today},
			"Ce contrat n'est plus à l'état « Contrat à signer » (il est maintenant « Contrat actif ») : rechargez la page."},
	}
	for _, tt := range tests {
		_, err := Check(tt.in)
		if code(err) != domain.EConflict || domain.ErrorMessage(err) != tt.want {
			t.Errorf("%s: got %v\nwant %s", tt.in.Transition, err, tt.want)
		}
	}
}

func missing(t *testing.T, err error) []string {
	t.Helper()
	var me *MissingError
	if !errors.As(err, &me) {
		t.Fatalf("got %v, want *MissingError", err)
	}
	if code(err) != domain.EInvalid {
		t.Fatalf("code %s, want invalid", code(err))
	}
	return me.Missing
}

func TestMotivationRequired(t *testing.T) {
	var needs []Transition
	for _, r := range Rules() {
		if !r.NeedsMotivation {
			continue
		}
		needs = append(needs, r.Code)
		for _, st := range r.Types() {
			for _, a := range actors(r) {
				for _, m := range []string{"", "   \n\t"} {
					in := good(r, st, r.From[st][0], a)
					in.Motivation = m
					_, err := Check(in)
					if got := missing(t, err); !slices.Contains(got, "la motivation est obligatoire") {
						t.Errorf("%s/%s: missing %q", st, r.Code, got)
					}
				}
			}
		}
	}
	want := []Transition{RenvoyerLettreIntention, DemanderCompletionProjetSante, DemanderComplements, DonnerAvisDefavorable, Refuser, Resilier, Avenant}
	if !slices.Equal(needs, want) {
		t.Errorf("motivation required for %v, want %v", needs, want)
	}
	// Motivation is trimmed in the record.
	r := rulesByCode()[DonnerAvisDefavorable]
	in := good(r, domain.CPTS, EnInstruction, actorFor(cpamReferent()))
	in.Motivation = "  Territoire incohérent.  "
	out, err := Check(in)
	if err != nil || out.Record.Motivation != "Territoire incohérent." {
		t.Errorf("trim: %+v %v", out.Record, err)
	}
}

func TestRequirements(t *testing.T) {
	coord := actorFor(coordinator())
	dir := actorFor(arsDirector())
	tests := []struct {
		name   string
		mutate func(*Attempt)
		tr     Transition
		st     domain.StructureType
		from   State
		actor  Actor
		want   []string
	}{
		{"demande CPTS no documents, composition KO", func(a *Attempt) {
			a.Documents = nil
			a.CompositionOK = false
			a.CompositionFailures = []string{"au moins 2 médecins généralistes", "au moins 1 professionnel paramédical"}
		}, DeposerDemande, domain.CPTS, ProjetSanteValide, coord, []string{
			"pièce manquante : le projet de santé",
			"pièce manquante : les statuts",
			"pièce manquante : les contours du territoire",
			"pièce manquante : la liste des membres avec leur statut",
			"composition : au moins 2 médecins généralistes",
			"composition : au moins 1 professionnel paramédical",
		}},
		{"demande MSP without territory is fine but statuts missing", func(a *Attempt) {
			a.Documents = map[Document]bool{DocProjetSante: true, DocListeMembres: true}
		}, DeposerDemande, domain.MSP, ProjetSanteValide, coord, []string{"pièce manquante : les statuts"}},
		{"composition KO without details", func(a *Attempt) { a.CompositionOK = false },
			DeposerDemande, domain.MSP, ProjetSanteValide, coord,
			[]string{"la composition de la structure ne respecte pas les règles de son type"}},
		{"projet de santé document", func(a *Attempt) { a.Documents = nil },
			DeposerProjetSante, domain.ESP, Brouillon, coord, []string{"pièce manquante : le projet de santé"}},
		{"one open complement request", func(a *Attempt) { a.OpenComplementRequests = 1 },
			RepondreComplements, domain.CPTS, ComplementsDemandes, coord, []string{"1 demande de complément n'a pas encore de réponse"}},
		{"three open complement requests", func(a *Attempt) { a.OpenComplementRequests = 3 },
			RepondreComplements, domain.MSP, ComplementsDemandes, coord, []string{"3 demandes de complément n'ont pas encore de réponse"}},
		{"avis favorable with a document to redo and an open request", func(a *Attempt) {
			a.DocumentsToRedo = []Document{DocListeMembres}
			a.OpenComplementRequests = 2
		}, DonnerAvisFavorable, domain.CPTS, EnInstruction, actorFor(cpamReferent()), []string{
			"pièce à refaire : la liste des membres avec leur statut",
			"2 demandes de complément n'ont pas encore de réponse",
		}},
		{"avis favorable with one open request", func(a *Attempt) { a.OpenComplementRequests = 1 },
			DonnerAvisFavorable, domain.MSP, EnInstruction, actorFor(cpamReferent()), []string{"1 demande de complément n'a pas encore de réponse"}},
		{"accepter without positions", func(a *Attempt) { a.PositionARS, a.PositionDCGDR = nil, nil },
			Accepter, domain.CPTS, ExamenConjoint, dir, []string{"la position de l'ARS n'est pas enregistrée", "la position de la DCGDR n'est pas enregistrée"}},
		{"accepter without DCGDR position", func(a *Attempt) { a.PositionDCGDR = nil },
			Accepter, domain.MSP, ExamenConjoint, dir, []string{"la position de la DCGDR n'est pas enregistrée"}},
		{"accepter with a défavorable position", func(a *Attempt) { a.PositionDCGDR = pos(Defavorable) },
			Accepter, domain.CPTS, ExamenConjoint, dir, []string{"l'acceptation demande une position favorable de la DCGDR (elle est défavorable)"}},
		{"refuser without ARS position nor motivation", func(a *Attempt) { a.PositionARS = nil; a.Motivation = "" },
			Refuser, domain.CPTS, ExamenConjoint, dir, []string{"la motivation est obligatoire", "la position de l'ARS n'est pas enregistrée"}},
		{"position without value", func(a *Attempt) { a.Position = "" },
			PositionARS, domain.CPTS, ExamenConjoint, actorFor(arsAgent()), []string{"la position (favorable ou défavorable)"}},
		{"défavorable position without motivation", func(a *Attempt) { a.Position = Defavorable; a.Motivation = "" },
			PositionDCGDR, domain.MSP, ExamenConjoint, actorFor(dcgdrRev()), []string{"la motivation est obligatoire pour une position défavorable"}},
		{"réputé validé too early", func(a *Attempt) { a.ProjetSanteFiled = domain.NewDate(2025, time.April, 11) },
			ReputerValideProjetSante, domain.CPTS, ProjetSanteDepose, systemActor, []string{"le délai de deux mois n'est pas écoulé (réputé validé le 11/06/2025)"}},
		{"réputé validé unknown filing", func(a *Attempt) { a.ProjetSanteFiled = domain.Date{} },
			ReputerValideProjetSante, domain.CPTS, ProjetSanteDepose, systemActor, []string{"la date de dépôt du projet de santé est inconnue"}},
		{"résiliation without receipt", func(a *Attempt) { a.ResiliationReceived = domain.Date{} },
			DemanderResiliation, domain.CPTS, Actif, coord, []string{"la date de réception du courrier de résiliation"}},
		{"résiliation received in the future", func(a *Attempt) { a.ResiliationReceived = today.AddDays(1) },
			DemanderResiliation, domain.CPTS, Actif, actorFor(cpamManager()), []string{"la date de réception ne peut pas être dans le futur"}},
		{"résilier before effect", func(a *Attempt) { a.ResiliationReceived = domain.NewDate(2025, time.April, 11) },
			Resilier, domain.MSP, ResiliationDemandee, actorFor(cpamManager()), []string{"la résiliation ne prend effet que le 11/06/2025"}},
		{"échoir before term", func(a *Attempt) { a.ContractStart = domain.NewDate(2020, time.June, 11) },
			Echoir, domain.CPTS, Actif, systemActor, []string{"le contrat n'est échu que le 11/06/2025"}},
		{"échoir without start", func(a *Attempt) { a.ContractStart = domain.Date{} },
			Echoir, domain.CPTS, Actif, systemActor, []string{"la date de début du contrat est inconnue"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := good(rulesByCode()[tt.tr], tt.st, tt.from, tt.actor)
			tt.mutate(&in)
			_, err := Check(in)
			if got := missing(t, err); !slices.Equal(got, tt.want) {
				t.Errorf("missing\n got %q\nwant %q", got, tt.want)
			}
			if !strings.HasPrefix(domain.ErrorMessage(err), "Impossible de « ") {
				t.Errorf("message %q", domain.ErrorMessage(err))
			}
		})
	}
}

func TestOutcomeDetails(t *testing.T) {
	// Lettre d'intention validated on 31/08/2025: deadline 28/02/2026.
	in := good(rulesByCode()[ValiderLettreIntention], domain.CPTS, LettreIntentionDeposee, actorFor(arsAgent()))
	in.Today = domain.NewDate(2025, time.August, 31)
	out, err := Check(in)
	if err != nil || out.Deadline != domain.NewDate(2026, time.February, 28) {
		t.Errorf("valider LI: %+v %v", out, err)
	}
	// CPTS projet de santé filed: réputé validé clock; none for an MSP.
	in = good(rulesByCode()[DeposerProjetSante], domain.CPTS, LettreIntentionValidee, actorFor(coordinator()))
	if out, _ := Check(in); out.Deadline != today.AddMonths(2) {
		t.Errorf("CPTS projet clock %v", out.Deadline)
	}
	in.StructureType, in.From = domain.MSP, Brouillon
	if out, _ := Check(in); !out.Deadline.IsZero() {
		t.Errorf("MSP projet clock %v", out.Deadline)
	}
	// Résiliation received 15/03/2025: effective 15/05/2025.
	in = good(rulesByCode()[DemanderResiliation], domain.CPTS, Actif, actorFor(coordinator()))
	in.ResiliationReceived = domain.NewDate(2025, time.March, 15)
	if out, err := Check(in); err != nil || out.Deadline != domain.NewDate(2025, time.May, 15) {
		t.Errorf("résiliation: %+v %v", out, err)
	}
	in = good(rulesByCode()[Resilier], domain.CPTS, ResiliationDemandee, actorFor(cpamManager()))
	in.ResiliationReceived = domain.NewDate(2025, time.March, 15)
	in.Today = domain.NewDate(2025, time.May, 15)
	if out, err := Check(in); err != nil || out.To != Resilie || out.Deadline != domain.NewDate(2025, time.May, 15) {
		t.Errorf("résilier on effect day: %+v %v", out, err)
	}
	// Accepter opens the contract; avis défavorable does not prevent it.
	in = good(rulesByCode()[Accepter], domain.MSP, ExamenConjoint, actorFor(arsDirector()))
	in.Avis = Defavorable
	if out, err := Check(in); err != nil || !out.OpensContract || out.To != Acceptee {
		t.Errorf("accepter: %+v %v", out, err)
	}
	// Refuser possible with two favorable positions (motivated).
	in = good(rulesByCode()[Refuser], domain.CPTS, ExamenConjoint, actorFor(arsDirector()))
	if out, err := Check(in); err != nil || out.OpensContract || out.To != Refusee {
		t.Errorf("refuser: %+v %v", out, err)
	}
	// Positions: recorded, no state change; recorded only once.
	in = good(rulesByCode()[PositionARS], domain.CPTS, ExamenConjoint, actorFor(arsAgent()))
	in.Position = Defavorable
	if out, err := Check(in); err != nil || out.To != ExamenConjoint || out.Position != Defavorable {
		t.Errorf("position: %+v %v", out, err)
	}
	in.PositionARS = pos(Favorable)
	if _, err := Check(in); code(err) != domain.EConflict || domain.ErrorMessage(err) != "La position de l'ARS est déjà enregistrée (favorable) : rechargez la page." {
		t.Errorf("position twice: %v", err)
	}
	// Avenant: new version, same state.
	in = good(rulesByCode()[Avenant], domain.CPTS, Actif, actorFor(cpamManager()))
	if out, err := Check(in); err != nil || !out.NewVersion || out.To != Actif {
		t.Errorf("avenant: %+v %v", out, err)
	}
	// Today is required.
	in.Today = domain.Date{}
	if _, err := Check(in); code(err) != domain.EInternal {
		t.Errorf("no today: %v", err)
	}
}

func TestSignaturesAnyOrder(t *testing.T) {
	signers := map[Party]Actor{
		PartyStructure: actorFor(coordinator()),
		PartyCPAM:      actorFor(cpamManager()),
		PartyARS:       actorFor(arsDirector()),
	}
	perms := [][]Party{
		{PartyStructure, PartyCPAM, PartyARS}, {PartyStructure, PartyARS, PartyCPAM},
		{PartyCPAM, PartyStructure, PartyARS}, {PartyCPAM, PartyARS, PartyStructure},
		{PartyARS, PartyStructure, PartyCPAM}, {PartyARS, PartyCPAM, PartyStructure},
	}
	for _, st := range []domain.StructureType{domain.CPTS, domain.MSP} {
		for _, order := range perms {
			state := ASigner
			sigs := map[Party]bool{}
			for i, p := range order {
				in := Attempt{Transition: Signer, StructureType: st, From: state, Actor: signers[p], Signatures: sigs, Today: today}
				out, err := Check(in)
				if err != nil {
					t.Fatalf("%s %v step %d: %v", st, order, i, err)
				}
				if out.Signed != p {
					t.Errorf("signed %s, want %s", out.Signed, p)
				}
				if i < 2 {
					if out.To != ASigner || !out.ContractStart.IsZero() {
						t.Errorf("%v step %d: %+v", order, i, out)
					}
					// The same party signing again is refused.
					sigs[p] = true
					if _, err := Check(in); code(err) != domain.EConflict || !strings.Contains(domain.ErrorMessage(err), "déjà enregistrée") {
						t.Errorf("%v double signature by %s: %v", order, p, err)
					}
				} else {
					if out.To != Actif || out.ContractStart != today || out.Deadline != today.AddYears(5) {
						t.Errorf("%v third signature: %+v", order, out)
					}
					sigs[p] = true
				}
				state = out.To
			}
		}
	}
	// A structure member or CPAM referent cannot sign.
	for _, a := range []Actor{actorFor(Who{domain.OrgStructure, domain.RoleMember}), actorFor(cpamReferent()), actorFor(arsAgent()), actorFor(dcgdrRev())} {
		if _, err := Check(Attempt{Transition: Signer, StructureType: domain.CPTS, From: ASigner, Actor: a, Today: today}); code(err) != domain.ENotFound {
			t.Errorf("%s signs: %v", a.Role, err)
		}
	}
}

func TestESS(t *testing.T) {
	err := Eligible(domain.ESS)
	if code(err) != domain.EInvalid || !strings.Contains(domain.ErrorMessage(err), "équipe de soins spécialisés (ESS)") {
		t.Errorf("ESS: %v", err)
	}
	for _, st := range types {
		if Eligible(st) != nil {
			t.Errorf("%s not eligible", st)
		}
	}
	if Eligible("XYZ") == nil {
		t.Error("unknown type eligible")
	}
	if _, err := Check(Attempt{Transition: DeposerProjetSante, StructureType: domain.ESS, From: Brouillon, Actor: actorFor(coordinator()), Today: today}); code(err) != domain.EInvalid {
		t.Errorf("ESS check: %v", err)
	}
	if Available(domain.ESS, Brouillon, actorFor(coordinator())) != nil {
		t.Error("ESS has buttons")
	}
	if s := States(domain.ESS); len(s) != 0 {
		t.Errorf("ESS states %v", s)
	}
}

func TestAvailable(t *testing.T) {
	tests := []struct {
		st    domain.StructureType
		s     State
		actor Actor
		want  []Transition
	}{
		{domain.CPTS, Brouillon, actorFor(coordinator()), []Transition{DeposerLettreIntention}},
		{domain.MSP, Brouillon, actorFor(coordinator()), []Transition{DeposerProjetSante}},
		{domain.CPTS, Brouillon, Actor{OrgKind: domain.OrgStructure, Role: domain.RoleMember, IsOwnStructure: true}, nil},
		{domain.CPTS, LettreIntentionDeposee, actorFor(arsAgent()), []Transition{ValiderLettreIntention, RenvoyerLettreIntention}},
		{domain.CPTS, ProjetSanteDepose, actorFor(arsAgent()), []Transition{DemanderCompletionProjetSante}},
		{domain.CPTS, ProjetSanteDepose, actorFor(arsDirector()), []Transition{ValiderProjetSante, DemanderCompletionProjetSante}},
		{domain.CPTS, ProjetSanteDepose, systemActor, []Transition{ReputerValideProjetSante}},
		{domain.MSP, ProjetSanteDepose, systemActor, nil},
		{domain.ESP, ProjetSanteValide, actorFor(coordinator()), nil},
		{domain.CPTS, EnInstruction, actorFor(cpamReferent()), []Transition{DemanderComplements, DonnerAvisFavorable, DonnerAvisDefavorable}},
		{domain.CPTS, ExamenConjoint, actorFor(arsDirector()), []Transition{PositionARS, Accepter, Refuser}},
		{domain.CPTS, ExamenConjoint, actorFor(dcgdrRev()), []Transition{PositionDCGDR}},
		{domain.MSP, Actif, actorFor(cpamManager()), []Transition{DemanderResiliation, Avenant}},
		{domain.MSP, Actif, Actor{OrgKind: domain.OrgCPAM, Role: domain.RoleManager}, nil},
		{domain.MSP, Actif, Actor{OrgKind: domain.OrgNational, Role: domain.RoleAdmin, InScope: true}, nil},
	}
	for _, tt := range tests {
		if got := Available(tt.st, tt.s, tt.actor); !slices.Equal(got, tt.want) {
			t.Errorf("%s %s %s: got %v, want %v", tt.st, tt.s, tt.actor.Role, got, tt.want)
		}
	}
}

func TestStates(t *testing.T) {
	if got := States(domain.ESP); !slices.Equal(got, []State{Brouillon, ProjetSanteDepose, ProjetSanteACompleter, ProjetSanteValide}) {
		t.Errorf("ESP states %v", got)
	}
	if got := States(domain.CPTS); len(got) != len(allStates) {
		t.Errorf("CPTS states %v", got)
	}
	if got := States(domain.MSP); slices.Contains(got, LettreIntentionDeposee) || !slices.Contains(got, Echu) {
		t.Errorf("MSP states %v", got)
	}
}

func TestMissingErrorMessage(t *testing.T) {
	err := error(&MissingError{Transition: DeposerDemande, Missing: []string{"a", "b"}})
	want := "Impossible de « déposer la demande de contractualisation » : a ; b."
	if err.Error() != want || domain.ErrorMessage(err) != want {
		t.Errorf("got %q / %q", err.Error(), domain.ErrorMessage(err))
	}
}

// Requirements checked outside the package come in the same refusal as the
// workflow's own, and only once the actor and the state are right.
func TestExtraMissingJoinsTheList(t *testing.T) {
	a := Attempt{Transition: DeposerLettreIntention, StructureType: domain.CPTS, From: Brouillon,
		Actor: Actor{OrgKind: domain.OrgStructure, Role: domain.RoleCoordinator, InScope: true, IsOwnStructure: true},
		Today: domain.NewDate(2026, 11, 23), ExtraMissing: []string{"le texte de la lettre d'intention"}}
	_, err := Check(a)
	var me *MissingError
	if !errors.As(err, &me) || len(me.Missing) != 1 || me.Missing[0] != "le texte de la lettre d'intention" {
		t.Fatalf("extra missing: %v", err)
	}
	a.Actor.Role = domain.RoleMember
	if _, err := Check(a); domain.ErrorCode(err) != domain.ENotFound {
		t.Fatalf("wrong actor must be refused first: %v", err)
	}
}

func TestArchiveBlockers(t *testing.T) {
	tests := []struct {
		name  string
		facts []ArchiveFact
		want  []string
	}{
		{"no dossier", nil, nil},
		{"brouillon only", []ArchiveFact{{Dossier: Brouillon}}, nil},
		{"refused", []ArchiveFact{{Dossier: Refusee}}, nil},
		{"under way", []ArchiveFact{{Dossier: EnInstruction}}, []string{"le dossier est en cours (« En instruction »)"}},
		{"contract to sign", []ArchiveFact{{Dossier: Acceptee, Contract: ASigner}}, []string{"le contrat est à signer (onglet « Contrat » du dossier)"}},
		{"contract in force", []ArchiveFact{{Dossier: Acceptee, Contract: ResiliationDemandee}},
			[]string{"le contrat est en vigueur (« Résiliation demandée ») : il doit être résilié ou échu"}},
		{"terminated, money to recover", []ArchiveFact{{Dossier: Acceptee, Contract: Resilie, TropPercu: 123456}},
			[]string{"un trop-perçu de 1\u202f234,56\u00a0€ reste à récupérer"}},
		{"terminated, nothing to recover", []ArchiveFact{{Dossier: Acceptee, Contract: Resilie}}, nil},
		{"expired", []ArchiveFact{{Dossier: Acceptee, Contract: Echu}}, nil},
	}
	for _, tc := range tests {
		if got := ArchiveBlockers(tc.facts); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestFilesIsTheFirstExitFromTheDraft(t *testing.T) {
	for _, c := range []struct {
		from, to State
		want     bool
	}{
		{Brouillon, LettreIntentionDeposee, true},
		{Brouillon, DemandeDeposee, true},
		{Brouillon, Brouillon, false},
		{LettreIntentionDeposee, Brouillon, false},
		{DemandeDeposee, EnInstruction, false},
	} {
		if got := Files(c.from, c.to); got != c.want {
			t.Errorf("Files(%s, %s) = %v, want %v", c.from, c.to, got, c.want)
		}
	}
}

func TestAcceleratorFacilitatorNameRefusesControlAndBidi(t *testing.T) {
	today := domain.Date{Y: 2026, M: 3, D: 2}
	for _, name := range []string{"Dr \u202eesuoM", "Anne\u0007", "Paul \u2066x"} {
		err := AcceleratorSession{On: today, Length: HalfDay, Facilitator: name, Participants: "Équipe"}.Check(today)
		if de, ok := err.(*domain.Error); !ok || de.Field != "facilitator" {
			t.Errorf("%q: %v, want a field error on facilitator", name, err)
		}
	}
	if err := (AcceleratorSession{On: today, Length: HalfDay, Facilitator: "Anne Müller-Ngô", Participants: "Équipe"}).Check(today); err != nil {
		t.Errorf("a plain name refused: %v", err)
	}
}
