package store_test

import (
	"context"
	"testing"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/store"
)

func fieldOf(err error) string {
	if e, ok := err.(*domain.Error); ok {
		return e.Field
	}
	return ""
}

// Accounts administration: creation with its membership and audit row, the
// role refused for the organisation's kind, the taken e-mail, disable and
// re-enable, memberships, the list's filters.
func TestAdminAccounts(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	sc := demo(t, st)
	admin := store.Actor{UserID: sc["admin@demo.portail-aci.fr"].UserID, Name: "Admin"}
	cpam := sc["referent@demo.portail-aci.fr"].OrgID
	ars := sc["ars@demo.portail-aci.fr"].OrgID

	for _, tc := range []struct {
		name  string
		n     store.NewAccount
		field string
	}{
		{"role of another kind", store.NewAccount{Email: "x@ex.fr", Name: "X", PasswordHash: "h", OrgID: cpam, Role: domain.RoleDirector}, "role"},
		{"e-mail taken", store.NewAccount{Email: " Referent@demo.portail-aci.fr ", Name: "X", PasswordHash: "h", OrgID: cpam, Role: domain.RoleReferent}, "email"},
		{"bad e-mail", store.NewAccount{Email: "pas-une-adresse", Name: "X", PasswordHash: "h", OrgID: cpam, Role: domain.RoleReferent}, "email"},
		{"no name", store.NewAccount{Email: "y@ex.fr", Name: " ", PasswordHash: "h", OrgID: cpam, Role: domain.RoleReferent}, "name"},
		{"unknown org", store.NewAccount{Email: "y@ex.fr", Name: "Y", PasswordHash: "h", OrgID: 999999, Role: domain.RoleReferent}, "org_id"},
	} {
		if _, err := st.CreateAccount(ctx, admin, tc.n); fieldOf(err) != tc.field {
			t.Errorf("%s: %v (field %q), want field %q", tc.name, err, fieldOf(err), tc.field)
		}
	}

	id, err := st.CreateAccount(ctx, admin, store.NewAccount{Email: " Nouvelle.Agente@ARS.fr", Name: "Nouvelle Agente", PasswordHash: "h", OrgID: ars, Role: domain.RoleAgent})
	if err != nil {
		t.Fatal(err)
	}
	u, err := st.UserByEmail(ctx, "nouvelle.agente@ars.fr")
	if err != nil || u.ID != id {
		t.Fatalf("created user: %+v %v", u, err)
	}
	if err := st.GrantMembership(ctx, admin, id, cpam, domain.RoleAgent); fieldOf(err) != "role" {
		t.Fatalf("grant agent in a CPAM: %v", err)
	}
	if err := st.GrantMembership(ctx, admin, id, cpam, domain.RoleReferent); err != nil {
		t.Fatal(err)
	}
	if ms, _ := st.Memberships(ctx, id); len(ms) != 2 {
		t.Fatalf("memberships: %+v", ms)
	}
	if err := st.RevokeMembership(ctx, admin, id, cpam); err != nil {
		t.Fatal(err)
	}
	if err := st.RevokeMembership(ctx, admin, admin.UserID, sc["admin@demo.portail-aci.fr"].OrgID); domain.ErrorCode(err) != domain.EConflict {
		t.Fatalf("admin removes own admin membership: %v", err)
	}
	if err := st.SetUserDisabled(ctx, admin, admin.UserID, true); domain.ErrorCode(err) != domain.EConflict {
		t.Fatalf("admin disables self: %v", err)
	}
	if err := st.SetUserDisabled(ctx, admin, id, true); err != nil {
		t.Fatal(err)
	}
	if _, err := st.ScopeFor(ctx, id, ars); !domain.IsNotFound(err) {
		t.Fatalf("disabled user's scope: %v", err)
	}
	if err := st.SetUserDisabled(ctx, admin, id, true); domain.ErrorCode(err) != domain.EConflict {
		t.Fatalf("disable twice: %v", err)
	}
	if err := st.SetUserDisabled(ctx, admin, id, false); err != nil {
		t.Fatal(err)
	}
	audit, err := st.AdminAuditFor(ctx, id)
	if err != nil || len(audit) != 5 || audit[0].Action != store.AuditUserEnable || audit[4].Action != store.AuditUserCreate || audit[0].ActorName != "Admin" {
		t.Fatalf("audit: %+v %v", audit, err)
	}

	rows, total, err := st.ListAccounts(ctx, store.UserFilter{Query: "agente"}, store.Page{Number: 1, Size: 50})
	if err != nil || total != 1 || rows[0].ID != id || len(rows[0].Memberships) != 1 || rows[0].Memberships[0].Role != domain.RoleAgent {
		t.Fatalf("search: %+v %d %v", rows, total, err)
	}
	rows, total, err = st.ListAccounts(ctx, store.UserFilter{Kind: domain.OrgCPAM}, store.Page{Number: 1, Size: 50})
	if err != nil || total < 1 {
		t.Fatalf("kind filter: %d %v", total, err)
	}
	for _, r := range rows {
		ok := false
		for _, m := range r.Memberships {
			ok = ok || m.Kind == domain.OrgCPAM
		}
		if !ok {
			t.Errorf("%s listed under CPAM: %+v", r.Email, r.Memberships)
		}
	}
}

func TestAdminCreateOrganisation(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	demo(t, st)
	a := store.Actor{Name: "Admin"}
	for _, tc := range []struct {
		o     store.NewOrganisation
		field string
	}{
		{store.NewOrganisation{Kind: domain.OrgStructure, Name: "X"}, "kind"},
		{store.NewOrganisation{Kind: domain.OrgCPAM, Name: ""}, "name"},
		{store.NewOrganisation{Kind: domain.OrgCPAM, Name: "CPAM du Rhône"}, "departements"},
		{store.NewOrganisation{Kind: domain.OrgCPAM, Name: "CPAM du Rhône", Departements: []string{"69", "999"}}, "departements"},
		{store.NewOrganisation{Kind: domain.OrgARS, Name: "ARS X"}, "region"},
		{store.NewOrganisation{Kind: domain.OrgARS, Name: "ARS X", Region: "ZZ"}, "region"},
	} {
		if _, err := st.AdminCreateOrganisation(ctx, a, tc.o); fieldOf(err) != tc.field {
			t.Errorf("%+v: %v, want field %q", tc.o, err, tc.field)
		}
	}
	id, err := st.AdminCreateOrganisation(ctx, a, store.NewOrganisation{Kind: domain.OrgCPAM, Name: "CPAM du Rhône", Departements: []string{"69"}})
	if err != nil {
		t.Fatal(err)
	}
	o, err := st.Organisation(ctx, id)
	if err != nil || o.Kind != domain.OrgCPAM || len(o.Departements) != 1 || o.Departements[0] != "69" {
		t.Fatalf("created: %+v %v", o, err)
	}
	if _, err := st.AdminCreateOrganisation(ctx, a, store.NewOrganisation{Kind: domain.OrgCPAM, Name: "cpam du rhône", Departements: []string{"69"}}); fieldOf(err) != "name" {
		t.Fatalf("duplicate name: %v", err)
	}
	n1, err := st.EnsureNationalOrg(ctx, a, "")
	if err != nil {
		t.Fatal(err)
	}
	if n2, err := st.EnsureNationalOrg(ctx, a, ""); err != nil || n2 != n1 {
		t.Fatalf("ensure national twice: %d %d %v", n1, n2, err)
	}
}
