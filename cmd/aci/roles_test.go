package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/portail-aci/aci/internal/store"
	"github.com/portail-aci/aci/internal/store/pgtest"
)

// aci migrate runs as OWNER_DATABASE_URL's role and grants DATABASE_URL's;
// aci serve refuses to serve as the owner of the tables (row-level security
// would not be the wall it is: docs/rules.md §36) and says what to do.
func TestMigrateAsOwnerServeAsApplicationRole(t *testing.T) {
	t.Parallel() // its own database
	ctx := context.Background()
	app := pgtest.NewURL(t)
	owner := pgtest.OwnerURL(app)
	out, _, err := runArgs(t, map[string]string{"DATABASE_URL": app, "OWNER_DATABASE_URL": owner}, "migrate")
	if err != nil || !strings.Contains(out, "droits accordés au rôle applicatif "+pgtest.AppRole) {
		t.Fatalf("migrate: %v\n%s", err, out)
	}
	_, _, err = runArgs(t, map[string]string{"DATABASE_URL": owner, "ADDR": "127.0.0.1:0"}, "serve")
	if err == nil || !strings.Contains(err.Error(), "propriétaire des tables") || !strings.Contains(err.Error(), "OWNER_DATABASE_URL") {
		t.Fatalf("serve as the owner: %v", err)
	}
	st, err := store.Open(ctx, app, pgtest.Options(time.Now))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := store.CheckAppRole(ctx, st.Pool); err != nil {
		t.Fatalf("the application role after migrate: %v", err)
	}
}
