package server_test

import (
	"context"
	"log/slog"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/portail-aci/aci/internal/config"
	"github.com/portail-aci/aci/internal/domain/workflow"
	"github.com/portail-aci/aci/internal/seed"
	"github.com/portail-aci/aci/internal/server"
	"github.com/portail-aci/aci/internal/store"
	"github.com/portail-aci/aci/internal/store/pgtest"
)

// Two app instances on one database run every background job at the same
// time, three rounds each: nothing is done twice (docs/rules.md §39) — each
// e-mail of the outbox is handed to the sender once (SMTP_URL unset: the
// sender is the log line), the « réputé validé » transition of a dossier
// happens once, each notification exists once per user and event, each
// contract-year advance once.
func TestTwoInstancesRunEachJobOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	u := pgtest.NewURL(t)
	now := time.Now()
	clock := func() time.Time { return now }
	var logs [2]*syncBuffer
	var srvs [2]*server.Server
	var st *store.Store
	for i := range srvs {
		s, err := store.Open(ctx, u, pgtest.Options(clock))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(s.Close)
		if i == 0 {
			st = s
			if err := seed.Demo(ctx, s); err != nil {
				t.Fatal(err)
			}
		}
		cfg, err := config.Parse(func(k string) string { return map[string]string{"ADDR": "127.0.0.1:0", "MFA": "optional"}[k] })
		if err != nil {
			t.Fatal(err)
		}
		logs[i] = &syncBuffer{}
		srvs[i] = server.New(cfg, s, slog.New(slog.NewTextHandler(logs[i], nil)), server.Options{Now: clock})
	}
	// Work for the jobs: a CPTS projet de santé filed three months ago (due
	// to be réputé validé), and every audit row of the demo to notify.
	val := demoID(t, st, seed.ValDeDemo)
	if _, err := pgtest.Owner(t, st).Exec(ctx, `UPDATE dossiers SET state = 'projet_sante_depose', projet_sante_filed_on = $2::date - 92 WHERE id = $1`,
		val, now.Format("2006-01-02")); err != nil {
		t.Fatal(err)
	}
	// And a queue of e-mails waiting to be sent, as the acts of a busy day
	// leave it (outboxEnqueue's columns), for the two outbox workers to race on.
	if _, err := pgtest.Owner(t, st).Exec(ctx, `INSERT INTO outbox (to_email, user_id, subject, body, created_at, send_after)
		SELECT u.email, u.id, 'Courriel en attente ' || g, 'Corps ' || g, $1, $1
		FROM (SELECT id, email FROM users ORDER BY id LIMIT 5) u, generate_series(1, 30) g`, now); err != nil {
		t.Fatal(err)
	}
	var pendingAudit int
	if err := pgtest.Owner(t, st).QueryRow(ctx, `SELECT count(*) FROM dossier_audit WHERE notified_at IS NULL`).Scan(&pendingAudit); err != nil || pendingAudit == 0 {
		t.Fatalf("audit rows to notify: %d %v", pendingAudit, err)
	}

	var wg sync.WaitGroup
	for _, srv := range srvs {
		for _, j := range srv.Jobs() {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 3 {
					if err := j.Run(ctx); err != nil {
						t.Errorf("job %s: %v", j.Name, err)
					}
				}
			}()
		}
	}
	wg.Wait()
	// The outbox job last, once more on both, for the mails the notifier
	// wrote after the outbox's last round.
	wg.Add(2)
	for _, srv := range srvs {
		go func() {
			defer wg.Done()
			for _, j := range srv.Jobs() {
				if j.Name == "outbox" {
					for range 10 {
						if err := j.Run(ctx); err != nil {
							t.Errorf("outbox: %v", err)
						}
					}
				}
			}
		}()
	}
	wg.Wait()

	q := func(sql string, args ...any) int {
		t.Helper()
		var n int
		if err := pgtest.Owner(t, st).QueryRow(ctx, sql, args...).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := q(`SELECT count(*) FROM dossier_audit WHERE notified_at IS NULL`); n != 0 {
		t.Fatalf("%d audit rows left unnotified", n)
	}
	// Each e-mail handed to the sender once.
	sentLine := regexp.MustCompile(`SMTP_URL non configuré[^\n]*outbox_id=(\d+)`)
	handed := map[string]int{}
	for _, l := range logs {
		for _, m := range sentLine.FindAllStringSubmatch(l.String(), -1) {
			handed[m[1]]++
		}
	}
	for id, n := range handed {
		if n != 1 {
			t.Errorf("e-mail %s handed to the sender %d times", id, n)
		}
	}
	mails := q(`SELECT count(*) FROM outbox WHERE NOT digest`)
	if done := q(`SELECT count(*) FROM outbox WHERE logged_at IS NOT NULL OR sent_at IS NOT NULL`); mails == 0 || done != len(handed) ||
		q(`SELECT count(*) FROM outbox WHERE logged_at IS NULL AND sent_at IS NULL AND send_after <= $1`, now) != 0 {
		t.Fatalf("%d e-mails (not digests), %d marked done, %d handed to the sender", mails, done, len(handed))
	}
	// An e-mail is written once per notification: no two outbox rows for
	// the same user, subject and body.
	if n := q(`SELECT count(*) FROM (SELECT 1 FROM outbox GROUP BY user_id, subject, body HAVING count(*) > 1) d`); n != 0 {
		t.Fatalf("%d e-mails written twice", n)
	}
	// The scheduled transition once.
	if n := q(`SELECT count(*) FROM dossier_audit WHERE dossier_id = $1 AND transition = $2`, val, string(workflow.ReputerValideProjetSante)); n != 1 {
		t.Fatalf("réputé validé recorded %d times", n)
	}
	// Each contract-year advance once (payments_once is the guard).
	if n := q(`SELECT count(*) FROM (SELECT 1 FROM payments WHERE status <> 'annule'
			GROUP BY structure_id, kind, rule_key, mission, contract_year HAVING count(*) > 1) d`); n != 0 {
		t.Fatalf("%d payments created twice", n)
	}
	t.Logf("%d audit rows notified, %d e-mails sent once each", pendingAudit, len(handed))
}

func demoID(t *testing.T, st *store.Store, name string) int64 {
	t.Helper()
	var id int64
	if err := pgtest.Owner(t, st).QueryRow(context.Background(), `SELECT d.id FROM dossiers d JOIN organisations o ON o.id = d.structure_id
		WHERE o.name = $1`, name).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}
