package domain

import "sync"

// OrgKind is the kind of an organisation (docs/rules.md §12).
type OrgKind string

const (
	OrgStructure OrgKind = "structure" // CPTS, MSP, ESP, ESS
	OrgCPAM      OrgKind = "cpam"      // one or more départements
	OrgARS       OrgKind = "ars"       // one region
	OrgDCGDR     OrgKind = "dcgdr"     // one region
	OrgNational  OrgKind = "national"  // everything
)

// Valid reports whether k is a known organisation kind.
func (k OrgKind) Valid() bool {
	switch k {
	case OrgStructure, OrgCPAM, OrgARS, OrgDCGDR, OrgNational:
		return true
	}
	return false
}

// Label is the French name of the kind.
func (k OrgKind) Label() string {
	switch k {
	case OrgStructure:
		return "Structure"
	case OrgCPAM:
		return "CPAM"
	case OrgARS:
		return "ARS"
	case OrgDCGDR:
		return "DCGDR"
	case OrgNational:
		return "Niveau national"
	}
	return string(k)
}

// Role is a user's role inside one organisation. Roles are an ordered enum:
// within an organisation kind, a higher role can do everything a lower one can
// (member < coordinator; referent < manager; agent < director).
type Role string

const (
	RoleMember      Role = "member"      // structure: reads
	RoleCoordinator Role = "coordinator" // structure: edits, files, signs
	RoleReferent    Role = "referent"    // cpam: instructs, gives avis, validates indicators
	RoleManager     Role = "manager"     // cpam: signs for the CPAM
	RoleAgent       Role = "agent"       // ars: reviews
	RoleDirector    Role = "director"    // ars: validates projet de santé, co-signs, declares crises
	RoleReviewer    Role = "reviewer"    // dcgdr: joint review, reads
	RoleAdmin       Role = "admin"       // national: reference data, barèmes, users
)

// roleSpec gives, for each role, the organisation kind it belongs to and its
// rank within that kind.
type roleInfo struct {
	kind OrgKind
	rank int
}

var roleSpec = sync.OnceValue(func() map[Role]roleInfo {
	return map[Role]roleInfo{
		RoleMember:      {OrgStructure, 1},
		RoleCoordinator: {OrgStructure, 2},
		RoleReferent:    {OrgCPAM, 1},
		RoleManager:     {OrgCPAM, 2},
		RoleAgent:       {OrgARS, 1},
		RoleDirector:    {OrgARS, 2},
		RoleReviewer:    {OrgDCGDR, 1},
		RoleAdmin:       {OrgNational, 1},
	}
})

// Valid reports whether r is a known role.
func (r Role) Valid() bool { _, ok := roleSpec()[r]; return ok }

// Kind is the organisation kind the role belongs to.
func (r Role) Kind() OrgKind { return roleSpec()[r].kind }

// Rank is the role's rank within its organisation kind (1 = lowest).
func (r Role) Rank() int { return roleSpec()[r].rank }

// AllowedFor reports whether r may be held in an organisation of kind k.
func (r Role) AllowedFor(k OrgKind) bool { s, ok := roleSpec()[r]; return ok && s.kind == k }

// AtLeast reports whether r is, in the same organisation kind, at least min.
func (r Role) AtLeast(min Role) bool {
	a, ok1 := roleSpec()[r]
	b, ok2 := roleSpec()[min]
	return ok1 && ok2 && a.kind == b.kind && a.rank >= b.rank
}

// Label is the French name of the role.
func (r Role) Label() string {
	switch r {
	case RoleMember:
		return "Membre"
	case RoleCoordinator:
		return "Coordinateur·rice"
	case RoleReferent:
		return "Référent·e CPAM"
	case RoleManager:
		return "Responsable CPAM"
	case RoleAgent:
		return "Agent ARS"
	case RoleDirector:
		return "Direction ARS"
	case RoleReviewer:
		return "Relecteur·rice DCGDR"
	case RoleAdmin:
		return "Administrateur·rice national·e"
	}
	return string(r)
}

// RolesFor lists the roles an organisation of kind k may grant, lowest first.
func RolesFor(k OrgKind) []Role {
	var out []Role
	for _, r := range []Role{RoleMember, RoleCoordinator, RoleReferent, RoleManager, RoleAgent, RoleDirector, RoleReviewer, RoleAdmin} {
		if r.AllowedFor(k) {
			out = append(out, r)
		}
	}
	return out
}

// StructureType is the type of a care structure (docs/rules.md §2).
type StructureType string

const (
	CPTS StructureType = "CPTS"
	MSP  StructureType = "MSP"
	ESP  StructureType = "ESP"
	ESS  StructureType = "ESS"
)

// Valid reports whether t is a known structure type.
func (t StructureType) Valid() bool { return t == CPTS || t == MSP || t == ESP || t == ESS }
