package main

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/portail-aci/aci/internal/seed"
	"github.com/portail-aci/aci/internal/store"
	"github.com/portail-aci/aci/internal/store/pgtest"
)

// aci audit verify: intact after the demo walk (exit 0), then a row changed
// with the triggers disabled (as a superuser could) is named (exit 1).
func TestAuditVerify(t *testing.T) {
	t.Parallel() // its own database
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
	out, _, err := runArgs(t, env, "audit", "verify")
	if err != nil || !strings.HasPrefix(out, "chaîne d'audit intacte : ") || !strings.Contains(out, " dossiers") {
		t.Fatalf("intact: %q %v", out, err)
	}
	if _, err := pgtest.Owner(t, st).Exec(ctx, `ALTER TABLE dossier_audit DISABLE TRIGGER USER`); err != nil {
		t.Fatal(err)
	}
	var id int64
	if err := pgtest.Owner(t, st).QueryRow(ctx, `UPDATE dossier_audit SET actor_name = 'Quelqu''un d''autre'
		WHERE id = (SELECT min(id) FROM dossier_audit WHERE seq = 2) RETURNING dossier_id`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	_, errOut, err := runArgs(t, env, "audit", "verify")
	var ec exitCode
	if !errors.As(err, &ec) || ec != 1 || !strings.Contains(errOut, "ROMPUE") || !strings.Contains(errOut, "ligne n° 2") {
		t.Fatalf("tampered: %q %v", errOut, err)
	}
	if _, _, err := runArgs(t, env, "audit"); !errors.As(err, &ec) || ec != 2 {
		t.Fatalf("usage: %v", err)
	}
}
