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
