package server_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/portail-aci/aci/internal/config"
	"github.com/portail-aci/aci/internal/pdf"
	"github.com/portail-aci/aci/internal/seed"
	"github.com/portail-aci/aci/internal/server"
	"github.com/portail-aci/aci/internal/store"
	"github.com/portail-aci/aci/internal/store/pgtest"
)

// The reports — the CSV exports of lists and the steering page — read the
// reports' store (a read replica in production, DATABASE_REPLICA_URL) and
// nothing else does (docs/rules.md §40). Here the "replica" is another
// database, without the demo data, so what each answer shows tells which
// store it read: the login, the session and the pages read the primary;
// the exports and the steering page the replica.
func TestReportsReadTheReplica(t *testing.T) {
	e := newEnv(t) // its own reports store: read-only, on the same database
	o := pgtest.Options(func() time.Time { return *e.clock })
	o.ReadOnly = true
	replica, err := store.Open(context.Background(), pgtest.NewURL(t), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(replica.Close)
	cfg, err := config.Parse(func(k string) string { return map[string]string{"ADDR": "127.0.0.1:0", "MFA": "optional"}[k] })
	if err != nil {
		t.Fatal(err)
	}
	e2 := &env{t: t, st: e.st, clock: e.clock}
	e2.ts = httptest.NewServer(server.New(cfg, e.st, slog.New(slog.NewTextHandler(io.Discard, nil)),
		server.Options{Now: func() time.Time { return *e.clock }, PDF: pdf.New(pdf.Options{}), Reports: replica}))
	t.Cleanup(e2.ts.Close)

	onPrimary, onReplica := e.loggedIn(adminEmail), e2.loggedIn(adminEmail)
	if r := onReplica.get("/structures"); r.StatusCode != http.StatusOK || !strings.Contains(r.body, seed.ValDeDemo) {
		t.Fatalf("the structures page does not read the primary: %d", r.StatusCode)
	}
	for _, path := range []string{"/structures/export.csv", "/dossiers/export.csv", "/admin/utilisateurs/export.csv"} {
		p, rep := onPrimary.get(path), onReplica.get(path)
		if p.StatusCode != http.StatusOK || rep.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d on the primary, %d with a replica", path, p.StatusCode, rep.StatusCode)
		}
		if p.body == rep.body {
			t.Errorf("%s: the same file from the primary and from the (empty) replica: not read from the replica", path)
		}
	}
	if r := onReplica.get("/structures/export.csv"); strings.Contains(r.body, seed.ValDeDemo) {
		t.Error("the structures export names a structure the replica does not have")
	}
	if r := onPrimary.get("/structures/export.csv"); !strings.Contains(r.body, seed.ValDeDemo) {
		t.Error("the structures export through the read-only store on the primary's database lacks the demo structure")
	}
	for _, path := range []string{"/pilotage", "/pilotage/export.csv"} {
		p, rep := onPrimary.get(path), onReplica.get(path)
		if p.StatusCode != http.StatusOK || rep.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d on the primary, %d with a replica", path, p.StatusCode, rep.StatusCode)
		}
		if p.body == rep.body {
			t.Errorf("%s: the same answer from the primary and from the (empty) replica", path)
		}
	}
}
