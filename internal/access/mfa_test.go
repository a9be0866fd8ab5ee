package access

import (
	"testing"

	"github.com/portail-aci/aci/internal/domain"
)

// Every role of every kind: the agencies and the national level must have
// a second factor, the structures may (docs/rules.md §34); an invalid
// membership requires nothing (it cannot log in).
func TestMFARequired(t *testing.T) {
	for _, k := range []domain.OrgKind{domain.OrgStructure, domain.OrgCPAM, domain.OrgARS, domain.OrgDCGDR, domain.OrgNational} {
		roles := domain.RolesFor(k)
		if len(roles) == 0 {
			t.Fatalf("no role for %s", k)
		}
		for _, r := range roles {
			got := MFARequired(Viewer{UserID: 1, OrgID: 2, Kind: k, Role: r})
			if want := k != domain.OrgStructure; got != want {
				t.Errorf("%s %s: required %v, want %v", k, r, got, want)
			}
		}
	}
	if MFARequired(Viewer{UserID: 1, OrgID: 2, Kind: domain.OrgCPAM, Role: domain.RoleCoordinator}) {
		t.Error("invalid membership")
	}
}
