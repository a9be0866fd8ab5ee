package seed_test

import (
	"context"
	"testing"
	"time"

	"github.com/portail-aci/aci/internal/auth"
	"github.com/portail-aci/aci/internal/seed"
	"github.com/portail-aci/aci/internal/store/pgtest"
)

// TestDemoSurvivesItsUsers: whatever users did to the demo records —
// renamed and archived structures, an account renamed, disabled, with
// another password and without its membership — the next load finds them
// by their key and restores them, with no duplicate.
func TestDemoSurvivesItsUsers(t *testing.T) {
	ctx := context.Background()
	st := pgtest.Store(t, time.Now)
	// A demo loaded before the keys existed: an unkeyed organisation of a
	// demo name is adopted, not duplicated.
	if _, err := st.Pool.Exec(ctx, `INSERT INTO organisations (kind, name, structure_type, departement) VALUES ('structure', $1, 'CPTS', '01')`, seed.ValDeDemo); err != nil {
		t.Fatal(err)
	}
	if err := seed.Demo(ctx, st); err != nil {
		t.Fatal(err)
	}
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := st.Pool.Exec(ctx, q, args...); err != nil {
			t.Fatal(err)
		}
	}
	exec(`UPDATE organisations SET name = 'CPTS renommée par un utilisateur' WHERE demo_key = $1`, seed.ValDeDemo)
	exec(`UPDATE organisations SET archived_at = now() WHERE demo_key = $1`, seed.MontsDeDemo)
	other, _ := auth.Hash("un autre mot de passe choisi")
	exec(`UPDATE users SET name = 'Quelqu''un', password_hash = $2, disabled_at = now() WHERE email = $1`, "referent@demo.portail-aci.fr", other)
	exec(`DELETE FROM memberships WHERE user_id = (SELECT id FROM users WHERE email = $1)`, "coordinateur@demo.portail-aci.fr")

	if err := seed.Demo(ctx, st); err != nil {
		t.Fatalf("second load: %v", err)
	}
	var orgs, named, archived int
	st.Pool.QueryRow(ctx, `SELECT count(*) FROM organisations WHERE lower(name) IN (lower($1), lower($2))`, seed.ValDeDemo, seed.MontsDeDemo).Scan(&named)
	st.Pool.QueryRow(ctx, `SELECT count(*) FROM organisations WHERE demo_key IS NOT NULL`).Scan(&orgs)
	st.Pool.QueryRow(ctx, `SELECT count(*) FROM organisations WHERE demo_key IS NOT NULL AND archived_at IS NOT NULL`).Scan(&archived)
	if named != 2 || archived != 0 {
		t.Fatalf("structures: %d with the demo names (want 2), %d archived", named, archived)
	}
	var total int
	st.Pool.QueryRow(ctx, `SELECT count(*) FROM organisations`).Scan(&total)
	if total != orgs {
		t.Fatalf("%d organisations, %d of the demo: a duplicate was created", total, orgs)
	}
	u, err := st.UserByEmail(ctx, "referent@demo.portail-aci.fr")
	if err != nil || u.DisabledAt != nil || u.Name == "Quelqu'un" || !auth.Check(u.PasswordHash, seed.DemoPassword) {
		t.Fatalf("referent not restored: %+v %v", u, err)
	}
	c, _ := st.UserByEmail(ctx, "coordinateur@demo.portail-aci.fr")
	if ms, err := st.Memberships(ctx, c.ID); err != nil || len(ms) != 1 || ms[0].OrgName != seed.ValDeDemo {
		t.Fatalf("coordinator's membership not restored: %+v %v", ms, err)
	}
	// A third load changes nothing (the sessions of the demo accounts go on).
	before := u.SessionEpoch
	if err := seed.Demo(ctx, st); err != nil {
		t.Fatal(err)
	}
	if u2, _ := st.UserByEmail(ctx, u.Email); u2.SessionEpoch != before || u2.PasswordHash != u.PasswordHash {
		t.Fatal("an unchanged demo account was rewritten (its sessions would end)")
	}
}
