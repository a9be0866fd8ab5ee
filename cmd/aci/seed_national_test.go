package main

import (
	"errors"
	"strings"
	"testing"

	"github.com/portail-aci/aci/internal/store/pgtest"
)

// aci seed --scale: a reduced national data set through the binary's entry
// point (same code path as --scale national), then `aci audit verify`
// intact on it, then a second load refused in French; a bad scale is a
// usage error (docs/rules.md §37).
func TestSeedNationalCommand(t *testing.T) {
	t.Parallel() // its own database
	var ec exitCode
	if _, stderr, err := runArgs(t, nil, "seed", "--scale", "régional"); !errors.As(err, &ec) || ec != 2 || !strings.Contains(stderr, "attendu « national »") {
		t.Fatalf("bad scale: %v %q", err, stderr)
	}
	// The bulk copy runs as OWNER_DATABASE_URL, a role that bypasses
	// row-level security (docs/rules.md §37).
	u := pgtest.NewURL(t)
	env := map[string]string{"DATABASE_URL": u, "OWNER_DATABASE_URL": pgtest.SuperuserURL(t, u)}
	out, _, err := runArgs(t, env, "seed", "--scale", "0.01", "--seed", "11")
	if err != nil || !strings.Contains(out, "jeu de données national chargé (facteur 0.01, graine 11)") || !strings.Contains(out, "base : ") {
		t.Fatalf("seed --scale 0.01: %v %q", err, out)
	}
	out, _, err = runArgs(t, env, "audit", "verify")
	if err != nil || !strings.HasPrefix(out, "chaîne d'audit intacte : ") {
		t.Fatalf("audit verify on the national data: %v %q", err, out)
	}
	if _, _, err := runArgs(t, env, "seed", "--scale", "0.01"); err == nil || !strings.Contains(err.Error(), "La base n'est pas vide") {
		t.Fatalf("second load: %v, want the refusal", err)
	}
}
