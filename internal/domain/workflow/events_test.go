package workflow

import (
	"strings"
	"testing"

	"github.com/portail-aci/aci/internal/domain"
)

func TestEventTitles(t *testing.T) {
	for _, r := range Rules() {
		own, ok := EventTitle(r.Code, true, "CPTS X")
		other, _ := EventTitle(r.Code, false, "CPTS X")
		if !ok || own == "" || !strings.HasPrefix(other, "CPTS X : ") {
			t.Errorf("%s: %q / %q", r.Code, own, other)
		}
		if own == r.Label || strings.HasSuffix(other, r.Label) {
			t.Errorf("%s: the title is the button label %q", r.Code, r.Label)
		}
	}
	if got, _ := EventTitle(RenvoyerLettreIntention, true, "CPTS X"); got != "Votre lettre d'intention a été renvoyée par l'ARS" {
		t.Errorf("renvoi: %q", got)
	}
}

func TestMustAct(t *testing.T) {
	for _, tc := range []struct {
		st   domain.StructureType
		s    State
		kind domain.OrgKind
		role domain.Role
		want bool
	}{
		{domain.CPTS, ASigner, domain.OrgCPAM, domain.RoleManager, true},
		{domain.CPTS, EnInstruction, domain.OrgCPAM, domain.RoleManager, false}, // the referent's work
		{domain.CPTS, EnInstruction, domain.OrgCPAM, domain.RoleReferent, true},
		{domain.CPTS, ProjetSanteDepose, domain.OrgARS, domain.RoleDirector, true},
		{domain.CPTS, ResiliationDemandee, domain.OrgCPAM, domain.RoleManager, true},
		{domain.CPTS, Actif, domain.OrgCPAM, domain.RoleManager, false}, // avenant, résiliation: optional
		{domain.CPTS, DemandeDeposee, domain.OrgARS, domain.RoleDirector, false},
	} {
		if got := MustAct(tc.st, tc.s, tc.kind, tc.role); got != tc.want {
			t.Errorf("MustAct(%s, %s, %s, %s) = %v", tc.st, tc.s, tc.kind, tc.role, got)
		}
	}
}
