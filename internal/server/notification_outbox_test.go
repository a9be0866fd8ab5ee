package server_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/portail-aci/aci/internal/config"
	"github.com/portail-aci/aci/internal/mail/mailtest"
	"github.com/portail-aci/aci/internal/seed"
	"github.com/portail-aci/aci/internal/server"
	"github.com/portail-aci/aci/internal/store"
	"github.com/portail-aci/aci/internal/store/pgtest"
)

// TestOutboxThroughSMTPRetriesWithoutDuplicate: with SMTP_URL set, the
// outbox worker sends each e-mail once; the one refused with a 451 is kept,
// retried after the backoff and then sent.
func TestOutboxThroughSMTPRetriesWithoutDuplicate(t *testing.T) {
	t.Parallel() // own database, SMTP fake and clock
	ctx := context.Background()
	st := pgtest.Store(t, time.Now)
	if err := seed.Demo(ctx, st); err != nil {
		t.Fatal(err)
	}
	fake := mailtest.New(t, 1)
	cfg, err := config.Parse(func(k string) string {
		return map[string]string{"ADDR": "127.0.0.1:0", "SMTP_URL": fake.URL(), "MFA": "optional"}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	srv := server.New(cfg, st, slog.New(slog.NewTextHandler(io.Discard, nil)), server.Options{Now: func() time.Time { return now }})
	// Forget the demo's e-mails: only this message's matter here.
	if _, err := pgtest.Owner(t, st).Exec(ctx, `DELETE FROM outbox`); err != nil {
		t.Fatal(err)
	}
	coord := scopeOfStore(t, st, "coordinateur@demo.portail-aci.fr")
	var id int64
	if err := pgtest.Owner(t, st).QueryRow(ctx, `SELECT id FROM dossiers WHERE structure_id = $1`, coord.OrgID).Scan(&id); err != nil {
		id, err = st.CreateDossier(ctx, coord, coord.OrgID, now)
		if err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.PostMessage(ctx, coord, store.NewMessage{DossierID: id, Body: "Bonjour", At: now, LinkBase: "http://x"}); err != nil {
		t.Fatal(err)
	}
	queued := pgtest.Outbox(t, st, "", 100)
	if len(queued) < 3 { // referent, ARS, DCGDR (and any other agent of the Ain/ARA)
		t.Fatalf("%d e-mails queued", len(queued))
	}
	if err := server.RunOutbox(ctx, srv); err != nil {
		t.Fatal(err)
	}
	if n := len(fake.Messages()); n != len(queued)-1 {
		t.Fatalf("first pass delivered %d, want %d (one refused)", n, len(queued)-1)
	}
	now = now.Add(30 * time.Second) // before the backoff: nothing
	server.RunOutbox(ctx, srv)
	if n := len(fake.Messages()); n != len(queued)-1 {
		t.Fatalf("sent before the backoff: %d", n)
	}
	now = now.Add(2 * time.Minute)
	server.RunOutbox(ctx, srv)
	server.RunOutbox(ctx, srv)
	seen := map[string]int{}
	for _, m := range fake.Messages() {
		r := m.Rcpt[0]
		seen[r]++
	}
	for _, m := range queued {
		if seen[m.To] != 1 {
			t.Errorf("%s received %d e-mails", m.To, seen[m.To])
		}
	}
	after := pgtest.Outbox(t, st, "", 100)
	for _, m := range after {
		if m.SentAt == nil || m.LoggedAt != nil {
			t.Errorf("not marked sent: %+v", m)
		}
		if m.To == queued[len(queued)-1].To && m.Attempts != 2 {
			t.Logf("retried row: attempts %d", m.Attempts)
		}
	}
}

func scopeOfStore(t *testing.T, st *store.Store, email string) store.Scope {
	t.Helper()
	ctx := context.Background()
	u, err := st.UserByEmail(ctx, email)
	if err != nil {
		t.Fatal(err)
	}
	ms, _ := st.Memberships(ctx, u.ID)
	sc, err := st.ScopeFor(ctx, u.ID, ms[0].OrgID)
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

// TestOutboxWithoutSMTPLogsAndKeeps: without SMTP_URL the e-mails are
// logged (without their body) and kept, marked logged_at.
func TestOutboxWithoutSMTPLogsAndKeeps(t *testing.T) {
	t.Parallel() // own database and server
	ctx := context.Background()
	st := pgtest.Store(t, time.Now)
	if err := seed.Demo(ctx, st); err != nil {
		t.Fatal(err)
	}
	cfg, _ := config.Parse(func(k string) string { return map[string]string{"ADDR": "127.0.0.1:0", "MFA": "optional"}[k] })
	var logBuf strings.Builder
	var mu sync.Mutex
	log := slog.New(slog.NewTextHandler(writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return logBuf.Write(p)
	}), nil))
	srv := server.New(cfg, st, log, server.Options{})
	coord := scopeOfStore(t, st, "coordinateur@demo.portail-aci.fr")
	var id int64
	if err := pgtest.Owner(t, st).QueryRow(ctx, `SELECT id FROM dossiers WHERE structure_id = $1`, coord.OrgID).Scan(&id); err != nil {
		if id, err = st.CreateDossier(ctx, coord, coord.OrgID, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.PostMessage(ctx, coord, store.NewMessage{DossierID: id, Body: "Texte confidentiel du message", LinkBase: "http://x"}); err != nil {
		t.Fatal(err)
	}
	if err := server.RunOutbox(ctx, srv); err != nil {
		t.Fatal(err)
	}
	all := pgtest.Outbox(t, st, "", 1000)
	if len(all) == 0 {
		t.Fatal("outbox empty")
	}
	for _, m := range all {
		if m.LoggedAt == nil || m.SentAt != nil {
			t.Errorf("not logged: %+v", m)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if !strings.Contains(logBuf.String(), "referent@demo.portail-aci.fr") || strings.Contains(logBuf.String(), "Texte confidentiel") {
		t.Errorf("log: %s", logBuf.String())
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
