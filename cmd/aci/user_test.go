package main

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/portail-aci/aci/internal/auth"
	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/seed"
	"github.com/portail-aci/aci/internal/store"
	"github.com/portail-aci/aci/internal/store/pgtest"
)

// aci user create / disable on a fresh deployment: the first national admin
// (organisation created), a CPAM referent with a password from stdin, and
// every refusal as exit 2 with one French line.
func TestUserCommand(t *testing.T) {
	t.Parallel() // its own database; stdin is an argument of run
	ctx := context.Background()
	url := pgtest.NewURL(t)
	st, err := store.Open(ctx, url, pgtest.Options(time.Now))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := seed.Demo(ctx, st); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"DATABASE_URL": url}

	out, stderr, err := runArgs(t, env, "user", "create", "--email", " Premiere.Admin@Exemple.fr", "--name", "Première Admin",
		"--org-kind", "national", "--role", "admin")
	if err != nil {
		t.Fatalf("create admin: %v %s", err, stderr)
	}
	m := regexp.MustCompile(`mot de passe initial \(affiché une seule fois\) : (\S+)`).FindStringSubmatch(out)
	if m == nil || len(m[1]) != 29 {
		t.Fatalf("generated password not shown: %q", out)
	}
	u, err := st.UserByEmail(ctx, "premiere.admin@exemple.fr")
	if err != nil || !auth.Check(u.PasswordHash, m[1]) {
		t.Fatalf("admin account: %+v %v", u, err)
	}
	if ms, _ := st.Memberships(ctx, u.ID); len(ms) != 1 || ms[0].Role != domain.RoleAdmin || ms[0].OrgName != store.NationalOrgName {
		t.Fatalf("admin membership: %+v", ms)
	}

	out, stderr, err = runStdin(t, env, "un mot de passe bien long\n", "user", "create", "--email", "ref2@cpam.fr", "--name", "Réf Deux",
		"--org-kind", "cpam", "--org", "cpam de l'ain", "--role", "referent", "--password-stdin")
	if err != nil || strings.Contains(out, "mot de passe initial") {
		t.Fatalf("create referent: %v %q %s", err, out, stderr)
	}
	u2, err := st.UserByEmail(ctx, "ref2@cpam.fr")
	if err != nil || !auth.Check(u2.PasswordHash, "un mot de passe bien long") {
		t.Fatalf("referent: %v", err)
	}

	for _, tc := range []struct {
		name  string
		stdin string
		args  []string
		want  string
	}{
		{"role of another kind", "", []string{"--email", "a@b.fr", "--name", "A", "--org-kind", "cpam", "--org", "CPAM de l'Ain", "--role", "director"}, "n'existe pas pour une organisation de type CPAM"},
		{"unknown kind", "", []string{"--email", "a@b.fr", "--name", "A", "--org-kind", "mairie", "--org", "X", "--role", "admin"}, "--org-kind"},
		{"org not found", "", []string{"--email", "a@b.fr", "--name", "A", "--org-kind", "cpam", "--org", "CPAM de Nulle Part", "--role", "referent"}, "aucune organisation"},
		{"e-mail taken", "", []string{"--email", "REF2@cpam.fr", "--name", "A", "--org-kind", "cpam", "--org", "CPAM de l'Ain", "--role", "referent"}, "existe déjà"},
		{"password too short", "court\n", []string{"--email", "c@b.fr", "--name", "A", "--org-kind", "national", "--role", "admin", "--password-stdin"}, "au moins 12 caractères"},
		{"common password", "Password2024!\n", []string{"--email", "c@b.fr", "--name", "A", "--org-kind", "national", "--role", "admin", "--password-stdin"}, "plus courants"},
		{"password with the e-mail", "claire.dupont 2025\n", []string{"--email", "claire.dupont@b.fr", "--name", "A", "--org-kind", "national", "--role", "admin", "--password-stdin"}, "adresse e-mail"},
		{"password with the product", "mon portail aci a moi\n", []string{"--email", "c@b.fr", "--name", "A", "--org-kind", "national", "--role", "admin", "--password-stdin"}, "Portail ACI"},
		{"bad e-mail", "", []string{"--email", "nope", "--name", "A", "--org-kind", "national", "--role", "admin"}, "n'est pas valide"},
	} {
		_, stderr, err := runStdin(t, env, tc.stdin, append([]string{"user", "create"}, tc.args...)...)
		var ec exitCode
		if !errors.As(err, &ec) || ec != 2 || !strings.Contains(stderr, tc.want) || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
			t.Errorf("%s: %v %q", tc.name, err, stderr)
		}
	}

	out, stderr, err = runArgs(t, env, "user", "disable", "--email", "Ref2@cpam.fr")
	if err != nil || !strings.Contains(out, "compte désactivé") {
		t.Fatalf("disable: %v %q %s", err, out, stderr)
	}
	if u2, _ = st.UserByEmail(ctx, "ref2@cpam.fr"); u2.DisabledAt == nil {
		t.Fatal("not disabled")
	}
	var ec exitCode
	if _, stderr, err = runArgs(t, env, "user", "disable", "--email", "ref2@cpam.fr"); !errors.As(err, &ec) || ec != 2 || !strings.Contains(stderr, "déjà désactivé") {
		t.Fatalf("disable twice: %v %q", err, stderr)
	}
	if _, stderr, err = runArgs(t, env, "user", "disable", "--email", "personne@nulle.part"); !errors.As(err, &ec) || ec != 2 || !strings.Contains(stderr, "aucun compte") {
		t.Fatalf("disable unknown: %v %q", err, stderr)
	}
	var n int
	if err := pgtest.Owner(t, st).QueryRow(ctx, `SELECT count(*) FROM admin_audit WHERE actor_user_id IS NULL AND action IN ('user_create', 'user_disable')`).Scan(&n); err != nil || n != 3 {
		t.Fatalf("audit rows: %d %v", n, err)
	}
}
