package store

import (
	"github.com/portail-aci/aci/internal/access"
	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/workflow"
)

// The store asks internal/access before it writes; it compares no role
// itself. A refused act keeps the coded error of its kind: when the viewer's
// role never allows the act on such a record it is "not found" (as outside
// the scope); when the role allows it but not in the record's state, the
// caller answers with its conflict.

// Viewer is the scope's active membership as internal/access sees it.
func (s Scope) Viewer() access.Viewer {
	return access.Viewer{UserID: s.UserID, OrgID: s.OrgID, Kind: s.Kind, Role: s.Role}
}

// Permission is sc's permission on structure d (internal/access).
func (d StructureDetail) Permission(sc Scope) access.Permission {
	return access.For(sc.Viewer(), access.Structure(d.ID, d.StructureType, d.ArchivedAt != nil))
}

// Permission is sc's permission on dossier d (internal/access).
func (d Dossier) Permission(sc Scope) access.Permission {
	return access.For(sc.Viewer(), access.Dossier(d.StructureID, d.StructureType, d.State, d.Opinion))
}

// Permission is sc's permission on contract c (internal/access).
func (c Contract) Permission(sc Scope) access.Permission {
	signed := map[workflow.Party]bool{}
	for _, s := range c.Signatures {
		signed[s.Party] = true
	}
	return access.For(sc.Viewer(), access.Contract(c.StructureID, c.StructureType, c.State, signed))
}

// roleAllows reports whether sc's role allows act on a record like subj in
// at least one state (and CPAM avis) of its lifecycle: when it does not, the
// refusal is about the role, and the record is "not found" to sc.
func roleAllows(sc Scope, subj access.Subject, act access.Act) bool {
	v := sc.Viewer()
	if access.For(v, subj).Can(act) {
		return true
	}
	states := workflow.States(subj.StructureType)
	if subj.StructureType == "" {
		states = append(append(workflow.States(domain.CPTS), workflow.States(domain.MSP)...), workflow.States(domain.ESP)...)
	}
	for _, st := range states {
		for _, avis := range []workflow.Position{"", workflow.Favorable, workflow.Defavorable} {
			s := subj
			s.State, s.Avis = st, avis
			if access.For(v, s).Can(act) {
				return true
			}
		}
	}
	return false
}

// dossierSubject is a dossier of structure structureID (type t) as a subject
// whose state does not matter to the caller.
func dossierSubject(structureID int64, t domain.StructureType) access.Subject {
	return access.Dossier(structureID, t, "", "")
}
