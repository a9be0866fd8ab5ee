package store

import (
	"strconv"

	"github.com/portail-aci/aci/internal/domain"
)

// Scope is what the active membership of a user may see. It is computed once
// per request from the session (see Store.ScopeFor) and passed to every store
// method that reads tenant data; the visibility rule lives only here
// (docs/rules.md §12):
//
//   - a structure's users see their structure;
//   - a CPAM sees the structures whose département is one of its départements;
//   - an ARS or a DCGDR sees the structures of its region;
//   - an agency also sees the structures with a dossier bound to it;
//   - dossiers and their data follow their binding (Scope.dossiers,
//     docs/rules.md §33), not the structure's seat;
//   - national admins see everything.
//
// Who sees a dossier is one table, dossier_visibility (migration 00170,
// docs/rules.md §36): its view dossier_visibility_rule states the rule
// above from the dossiers, seats and agencies' territories, and triggers
// keep the table equal to it. Scope's dossier predicates and the
// row-level security policies both read that table.
//
// Outside the scope a record is "not found", never "forbidden".
type Scope struct {
	UserID       int64
	UserName     string
	OrgID        int64
	OrgName      string
	Kind         domain.OrgKind
	Role         domain.Role
	Departements []string // CPAM: the départements it covers
	Region       string   // ARS, DCGDR: its region
	SessionEpoch int      // the user's current session epoch (users.session_epoch)
	// MustChangePassword: created with an initial password, the user has not
	// chosen their own yet (every page but /compte is closed to them).
	MustChangePassword bool
}

// Valid reports whether the scope names a real membership.
func (s Scope) Valid() bool { return s.UserID > 0 && s.OrgID > 0 && s.Role.AllowedFor(s.Kind) }

// args accumulates positional query parameters.
type args []any

// add appends v and returns its placeholder ($n).
func (a *args) add(v any) string {
	*a = append(*a, v)
	return "$" + strconv.Itoa(len(*a))
}

// structures returns the SQL predicate restricting rows of organisations
// aliased as alias (kind = 'structure') to the scope. Every query of tenant
// data joins to the structure it belongs to and adds this predicate.
func (s Scope) structures(alias string, a *args) string {
	if !s.Valid() {
		return "FALSE"
	}
	switch s.Kind {
	case domain.OrgNational:
		return alias + ".kind = 'structure'"
	case domain.OrgStructure:
		return alias + ".kind = 'structure' AND " + alias + ".id = " + a.add(s.OrgID)
	case domain.OrgCPAM, domain.OrgARS, domain.OrgDCGDR:
		// The seat's agencies, and the agencies a filed dossier of the
		// structure is bound to (they keep its registry identity after a
		// change of seat: docs/rules.md §33).
		// Written as the union of the two sets of ids (seated, bound) rather
		// than "seated OR EXISTS (a bound dossier)": the same rows, but each
		// half is read through its index and the planner knows how few they
		// are, instead of testing every structure of France one by one
		// (docs/rules.md §35). As = ANY(ARRAY(...)) rather than IN (...):
		// the ids are computed once, then the structures read by their
		// primary key; under a generic plan the planner cannot know the
		// union is a few hundred ids and hashed it against every structure
		// of France (a CPAM's payments filter: 5,0 → 1,2 ms).
		return alias + ".kind = 'structure' AND " + alias + ".id = ANY(ARRAY(SELECT ss.id FROM organisations ss WHERE ss.kind = 'structure' AND " +
			s.seatIn("ss", a) + " UNION ALL SELECT sb.structure_id FROM dossiers sb WHERE sb." + s.boundColumn() + " = " + a.add(s.OrgID) + "))"
	}
	return "FALSE"
}

// seatIn is the predicate "the structure aliased alias is seated in the
// agency's territory" (CPAM: its départements; ARS, DCGDR: its region).
func (s Scope) seatIn(alias string, a *args) string {
	if s.Kind == domain.OrgCPAM {
		return alias + ".departement = ANY(" + a.add(s.Departements) + "::text[])"
	}
	// = ANY(ARRAY(...)): the region's départements computed once, then the
	// structures read through organisations_departement_idx (IN (SELECT ...)
	// hashed the départements and read every structure of France).
	return alias + ".departement = ANY(ARRAY(SELECT code FROM departements WHERE region = " + a.add(s.Region) + "))"
}

// boundColumn is the dossiers column binding a filed dossier to an agency
// of the scope's kind ("" for other kinds).
func (s Scope) boundColumn() string {
	switch s.Kind {
	case domain.OrgCPAM:
		return "cpam_id"
	case domain.OrgARS:
		return "ars_id"
	case domain.OrgDCGDR:
		return "dcgdr_id"
	}
	return ""
}

// dossiers returns the SQL predicate restricting rows of dossiers aliased
// alias to the scope (docs/rules.md §33). Every query of data that belongs to
// a dossier — the dossier itself, its contract, documents, messages,
// internal notes, complements, payments, audit trail, and any new table
// hanging off a dossier or a contract — adds this predicate (or
// Scope.contracts) instead of Scope.structures:
//
//   - a structure's users see their structure's dossiers;
//   - a CPAM, an ARS, a DCGDR sees the dossiers bound to it when they were
//     filed (cpam_id, ars_id, dcgdr_id), whatever the structure's seat is
//     now; a dossier never filed (bound_at NULL, a draft) follows the
//     structure's current seat;
//   - national users see every dossier.
func (s Scope) dossiers(alias string, a *args) string {
	if !s.Valid() {
		return "FALSE"
	}
	switch s.Kind {
	case domain.OrgNational:
		return "TRUE"
	case domain.OrgStructure:
		return alias + ".structure_id = " + a.add(s.OrgID)
	case domain.OrgCPAM, domain.OrgARS, domain.OrgDCGDR:
		return alias + ".id IN (" + s.visibleDossierIDs(a) + ")"
	}
	return "FALSE"
}

// dossiersInStates is Scope.dossiers and "in one of states" for rows of
// dossiers aliased alias (states not empty): an agency's dossiers in those
// states are read from dossier_visibility by its (org_id, state) index
// (migration 00170, docs/rules.md §36) — the few rows of those states rather
// than each of its dossiers probed for its state. The state is tested on
// the dossier too.
func (s Scope) dossiersInStates(alias string, states []string, a *args) string {
	st := a.add(states)
	in := alias + ".state = ANY(" + st + "::text[])"
	if s.Valid() && s.boundColumn() != "" { // an agency
		return alias + ".id IN (SELECT sv.dossier_id FROM dossier_visibility sv WHERE sv.org_id = " + a.add(s.OrgID) +
			" AND sv.state = ANY(" + st + "::text[])) AND " + in
	}
	return s.dossiers(alias, a) + " AND " + in
}

// visibleDossierIDs is the subquery of the ids of the dossiers the scope's
// organisation sees — for an agency, those bound to it and the drafts
// (bound_at NULL) of the structures seated in its territory; for a
// structure, its own — the rows of dossier_visibility kept for it
// (migration 00170, docs/rules.md §36), read through its primary key: one
// index range instead of the union of the bound ones and the seated drafts
// that each statement computed (docs/rules.md §35).
func (s Scope) visibleDossierIDs(a *args) string {
	return "SELECT sv.dossier_id FROM dossier_visibility sv WHERE sv.org_id = " + a.add(s.OrgID)
}

// contracts is Scope.dossiers for rows of contracts aliased alias: a
// contract is seen by whoever sees its dossier.
func (s Scope) contracts(alias string, a *args) string {
	return s.ofDossier(alias+".dossier_id", a)
}

// ofDossier is Scope.dossiers for any row that names its dossier in column
// col (e.g. "p.dossier_id" of a payment, "m.dossier_id" of a message): the
// row is seen by whoever sees the dossier, without joining dossiers.
func (s Scope) ofDossier(col string, a *args) string {
	if !s.Valid() {
		return "FALSE"
	}
	switch s.Kind {
	case domain.OrgStructure, domain.OrgCPAM, domain.OrgARS, domain.OrgDCGDR:
		// A structure's rows of dossier_visibility are its dossiers.
		return col + " IN (" + s.visibleDossierIDs(a) + ")"
	}
	return col + " IN (SELECT sd.id FROM dossiers sd WHERE " + s.dossiers("sd", a) + ")"
}

// SeesStructureDepartement reports whether a structure seated in département
// dep (of region reg) is inside the scope: the same rule as structures(), for
// checks on data not yet in the database (e.g. a structure being created).
func (s Scope) SeesStructureDepartement(dep, reg string) bool {
	if !s.Valid() {
		return false
	}
	switch s.Kind {
	case domain.OrgNational:
		return true
	case domain.OrgCPAM:
		for _, d := range s.Departements {
			if d == dep {
				return true
			}
		}
	case domain.OrgARS, domain.OrgDCGDR:
		return s.Region != "" && s.Region == reg
	}
	return false
}

// regions returns the SQL predicate restricting a region code (the SQL
// expression col, e.g. a commune's region) to the regions where the scope
// sees structures: every region for national admins, its own for an ARS or
// a DCGDR, those of its départements for a CPAM, its seat's for a
// structure. It serves reference data shown beside tenant data (the
// population a steering page divides by, docs/rules.md §32).
func (s Scope) regions(col string, a *args) string {
	if !s.Valid() {
		return "FALSE"
	}
	switch s.Kind {
	case domain.OrgNational:
		return "TRUE"
	case domain.OrgARS, domain.OrgDCGDR:
		return col + " = " + a.add(s.Region)
	case domain.OrgCPAM:
		return col + " IN (SELECT region FROM departements WHERE code = ANY(" + a.add(s.Departements) + "::text[]))"
	case domain.OrgStructure:
		return col + " IN (SELECT dp.region FROM organisations so JOIN departements dp ON dp.code = so.departement WHERE so.id = " + a.add(s.OrgID) + ")"
	}
	return "FALSE"
}

// crises returns the SQL predicate restricting rows of crises aliased as
// alias to the scope (docs/rules.md §31): an ARS or a DCGDR sees the crises
// of its region, a CPAM those whose territory includes one of its
// départements, a structure those that paid it, national admins all.
func (s Scope) crises(alias string, a *args) string {
	if !s.Valid() {
		return "FALSE"
	}
	switch s.Kind {
	case domain.OrgNational:
		return "TRUE"
	case domain.OrgARS, domain.OrgDCGDR:
		return alias + ".region = " + a.add(s.Region)
	case domain.OrgCPAM:
		deps := a.add(s.Departements)
		return alias + ".region IN (SELECT region FROM departements WHERE code = ANY(" + deps + "::text[])) AND (cardinality(" +
			alias + ".departements) = 0 OR " + alias + ".departements && " + deps + "::text[])"
	case domain.OrgStructure:
		return "EXISTS (SELECT 1 FROM crisis_results cr WHERE cr.crisis_id = " + alias + ".id AND cr.payment_id IS NOT NULL AND cr.structure_id = " + a.add(s.OrgID) + ")"
	}
	return "FALSE"
}
