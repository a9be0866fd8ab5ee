package access

import (
	"testing"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/workflow"
)

// BenchmarkFor is the permission of one viewer on one record, computed on
// every page (the frame's navigation, each block of a home page, each
// dossier or contract shown): its cost is paid per page view.
func BenchmarkFor(b *testing.B) {
	v := Viewer{UserID: 1, OrgID: 2, Kind: domain.OrgCPAM, Role: domain.RoleReferent}
	b.Run("viewer", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = ForViewer(v)
		}
	})
	b.Run("contract", func(b *testing.B) {
		b.ReportAllocs()
		s := Contract(3, domain.CPTS, workflow.Actif, map[workflow.Party]bool{workflow.PartyStructure: true})
		for b.Loop() {
			_ = For(v, s)
		}
	})
}
