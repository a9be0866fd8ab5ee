package contractlife

import (
	"testing"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/workflow"
)

func TestLifeWho(t *testing.T) {
	acts := LifeActions()
	if len(acts) != 17 {
		t.Errorf("%d acts", len(acts))
	}
	for _, a := range acts {
		who, ok := LifeWho(a)
		if !ok || len(who) == 0 {
			t.Errorf("%s: nobody", a)
		}
		for _, w := range who {
			if !w.MinRole.AllowedFor(w.Org) {
				t.Errorf("%s: %+v is not a role of that organisation", a, w)
			}
		}
	}
	for a, want := range map[LifeAction]workflow.Who{
		DeclareStart:      {Org: domain.OrgStructure, MinRole: domain.RoleCoordinator},
		DeclareValues:     {Org: domain.OrgStructure, MinRole: domain.RoleCoordinator},
		ValidateValue:     {Org: domain.OrgCPAM, MinRole: domain.RoleReferent},
		CloseYear:         {Org: domain.OrgCPAM, MinRole: domain.RoleReferent},
		CorrectClosedYear: {Org: domain.OrgCPAM, MinRole: domain.RoleManager},
		DeclareCrisis:     {Org: domain.OrgARS, MinRole: domain.RoleDirector},
	} {
		if who, _ := LifeWho(a); len(who) != 1 || who[0] != want {
			t.Errorf("%s: %+v", a, who)
		}
	}
	if _, ok := LifeWho("bogus"); ok {
		t.Error("unknown act")
	}
	who, _ := LifeWho(SignAvenant)
	who[0] = workflow.Who{}
	if again, _ := LifeWho(SignAvenant); again[0] == (workflow.Who{}) {
		t.Error("LifeWho must return a copy")
	}
}
