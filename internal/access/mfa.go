package access

import "github.com/portail-aci/aci/internal/domain"

// MFARequired reports whether a membership must prove a second factor at
// login when the deployment requires it (docs/rules.md §34): the CPAM, ARS,
// DCGDR and national accounts order payments, sign contracts and see many
// tenants; a structure's users are offered it.
func MFARequired(v Viewer) bool {
	return newFacts(v, Subject{}).kind(domain.OrgCPAM, domain.OrgARS, domain.OrgDCGDR, domain.OrgNational)
}
