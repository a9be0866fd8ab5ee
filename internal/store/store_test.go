package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/portail-aci/aci/internal/auth"
	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/seed"
	"github.com/portail-aci/aci/internal/store"
	"github.com/portail-aci/aci/internal/store/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// newStore runs the test in parallel with the package's other parallel tests
// (each has its own database) and returns a store on the test's database.
func newStore(t *testing.T) *store.Store {
	t.Helper()
	t.Parallel()
	return pgtest.Store(t, time.Now)
}

// demo loads the demo organisations and accounts and returns the scope of
// each demo account by e-mail.
func demo(t testing.TB, st *store.Store) map[string]store.Scope {
	t.Helper()
	ctx := context.Background()
	if err := seed.Demo(ctx, st); err != nil {
		t.Fatal(err)
	}
	out := map[string]store.Scope{}
	for _, a := range seed.DemoAccounts() {
		u, err := st.UserByEmail(ctx, a.Email)
		if err != nil {
			t.Fatal(err)
		}
		ms, err := st.Memberships(ctx, u.ID)
		if err != nil || len(ms) != 1 {
			t.Fatalf("%s: memberships %v, %v", a.Email, ms, err)
		}
		sc, err := st.ScopeFor(ctx, u.ID, ms[0].OrgID)
		if err != nil {
			t.Fatal(err)
		}
		out[a.Email] = sc
	}
	return out
}

func names(orgs []store.Organisation) []string {
	var out []string
	for _, o := range orgs {
		out = append(out, o.Name)
	}
	slices.Sort(out)
	return out
}

func TestScopeListsExactlyTheTenantsStructures(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	scopes := demo(t, st)
	want := map[string][]string{
		"coordinateur@demo.portail-aci.fr":   {seed.ValDeDemo},
		"coordinateur.b@demo.portail-aci.fr": {seed.MontsDeDemo},
		"msp@demo.portail-aci.fr":            {seed.MSPLille},
		seed.CotiereCoordinator:              {seed.CotiereDeDemo},
		"referent@demo.portail-aci.fr":       {seed.ValDeDemo, seed.CotiereDeDemo},
		"ars@demo.portail-aci.fr":            {seed.MontsDeDemo, seed.ValDeDemo, seed.CotiereDeDemo},
		"dcgdr@demo.portail-aci.fr":          {seed.MontsDeDemo, seed.ValDeDemo, seed.CotiereDeDemo},
		"admin@demo.portail-aci.fr":          {seed.MontsDeDemo, seed.MSPLille, seed.ValDeDemo, seed.CotiereDeDemo},
	}
	all, _, err := st.ListStructures(ctx, scopes["admin@demo.portail-aci.fr"], store.StructureFilter{}, store.Page{Number: 1, Size: 50})
	if err != nil {
		t.Fatal(err)
	}
	for email, w := range want {
		sc := scopes[email]
		got, total, err := st.ListStructures(ctx, sc, store.StructureFilter{}, store.Page{Number: 1, Size: 50})
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(w)
		if !slices.Equal(names(got), w) || total != len(w) {
			t.Errorf("%s sees %v (total %d), want %v", email, names(got), total, w)
		}
		// Structure agrees with the list for every structure.
		for _, o := range all {
			_, err := st.Structure(ctx, sc, o.ID)
			visible := slices.Contains(w, o.Name)
			if visible && err != nil {
				t.Errorf("%s: Structure(%s): %v", email, o.Name, err)
			}
			if !visible && !domain.IsNotFound(err) {
				t.Errorf("%s: Structure(%s) = %v, want not_found", email, o.Name, err)
			}
		}
	}
	// The zero scope sees nothing.
	if got, _, _ := st.ListStructures(ctx, store.Scope{}, store.StructureFilter{}, store.Page{Number: 1, Size: 50}); len(got) != 0 {
		t.Errorf("zero scope sees %v", names(got))
	}
}

func TestListStructuresFiltersAndPaginates(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	scopes := demo(t, st)
	for i := 0; i < 120; i++ {
		if _, err := st.CreateOrganisation(ctx, store.NewOrganisation{Kind: domain.OrgStructure, StructureType: domain.MSP,
			Name: "MSP test " + string(rune('A'+i/26)) + string(rune('a'+i%26)), Departement: "01"}); err != nil {
			t.Fatal(err)
		}
	}
	ref := scopes["referent@demo.portail-aci.fr"]
	p1, total, err := st.ListStructures(ctx, ref, store.StructureFilter{}, store.Page{Number: 1, Size: 50})
	if err != nil || total != 122 || len(p1) != 50 {
		t.Fatalf("page 1: %d rows, total %d, %v", len(p1), total, err)
	}
	p3, _, _ := st.ListStructures(ctx, ref, store.StructureFilter{}, store.Page{Number: 3, Size: 50})
	if len(p3) != 22 {
		t.Errorf("page 3 has %d rows, want 22", len(p3))
	}
	cpts, total, _ := st.ListStructures(ctx, ref, store.StructureFilter{Type: domain.CPTS}, store.Page{Number: 1, Size: 50})
	if total != 2 || !slices.Equal(names(cpts), []string{seed.CotiereDeDemo, seed.ValDeDemo}) {
		t.Errorf("CPTS filter: %v", names(cpts))
	}
	q, total, _ := st.ListStructures(ctx, ref, store.StructureFilter{Query: "val de d"}, store.Page{Number: 1, Size: 50})
	if total != 1 || q[0].Name != seed.ValDeDemo {
		t.Errorf("query filter: %v", names(q))
	}
	// LIKE metacharacters are literal.
	if _, total, _ := st.ListStructures(ctx, ref, store.StructureFilter{Query: "%"}, store.Page{Number: 1, Size: 50}); total != 0 {
		t.Errorf("%% matched %d structures", total)
	}
}

func TestMembershipsAndSwitch(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	scopes := demo(t, st)
	ref := scopes["referent@demo.portail-aci.fr"]
	// Give the referent a second membership: coordinator of Monts.
	monts, err := st.OrganisationIDByName(ctx, domain.OrgStructure, seed.MontsDeDemo)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.AddMembership(ctx, ref.UserID, monts, domain.RoleCoordinator); err != nil {
		t.Fatal(err)
	}
	ms, err := st.Memberships(ctx, ref.UserID)
	if err != nil || len(ms) != 2 {
		t.Fatalf("memberships: %v %v", ms, err)
	}
	sc, err := st.ScopeFor(ctx, ref.UserID, monts)
	if err != nil || sc.Kind != domain.OrgStructure || sc.Role != domain.RoleCoordinator || sc.OrgID != monts {
		t.Fatalf("scope for Monts: %+v %v", sc, err)
	}
	// A role that does not exist for the organisation kind is refused.
	if err := st.AddMembership(ctx, ref.UserID, monts, domain.RoleDirector); domain.ErrorCode(err) != domain.EInvalid {
		t.Errorf("director in a structure: %v", err)
	}
	// No membership, no scope.
	lille, _ := st.OrganisationIDByName(ctx, domain.OrgStructure, seed.MSPLille)
	if _, err := st.ScopeFor(ctx, ref.UserID, lille); !domain.IsNotFound(err) {
		t.Errorf("scope without membership: %v", err)
	}
	// A disabled user has no scope at all.
	if err := st.SetUserDisabled(ctx, store.CLIActor(), ref.UserID, true); err != nil {
		t.Fatal(err)
	}
	if _, err := st.ScopeFor(ctx, ref.UserID, ref.OrgID); !domain.IsNotFound(err) {
		t.Errorf("disabled user still has a scope: %v", err)
	}
}

func TestDemoSeedIsIdempotent(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	demo(t, st)
	var orgs, users int
	count := func() {
		_ = pgtest.Owner(t, st).QueryRow(ctx, "SELECT count(*) FROM organisations").Scan(&orgs)
		_ = pgtest.Owner(t, st).QueryRow(ctx, "SELECT count(*) FROM users").Scan(&users)
	}
	count()
	o1, u1 := orgs, users
	if err := seed.Demo(ctx, st); err != nil {
		t.Fatal(err)
	}
	count()
	if orgs != o1 || users != u1 {
		t.Errorf("second seed changed counts: orgs %d→%d users %d→%d", o1, orgs, u1, users)
	}
	u, _ := st.UserByEmail(ctx, "coordinateur@demo.portail-aci.fr")
	if !auth.Check(u.PasswordHash, seed.DemoPassword) {
		t.Error("demo password does not match")
	}
}

func TestLoginHistory(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	hist := func(email, ip string) auth.LoginHistory {
		t.Helper()
		h, err := st.LoginHistory(ctx, email, ip, now)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	rec := func(email, ip string, ok bool, ago time.Duration) {
		t.Helper()
		if err := st.RecordLoginAttempt(ctx, email, ip, ok, now.Add(-ago)); err != nil {
			t.Fatal(err)
		}
	}
	if h := hist("a@x.fr", "10.0.0.1"); h != (auth.LoginHistory{}) {
		t.Fatalf("empty history: %+v", h)
	}
	rec("a@x.fr", "10.0.0.1", true, 48*time.Hour) // a@x.fr has logged in from 10.0.0.1
	rec("a@x.fr", "10.0.0.1", false, 20*time.Minute)
	rec("a@x.fr", "10.0.0.2", false, 10*time.Minute)
	rec("a@x.fr", "10.0.0.2", false, 2*time.Minute)
	rec("A@X.fr", "10.0.0.2", false, time.Minute)
	rec("a@x.fr", "10.0.0.2", false, -time.Minute) // in the future of now: not counted
	rec("a@x.fr", "10.0.0.1", false, 25*time.Hour) // before the last success and beyond LockMemory
	h := hist("a@x.fr", "10.0.0.2")
	want := auth.LoginHistory{AccountFailures: 4, AccountLastFailure: now.Add(-time.Minute),
		PairFailures: 3, PairLastFailure: now.Add(-time.Minute), AddressAccounts: 1, AddressLastFailure: now.Add(-time.Minute)}
	if !h.AccountLastFailure.Equal(want.AccountLastFailure) || !h.PairLastFailure.Equal(want.PairLastFailure) || !h.AddressLastFailure.Equal(want.AddressLastFailure) {
		t.Fatalf("times: %+v", h)
	}
	h.AccountLastFailure, h.PairLastFailure, h.AddressLastFailure = want.AccountLastFailure, want.PairLastFailure, want.AddressLastFailure
	if h != want {
		t.Fatalf("history %+v, want %+v", h, want)
	}
	if h := hist("a@x.fr", "10.0.0.1"); !h.KnownAddress || h.PairFailures != 0 || h.AccountFailures != 4 {
		t.Fatalf("known address: %+v", h)
	}
	// Spraying: distinct accounts from one address within the window.
	for _, e := range []string{"c1@x.fr", "c2@x.fr", "c3@x.fr", "c3@x.fr"} {
		rec(e, "10.0.0.2", false, 3*time.Minute)
	}
	rec("c9@x.fr", "10.0.0.2", false, 16*time.Minute) // outside the window
	if h := hist("b@x.fr", "10.0.0.2"); h.AddressAccounts != 4 || h.AccountFailures != 0 || h.KnownAddress {
		t.Fatalf("address: %+v", h)
	}
	// A success resets the account's and the pair's counts.
	rec("a@x.fr", "10.0.0.3", true, 30*time.Second)
	if h := hist("a@x.fr", "10.0.0.2"); h.AccountFailures != 0 || h.PairFailures != 0 || h.KnownAddress {
		t.Fatalf("after a success: %+v", h)
	}
}

// The session rows of the server's scs store: found with their viewer
// until their expiry, the expiry moved forward never past the deadline,
// deleted.
func TestSessionRows(t *testing.T) {
	st := newStore(t)
	ctx := context.Background()
	now := time.Now()
	if err := st.CommitSession(ctx, "anon", []byte("data"), now.Add(time.Hour), now.Add(2*time.Hour), 0, 0); err != nil {
		t.Fatal(err)
	}
	f, found, err := st.FindSession(ctx, "anon", now)
	if err != nil || !found || string(f.Data) != "data" || f.Viewer != nil || !f.Deadline.After(f.Expiry) {
		t.Fatalf("find: %+v %v %v", f, found, err)
	}
	if _, found, _ := st.FindSession(ctx, "anon", now.Add(61*time.Minute)); found {
		t.Error("session found after its expiry")
	}
	// Extended, but never past the deadline, never backwards.
	if err := st.ExtendSession(ctx, "anon", now.Add(3*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if f, _, _ = st.FindSession(ctx, "anon", now); !f.Expiry.Equal(f.Deadline) {
		t.Errorf("extended to %v, want the deadline %v", f.Expiry, f.Deadline)
	}
	if err := st.ExtendSession(ctx, "anon", now); err != nil {
		t.Fatal(err)
	}
	if g, _, _ := st.FindSession(ctx, "anon", now); !g.Expiry.Equal(f.Expiry) {
		t.Errorf("moved backwards to %v", g.Expiry)
	}
	if err := st.DeleteSession(ctx, "anon"); err != nil {
		t.Fatal(err)
	}
	if _, found, _ := st.FindSession(ctx, "anon", now); found {
		t.Error("session still found after delete")
	}
}
