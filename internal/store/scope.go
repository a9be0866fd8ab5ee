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
//   - national admins see everything.
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
	case domain.OrgCPAM:
		return alias + ".kind = 'structure' AND " + alias + ".departement = ANY(" + a.add(s.Departements) + "::text[])"
	case domain.OrgARS, domain.OrgDCGDR:
		return alias + ".kind = 'structure' AND " + alias + ".departement IN (SELECT code FROM departements WHERE region = " + a.add(s.Region) + ")"
	}
	return "FALSE"
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
