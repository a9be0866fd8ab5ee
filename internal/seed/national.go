package seed

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/portail-aci/aci/internal/auth"
	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/contractlife"
	"github.com/portail-aci/aci/internal/domain/funding"
	"github.com/portail-aci/aci/internal/domain/workflow"
	"github.com/portail-aci/aci/internal/store"
)

// The national data set (docs/rules.md §37): the demo (its accounts, with
// their own walked-through data), then, in one bulk transaction, the
// agencies of every région and département, 1 200 CPTS whose territories
// partition real communes, 2 500 MSP, 3 000 ESP, 20 000 accounts, a dossier
// in every state of the workflow, about 2 700 contracts with their five
// years (missions, declarations, validations, meetings, closings, payments
// in every state), avenants, terminations, crises, documents, messages and
// the hash-chained audit rows of it all. Everything is drawn from one
// pseudo-random generator seeded by NationalOptions.Seed: the same seed on
// the same day gives the same data.

// DefaultNationalSeed is the seed of `aci seed --scale national` without --seed.
const DefaultNationalSeed = 2026

// ErrNotEmpty is the refusal of a national load into a database that
// already holds organisations or accounts.
var ErrNotEmpty = domain.Errorf(domain.EConflict, "La base n'est pas vide : le jeu de données national ne se charge que dans une base vide et migrée (supprimez-la et recréez-la, puis « aci migrate »).")

// NationalOptions sets the size and the seed of the national data set.
type NationalOptions struct {
	// Factor scales every count (1: the national volume; the tests use a
	// small factor on the same code path). The agencies are always all there.
	Factor float64
	Seed   uint64
}

// NationalReport counts what was loaded.
type NationalReport struct {
	Counts map[store.NationalTable]int
}

// outcome is where a structure's dossier (and contract) stands.
type outcome struct {
	state    workflow.State // dossier state; "" for no dossier
	contract workflow.State // contract state when the dossier is acceptee
}

type weighted struct {
	o outcome
	n int // at factor 1
}

// outcomes are the national distribution of each structure type: every
// state the type can be in, with its weight at factor 1 (the sum is the
// number of structures of that type).
func outcomes(t domain.StructureType) []weighted {
	d := func(s workflow.State, n int) weighted { return weighted{outcome{state: s}, n} }
	c := func(s workflow.State, n int) weighted {
		return weighted{outcome{state: workflow.Acceptee, contract: s}, n}
	}
	switch t {
	case domain.CPTS:
		// No CPTS contract échu yet: the first barème in the portal
		// (avenant 2) is in force from 1 April 2022, five years are not
		// over (firstCPTSDay).
		return []weighted{d("", 20), d(workflow.Brouillon, 30), d(workflow.LettreIntentionDeposee, 25), d(workflow.LettreIntentionValidee, 25),
			d(workflow.ProjetSanteDepose, 25), d(workflow.ProjetSanteACompleter, 15), d(workflow.ProjetSanteValide, 25),
			d(workflow.DemandeDeposee, 20), d(workflow.EnInstruction, 25), d(workflow.ComplementsDemandes, 15),
			d(workflow.AvisFavorable, 15), d(workflow.AvisDefavorable, 10), d(workflow.ExamenConjoint, 20), d(workflow.Refusee, 10),
			c(workflow.ASigner, 40), c(workflow.Actif, 820), c(workflow.ResiliationDemandee, 20), c(workflow.Resilie, 40)}
	case domain.MSP:
		return []weighted{d("", 100), d(workflow.Brouillon, 80), d(workflow.ProjetSanteDepose, 60), d(workflow.ProjetSanteACompleter, 30),
			d(workflow.ProjetSanteValide, 60), d(workflow.DemandeDeposee, 50), d(workflow.EnInstruction, 60), d(workflow.ComplementsDemandes, 40),
			d(workflow.AvisFavorable, 30), d(workflow.AvisDefavorable, 20), d(workflow.ExamenConjoint, 40), d(workflow.Refusee, 30),
			c(workflow.ASigner, 80), c(workflow.Actif, 1350), c(workflow.ResiliationDemandee, 40), c(workflow.Resilie, 80), c(workflow.Echu, 350)}
	}
	return []weighted{d("", 900), d(workflow.Brouillon, 700), d(workflow.ProjetSanteDepose, 500), d(workflow.ProjetSanteACompleter, 200),
		d(workflow.ProjetSanteValide, 700)}
}

// scaled is n at factor f, at least 1: every state stays represented.
func scaled(n int, f float64) int { return max(1, int(math.Round(float64(n)*f))) }

// natUser is one generated account.
type natUser struct {
	id   int64
	name string
}

// natAgencies are the agencies a dossier of a département is bound to, with
// the accounts that act for them.
type natAgencies struct {
	cpam, ars, dcgdr             int64
	cpamName, arsName, dcgdrName string
	referent, manager            natUser
	director, agent, reviewer    natUser
}

// natStructure is one generated structure.
type natStructure struct {
	id          int64
	typ         domain.StructureType
	name        string
	dep, region string
	commune     string
	population  int64 // CPTS: its territory's
	tier        int   // CPTS
	patientele  int64 // MSP
	coordinator natUser
	out         outcome
}

// national is the generator's state.
type national struct {
	rng    *rand.Rand
	base   store.NationalBase
	b      *store.NationalBatch
	hash   string
	today  domain.Date
	ids    map[store.NationalTable]int64
	users  int
	emails map[string]bool
	// per département code
	agencies map[string]*natAgencies
	// contract id → the tier and population the schedule was computed on
	tiers map[int64]store.NationalContractTier
	// CPTS contracts by region, for the crises
	cptsContracts map[string][]natContract
	crisisDays    map[string][]domain.Date
}

type natContract struct {
	id, structureID int64
	start, end      domain.Date
	state           workflow.State
}

func (n *national) next(t store.NationalTable) int64 { n.ids[t]++; return n.ids[t] }

func (n *national) add(t store.NationalTable, vals ...any) {
	if err := n.b.Add(t, vals...); err != nil {
		panic(err) // a column count mismatch is a bug of this file
	}
}

// at is day d at a working hour, drawn.
func (n *national) at(d domain.Date) time.Time {
	return d.Time().Add(time.Duration(8*60+n.rng.IntN(9*60)) * time.Minute).Add(time.Duration(n.rng.IntN(60)) * time.Second)
}

// between draws a day in [a, b] (a when b is before a).
func (n *national) between(a, b domain.Date) domain.Date {
	days := a.DaysUntil(b)
	if days <= 0 {
		return a
	}
	return a.AddDays(n.rng.IntN(days + 1))
}

func firstNames() []string {
	return []string{"Camille", "Léa", "Manon", "Chloé", "Inès", "Sarah", "Julie", "Emma", "Louise", "Claire",
		"Lucas", "Hugo", "Louis", "Nathan", "Thomas", "Paul", "Jules", "Arthur", "Antoine", "Mathis", "Nadia", "Karim",
		"Sophie", "Marc", "Élodie", "Yann", "Aurélie", "Céline", "Pierre", "Anne"}
}

func lastNames() []string {
	return []string{"Martin", "Bernard", "Thomas", "Petit", "Robert", "Richard", "Durand", "Dubois", "Moreau",
		"Laurent", "Simon", "Michel", "Lefèvre", "Leroy", "Roux", "David", "Bertrand", "Morel", "Fournier", "Girard",
		"Bonnet", "Dupont", "Lambert", "Fontaine", "Rousseau", "Vincent", "Muller", "Faure", "André", "Mercier",
		"Blanc", "Guérin", "Boyer", "Garnier", "Chevalier", "François", "Legrand", "Gauthier", "Garcia", "Perrin"}
}

func asciiLower(s string) string {
	r := strings.NewReplacer("é", "e", "è", "e", "ê", "e", "ë", "e", "à", "a", "â", "a", "î", "i", "ï", "i", "ô", "o",
		"ù", "u", "û", "u", "ç", "c", "É", "e", " ", "-", "'", "")
	return strings.ToLower(r.Replace(s))
}

// user creates one account with the shared password hash.
func (n *national) user(created time.Time) natUser {
	first, last := firstNames()[n.rng.IntN(len(firstNames()))], lastNames()[n.rng.IntN(len(lastNames()))]
	u := natUser{id: n.next(store.NatUsers), name: first + " " + last}
	email := fmt.Sprintf("%s.%s.%d@national.portail-aci.fr", asciiLower(first), asciiLower(last), u.id)
	n.add(store.NatUsers, u.id, email, u.name, n.hash, created)
	n.users++
	return u
}

func (n *national) member(u natUser, org int64, role domain.Role, created time.Time) {
	n.add(store.NatMemberships, u.id, org, string(role), created)
}

func (n *national) orgName(kind domain.OrgKind, name string) string {
	key := func(s string) string { return string(kind) + "|" + strings.ToLower(s) }
	out := name
	for i := 2; n.base.OrgNames[key(out)]; i++ {
		out = fmt.Sprintf("%s (%d)", name, i)
	}
	n.base.OrgNames[key(out)] = true
	return out
}

// LoadNational loads the national data set into an empty, migrated database
// with its reference data (docs/rules.md §37).
func LoadNational(ctx context.Context, st *store.Store, o NationalOptions) (NationalReport, error) {
	var rep NationalReport
	if o.Factor <= 0 || o.Factor > 1 {
		return rep, fmt.Errorf("seed.National: facteur d'échelle %v hors de ]0, 1]", o.Factor)
	}
	empty, err := st.IsEmpty(ctx)
	if err != nil {
		return rep, err
	}
	if !empty {
		return rep, ErrNotEmpty
	}
	if err := Demo(ctx, st); err != nil {
		return rep, err
	}
	base, err := st.NationalBase(ctx)
	if err != nil {
		return rep, err
	}
	if len(base.Communes) == 0 {
		return rep, errors.New("seed.National : aucune commune : chargez d'abord les référentiels (aci seed)")
	}
	// One argon2id hash for every national account (docs/rules.md §37):
	// 20 000 hashes would take minutes; they all log in with DemoPassword.
	hash, err := auth.Hash(DemoPassword)
	if err != nil {
		return rep, err
	}
	n := &national{rng: rand.New(rand.NewPCG(o.Seed, o.Seed^0x9e3779b97f4a7c15)), base: base, b: store.NewNationalBatch(),
		hash: hash, today: base.Today, ids: map[store.NationalTable]int64{}, emails: map[string]bool{},
		agencies: map[string]*natAgencies{}, tiers: map[int64]store.NationalContractTier{},
		cptsContracts: map[string][]natContract{}, crisisDays: map[string][]domain.Date{}}
	for t, id := range base.MaxID {
		n.ids[t] = id
	}
	if err := n.generate(o.Factor); err != nil {
		return rep, err
	}
	check := func(id int64, t store.NationalContractTier) error {
		want := n.tiers[id]
		if want != t {
			return fmt.Errorf("seed.National : contrat %d : l'échéancier a été calculé sur %+v, les termes figés disent %+v", id, want, t)
		}
		return nil
	}
	if err := st.LoadNational(ctx, n.b, check); err != nil {
		return rep, err
	}
	rep.Counts = map[store.NationalTable]int{}
	for _, t := range store.NationalTables() {
		rep.Counts[t] = n.b.Count(t)
	}
	return rep, nil
}

func (n *national) generate(f float64) error {
	created := n.today.AddYears(-7).Time()
	n.agenciesFor(created)
	structs, err := n.structures(f, created)
	if err != nil {
		return err
	}
	// The accounts beyond the coordinators and agents: members of the
	// structures, up to 20 000 × f in all.
	target := int(math.Round(20000 * f))
	for i := 0; n.users < target; i++ {
		s := structs[i%len(structs)]
		n.member(n.user(created), s.id, domain.RoleMember, created)
	}
	for _, s := range structs {
		if err := n.dossier(s); err != nil {
			return err
		}
	}
	n.crises()
	return nil
}

// agenciesFor creates the ARS and DCGDR of every région and the CPAM of
// every département the demo did not create, each with its accounts.
func (n *national) agenciesFor(created time.Time) {
	byRegion := map[domain.OrgKind]map[string]store.NationalAgency{domain.OrgARS: {}, domain.OrgDCGDR: {}}
	cpamOf := map[string]store.NationalAgency{}
	for _, a := range n.base.Agencies {
		switch a.Kind {
		case domain.OrgARS, domain.OrgDCGDR:
			if _, ok := byRegion[a.Kind][a.Region]; !ok {
				byRegion[a.Kind][a.Region] = a
			}
		case domain.OrgCPAM:
			for _, d := range a.Departements {
				if _, ok := cpamOf[d]; !ok {
					cpamOf[d] = a
				}
			}
		}
	}
	type staff struct{ director, agent, reviewer natUser }
	regionStaff := map[string]staff{}
	regionOrgs := map[string][2]store.NationalAgency{}
	for _, r := range n.base.Regions {
		code, nom := r[0], r[1]
		var pair [2]store.NationalAgency
		var sf staff
		for i, kind := range []domain.OrgKind{domain.OrgARS, domain.OrgDCGDR} {
			a, ok := byRegion[kind][code]
			if !ok {
				prefix := map[domain.OrgKind]string{domain.OrgARS: "ARS ", domain.OrgDCGDR: "DCGDR "}[kind]
				a = store.NationalAgency{ID: n.next(store.NatOrganisations), Kind: kind, Name: n.orgName(kind, prefix+nom), Region: code}
				n.add(store.NatOrganisations, a.ID, string(kind), a.Name, nil, nil, code, created, created,
					nil, nil, nil, "", "", nil, nil, nil)
			}
			pair[i] = a
			if kind == domain.OrgARS {
				sf.director, sf.agent = n.user(created), n.user(created)
				n.member(sf.director, a.ID, domain.RoleDirector, created)
				n.member(sf.agent, a.ID, domain.RoleAgent, created)
			} else {
				sf.reviewer = n.user(created)
				n.member(sf.reviewer, a.ID, domain.RoleReviewer, created)
			}
		}
		regionStaff[code], regionOrgs[code] = sf, pair
	}
	for _, d := range n.base.Departements {
		code, nom, region := d[0], d[1], d[2]
		a, ok := cpamOf[code]
		if !ok {
			a = store.NationalAgency{ID: n.next(store.NatOrganisations), Kind: domain.OrgCPAM, Name: n.orgName(domain.OrgCPAM, "CPAM "+nom+" ("+code+")")}
			n.add(store.NatOrganisations, a.ID, string(domain.OrgCPAM), a.Name, nil, nil, nil, created, created,
				nil, nil, nil, "", "", nil, nil, nil)
			n.add(store.NatOrgDepartements, a.ID, code)
		}
		referent, manager := n.user(created), n.user(created)
		n.member(referent, a.ID, domain.RoleReferent, created)
		n.member(manager, a.ID, domain.RoleManager, created)
		sf, pair := regionStaff[region], regionOrgs[region]
		n.agencies[code] = &natAgencies{cpam: a.ID, cpamName: a.Name, ars: pair[0].ID, arsName: pair[0].Name,
			dcgdr: pair[1].ID, dcgdrName: pair[1].Name, referent: referent, manager: manager,
			director: sf.director, agent: sf.agent, reviewer: sf.reviewer}
	}
}

// structures creates the CPTS (with territories partitioning the communes
// not yet held), MSP and ESP, their coordinators and registry members.
func (n *national) structures(f float64, created time.Time) ([]*natStructure, error) {
	var plan []outcome
	counts := map[domain.StructureType]int{}
	var types []domain.StructureType
	for _, t := range []domain.StructureType{domain.CPTS, domain.MSP, domain.ESP} {
		for _, w := range outcomes(t) {
			for range scaled(w.n, f) {
				plan = append(plan, w.o)
				types = append(types, t)
				counts[t]++
			}
		}
	}
	byType := map[domain.StructureType][]outcome{}
	for i, o := range plan {
		byType[types[i]] = append(byType[types[i]], o)
	}
	for _, t := range []domain.StructureType{domain.CPTS, domain.MSP, domain.ESP} {
		os := byType[t]
		n.rng.Shuffle(len(os), func(i, j int) { os[i], os[j] = os[j], os[i] })
	}
	// The communes still free, by département, in code order.
	free := map[string][]store.NationalCommune{}
	var deps []string
	total := 0
	for _, c := range n.base.Communes {
		if c.Taken {
			continue
		}
		if _, ok := free[c.Departement]; !ok {
			deps = append(deps, c.Departement)
		}
		free[c.Departement] = append(free[c.Departement], c)
		total++
	}
	slices.Sort(deps)
	// CPTS per département in proportion to its communes (largest remainders).
	nCPTS := counts[domain.CPTS]
	perDep := map[string]int{}
	type rem struct {
		dep  string
		frac float64
	}
	var rems []rem
	given := 0
	for _, d := range deps {
		q := float64(nCPTS) * float64(len(free[d])) / float64(total)
		perDep[d] = int(q)
		given += int(q)
		rems = append(rems, rem{d, q - float64(int(q))})
	}
	slices.SortStableFunc(rems, func(a, b rem) int {
		switch {
		case a.frac > b.frac:
			return -1
		case a.frac < b.frac:
			return 1
		}
		return strings.Compare(a.dep, b.dep)
	})
	for i := 0; given < nCPTS; i++ {
		perDep[rems[i%len(rems)].dep]++
		given++
	}
	var out []*natStructure
	cpts := byType[domain.CPTS]
	for _, d := range deps {
		k := perDep[d]
		cs := free[d]
		if k == 0 {
			continue
		}
		k = min(k, len(cs))
		chunk := len(cs) / k
		for i := range k {
			part := cs[i*chunk : (i+1)*chunk]
			if i == k-1 {
				part = cs[i*chunk:]
			}
			// Some communes stay outside every CPTS (a white zone): up to
			// a fifth of the chunk's tail, never its first commune.
			if len(part) > 4 {
				part = part[:len(part)-n.rng.IntN(len(part)/5+1)]
			}
			s := &natStructure{typ: domain.CPTS, dep: d, region: part[0].Region, commune: part[0].Code, out: cpts[0]}
			cpts = cpts[1:]
			s.name = "CPTS " + part[0].Nom
			for _, c := range part {
				s.population += c.Population
			}
			n.structure(s, created)
			for _, c := range part {
				n.add(store.NatTerritoryCommunes, s.id, c.Code, created, s.coordinator.id)
			}
			n.add(store.NatTerritories, s.id, 1, created, s.coordinator.id)
			out = append(out, s)
		}
	}
	if len(cpts) != 0 {
		return nil, fmt.Errorf("seed.National : %d CPTS sans territoire (trop peu de communes libres)", len(cpts))
	}
	for _, t := range []domain.StructureType{domain.MSP, domain.ESP} {
		for _, o := range byType[t] {
			c := n.base.Communes[n.rng.IntN(len(n.base.Communes))]
			s := &natStructure{typ: t, dep: c.Departement, region: c.Region, commune: c.Code, out: o,
				name: string(t) + " de " + c.Nom}
			if t == domain.MSP {
				s.patientele = int64(1500 + n.rng.IntN(9000))
			}
			n.structure(s, created)
			out = append(out, s)
		}
	}
	return out, nil
}

func professions() []string {
	return []string{"medecin_generaliste", "infirmier", "pharmacien", "masseur_kinesitherapeute", "sage_femme",
		"chirurgien_dentiste", "orthophoniste", "psychologue", "medecin_specialiste", "pedicure_podologue"}
}

// structure writes the organisation row, its coordinator and members.
func (n *national) structure(s *natStructure, created time.Time) {
	s.id = n.next(store.NatOrganisations)
	s.name = n.orgName(domain.OrgStructure, s.name)
	s.coordinator = n.user(created)
	legal := map[domain.StructureType]string{domain.CPTS: "association", domain.MSP: "sisa", domain.ESP: "association"}[s.typ]
	var finess any
	if s.typ == domain.MSP {
		finess = fmt.Sprintf("%s%07d", s.dep[:2], s.id%10_000_000)
	}
	postal := ""
	if len(s.commune) == 5 && strings.Trim(s.commune, "0123456789") == "" {
		postal = s.commune // a plausible postal code for most communes
	}
	n.add(store.NatOrganisations, s.id, string(domain.OrgStructure), s.name, string(s.typ), s.dep, nil, created, created,
		legal, fmt.Sprintf("8%013d", s.id), finess, fmt.Sprintf("%d rue de la Santé", 1+n.rng.IntN(120)), postal, s.commune,
		n.today.AddYears(-8).AddDays(n.rng.IntN(700)).Time(), s.coordinator.id)
	n.member(s.coordinator, s.id, domain.RoleCoordinator, created)
	for i := range 3 + n.rng.IntN(6) {
		n.add(store.NatMembers, s.id, lastNames()[n.rng.IntN(len(lastNames()))], firstNames()[n.rng.IntN(len(firstNames()))],
			professions()[n.rng.IntN(len(professions()))], "liberal", fmt.Sprintf("1%06d%04d", s.id%1_000_000, i), s.commune, created, created)
	}
}

// step is one row of a dossier's audit trail before chaining.
type step struct {
	at         time.Time
	tr         workflow.Transition
	from, to   workflow.State
	actor      natUser // id 0: the system
	motivation string
}

// path is the transitions from the creation to the dossier state s for
// structure type t (the workflow's ordinary way there).
func path(t domain.StructureType, s workflow.State) []workflow.Transition {
	var p []workflow.Transition
	if t == domain.CPTS {
		p = []workflow.Transition{workflow.DeposerLettreIntention, workflow.ValiderLettreIntention}
	}
	p = append(p, workflow.DeposerProjetSante)
	tail := map[workflow.State][]workflow.Transition{
		workflow.Brouillon:              nil,
		workflow.LettreIntentionDeposee: {workflow.DeposerLettreIntention},
		workflow.LettreIntentionValidee: {workflow.DeposerLettreIntention, workflow.ValiderLettreIntention},
		workflow.ProjetSanteDepose:      p,
		workflow.ProjetSanteACompleter:  append(slices.Clone(p), workflow.DemanderCompletionProjetSante),
		workflow.ProjetSanteValide:      append(slices.Clone(p), workflow.ValiderProjetSante),
	}
	if x, ok := tail[s]; ok {
		return x
	}
	p = append(p, workflow.ValiderProjetSante, workflow.DeposerDemande)
	if s == workflow.DemandeDeposee {
		return p
	}
	p = append(p, workflow.PrendreEnInstruction)
	switch s {
	case workflow.EnInstruction:
		return p
	case workflow.ComplementsDemandes:
		return append(p, workflow.DemanderComplements)
	case workflow.AvisFavorable:
		return append(p, workflow.DemanderComplements, workflow.RepondreComplements, workflow.DonnerAvisFavorable)
	case workflow.AvisDefavorable:
		return append(p, workflow.DonnerAvisDefavorable)
	case workflow.ExamenConjoint:
		return append(p, workflow.DonnerAvisFavorable, workflow.TransmettreExamenConjoint)
	case workflow.Refusee:
		return append(p, workflow.DonnerAvisDefavorable, workflow.TransmettreExamenConjoint, workflow.PositionDCGDR,
			workflow.PositionARS, workflow.Refuser)
	}
	return append(p, workflow.DonnerAvisFavorable, workflow.TransmettreExamenConjoint, workflow.PositionDCGDR,
		workflow.PositionARS, workflow.Accepter)
}

// target is the state a dossier transition leads to (from for the ones
// that change nothing: the positions).
func target(tr workflow.Transition, from workflow.State) workflow.State {
	r, _ := workflow.RuleFor(tr)
	if r.To == "" {
		return from
	}
	return r.To
}

func (n *national) actorOf(tr workflow.Transition, s *natStructure, a *natAgencies) (natUser, string) {
	switch tr {
	case workflow.ValiderLettreIntention, workflow.ValiderProjetSante, workflow.PositionARS, workflow.Accepter, workflow.Refuser:
		return a.director, ""
	case workflow.DemanderCompletionProjetSante:
		return a.director, "Merci de préciser le diagnostic territorial et le calendrier des missions."
	case workflow.PrendreEnInstruction, workflow.TransmettreExamenConjoint:
		return a.referent, ""
	case workflow.DemanderComplements:
		return a.referent, "Merci de joindre les statuts signés et la liste à jour des membres."
	case workflow.DonnerAvisFavorable:
		return a.referent, "Dossier complet, projet de santé cohérent avec le diagnostic du territoire."
	case workflow.DonnerAvisDefavorable:
		return a.referent, "Le projet ne couvre pas les missions socles attendues sur ce territoire."
	case workflow.PositionDCGDR:
		return a.reviewer, ""
	}
	return s.coordinator, ""
}

// dossier writes the dossier of s, its audit trail and, when accepted, its
// contract and the contract's life.
func (n *national) dossier(s *natStructure) error {
	if s.out.state == "" {
		return nil
	}
	a := n.agencies[s.dep]
	trs := path(s.typ, s.out.state)
	// The day the dossier reached its state (for an accepted one: the
	// acceptance, a few weeks before the signature).
	var start, end domain.Date // contract
	var end0 domain.Date
	from := func(d domain.Date) domain.Date {
		if first := firstCPTSDay(); s.typ == domain.CPTS && d.Before(first) {
			return first
		}
		return d
	}
	switch s.out.contract {
	case workflow.Actif:
		start = n.between(from(n.today.AddYears(-5).AddDays(20)), n.today.AddDays(-15))
	case workflow.Echu:
		start = n.between(n.today.AddYears(-7), n.today.AddYears(-5).AddDays(-1))
	case workflow.Resilie:
		start = n.between(from(n.today.AddYears(-4)), n.today.AddYears(-1))
	case workflow.ResiliationDemandee:
		start = n.between(from(n.today.AddYears(-4)), n.today.AddMonths(-6))
	}
	switch {
	case s.out.contract == workflow.ASigner:
		end0 = n.today.AddDays(-5 - n.rng.IntN(50))
	case !start.IsZero():
		end0 = start.AddDays(-10 - n.rng.IntN(30))
		end = funding.ContractEnd(start)
	default:
		end0 = n.today.AddDays(-1 - n.rng.IntN(150))
	}
	// Steps spaced 5 to 40 days apart, ending on end0.
	days := make([]domain.Date, len(trs)+1)
	days[len(trs)] = end0
	for i := len(trs) - 1; i >= 0; i-- {
		days[i] = days[i+1].AddDays(-5 - n.rng.IntN(36))
	}
	id := n.next(store.NatDossiers)
	var steps []step
	steps = append(steps, step{at: n.at(days[0]), tr: "creer_dossier", to: workflow.Brouillon, actor: s.coordinator})
	state := workflow.Brouillon
	dates := map[workflow.Transition]domain.Date{}
	var atOf = map[workflow.Transition]time.Time{}
	for i, tr := range trs {
		who, mot := n.actorOf(tr, s, a)
		t := n.at(days[i+1])
		if !t.After(steps[len(steps)-1].at) {
			t = steps[len(steps)-1].at.Add(time.Minute)
		}
		to := target(tr, state)
		steps = append(steps, step{at: t, tr: tr, from: state, to: to, actor: who, motivation: mot})
		state = to
		dates[tr], atOf[tr] = domain.DateOf(t), t
	}
	last := steps[len(steps)-1]
	opt := func(tr workflow.Transition) any {
		if d, ok := dates[tr]; ok {
			return d.Time()
		}
		return nil
	}
	optAt := func(tr workflow.Transition) any {
		if t, ok := atOf[tr]; ok {
			return t
		}
		return nil
	}
	var instructeur, avis, posARS, posARSBy, posDCGDR, posDCGDRBy, decided any
	avisMot := ""
	if _, ok := dates[workflow.PrendreEnInstruction]; ok {
		instructeur = a.referent.id
	}
	if _, ok := dates[workflow.DonnerAvisFavorable]; ok {
		avis, avisMot = "favorable", "Dossier complet, projet de santé cohérent avec le diagnostic du territoire."
	} else if _, ok := dates[workflow.DonnerAvisDefavorable]; ok {
		avis, avisMot = "defavorable", "Le projet ne couvre pas les missions socles attendues sur ce territoire."
	}
	if _, ok := dates[workflow.PositionARS]; ok {
		posARS, posARSBy = avis, a.director.id
		posDCGDR, posDCGDRBy = avis, a.reviewer.id
	}
	if d, ok := dates[workflow.Accepter]; ok {
		decided = d.Time()
	} else if d, ok := dates[workflow.Refuser]; ok {
		decided = d.Time()
	}
	var boundAt, seatDep, cpam, ars, dcgdr any
	if len(steps) > 1 {
		boundAt, seatDep, cpam, ars, dcgdr = steps[1].at, s.dep, a.cpam, a.ars, a.dcgdr
	}
	var lettreFiled any
	if s.typ == domain.CPTS {
		lettreFiled = opt(workflow.DeposerLettreIntention)
	}
	if s.typ == domain.MSP {
		n.add(store.NatDossierContent, id, s.patientele, 1, steps[0].at, s.coordinator.id)
	}
	// The contract's life adds its own rows to the dossier's trail.
	if s.out.contract != "" {
		more, err := n.contract(s, a, id, steps[len(steps)-1].at, start, end)
		if err != nil {
			return err
		}
		steps = append(steps, more...)
		slices.SortStableFunc(steps, func(x, y step) int { return x.at.Compare(y.at) })
		contractStates(steps)
	}
	// The lettre d'intention amorçage of a CPTS whose letter was validated
	// (a payment of the dossier: docs/rules.md §5).
	if d, ok := dates[workflow.ValiderLettreIntention]; ok {
		if err := n.amorcage(s, id, d, a); err != nil {
			return err
		}
	}
	head, seq := n.audit(id, steps)
	n.add(store.NatDossiers, id, s.id, string(s.typ), string(s.out.state), len(trs)+1, steps[0].at, s.coordinator.id,
		last.at, last.actor.idOrNil(), last.at, lettreFiled, opt(workflow.ValiderLettreIntention),
		opt(workflow.DeposerProjetSante), opt(workflow.ValiderProjetSante), opt(workflow.DeposerDemande), instructeur,
		avis, avisMot, posARS, optAt(workflow.PositionARS), posARSBy, posDCGDR, optAt(workflow.PositionDCGDR), posDCGDRBy,
		decided, head, seq, boundAt, seatDep, cpam, ars, dcgdr)
	n.documents(s, id, a, dates)
	n.messages(s, id, a, steps)
	return nil
}

// contractStates sets the from and to of the contract's acts that change
// no state (a mission start, a declaration, an avenant) to the contract's
// state at their time: a declaration of the last year, made after the
// contract's end, is recorded on the échu contract.
func contractStates(steps []step) {
	cur := workflow.State("")
	for i, s := range steps {
		switch s.tr {
		case workflow.Accepter, workflow.Signer, workflow.DemanderResiliation, workflow.Resilier, workflow.Echoir:
			if s.tr == workflow.Accepter {
				cur = workflow.ASigner
			} else {
				cur = s.to
			}
		case "demarrage_mission", "declaration_annuelle", workflow.Avenant:
			steps[i].from, steps[i].to = cur, cur
		}
	}
}

func (u natUser) idOrNil() any {
	if u.id == 0 {
		return nil
	}
	return u.id
}

// audit chains the steps (workflow.AuditHash, as store.appendAudit does)
// and returns the head hash and the row count.
func (n *national) audit(dossierID int64, steps []step) (string, int) {
	prev := workflow.GenesisHash
	for i, s := range steps {
		name := s.actor.name
		if s.actor.id == 0 {
			name = store.SystemActorName
		}
		at := s.at.UTC().Truncate(time.Microsecond)
		row := workflow.AuditRow{DossierID: dossierID, ActorUserID: s.actor.id, ActorName: name, At: at,
			Transition: s.tr, From: s.from, To: s.to, Motivation: s.motivation, PrevHash: prev}
		h := workflow.AuditHash(prev, row)
		var notified any
		if s.at.Before(n.base.Now.Add(-time.Hour)) {
			notified = s.at.Add(time.Minute) // the notifications engine told them long ago
		}
		n.add(store.NatDossierAudit, n.next(store.NatDossierAudit), dossierID, i+1, s.actor.idOrNil(), name, at,
			string(s.tr), string(s.from), string(s.to), s.motivation, prev, h, notified)
		prev = h
	}
	return prev, len(steps)
}

// payment is one payment row to write, its state drawn from its due date.
type payment struct {
	p        funding.Payment
	ruleKey  string
	contract int64  // 0: a payment of the dossier
	cancel   string // reason when cancelled
	cancelOn domain.Date
}

// writePayments numbers the dossier's payments and gives each its state:
// due more than 45 days ago: paid (or recovered, for a negative amount);
// due since: ordered; to come: planned; cancelled when a reason is given.
func (n *national) writePayments(s *natStructure, dossierID int64, a *natAgencies, seq0 int, ps []payment) {
	for i, x := range ps {
		id := n.next(store.NatPayments)
		var contract any
		if x.contract != 0 {
			contract = x.contract
		}
		created := x.p.Due.AddDays(-30).Time()
		status := "prevu"
		var ordered, orderedBy, paid, paidBy, cancelled, cancelledBy any
		paidRef := ""
		due := x.p.Due
		switch {
		case x.cancel != "":
			status, cancelled, cancelledBy = "annule", x.cancelOn.Time(), a.manager.id
		case !due.After(n.today.AddDays(-45)):
			status, ordered, orderedBy = "verse", due.Time(), a.manager.id
			if x.p.Amount < 0 {
				status = "recouvre"
			}
			paid, paidBy = due.AddDays(5+n.rng.IntN(20)).Time(), a.manager.id
			paidRef = fmt.Sprintf("VIR-%d-%06d", due.Y, id)
		case !due.After(n.today):
			status, ordered, orderedBy = "ordonnance", due.Time(), a.manager.id
		}
		n.add(store.NatPayments, id, contract, dossierID, s.id, seq0+i, due.Time(), x.p.ContractYear, string(x.p.Mission),
			string(x.p.Kind), int64(x.p.Amount), x.p.Rule, x.ruleKey, status, created, ordered, orderedBy, paid, paidBy,
			paidRef, cancelled, cancelledBy, x.cancel)
	}
}

func (n *national) amorcage(s *natStructure, dossierID int64, validated domain.Date, a *natAgencies) error {
	if validated.Before(firstCPTSDay().AddMonths(-2)) {
		return nil // no barème in the portal then: no amount to compute
	}
	p, err := store.LetterAmorcage(s.population, validated)
	if err != nil {
		return err
	}
	n.writePayments(s, dossierID, a, 1, []payment{{p: p}})
	return nil
}

// contract writes the contract of an accepted dossier and its life; it
// returns the audit steps of that life.
func (n *national) contract(s *natStructure, a *natAgencies, dossierID int64, accepted time.Time, start, end domain.Date) ([]step, error) {
	id := n.next(store.NatContracts)
	createdOn := domain.DateOf(accepted)
	cf := funding.ContractFunding{StructureType: s.typ, Start: start}
	tier := store.NationalContractTier{}
	if s.typ == domain.CPTS {
		b, err := funding.BaremeAt(funding.Builtin(), createdOn)
		if err != nil {
			return nil, err
		}
		if s.tier, err = b.Tier(s.population); err != nil {
			return nil, err
		}
		cf.BaremeCode, cf.Tier = b.Code, s.tier
		cf.Missions = append(cf.Missions, funding.SocleMissions()...)
		tier = store.NationalContractTier{Tier: s.tier, Population: s.population}
	} else {
		cf.Patientele = s.patientele
		tier.Patientele = s.patientele
	}
	n.tiers[id] = tier
	var steps []step
	state := s.out.contract
	var tierCol, popCol, patCol any
	if s.typ == domain.CPTS {
		tierCol, popCol = s.tier, s.population
	} else {
		patCol = s.patientele
	}
	var startCol, endCol, received, effective, resilieOn, trop, reste, letter any
	requestedBy, motivation, resStatus := "", "", ""
	updated := accepted
	parties := []struct {
		party, org string
		orgID      int64
		who        natUser
		role       domain.Role
	}{{"structure", s.name, s.id, s.coordinator, domain.RoleCoordinator}, {"cpam", a.cpamName, a.cpam, a.manager, domain.RoleManager},
		{"ars", a.arsName, a.ars, a.director, domain.RoleDirector}}
	if state == workflow.ASigner {
		// the structure has signed, the others not yet
		if n.rng.IntN(2) == 0 {
			t := accepted.Add(48 * time.Hour)
			p := parties[0]
			n.add(store.NatSignatures, id, p.party, p.orgID, p.org, p.who.id, p.who.name, string(p.role), t, nil)
			steps = append(steps, step{at: t, tr: workflow.Signer, from: workflow.ASigner, to: workflow.ASigner, actor: p.who,
				motivation: "Signature pour la structure (" + s.name + ")"})
		}
		n.add(store.NatContracts, id, dossierID, s.id, string(s.typ), string(state), 1, accepted, accepted, tierCol, popCol, patCol,
			nil, nil, nil, nil, "", nil, nil, nil, "", nil, "")
		return steps, nil
	}
	startCol, endCol = start.Time(), end.Time()
	for i, p := range parties {
		t := n.at(start.AddDays(i - 2))
		if i == 2 {
			t = n.at(start)
		}
		to := workflow.ASigner
		if i == 2 {
			to = workflow.Actif
		}
		n.add(store.NatSignatures, id, p.party, p.orgID, p.org, p.who.id, p.who.name, string(p.role), t, nil)
		steps = append(steps, step{at: t, tr: workflow.Signer, from: workflow.ASigner, to: to, actor: p.who,
			motivation: "Signature pour " + map[string]string{"structure": "la structure", "cpam": "la CPAM", "ars": "l'ARS"}[p.party] + " (" + p.org + ")"})
	}
	sched, err := funding.ContractPayments(cf)
	if err != nil {
		return nil, err
	}
	// The résiliation, when there is one.
	var recv, eff domain.Date
	switch state {
	case workflow.Resilie:
		// received a few weeks after an anniversary, so the advances of
		// the new year were paid: a trop-perçu to recover.
		years := max(1, start.DaysUntil(n.today.AddMonths(-6))/365)
		recv = start.AddYears(1 + n.rng.IntN(years)).AddDays(10 + n.rng.IntN(40))
		if s.typ == domain.MSP {
			// an MSP's advance of the civil year is paid on 30 April:
			// received in May, it exceeds what the months to the
			// effective date earned.
			recv = domain.NewDate(start.Y+1, time.May, 2+n.rng.IntN(18))
			for y := start.Y + 2; domain.NewDate(y, time.May, 20).Before(n.today.AddMonths(-5)) && n.rng.IntN(2) == 0; y++ {
				recv = domain.NewDate(y, time.May, 2+n.rng.IntN(18))
			}
		}
		if !recv.Before(n.today.AddMonths(-5)) {
			recv = n.today.AddMonths(-5)
		}
	case workflow.ResiliationDemandee:
		recv = n.today.AddDays(-1 - n.rng.IntN(50))
	}
	var ps []payment
	if !recv.IsZero() {
		eff = funding.TerminationEffective(recv)
		requestedBy = []string{"structure", "cpam"}[n.rng.IntN(2)]
		requester := s.coordinator
		if requestedBy == "cpam" {
			requester = a.manager
		}
		received, effective, resStatus = recv.Time(), eff.Time(), "programmee"
		if requestedBy == "structure" {
			letter = recv.AddDays(-3).Time()
		}
		motivation = "Résiliation demandée par " + map[string]string{"structure": "la structure", "cpam": "la CPAM"}[requestedBy]
		steps = append(steps, step{at: n.at(recv), tr: workflow.DemanderResiliation, from: workflow.Actif,
			to: workflow.ResiliationDemandee, actor: requester, motivation: motivation})
		if state == workflow.Resilie {
			var paid domain.Cents
			for _, p := range sched {
				if p.Due.Before(recv) {
					paid += p.Amount
				}
			}
			term, err := funding.ContractTermination(cf, recv, paid)
			if err != nil {
				return nil, err
			}
			resilieOn, trop, reste = eff.Time(), int64(term.TropPercu), int64(term.ResteDu)
			steps = append(steps, step{at: eff.Time().Add(2 * time.Hour), tr: workflow.Resilier, from: workflow.ResiliationDemandee,
				to: workflow.Resilie, motivation: "Résiliation effective le " + eff.French()})
			for _, p := range sched {
				x := payment{p: p, contract: id}
				if !p.Due.Before(recv) {
					x.cancel, x.cancelOn = "Contrat résilié : échéance postérieure à la réception de la résiliation", eff
				}
				ps = append(ps, x)
			}
			if term.TropPercu > 0 {
				ps = append(ps, payment{p: funding.Payment{Due: eff, ContractYear: contractYear(start, eff), Kind: "recouvrement",
					Amount: -term.TropPercu, Rule: "Trop-perçu à recouvrer après la résiliation du " + eff.French()}, contract: id})
			}
			if term.ResteDu > 0 {
				ps = append(ps, payment{p: funding.Payment{Due: eff, ContractYear: contractYear(start, eff), Kind: "solde_resiliation",
					Amount: term.ResteDu, Rule: "Reste dû après la résiliation du " + eff.French()}, contract: id})
			}
			updated = eff.Time().Add(2 * time.Hour)
		}
	}
	if ps == nil {
		for _, p := range sched {
			ps = append(ps, payment{p: p, contract: id})
		}
	}
	if state == workflow.Echu {
		steps = append(steps, step{at: end.Time().Add(time.Hour), tr: workflow.Echoir, from: workflow.Actif, to: workflow.Echu,
			motivation: "Contrat échu le " + end.French()})
		updated = end.Time().Add(time.Hour)
	}
	// The payments of the dossier come after its amorçage (seq 1), when it has one.
	seq0 := 1
	if s.typ == domain.CPTS {
		seq0 = 2
	}
	n.writePayments(s, dossierID, a, seq0, ps)
	// Until when the contract lived.
	lived := n.today
	switch state {
	case workflow.Echu:
		lived = end.AddDays(-1)
	case workflow.Resilie:
		lived = eff
	}
	steps = append(steps, n.missions(s, id, start, steps[2].at, lived)...)
	steps = append(steps, n.years(s, a, id, start, end, lived)...)
	version := 1
	if state == workflow.Actif && n.rng.IntN(12) == 0 {
		version = 2
		steps = append(steps, n.avenant(s, a, id, start))
	}
	if s.typ == domain.CPTS && (state == workflow.Actif || state == workflow.ResiliationDemandee) {
		n.cptsContracts[s.region] = append(n.cptsContracts[s.region], natContract{id: id, structureID: s.id, start: start, end: end, state: state})
	}
	n.add(store.NatContracts, id, dossierID, s.id, string(s.typ), string(state), version, accepted, updated, tierCol, popCol, patCol,
		startCol, endCol, received, effective, requestedBy, resilieOn, trop, reste, motivation, letter, resStatus)
	return steps, nil
}

// firstCPTSDay is the earliest signature of a generated CPTS contract: two
// months after the first built-in barème is in force, so its acceptance
// (weeks before) is computed on it too.
func firstCPTSDay() domain.Date {
	first := funding.Builtin()[0].Effective
	for _, b := range funding.Builtin() {
		if b.Effective.Before(first) {
			first = b.Effective
		}
	}
	return first.AddMonths(2)
}

// contractYear is the contract year (1..6) day d falls in.
func contractYear(start, d domain.Date) int {
	y, ok := contractlife.YearAt(start, d)
	if !ok {
		return 5
	}
	return min(6, max(1, y.N))
}

// missions: every mission of a CPTS contract starts on the contract's
// start (funding.ContractScheduleInput's decision) and is deployed within
// the calendar when the contract lived long enough.
func (n *national) missions(s *natStructure, contractID int64, start domain.Date, signed time.Time, lived domain.Date) []step {
	if s.typ != domain.CPTS {
		return nil
	}
	var steps []step
	cal := map[funding.Mission]int{}
	for _, r := range funding.DeploymentCalendar() {
		cal[r.Mission] = r.DeployMonths
	}
	for _, m := range funding.SocleMissions() {
		t := signed.Add(time.Hour)
		var deployed, deployedAt, deployedBy any
		deployEvidence, deployedName := "", ""
		months := cal[m]
		if months == 0 {
			months = 18
		}
		dep := start.AddMonths(months / 2).AddDays(n.rng.IntN(60))
		if dep.Before(lived) {
			deployed, deployedAt, deployedBy = dep.Time(), n.at(dep), s.coordinator.id
			deployEvidence, deployedName = "Compte rendu du comité de pilotage validant le déploiement", s.coordinator.name
		}
		n.add(store.NatMissions, contractID, string(m), start.Time(), "Délibération du conseil d'administration lançant la mission",
			t, s.coordinator.id, s.coordinator.name, deployed, deployEvidence, deployedAt, deployedBy, deployedName)
		steps = append(steps, step{at: t, tr: "demarrage_mission", from: workflow.Actif, to: workflow.Actif, actor: s.coordinator,
			motivation: fmt.Sprintf("Mission « %s » démarrée le %s", m.Label(), start.French())})
	}
	return steps
}

// years writes the yearly evaluations of a signed contract: each past year
// declared by the structure and validated by the CPAM, with its dialogue de
// gestion and its closing once its balance is due; the year in progress
// half declared.
func (n *national) years(s *natStructure, a *natAgencies, contractID int64, start, end, lived domain.Date) []step {
	type yr struct {
		key, index  int // year_evaluations.year, payments.contract_year
		first, last domain.Date
	}
	var ys []yr
	if s.typ == domain.CPTS {
		for y := 1; y <= funding.ContractYears; y++ {
			ys = append(ys, yr{y, y, start.AddYears(y - 1), start.AddYears(y).AddDays(-1)})
		}
	} else {
		for y := start.Y; y <= end.AddDays(-1).Y; y++ {
			first, last := domain.NewDate(y, time.January, 1), domain.NewDate(y, time.December, 31)
			if first.Before(start) {
				first = start
			}
			ys = append(ys, yr{y, y - start.Y + 1, first, last})
		}
	}
	var codes []string
	var units []string
	if s.typ == domain.CPTS {
		for _, ind := range funding.MandatoryCPTSIndicators() {
			codes = append(codes, ind.Code)
			units = append(units, string(contractlife.MandatoryUnit(ind.Code)))
		}
	} else {
		seen := map[string]bool{}
		for _, ind := range funding.BuiltinMSP() {
			if ind.Kind != funding.MSPOptionnel && !seen[ind.Code] {
				seen[ind.Code] = true
				codes = append(codes, ind.Code)
				units = append(units, "atteint")
			}
		}
	}
	var steps []step
	for _, y := range ys {
		if !y.first.Before(lived) {
			break
		}
		done := y.last.Before(lived) && y.last.AddDays(30).Before(n.today)
		if !done && y.first.DaysUntil(n.today) < 120 {
			continue // too early in the year to declare anything
		}
		upd := n.at(minDate(y.last.AddDays(20), n.today.AddDays(-1)))
		var submitted, submittedBy any
		status, subName := "brouillon", ""
		if done {
			status, submitted, submittedBy, subName = "soumise", upd, s.coordinator.id, s.coordinator.name
		}
		n.add(store.NatYearEvaluations, contractID, y.key, status, upd, submitted, submittedBy, subName)
		closed := done && y.last.AddDays(75).Before(n.today)
		for i, code := range codes {
			var v int64
			switch units[i] {
			case "pourcentage":
				v = int64(500 + n.rng.IntN(9000))
			case "nombre":
				v = int64(100 + n.rng.IntN(5000))
			default:
				v = int64(min(1, n.rng.IntN(5))) // met four times in five
			}
			var validated, validatedAt, validatedBy any
			reason, vName := "", ""
			if closed {
				validated, validatedAt, validatedBy, vName = v, upd.Add(30*24*time.Hour), a.referent.id, a.referent.name
				if units[i] != "atteint" && n.rng.IntN(10) == 0 {
					validated, reason = v*9/10, "Valeur corrigée d'après les données du SNDS"
				}
			}
			n.add(store.NatYearValues, contractID, y.key, code, units[i], v, "", validated, reason, validatedAt, validatedBy, vName)
		}
		if done {
			steps = append(steps, step{at: upd, tr: "declaration_annuelle", from: workflow.Actif, to: workflow.Actif, actor: s.coordinator,
				motivation: fmt.Sprintf("Déclaration des indicateurs de l'année %d", y.key)})
		}
		if closed {
			held := y.last.AddDays(45)
			n.add(store.NatYearMeetings, contractID, y.key, held.Time(), s.coordinator.name, a.referent.name, a.agent.name,
				"Dialogue de gestion : revue des indicateurs de l'année, des actions engagées et des objectifs de l'année suivante.",
				n.at(held), a.referent.id, a.referent.name)
			closedOn := y.last.AddDays(60)
			n.add(store.NatYearClosings, contractID, y.index, closedOn.Time(), n.at(closedOn), a.referent.id, a.referent.name)
		}
	}
	return steps
}

func minDate(a, b domain.Date) domain.Date {
	if a.Before(b) {
		return a
	}
	return b
}

// avenant writes one signed avenant without changes of amounts (the
// object only), and returns its audit step.
func (n *national) avenant(s *natStructure, a *natAgencies, contractID int64, start domain.Date) step {
	id := n.next(store.NatAvenants)
	eff := n.between(start.AddMonths(3), n.today.AddDays(-5))
	t := n.at(eff.AddDays(-3))
	obj := "Mise à jour de la composition de la structure et des coordonnées des signataires"
	n.add(store.NatAvenants, id, contractID, 1, obj, eff.Time(), 2, t, a.manager.id, a.manager.name, "signe", "cpam",
		t.Add(time.Hour), a.manager.name, t.Add(48*time.Hour))
	for i, p := range []struct {
		party, org string
		orgID      int64
		who        natUser
	}{{"structure", s.name, s.id, s.coordinator}, {"cpam", a.cpamName, a.cpam, a.manager}, {"ars", a.arsName, a.ars, a.director}} {
		n.add(store.NatAvenantSignatures, id, p.party, p.orgID, p.org, p.who.id, p.who.name, t.Add(time.Duration(2+i)*time.Hour))
	}
	return step{at: t.Add(48 * time.Hour), tr: workflow.Avenant, from: workflow.Actif, to: workflow.Actif, actor: a.manager, motivation: obj}
}

// documents: the projet de santé (and the statuts of a contracting
// structure) of every dossier that filed it, a small PDF each, accepted by
// the referent once instruction went past them.
func (n *national) documents(s *natStructure, dossierID int64, a *natAgencies, dates map[workflow.Transition]domain.Date) {
	filed, ok := dates[workflow.DeposerProjetSante]
	if !ok {
		return
	}
	_, instructed := dates[workflow.DonnerAvisFavorable]
	if _, ok := dates[workflow.DonnerAvisDefavorable]; ok {
		instructed = true
	}
	codes := []struct{ code, title string }{{"projet_sante", "Projet de santé"}}
	if s.typ != domain.ESP {
		codes = append(codes, struct{ code, title string }{"statuts", "Statuts"})
	}
	for _, c := range codes {
		at := n.at(filed.AddDays(-1))
		content := []byte(fmt.Sprintf("%%PDF-1.4\n%% %s — %s (dossier n° %d)\n%%%%EOF\n", c.title, s.name, dossierID))
		sum := sha256.Sum256(content)
		fileID := n.next(store.NatStoredFiles)
		n.add(store.NatStoredFiles, fileID, c.code+".pdf", "application/pdf", int64(len(content)), hex.EncodeToString(sum[:]),
			content, at, s.coordinator.id)
		docID := n.next(store.NatDocuments)
		state := "en_attente"
		var reviewedAt, reviewedBy any
		if instructed {
			state, reviewedAt, reviewedBy = "accepte", at.Add(20*24*time.Hour), a.referent.id
		}
		n.add(store.NatDocuments, docID, dossierID, c.code, c.title, state, "", reviewedAt, reviewedBy, 1, at, at)
		n.add(store.NatDocumentVersions, docID, 1, fileID, false)
	}
}

// messages: a question of the structure and the referent's answer on most
// filed dossiers, and now and then an internal note of the CPAM; both
// parties have read the thread.
func (n *national) messages(s *natStructure, dossierID int64, a *natAgencies, steps []step) {
	if len(steps) < 2 || n.rng.IntN(4) == 0 {
		return
	}
	t := steps[1].at.Add(26 * time.Hour)
	q, r := n.next(store.NatMessages), n.next(store.NatMessages)
	n.add(store.NatMessages, q, dossierID, s.coordinator.id, s.coordinator.name, s.id, s.name, string(domain.OrgStructure),
		"Bonjour, pouvez-vous nous confirmer les pièces attendues pour la suite de l'instruction ? Merci.", false, t)
	n.add(store.NatMessages, r, dossierID, a.referent.id, a.referent.name, a.cpam, a.cpamName, string(domain.OrgCPAM),
		"Bonjour, les statuts signés et la liste des membres suffisent à ce stade. Bien cordialement.", false, t.Add(20*time.Hour))
	last := r
	if n.rng.IntN(3) == 0 {
		last = n.next(store.NatMessages)
		n.add(store.NatMessages, last, dossierID, a.referent.id, a.referent.name, a.cpam, a.cpamName, string(domain.OrgCPAM),
			"Note interne : territoire cohérent avec le diagnostic de l'ARS.", true, t.Add(21*time.Hour))
	}
	n.add(store.NatMessageReads, s.coordinator.id, dossierID, r)
	n.add(store.NatMessageReads, a.referent.id, dossierID, last)
}

// crises: one or two health crises declared by each ARS in the last two
// years, with a result for every CPTS contract in force in its région (no
// crisis plan accepted in this data set: no payment, the reason says why).
func (n *national) crises() {
	regions := make([]string, 0, len(n.cptsContracts))
	for r := range n.cptsContracts {
		regions = append(regions, r)
	}
	slices.Sort(regions)
	for _, r := range regions {
		var a *natAgencies
		for _, d := range n.base.Departements {
			if d[2] == r {
				a = n.agencies[d[0]]
				break
			}
		}
		if a == nil {
			continue
		}
		for k := range 1 + n.rng.IntN(2) {
			id := n.next(store.NatCrises)
			startOn := n.today.AddDays(-30 - n.rng.IntN(700))
			endOn := startOn.AddDays(20 + n.rng.IntN(60))
			name := []string{"Épidémie de bronchiolite", "Vague de chaleur", "Épidémie de grippe saisonnière"}[(k+n.rng.IntN(3))%3]
			t := n.at(startOn.AddDays(2))
			n.add(store.NatCrises, id, a.ars, r, name+" "+fmt.Sprint(startOn.Y), startOn.Time(), endOn.Time(), []string{},
				domain.DateOf(t).Time(), t, a.director.id, a.director.name)
			for _, c := range n.cptsContracts[r] {
				if c.start.After(startOn) {
					continue
				}
				n.add(store.NatCrisisResults, id, c.id, c.structureID, nil, int64(0), "Aucun plan de crise accepté pour ce contrat")
			}
		}
	}
}
